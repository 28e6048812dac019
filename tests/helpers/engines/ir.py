"""The ir target writes the IR as JSON for other tools; no engine runs it, so no container gets
an argv from it and there is nothing to prove about one (no ``step_argvs``)."""

from __future__ import annotations

#: No compile to prove: the output is not run.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ()
