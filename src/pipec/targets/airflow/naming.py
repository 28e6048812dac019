"""Airflow names: DAG and task ids, and the run id the runtime shim records.

Airflow ids allow ``[A-Za-z0-9_.-]`` (at most 250 characters); pipeline names and step
ids are arbitrary strings, so anything else is replaced and a short hash of the original
keeps distinct names distinct (see :func:`pipec.compiler.writer.safe_name`).

Airflow's ``{{ run_id }}`` holds ``:`` and ``+`` (``manual__2024-01-01T00:00:00+00:00``) and,
for runs triggered through the API, any text at all. The shim gets it through
:data:`RUN_ID_TEMPLATE`, which percent-encodes it and then writes ``.`` for ``%``: the result
holds only ``[A-Za-z0-9_.-]`` (safe in URIs, paths and Kubernetes label values) and is
injective, because every ``.`` of the original is itself encoded. :func:`shim_run_id` computes
the same in Python (for `pipec submit`, which must find the run the shim recorded).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline, StepInvocation
from pipec.targets.kit.names import short_digest

#: Longest id pipec emits (Airflow allows 250; the hash suffix adds 9).
MAX_ID_LENGTH = 200

#: The Jinja expression whose value a DAG passes as the shim's ``--run-id``. Jinja's ``urlencode`` leaves
#: ``[A-Za-z0-9_.~/-]`` as they are; ``.``, ``~`` and ``/`` are encoded by hand, then every
#: ``%`` becomes ``.``.
RUN_ID_EXPRESSION = ("run_id | urlencode | replace('.', '%2E') | replace('~', '%7E')"
                     " | replace('/', '%2F') | replace('%', '.')")
#: The same as a template (what a templated field holds).
RUN_ID_TEMPLATE = "{{ " + RUN_ID_EXPRESSION + " }}"


def dag_id(pipeline: Pipeline) -> str:
    """The DAG id of `pipeline`: its name when that is a valid Airflow id, else a sanitized
    name with a hash of the original (``"my pipe"`` -> ``"my_pipe-1a2b3c4d"``)."""
    return safe_name(pipeline.name, MAX_ID_LENGTH)


def task_id(step: StepInvocation) -> str:
    """The task id of `step`, sanitized like :func:`dag_id`; unique within a pipeline because
    step ids are, and a changed id always carries the hash of the original."""
    return safe_name(step.id, MAX_ID_LENGTH)


def shim_run_id(airflow_run_id: str) -> str:
    """The run id the shim records for the Airflow run `airflow_run_id` (what
    :data:`RUN_ID_TEMPLATE` renders to)."""
    encoded = quote(airflow_run_id, safe="")
    return encoded.replace(".", "%2E").replace("~", "%7E").replace("%", ".")


_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
#: Longest Kubernetes label value.
MAX_LABEL_LENGTH = 63


def label_value(text: str) -> str:
    """`text` as a Kubernetes label value (at most 63 of ``[A-Za-z0-9_.-]``, alphanumeric at both
    ends); when anything had to change, a short hash of the original keeps values distinct.

    Not a :class:`~pipec.targets.kit.names.Namer`: it cuts the value before trimming its
    ends (a Namer trims, then cuts: ``" " + "a" * 70`` keeps 53 ``a`` here, 54 there) and
    leaves an empty text empty (a Namer gives the digest); changing either would change the
    labels of DAGs already deployed."""
    safe = _LABEL_UNSAFE.sub("_", text)
    if safe == text and len(safe) <= MAX_LABEL_LENGTH and (not safe or (safe[0].isalnum() and safe[-1].isalnum())):
        return safe
    digest = short_digest(text)
    stem = safe[:MAX_LABEL_LENGTH - 9].strip("_.-")
    return f"{stem}-{digest}" if stem else digest


def python_names(ids: list[str], prefix: str = "t_") -> dict[str, str]:
    """A distinct Python variable name per id (``prefix`` + the id with non-identifier
    characters replaced; ``_2``, ``_3``... on collisions), in the order given.

    Not a :class:`~pipec.targets.kit.names.Namer`: these are Python names, so a clash index
    is ``_2`` (a Namer's ``-2`` is not an identifier) and there is no length limit."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for item in ids:
        base = prefix + re.sub(r"[^A-Za-z0-9_]", "_", item)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names[item] = name
    return names
