"""Airflow DAG `hostile_strings`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a DockerOperator container.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator

try:  # Airflow 3
    from airflow.sdk import Param
except ImportError:  # Airflow 2.9 / 2.10
    from airflow.models.param import Param

#: The Airflow run id made safe for paths, URIs and labels: the run id the shim records.
RUN_ID = "{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E') | replace('/', '%2F') | replace('%', '.') }}"
#: The pipec runtime shim: each task runs one step with it.
SHIM = ["python", "-m", "pipec.runtime", "run-step"]
#: The shim's options every step shares; each task adds its own.
SHIM_ARGS = [
    "--source-root", "/app",
    "--module", "run",
    "--pipeline", "hostile_strings",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]

with DAG(
    dag_id="hostile_strings",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"note": Param("it's a \"test\"; echo $USER", type="string")},
    default_args={"retries": 0},
) as dag:
    t_echo_values_v2_final = DockerOperator(
        task_id="echo_values.v2-final",
        image="pipec.local/hostile_strings:86c69482ded22bb6",
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "echo",
            "--step-id", "echo_values.v2-final",
            "--param", "quote_mix=\"it's \\\"double\\\" and 'single'\"",
            "--param", "multiline=\"line one\\nline two\\n\\ttabbed\\r\\nwindows line\"",
            "--param", "{{ 'jinja=\"{{ ds }} {% if x %}y{% endif %} {# c #}\"' }}",
            "--param", "{{ 'gha=\"${{ github.token }} ${{ secrets.API_KEY }}\"' }}",
            "--param", "shell=\"$(rm -rf /); `id`; echo $HOME && exit 1 | cat > /dev/null\"",
            "--param", "backticks=\"```python\\nprint('hi')\\n```\"",
            "--param", "yaml_words=[\"yes\",\"no\",\"on\",\"off\",\"null\",\"~\",\"True\",\"1e3\",\"0o17\"]",
            "--param", "script_name=\"deploy.sh\"",
            "--param", "unicode_text=\"na\xefve \u2603 \u65e5\u672c \u2014 \xfcn\xefc\xf6d\xe9 \u200b zero-width\"",
            "--param", "windows_path=\"C:\\\\Users\\\\pipec\\\\new\\\\table.csv\"",
            "--param", "percent=\"100% of %s %(name)s %% done\"",
            "--output", "output=dict",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_check = DockerOperator(
        task_id="check",
        image="pipec.local/hostile_strings:166e0afe6a095e5e",
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "check",
            "--step-id", "check",
            "--input", "values=echo_values.v2-final/output",
            "--param", "label={{ params['note'] | tojson }}",
            "--output", "output=bool",
        ],
        environment={"GREETING": "it's \"quoted\" & $HOME", "TEMPLATE": "{{ '{{ var.value.x }}' }}"},
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_echo_values_v2_final >> t_check
