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

from urllib.parse import quote

from pipec.compiler.ir import Pipeline, StepInvocation
from pipec.compiler.writer import safe_name

#: Longest id pipec emits (Airflow allows 250; the hash suffix adds 9).
MAX_ID_LENGTH = 200

#: The Jinja expression a DAG passes as the shim's ``--run-id``. Jinja's ``urlencode`` leaves
#: ``[A-Za-z0-9_.~/-]`` as they are; ``.``, ``~`` and ``/`` are encoded by hand, then every
#: ``%`` becomes ``.``.
RUN_ID_TEMPLATE = ("{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E')"
                   " | replace('/', '%2F') | replace('%', '.') }}")


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
