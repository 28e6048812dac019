"""The kubelet, which starts the containers of argo, tekton, kubeflow, vertex and Airflow's pods:
how it expands ``$(NAME)`` in a container's command, args and env values, and the environment
the container gets."""

from __future__ import annotations

import re
from collections.abc import Mapping


def k8s_expand(text: str, env: Mapping[str, str]) -> str:
    """What the kubelet makes of `text` in a container's command, args or env value:
    ``$$`` becomes ``$``, ``$(NAME)`` the value of NAME when it is defined (else it stays),
    an unclosed ``$(`` and any other ``$`` stay as they are (Kubernetes' expansion rules,
    written from its API documentation)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$" or i + 1 == len(text):
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            end = text.find(")", i + 2)
            if end == -1:
                out.append("$(")
                i += 2
            else:
                name = text[i + 2:end]
                out.append(env[name] if name in env else f"$({name})")
                i = end + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def k8s_container_env(container: Mapping, annotations: Mapping[str, str]) -> dict[str, str]:
    """The environment Kubernetes gives `container` (values expanded in order, ``fieldRef``
    to ``metadata.annotations['KEY']`` read from the pod's `annotations`)."""
    env: dict[str, str] = {}
    for entry in container.get("env", []):
        if "valueFrom" in entry:
            path = entry["valueFrom"]["fieldRef"]["fieldPath"]
            match = re.fullmatch(r"metadata\.annotations\['([^']+)'\]", path)
            assert match, f"unexpected fieldPath {path!r}"
            env[entry["name"]] = annotations[match.group(1)]
        else:
            env[entry["name"]] = k8s_expand(entry.get("value", ""), env)
    return env
