"""POSIX ``sh`` scripts for GitHub Actions ``run:`` steps that never contain a user value.

A command is a list of words. A word that is a fixed piece of syntax (a flag such as
``--step-id``, ``-m``, ``pipec.runtime``) is written inline; every other word goes into
an environment variable of the step and appears in the script only as ``"$NAME"``. So
nothing user-controlled is parsed by the shell or evaluated by GitHub inside the script
(GitHub evaluates ``${{ }}`` in ``run:`` text too: that is how expression injection works).

A pipeline parameter that can be overridden at run time arrives through the
``workflow_dispatch`` input ``inputs.<name>``; scheduled runs have no inputs, so the script
takes the compile-time value from a second variable unless the event is ``workflow_dispatch``.

GitHub has no retry for a step: a step with a retry policy runs its command in a bounded
loop, sleeping the policy's delays (``delay * backoff**k``, computed here) between
attempts, and does not retry exit status 2 (the shim's "malformed command line").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipec.ir import Retry
from pipec.runtime.command import EngineText
from pipec.targets.kit.retry import retry_schedule

from .expr import Expression

# Characters an inline word may have (no quoting needed in sh, nothing GitHub evaluates).
_INLINE_SAFE = re.compile(r"[A-Za-z0-9_.,:/=@+-]+")


class Script(str):
    """Text of a ``run:`` script (the YAML writer gives it the literal block style)."""


class Fixed(str):
    """A command word the compiler wrote itself, safe to write inline (e.g. ``-m``)."""


@dataclass(frozen=True)
class Param:
    """A run-time pipeline parameter as a command word receives it."""

    # Pipeline parameter name (a validated ``workflow_dispatch`` input id).
    name: str
    # The ``${{ inputs.<name> }}`` expression that expands to the run-time value.
    input: Expression
    # Text of the compile-time value for runs without inputs (schedules); None when unknown.
    default: str | None


@dataclass(frozen=True)
class ParamWord:
    """A command word made of a fixed prefix (e.g. ``"alpha="``) and a parameter's value."""

    # Text before the value (goes into an environment variable too).
    prefix: str
    # Name of the parameter whose value follows.
    param: str


#: A command word: Fixed (inline), ParamWord, or any other str (moved into the environment).
Word = str | ParamWord


@dataclass(frozen=True)
class Rendered:
    """A script and the environment variables it reads."""

    # The ``run:`` text.
    script: Script
    # Variables for the step's ``env:``, in the order the script uses them.
    env: dict[str, str] = field(default_factory=dict)


def param_variable(name: str) -> str:
    """The shell variable holding parameter `name`'s value inside the script."""
    return f"PIPEC_PARAM_{name}"


class _Words:
    """Turns words into shell text, moving every non-fixed word into the environment."""

    def __init__(self, prefix: str, env: dict[str, str]) -> None:
        self.prefix = prefix
        self.env = env
        self.count = 0

    def _variable(self, value: str) -> str:
        name = f"{self.prefix}{self.count}"
        self.count += 1
        self.env[name] = value
        return name

    def word(self, word: Word) -> str:
        if isinstance(word, ParamWord):
            return f'"${self._variable(word.prefix)}${param_variable(word.param)}"'
        if isinstance(word, Fixed):
            if not _INLINE_SAFE.fullmatch(word):
                raise ValueError(f"fixed word {word!r} needs quoting")
            return str(word)
        return f'"${self._variable(word)}"'


def command_lines(lines: Sequence[Sequence[Word]], prefix: str, env: dict[str, str]) -> list[str]:
    """`lines` of words as shell text, values moved into `env`."""
    render = _Words(prefix, env)
    return [" ".join(render.word(word) for word in line) for line in lines]


def _seconds(value: float) -> str:
    value = round(value, 3)
    return str(int(value)) if float(value).is_integer() else repr(value)


def retry_waits(retry: Retry | None) -> list[str]:
    """Seconds to sleep before each retry, as shell words (empty without retries)."""
    return [_seconds(wait) for wait in retry_schedule(retry)]


def run_script(lines: Sequence[Sequence[Word]], params: Sequence[Param], retry: Retry | None,
               scheduled: bool) -> Rendered:
    """The script running the command `lines` (the shim's entrypoint, then one line per option)
    with `params` chosen per event and `retry`."""
    env: dict[str, str] = {}
    out: list[str] = []
    if params:
        for param in params:
            env[f"PIPEC_INPUT_{param.name}"] = param.input
            if scheduled and param.default is not None:
                env[f"PIPEC_DEFAULT_{param.name}"] = param.default
        if scheduled:
            out.append('if [ "$GITHUB_EVENT_NAME" = workflow_dispatch ]; then')
            out += [f"  {param_variable(p.name)}=$PIPEC_INPUT_{p.name}" for p in params]
            out.append("else")
            out += [f"  {param_variable(p.name)}=$PIPEC_DEFAULT_{p.name}" for p in params]
            out.append("fi")
        else:
            out += [f"{param_variable(p.name)}=$PIPEC_INPUT_{p.name}" for p in params]
    shell = command_lines(lines, "PIPEC_ARG_", env)
    command = ["set -- " + shell[0]] + ["  " + line for line in shell[1:]]
    out += [line + " \\" for line in command[:-1]] + command[-1:]
    waits = retry_waits(retry)
    if waits:
        out += [f"for pipec_wait in {' '.join(waits)}; do",
                '  if "$@"; then exit 0; else pipec_status=$?; fi',
                '  if [ "$pipec_status" -eq 2 ]; then exit 2; fi',
                '  echo "pipec: attempt failed with exit status $pipec_status; retrying in ${pipec_wait}s" >&2',
                '  sleep "$pipec_wait"',
                "done"]
    out.append('exec "$@"')
    return Rendered(Script("\n".join(out) + "\n"), env)


def install_script(commands: Sequence[Sequence[Word]], prefix: str) -> Rendered:
    """Commands run in order (``sh -e`` stops at the first failure), values in env `prefix<n>`."""
    env: dict[str, str] = {}
    render = _Words(prefix, env)
    out = [" ".join(render.word(word) for word in words) for words in commands]
    return Rendered(Script("\n".join(out) + "\n"), env)


class ShimWords(EngineText[Word]):
    """The shim's argv as words: flags and ``-m pipec.runtime run-step`` inline, the run id
    and every literal a value (moved into the environment), each run-time parameter a
    :class:`ParamWord`."""

    def __init__(self, run_id: str) -> None:
        self.run_id_text = run_id

    def fixed(self, text: str) -> Word:
        """Written inline."""
        return Fixed(text)

    def literal(self, text: str) -> Word:
        """A value."""
        return text

    def run_id(self) -> Word:
        """The run-id expression, a value."""
        return self.run_id_text

    def param(self, name: str, encoding: str) -> Word:
        """The parameter's value with no prefix yet (see :meth:`concat`)."""
        return ParamWord("", name)

    def concat(self, parts: list[Word]) -> Word:
        """``prefix`` + parameter: one ParamWord."""
        prefix, param = parts
        if not isinstance(param, ParamWord) or isinstance(prefix, ParamWord):
            raise ValueError(f"no shell word for {parts!r}")
        return ParamWord(prefix + param.prefix, param.param)
