"""Partial evaluation of the Python subset: statements, expressions, builtins and limits.

Known values are ordinary Python objects; step outputs, parameters and references
are the symbolic values of `values.py`. Whatever cannot be evaluated statically
raises :class:`EvalError`, which the statement loop turns into a diagnostic at the
offending expression, then carries on with the next statement so one run reports
every problem. Names assigned from a failed statement become :data:`POISON`, which
propagates silently so one mistake is reported once.

- :mod:`.statements`: :class:`Interpreter`, statements and assignment;
- :mod:`.expressions`: expressions and the dispatch of calls (:meth:`Interpreter.call`);
- :mod:`.safe_calls`: builtins, safe methods, standard-library calls, value checks and limits;
- :mod:`.limits`: every size limit and the compile's work budget, checked before building;
- :mod:`.errors`: :class:`EvalError` and how unusable values are described.

ZenML's call semantics (steps, pipelines, settings) are :mod:`pipec.frontend.calls`.
"""

from __future__ import annotations

from .errors import AttrName, ConstantError, EvalError, opaque_error, runtime_error
from .expressions import call_arguments, lone_surrogate
from .limits import MAX_INT_BITS, MAX_LOOP_ITERATIONS, MAX_SEQUENCE
from .statements import Interpreter, Scope

__all__ = ["MAX_INT_BITS", "MAX_LOOP_ITERATIONS", "MAX_SEQUENCE", "AttrName", "ConstantError", "EvalError",
           "Interpreter", "Scope", "call_arguments", "lone_surrogate", "opaque_error", "runtime_error"]
