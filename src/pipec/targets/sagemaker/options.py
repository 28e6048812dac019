"""The options of the `sagemaker` target: their specs (checked by the driver) and typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.targets.base import POSITIVE_INT, OptionKind, OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, DEFAULT_ARTIFACT_STORE

#: The role ARN written when no stack or option gives one: well-formed, so the definition
#: validates, and obviously not a real role; `pipec submit` refuses it.
PLACEHOLDER_ROLE_ARN = "arn:aws:iam::000000000000:role/pipec-set-the-role_arn-option"
#: What SageMaker accepts as a role ARN (botocore's pattern for RoleArn).
ROLE_ARN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
STEP_KINDS = ("processing", "training")
#: An IAM role ARN as SageMaker takes it.
ROLE_ARN_KIND = OptionKind("IAM role ARN", "an IAM role ARN", ROLE_ARN.pattern,
                           hint="write it as arn:aws:iam::<12-digit account>:role/<name>")
#: A SageMaker instance type ("ml." and its name).
INSTANCE_TYPE = OptionKind("instance type", "a SageMaker instance type such as ml.m5.xlarge", r"(?s)ml\..*",
                           "ml.m5.xlarge")
#: Where SageMaker writes training output: an s3:// URI (or an https:// URL of one).
S3_URI = OptionKind("S3 URI", "an s3:// URI", r"(?s)(s3|https)://.*", "s3://bucket/prefix")
DEFAULT_REGION = "us-east-1"

#: Every option `--target sagemaker` accepts.
OPTIONS: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + (
    OptionSpec("role_arn", "IAM role the pipeline and its jobs run as (a stack provides it)",
               default=PLACEHOLDER_ROLE_ARN, kind=ROLE_ARN_KIND),
    OptionSpec("step_kind", "job type of each step: processing (ProcessingStep) or training (TrainingStep)",
               default="processing", choices=STEP_KINDS),
    OptionSpec("instance_type", "instance type for every step, instead of the one mapped from its resources",
               kind=INSTANCE_TYPE),
    OptionSpec("volume_size_gb", "EBS volume size of each job in GB", default="30", kind=POSITIVE_INT),
    OptionSpec("max_runtime_seconds", "stop a job after this many seconds", default="86400",
               kind=POSITIVE_INT),
    OptionSpec("output_path", "S3 URI for training jobs' output (default: <artifact_store>/sagemaker-output "
                              "when the artifact store is on S3)", kind=S3_URI),
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


#: The specs by name.
_SPECS = {spec.name: spec for spec in OPTIONS}


def parse_options(options: dict[str, str]) -> Options:
    """Typed options, from values the driver already checked against `OPTIONS`."""
    artifact_store = options.get("artifact_store") or DEFAULT_ARTIFACT_STORE
    output_path = options.get("output_path") or None
    if output_path is None and artifact_store.startswith("s3://"):
        output_path = artifact_store.rstrip("/") + "/sagemaker-output"
    return Options(
        role_arn=options.get("role_arn") or PLACEHOLDER_ROLE_ARN,
        step_kind=options.get("step_kind") or "processing",
        instance_type=options.get("instance_type") or None,
        volume_size_gb=int(_SPECS["volume_size_gb"].value(options)),
        max_runtime_seconds=int(_SPECS["max_runtime_seconds"].value(options)),
        output_path=output_path,
        artifact_store=artifact_store,
        region=options.get("region") or DEFAULT_REGION,
    )
