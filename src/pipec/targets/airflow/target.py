"""The `airflow` target: ``<dag id>.py``, a DAG file per pipeline.

Operator modes (option `operator`): ``kubernetes`` (KubernetesPodOperator), ``docker``
(DockerOperator) and ``local`` (BashOperator running the shim with the worker's Python).
The DAG file is rendered from ``dag.py.j2`` (beside this package's modules) out of data that
:mod:`pipec.targets.airflow.build` prepares; every user string in it is a Python literal,
and every string Airflow templates is escaped for Jinja (:mod:`pipec.targets.airflow.escape`).
"""

from __future__ import annotations

from pipec.ir import Pipeline
from pipec.targets.base import CompileContext, OptionSpec
from pipec.targets.kit.capabilities import Capabilities

from .options import OPTIONS
from .retry import RETRY


class AirflowTarget:
    """Writes ``{dag id}.py`` per pipeline."""

    name = "airflow"
    description = "Apache Airflow DAG files (KubernetesPodOperator, DockerOperator or BashOperator)"
    options: tuple[OptionSpec, ...] = OPTIONS
    capabilities = Capabilities("Airflow", retry=RETRY, settings_key="airflow", ordinary_step="as an ordinary task")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<dag id>.py": DAG file text}``."""
        from .build import build_dag
        from .render import render_dag

        dag = build_dag(pipeline, context)
        return {f"{dag.dag_id}.py": render_dag(dag)}

    def submit(self, pipeline, context):
        """Deploy the DAG file and trigger a run (see :mod:`pipec.targets.airflow.submit`)."""
        from .submit import submit

        return submit(pipeline, context)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = AirflowTarget()
