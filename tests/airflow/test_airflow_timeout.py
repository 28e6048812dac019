"""Issue 17 item 5: a step's ``settings={"timeout": N}`` becomes its task's ``execution_timeout``
(per try, as Airflow applies it), read back from a real DagBag."""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.helpers.airflow_dags import compile_dags, copy_into, parse_folder
from tests.targets.test_step_timeouts import SOURCE


def test_execution_timeout_per_task(airflow_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipec.toml").write_text("")
    (root / "run.py").write_text(SOURCE)
    dags = compile_dags([str(root / "run.py")], tmp_path / "out", operator="local")
    bag, _ = parse_folder(copy_into(dags.values(), tmp_path / "dags"))
    assert bag.import_errors == {}
    (dag,) = bag.dags.values()
    timeouts = {task.task_id: task.execution_timeout for task in dag.tasks}
    assert timeouts == {"first": datetime.timedelta(seconds=90), "second": datetime.timedelta(seconds=120),
                        "third": None}
    args = {task.task_id: task.bash_command for task in dag.tasks}
    assert "--timeout" in str(args["first"]) and "--timeout" not in str(args["third"])
