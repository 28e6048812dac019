"""The reference target `ir`: each pipeline's checked IR as JSON.

It exercises the whole compile path (load, checks, driver, writer, `--check`)
without any engine. Each pipeline becomes ``<name>.json`` holding the same JSON as
``pipec inspect FILE --pipeline <name>``, so it loads back with
:func:`pipec.ir.codec.loads`.
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline, Program
from pipec.ir.codec import dumps, program_to_json
from pipec.targets.base import CompileContext, OptionSpec


class IRTarget:
    """Writes ``{safe pipeline name}.json`` per pipeline."""

    name = "ir"
    description = "The checked IR as JSON (reference target)"
    options: tuple[OptionSpec, ...] = ()

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.json": JSON text}``; hostile names are sanitised, with a hash kept distinct."""
        return {f"{safe_name(pipeline.name)}.json": dumps(program_to_json(Program((pipeline,))))}


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = IRTarget()
