"""Airflow DAG `hostile_strings`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a BashOperator, with the worker's Python.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime
import sys

from airflow import DAG

try:  # the standard provider: Airflow 3, or Airflow 2 with the provider installed
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2.9 / 2.10
    from airflow.operators.bash import BashOperator

try:  # Airflow 3
    from airflow.sdk import Param, literal
except ImportError:  # Airflow 2.9 / 2.10
    from airflow.models.param import Param
    from airflow.utils.template import literal

#: The Airflow run id made safe for paths, URIs and labels: the run id the shim records.
RUN_ID = "{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E') | replace('/', '%2F') | replace('%', '.') }}"
#: Local mode: steps run with the Python that parses this file (pipec must be installed).
PYTHON = sys.executable
#: Starts the shim from the source root, with the options every step shares.
SHIM_COMMAND = (
    "cd -- \"${PIPEC_SOURCE_ROOT:?the pipeline source root: set it on the worker or compile with --option source_root=DIR}\" && exec \"$PIPEC_PYTHON\" -m pipec.runtime run-step"
    " --source-root ."
    " --module run"
    " --pipeline hostile_strings"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 2"
)

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
    t_echo_values_v2_final = BashOperator(
        task_id="echo_values.v2-final",
        bash_command=SHIM_COMMAND + (
            " --function echo"
            " --step-id echo_values.v2-final"
            " --param 'quote_mix=\"it'\"'\"'s \\\"double\\\" and '\"'\"'single'\"'\"'\"'"
            " --param 'multiline=\"line one\\nline two\\n\\ttabbed\\r\\nwindows line\"'"
            "{{ ' --param \\'jinja=\"{{ ds }} {% if x %}y{% endif %} {# c #}\"\\'' }}"
            "{{ ' --param \\'gha=\"${{ github.token }} ${{ secrets.API_KEY }}\"\\'' }}"
            " --param 'shell=\"$(rm -rf /); `id`; echo $HOME && exit 1 | cat > /dev/null\"'"
            " --param 'backticks=\"```python\\nprint('\"'\"'hi'\"'\"')\\n```\"'"
            " --param 'yaml_words=[\"yes\",\"no\",\"on\",\"off\",\"null\",\"~\",\"True\",\"1e3\",\"0o17\"]'"
            " --param 'script_name=\"deploy.sh\"'"
            " --param 'unicode_text=\"na\xefve \u2603 \u65e5\u672c \u2014 \xfcn\xefc\xf6d\xe9 \u200b zero-width\"'"
            " --param 'windows_path=\"C:\\\\Users\\\\pipec\\\\new\\\\table.csv\"'"
            " --param 'percent=\"100% of %s %(name)s %% done\"'"
            " --output output=dict"
        ),
        env={"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID},
        append_env=True,
    )

    t_check = BashOperator(
        task_id="check",
        bash_command=SHIM_COMMAND + (
            " --function check"
            " --step-id check"
            " --input values=echo_values.v2-final/output"
            " --param label=\"$PIPEC_PARAM_note\""
            " --output output=bool"
        ),
        env={
            "GREETING": "it's \"quoted\" & $HOME",
            "TEMPLATE": "{{ '{{ var.value.x }}' }}",
            "PIPEC_PYTHON": literal(PYTHON),
            "PIPEC_RUN_ID": RUN_ID,
            "PIPEC_PARAM_note": "{{ params['note'] | tojson }}",
        },
        append_env=True,
    )

    t_echo_values_v2_final >> t_check
