"""What several test modules share; no test module imports another test module.

- `requires`: a missing tool skips locally with the command that installs it, fails under CI.
- `servers`: throw-away servers on 127.0.0.1 (PostgreSQL, MariaDB, moto); `airflow_server`: Airflow.
- `schemas`: the engines' JSON schemas from ../shared/schemas, closed against unknown keys.
- `engines/<target>.py`: a model of what each target's engine hands the step's container.
- `kube_proofs`, `airflow_dags`, `kfp_side`: the per-engine proof helpers of tests/targets,
  tests/airflow and tests/kfp; `runtime_projects`, `db_scenarios`: projects the runtime runs;
  `frontend_projects`, `ir_samples`: sources and IR the frontend, CLI and codec tests share;
  `golden_variants`: the extra golden compiles; `scratch_git`: scratch repositories and venvs;
  `toy_target`: a target written only against the target kit.
"""
