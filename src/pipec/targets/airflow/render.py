"""Render a :class:`~pipec.targets.airflow.build.DagSpec` with ``dag.py.j2``, the template beside this module.

The environment only prints :class:`~pipec.targets.airflow.escape.Code`: an interpolation of
anything that did not pass through an escaper is a bug and raises, instead of reaching the file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .build import DagSpec
from .escape import Code


def _only_code(value: object) -> Code:
    if not isinstance(value, Code):
        raise TypeError(f"unescaped value in the airflow template: {value!r}")
    return value


@lru_cache(maxsize=1)
def _template():
    import jinja2

    folder = Path(__file__).parent
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             autoescape=False, finalize=_only_code)
    return env.get_template("dag.py.j2")


def render_dag(dag: DagSpec) -> str:
    """The DAG file's text."""
    return _template().render(dag=dag)
