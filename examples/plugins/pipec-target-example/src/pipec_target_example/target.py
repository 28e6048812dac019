"""The `example` target: what `pipec targets` lists and `pipec compile --target example` runs.

Built only on pipec's public target kit (`pipec.targets.kit`): options whose names match the
container targets' (so a stack's stores reach it), declared capabilities (the driver checks each
pipeline against them and reports what a shell script cannot do), the kit's file-name policy,
and the shim call every target renders for its engine (`script.py`); `pipec submit` runs the
script here (`submit.py`).
"""

from __future__ import annotations

from pipec.targets.kit import (
    FILE_NAMES,
    Capabilities,
    CompileContext,
    OptionSpec,
    Pipeline,
    Submission,
    SubmitContext,
)

from .script import RETRY


class ExampleTarget:
    """Writes ``<pipeline>.sh``: a POSIX shell script running the steps in DAG order."""

    name = "example"
    description = "POSIX shell script running the steps in order on one machine (plug-in example)"
    options: tuple[OptionSpec, ...] = (
        OptionSpec("artifact_store", "artifact store URI (a relative folder is under the folder the script "
                                     "runs in)", default=".pipec/artifacts"),
        OptionSpec("metadata_store", "SQLAlchemy URL the steps record runs to (the one `pipec run` uses by "
                                     "default)", default="sqlite:///.pipec/metadata.db"),
        OptionSpec("source_root", "folder of the project's source, from where the script runs", default="."),
        OptionSpec("python", "Python executable that has pipec installed", default="python"),
    )
    capabilities = Capabilities(
        "The example shell script", schedules=frozenset(),
        schedule_help="run the script from cron or a systemd timer yourself", retry=RETRY,
        gpu_types=False, gpu_type_help="the steps run on this machine's GPUs", shared_filesystem=True,
        ordinary_step="on this machine like any step")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.sh": the script}``."""
        from .script import script

        return {script_name(pipeline): script(pipeline, context)}

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Run the script here with ``sh`` (`pipec submit --target example`)."""
        from .submit import submit_script

        return submit_script(pipeline, context, script_name(pipeline))


def script_name(pipeline: Pipeline) -> str:
    """The script's file name: the pipeline's name made file-safe by the kit's policy, ``.sh``."""
    return f"{FILE_NAMES.name(pipeline.name)}.sh"


#: The target object the entry point names (``example = "pipec_target_example:TARGET"``).
TARGET = ExampleTarget()
