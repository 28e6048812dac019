"""Session fixtures for the Airflow target's tests: one Airflow home, one database, one parse.

Airflow is slow to import and reads its configuration once, at import: `airflow_home` points
AIRFLOW_HOME at a temporary folder (SQLite inside, no example DAGs) before anything imports
it, `airflow_db` migrates the database once (for `dag.test()`), and `golden_bags` parses the
committed golden DAG files of every example in every operator mode once.

Without Airflow these tests skip locally; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import requires
from tests.helpers.airflow_dags import MODES, airflow_installed, copy_into, golden_dags, parse_folder

#: Environment the in-process Airflow runs with (the rest of its configuration is the default
#: airflow.cfg it writes into AIRFLOW_HOME: SQLite database, dags folder AIRFLOW_HOME/dags).
AIRFLOW_ENV = {"AIRFLOW__CORE__LOAD_EXAMPLES": "False"}


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh AIRFLOW_HOME for this session, set before Airflow is first imported here."""
    if not airflow_installed():
        requires.missing("apache-airflow", "pip install -e '.[test]'")
    home = tmp_path_factory.mktemp("airflow-home")
    (home / "dags").mkdir()
    saved = {k: os.environ.get(k) for k in ("AIRFLOW_HOME", *AIRFLOW_ENV)}
    os.environ.update(AIRFLOW_HOME=str(home), **AIRFLOW_ENV)
    try:
        import airflow.configuration as conf

        if Path(conf.AIRFLOW_HOME).resolve() != home.resolve():
            pytest.fail(f"Airflow was imported before the airflow_home fixture ran (home {conf.AIRFLOW_HOME})")
        yield home
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """The session's Airflow database, migrated once (what `airflow db migrate` does)."""
    from airflow.utils import db

    db.initdb()
    return airflow_home


@pytest.fixture(scope="session")
def golden_bags(airflow_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """``{mode: (DagBag, warnings)}``: each mode's golden DAG files parsed once, in their own folder
    (the modes share DAG ids)."""
    base = tmp_path_factory.mktemp("golden-dags")
    return {mode: parse_folder(copy_into(golden_dags(mode).values(), base / mode)) for mode in MODES}


#: A kubeconfig for a cluster nobody listens on.
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: dummy
  cluster: {server: "https://127.0.0.1:9"}
contexts:
- name: dummy
  context: {cluster: dummy, user: dummy}
current-context: dummy
users:
- name: dummy
  user: {token: dummy}
"""


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory):
    """A kubeconfig for a cluster nobody listens on (building a pod request never calls it), as
    the default Kubernetes connection of Airflow."""
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(KUBECONFIG)
    connection = {"conn_type": "kubernetes", "extra": {"kube_config_path": str(path)}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", json.dumps(connection))
        yield path
