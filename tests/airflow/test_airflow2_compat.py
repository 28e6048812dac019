"""The same DAG files on Airflow 2.10 (side environment .venvs/airflow2, see
.ci/after-install.d/airflow2.sh): every golden of every example in every mode parses without
errors or warnings, serializes as the scheduler stores it, has the same tasks and edges as on
Airflow 3, and hostile_strings renders to the same shim calls. One subprocess for all of it.

Without the side environment these tests skip locally; under CI they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import requires
from tests.helpers.airflow_dags import (
    HOSTILE_NOTE,
    HOSTILE_RUN_ID,
    MODES,
    check_hostile_call,
    copy_into,
    golden_dags,
)
from tests.helpers.engines.airflow import run_bash_recorded

PYTHON = requires.side_python("airflow2")
PROBE = Path(__file__).parent / "airflow2_probe.py"


@pytest.fixture(scope="module")
def airflow2(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What Airflow 2 made of each mode's golden DAG files (see airflow2_probe.py)."""
    base = tmp_path_factory.mktemp("airflow2")
    folders = {mode: copy_into(golden_dags(mode).values(), base / mode) for mode in MODES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(AIRFLOW_HOME=str(base / "home"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    proc = subprocess.run([str(PYTHON), str(PROBE), HOSTILE_RUN_ID, json.dumps({"note": HOSTILE_NOTE}),
                           *map(str, folders.values())], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-5000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["airflow"].startswith("2.")
    return {mode: report[str(folder)] for mode, folder in folders.items()}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_dags_parse_and_serialize_on_airflow2(airflow2: dict, golden_bags: dict, mode: str) -> None:
    """No import error, no warning; the same tasks and upstream tasks as Airflow 3 sees."""
    found = airflow2[mode]
    assert (found["errors"], found["captured"], found["warnings"]) == ({}, {}, [])
    bag, _ = golden_bags[mode]
    airflow3 = {d.dag_id: {t.task_id: sorted(t.upstream_task_ids) for t in d.tasks} for d in bag.dags.values()}
    assert found["dags"] == airflow3


@pytest.mark.parametrize("mode", sorted(MODES))
def test_hostile_strings_render_unchanged_on_airflow2(airflow2: dict, mode: str, tmp_path: Path) -> None:
    """Airflow 2's rendering hands the shim every hostile value unchanged too."""
    for task_id, fields in airflow2[mode]["rendered"].items():
        if "bash" in fields:
            argv, env = run_bash_recorded(fields["bash"], fields["env"], tmp_path / task_id)
        else:
            argv, env = fields["argv"], fields["env"]
        check_hostile_call(task_id, argv, env)
