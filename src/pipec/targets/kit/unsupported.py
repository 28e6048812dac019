"""The one way a target says that its engine cannot honour a setting (sqlglot's
``Generator.unsupported``): a warning by default, an error under ``pipec compile
--unsupported=error``. The level lives on the command's :class:`Diagnostics`, set once by
the driver, so a helper deep inside a target needs nothing but the collector it already has.
"""

from __future__ import annotations

from pipec.ir import NO_SPAN, Span
from pipec.ir.diagnostics import Diagnostics

#: A setting the engine cannot honour is reported and compiled without (the default).
WARN = "warn"
#: A setting the engine cannot honour fails the compile (exit 2, no files).
ERROR = "error"
#: The values of ``--unsupported``.
LEVELS = (WARN, ERROR)


def unsupported(diags: Diagnostics, message: str, span: Span = NO_SPAN, *, help: str | None = None,
                code: str = "PC304") -> None:
    """Report that the engine cannot honour a setting: a warning, or an error when the command
    runs with ``--unsupported=error``. `code` is PC304 unless the engine has a sharper one."""
    if diags.unsupported_level == ERROR:
        diags.error(code, message, span, help=help)
    else:
        diags.warning(code, message, span, help=help)


#: `unsupported` under its public name (`pipec.targets.kit.report_unsupported`): the package
#: attribute ``unsupported`` is this module.
report_unsupported = unsupported
