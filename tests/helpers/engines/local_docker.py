"""Docker Compose: what a service of the compose file hands its container.

Compose interpolates every string value of the file with the environment it runs in
(compose-go's ``template`` package, written from its documentation and source): ``$$`` is
``$``; ``$NAME`` and ``${NAME}`` are the variable (empty when unset); ``${NAME-default}`` /
``${NAME:-default}`` use the default (itself interpolated) when the variable is unset /
unset or empty; ``${NAME?error}`` / ``${NAME:?error}`` stop compose with the error; a ``}``
inside ``${`` counts nested ``{`` pairs; any other ``$`` is an invalid interpolation. A
variable's value is used as is. Docker then starts ``entrypoint + command`` with no shell.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

#: The run id the model's environment sets.
RUN_ID = "0d9e8f7a-0000-4000-8000-compose"
_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")


class InterpolationError(ValueError):
    """Compose would refuse the file (an invalid ``$`` or a required variable that is unset)."""


def _braced_end(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` whose body starts at `start`."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            if depth == 0:
                return index
            depth -= 1
    raise InterpolationError(f"unclosed `${{` in {text!r}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """`text` after compose's interpolation with `env`."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        rest = text[i + 1:]
        if rest.startswith("$"):
            out.append("$")
            i += 2
            continue
        named = _NAME.match(rest)
        if named:
            out.append(env.get(named.group(), ""))
            i += 1 + named.end()
            continue
        if not rest.startswith("{"):
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        end = _braced_end(text, i + 2)
        body = text[i + 2:end]
        name = _NAME.match(body)
        if not name or "\n" in body:  # compose-go's pattern: `.` matches no line break
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        operator = body[name.end():]
        value = env.get(name.group())
        if operator == "":
            out.append(value or "")
        elif operator[:1] in "-?" or operator[:2] in (":-", ":?"):
            colon = operator.startswith(":")
            kind, argument = operator[1 if colon else 0], operator[2 if colon else 1:]
            missing = value is None or (colon and value == "")
            if not missing:
                out.append(value)
            elif kind == "-":
                out.append(interpolate(argument, env))
            else:
                raise InterpolationError(f"required variable {name.group()} is missing a value: {argument}")
        else:
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        i = end + 1
    return "".join(out)


def services(text: str) -> dict[str, dict]:
    """The services of the compose file `text`, in file order."""
    document = yaml.safe_load(text)
    return document["services"]


def service_view(service: dict, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The argv and the environment (from the file) the service's container gets."""
    argv = [interpolate(item, env) for item in [*service.get("entrypoint", []), *service.get("command", [])]]
    environment = {name: interpolate(value, env) for name, value in service.get("environment", {}).items()}
    return argv, environment


#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def step_argvs(text: str, pipeline, tmp_path: Path, env: dict[str, str] | None = None) -> list[list[str]]:
    """The argv of every service's container, in step order, run with PIPEC_RUN_ID (and `env`) set."""
    environment = {"PIPEC_RUN_ID": RUN_ID, **(env or {})}
    return [service_view(service, environment)[0] for service in services(text).values()]
