"""The options of the `sagemaker` target, parsed once per compile."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.ir.diagnostics import Diagnostics
from pipec.targets.base import OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, DEFAULT_ARTIFACT_STORE

#: The role ARN written when no stack or option gives one: well-formed, so the definition
#: validates, and obviously not a real role; `pipec submit` refuses it.
PLACEHOLDER_ROLE_ARN = "arn:aws:iam::000000000000:role/pipec-set-the-role_arn-option"
#: What SageMaker accepts as a role ARN (botocore's pattern for RoleArn).
ROLE_ARN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
STEP_KINDS = ("processing", "training")
DEFAULT_REGION = "us-east-1"

#: Every option `--target sagemaker` accepts.
OPTIONS: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + (
    OptionSpec("role_arn", "IAM role the pipeline and its jobs run as (a stack provides it)",
               default=PLACEHOLDER_ROLE_ARN),
    OptionSpec("step_kind", "job type of each step: processing (ProcessingStep) or training (TrainingStep)",
               default="processing", choices=STEP_KINDS),
    OptionSpec("instance_type", "instance type for every step, instead of the one mapped from its resources"),
    OptionSpec("volume_size_gb", "EBS volume size of each job in GB", default="30"),
    OptionSpec("max_runtime_seconds", "stop a job after this many seconds", default="86400"),
    OptionSpec("output_path", "S3 URI for training jobs' output (default: <artifact_store>/sagemaker-output "
                              "when the artifact store is on S3)"),
    OptionSpec("region", "AWS region: of the schedule's pipeline ARN, and for pipec submit",
               default=DEFAULT_REGION),
    OptionSpec("endpoint_url", "SageMaker API endpoint for pipec submit (e.g. a local moto server)"),
    OptionSpec("pipeline_name", "SageMaker pipeline name (default: the pipeline's name with runs of other "
                                "characters than letters and digits turned into '-')"),
)


@dataclass(frozen=True)
class Options:
    """The target's options as typed values."""

    # IAM role ARN of the pipeline and every job.
    role_arn: str
    # "processing" or "training": the default job type.
    step_kind: str
    # Instance type for every step, None to map each step's resources.
    instance_type: str | None
    # EBS volume size in GB.
    volume_size_gb: int
    # Seconds after which a job is stopped.
    max_runtime_seconds: int
    # S3 URI for training output, None when there is none.
    output_path: str | None
    # Artifact store URI the steps share.
    artifact_store: str
    # AWS region.
    region: str


def _positive(options: dict[str, str], name: str, diagnostics: Diagnostics) -> int:
    raw = options.get(name) or next(s.default for s in OPTIONS if s.name == name)
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    diagnostics.error("PC302", f"option `{name}` of target `sagemaker` must be a positive whole number, "
                      f"not `{raw}`")
    return 1


def parse_options(options: dict[str, str], diagnostics: Diagnostics) -> Options:
    """Typed options; bad values are PC302 errors (a stand-in value is returned for them)."""
    artifact_store = options.get("artifact_store") or DEFAULT_ARTIFACT_STORE
    output_path = options.get("output_path") or None
    if output_path is None and artifact_store.startswith("s3://"):
        output_path = artifact_store.rstrip("/") + "/sagemaker-output"
    if output_path is not None and not output_path.startswith(("s3://", "https://")):
        diagnostics.error("PC302", f"option `output_path` of target `sagemaker` must be an s3:// URI, "
                          f"not `{output_path}`")
    instance_type = options.get("instance_type") or None
    if instance_type is not None and not instance_type.startswith("ml."):
        diagnostics.error("PC302", f"option `instance_type` of target `sagemaker` must be a SageMaker "
                          f"instance type such as ml.m5.xlarge, not `{instance_type}`")
    role_arn = options.get("role_arn") or PLACEHOLDER_ROLE_ARN
    if not ROLE_ARN.fullmatch(role_arn):
        diagnostics.error("PC302", f"option `role_arn` of target `sagemaker` is not an IAM role ARN: `{role_arn}`",
                          help="write it as arn:aws:iam::<12-digit account>:role/<name>")
    return Options(
        role_arn=role_arn,
        step_kind=options.get("step_kind") or "processing",
        instance_type=instance_type,
        volume_size_gb=_positive(options, "volume_size_gb", diagnostics),
        max_runtime_seconds=_positive(options, "max_runtime_seconds", diagnostics),
        output_path=output_path,
        artifact_store=artifact_store,
        region=options.get("region") or DEFAULT_REGION,
    )
