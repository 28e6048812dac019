"""Values the stores' ``${NAME}`` references bring in never appear in what `pipec run` prints or
records, even when a step puts them in its own error (issue 17, item 6; report F12): the local
orchestrator gives its steps no metadata store, so it hides that URL's values itself and tells
the steps to hide them in their logs."""

from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path

import pytest

from pipec.runtime import Client, run_pipeline
from tests.helpers.runtime_projects import load_pipeline, make_project

LEAK = textwrap.dedent("""
    import os
    from zenml import pipeline, step

    @step
    def leak() -> int:
        raise RuntimeError("folder " + os.environ["DB_DIR"] + " token " + os.environ["ART_TOKEN"])

    @pipeline
    def p():
        leak()
""")


@pytest.mark.parametrize("launcher", ["fork", "spawn"])
def test_a_step_error_holding_store_secrets_is_redacted_everywhere(tmp_path: Path, launcher: str) -> None:
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": LEAK})
    secret_dir = tmp_path / "db_secret_4711"
    secret_dir.mkdir()
    env = {**os.environ, "DB_DIR": str(secret_dir), "ART_TOKEN": "tok_secret_0815"}
    shown = io.StringIO()
    result = run_pipeline(load_pipeline(root), root, artifact_store="art/${ART_TOKEN}",
                          metadata_store="sqlite:///${DB_DIR}/m.db", env=env, progress=shown, launcher=launcher)
    assert result.exit_code != 0
    error = Client(f"sqlite:///{secret_dir}/m.db").get_pipeline_run(result.run_id).steps["leak"].error
    assert error == "RuntimeError: folder ${DB_DIR} token ${ART_TOKEN}"
    log = next((root / ".pipec" / "logs").rglob("leak.log")).read_text()
    for text in (error, result.summary(), shown.getvalue(), log):
        assert "db_secret_4711" not in text and "tok_secret_0815" not in text, text
    assert "folder ${DB_DIR} token ${ART_TOKEN}" in log
