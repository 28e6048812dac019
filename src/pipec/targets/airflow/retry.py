"""What Airflow can do with a step's retry policy: declared by the target, lowered to by `build`."""

from __future__ import annotations

from pipec.targets.kit.retry import DOUBLING, RetrySupport

#: Airflow's retries: a count, a first delay, and a flag that doubles it.
RETRY = RetrySupport("Airflow", backoff=DOUBLING, code="PC311",
                     backoff_help="Airflow 2 can only double the delay: use backoff=2, or 1 for a constant delay")
