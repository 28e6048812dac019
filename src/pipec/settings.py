"""Settings classes users pass to `@step` and `@pipeline`.

They mirror ZenML's `ResourceSettings`, `DockerSettings`, `StepRetryConfig` and
`Schedule`. The compiler reads their arguments statically from the source; at run
time they are plain data holders.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resources:
    """Compute resources for a step: `Resources(cpu=2, memory="4GiB", gpu=1, gpu_type="nvidia-tesla-t4")`."""

    # CPU cores (fractions allowed).
    cpu: float | None = None
    # Memory with a unit: KB, KiB, MB, MiB, GB, GiB, TB, TiB.
    memory: str | None = None
    # Number of GPUs.
    gpu: int | None = None
    # Accelerator type, e.g. "nvidia-tesla-t4".
    gpu_type: str | None = None


@dataclass(frozen=True)
class Docker:
    """How a step's image is made: a prebuilt `image`, or a build on `parent_image`."""

    # Prebuilt image, used as is.
    image: str | None = None
    # Base image to build on.
    parent_image: str | None = None
    # pip requirement specifiers.
    requirements: list[str] = field(default_factory=list)
    # A requirements file relative to the source root.
    requirements_file: str | None = None
    # Debian packages.
    apt_packages: list[str] = field(default_factory=list)
    # Environment variables.
    environment: dict[str, str] = field(default_factory=dict)
    # A dockerignore file relative to the source root.
    dockerignore: str | None = None


@dataclass(frozen=True)
class Retry:
    """Retry policy: `Retry(max_retries=3, delay=10, backoff=2)`."""

    # Retries after the first attempt.
    max_retries: int = 0
    # Seconds before the first retry.
    delay: float = 0
    # Delay multiplier per retry.
    backoff: float = 1


@dataclass(frozen=True)
class Schedule:
    """When to run a pipeline: a cron expression or an interval."""

    # Five-field cron expression, e.g. "0 3 * * *".
    cron: str | None = None
    # Interval in seconds.
    interval_seconds: float | None = None
    # ISO-8601 start time.
    start_time: str | None = None
    # ISO-8601 end time.
    end_time: str | None = None
    # Run missed intervals.
    catchup: bool = False
