"""The shim's argv as one Azure ML ``command`` string.

Azure ML runs a command job's ``command`` with a shell after replacing every ``${{...}}``
in it (``${{inputs.x}}``, ``${{outputs.y}}``); it has no escape for a literal ``${{``. So
each literal word is shell-quoted and every ``${{`` inside it is split by closing and
reopening the quotes (``'$''{{'``): the shell joins the pieces back into the same text and
Azure ML never sees ``${{``. The run id is the shell's ``$AZUREML_ROOT_RUN_ID`` (the id of
the pipeline job, the same in every step, as ZenML's Azure ML orchestrator reads it). A
run-time parameter is ``'${{inputs.x}}'``: Azure ML writes the value between the quotes, so
a value given at run time must not hold a single quote (defaults that do are baked in,
see `build`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from pipec.runtime.command import EngineText

#: What starts an Azure ML expression anywhere in a command, an input or an output binding.
OPEN = "${{"
#: The environment variable that holds the pipeline job's run id in every step.
RUN_ID_VARIABLE = "AZUREML_ROOT_RUN_ID"


def shell_word(text: str) -> str:
    """`text` as one shell word that holds no ``${{`` (the shell reads back `text` exactly)."""
    return shlex.quote(text).replace(OPEN, "$''{{")


def input_expression(name: str) -> str:
    """``${{inputs.NAME}}``: a command job's input, as its command refers to it."""
    return f"{OPEN}inputs.{name}}}}}"


def parent_input(name: str) -> str:
    """``${{parent.inputs.NAME}}``: a pipeline input, as a job's input binds it."""
    return f"{OPEN}parent.inputs.{name}}}}}"


def parent_output(job: str, output: str) -> str:
    """``${{parent.jobs.JOB.outputs.OUTPUT}}``: another job's output, as a job's input binds it."""
    return f"{OPEN}parent.jobs.{job}.outputs.{output}}}}}"


@dataclass
class AzureMLText(EngineText[str]):
    """Shell words for an Azure ML command: literals quoted and kept free of ``${{``, the run
    id from the environment, run-time parameters as the job's quoted ``${{inputs.x}}``."""

    #: Job input name per pipeline parameter passed at run time.
    inputs: dict[str, str]

    def literal(self, text: str) -> str:
        """`text` as a shell word Azure ML leaves alone."""
        return shell_word(text)

    def run_id(self) -> str:
        """The pipeline job's id, expanded by the shell."""
        return f'"${RUN_ID_VARIABLE}"'

    def param(self, name: str, encoding: str) -> str:
        """The job's input, filled in by Azure ML between single quotes."""
        return "'" + input_expression(self.inputs[name]) + "'"

    def concat(self, parts: list[str]) -> str:
        """Adjacent shell words: the shell reads them as one."""
        return "".join(parts)


def command_line(words: list[str]) -> str:
    """The command: the words of one call joined by spaces."""
    return " ".join(words)
