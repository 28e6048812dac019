"""What SageMaker can do with a step's retry policy: declared by the target, lowered to by `build`."""

from __future__ import annotations

from pipec.targets.kit.retry import RetrySupport

#: Most attempts a SageMaker retry policy allows.
MAX_RETRY_ATTEMPTS = 20
#: SageMaker's RetryPolicies: service and capacity errors only, at most 20 attempts.
RETRY = RetrySupport("SageMaker", max_retries=MAX_RETRY_ATTEMPTS, code_failures=False, code="PC356")
