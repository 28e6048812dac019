"""Compose's ``${VAR}`` interpolation, and how literal text survives it.

Compose (compose-go's ``template`` package) interpolates every string value of the file
(not the keys): ``$$`` is a literal ``$``; ``$VAR``, ``${VAR}``, ``${VAR-default}``,
``${VAR:-default}``, ``${VAR?error}`` and ``${VAR:?error}`` read the environment; any other
``$`` is an error. A value read from the environment is used as is (never interpolated
again); a default is interpolated in turn and ends at the first unmatched ``}``, and a line
break in it makes the whole file invalid. So:

- every literal (argv item, image, environment value, label) has each ``$`` doubled
  (`literal`), which round-trips any text exactly;
- the run id is ``${PIPEC_RUN_ID:?...}``: compose refuses to start without it;
- a run-time pipeline parameter is ``${PIPEC_PARAM_<name>-<default>}`` (the default only
  when the compile knows a value); a default holding ``{``, ``}`` or an unprintable
  character cannot be written there, so that parameter is baked in as a literal (PC330).
  JSON defaults write ``{``, ``}`` and ``$`` inside strings as ``\\uXXXX`` escapes, so only
  JSON's own balanced brackets remain.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipec.runtime.command import PlainText
from pipec.targets.kube_text import EngineParameter

#: The variable the run id is read from.
RUN_ID_VARIABLE = "PIPEC_RUN_ID"


def run_id_placeholder(target: str) -> str:
    """The run-id placeholder: compose stops with this message, naming the `target` whose
    submit sets the variable, when it is unset or empty."""
    return (f"${{{RUN_ID_VARIABLE}:?set {RUN_ID_VARIABLE} to a new run id for every run "
            f"(pipec submit --target {target} does)}}")


#: The local_docker target's run-id placeholder.
RUN_ID = run_id_placeholder("local_docker")
#: Prefix of the variable each run-time pipeline parameter is read from.
PARAM_PREFIX = "PIPEC_PARAM_"
#: Characters escaped inside the strings of a JSON default (see `pipec.targets.kube_text.json_text`).
JSON_ESCAPES = "{}$"


def literal(text: str) -> str:
    """`text` as a compose string value that interpolates back to exactly `text`."""
    return text.replace("$", "$$")


def unsafe_default(text: str) -> str | None:
    """Why `text` cannot be the default of ``${VAR-default}``, None when it can (after `literal`)."""
    if "{" in text or "}" in text:
        return "holds `{` or `}`, which end compose's `${VAR-default}` early"
    if not text.isprintable():
        return "holds a line break or another unprintable character, which compose's defaults cannot hold"
    return None


def variable(param: EngineParameter) -> str:
    """The environment variable a run sets to change `param` (the engine name, ``-`` as ``_``)."""
    return PARAM_PREFIX + param.name.replace("-", "_")


def placeholder(param: EngineParameter) -> str:
    """``${VAR-default}`` for `param`: its compile-time value, else its default, else required."""
    name = variable(param)
    text = param.value if param.value is not None else param.default
    if text is None:
        return (f"${{{name}?pipeline parameter {param.parameter.name} has no value: set {name} "
                "to its text}")
    return f"${{{name}-{literal(text)}}}"


class ComposeText(PlainText):
    """Shim argv items for compose: literals with ``$`` doubled; the run id (`RUN_ID`) and the
    run-time parameters' placeholders (`placeholder`) as given."""

    def literal(self, text: str) -> str:
        """`text`, ``$`` doubled."""
        return literal(text)


def compose_text(placeholders: Mapping[str, str], run_id: str = RUN_ID) -> ComposeText:
    """The EngineText of a step whose run-time parameters have these placeholders."""
    return ComposeText(run_id, placeholders)
