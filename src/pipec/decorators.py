"""`@step` and `@pipeline`: markers the compiler finds statically.

At run time (inside the runtime shim) the decorated function is still an ordinary
callable, so a step runs as plain Python. The compiler never imports this module's
callers: it reads the decorators from the source. Calling a pipeline from a script run
with plain Python compiles that script and runs it (see `pipec.runtime.script_run`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any


class StepFunction:
    """A function marked as a pipeline step; calling it runs the function."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        functools.update_wrapper(self, func)
        self.entrypoint = func
        self.options = dict(options)
        self.name = options.get("name") or func.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.entrypoint(*args, **kwargs)

    def with_options(self, **options: Any) -> StepFunction:
        """A copy with more options (read statically by the compiler)."""
        return StepFunction(self.entrypoint, {**self.options, **options})

    def configure(self, **options: Any) -> StepFunction:
        """Set options in place (read statically by the compiler)."""
        self.options.update(options)
        return self


class PipelineFunction:
    """A function marked as a pipeline: `pipec run FILE`, or call it from a script run with `python`."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any],
                 call_options: dict[str, Any] | None = None) -> None:
        functools.update_wrapper(self, func)
        self.entrypoint = func
        self.options = dict(options)
        # Options given by with_options()/configure(), which a call must honour itself when it can.
        self.call_options = dict(call_options or {})
        self.name = options.get("name") or func.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Compile the running script statically and run this pipeline on the active stack.

        Returns the run as `pipec.Client` reads it (a local stack), or None (an engine stack,
        or a call made while a step's module is imported: that starts no run). A script
        that does not compile exits with status 2, a failed run with status 1.
        """
        return self._run_script(args, kwargs, _place(sys._getframe(1)))

    def _run_script(self, args: tuple, kwargs: dict[str, Any], caller: tuple[str, int]) -> Any:
        """Run this pipeline as called with `args`/`kwargs` at `caller` (file, line); see __call__."""
        context = sys.modules.get("pipec.runtime.context")
        if context is not None and context.inside_step():
            # The shim imports the user's module to run one step; a module-level call must not
            # start a run from inside that step (each step would start another one).
            print(f"pipec: pipeline `{self.name}` called inside a step: no run started", file=sys.stderr)
            return None
        from pipec.runtime.script_run import run_from_script

        return run_from_script(self, args, kwargs, caller=caller)

    def with_options(self, **options: Any) -> PipelineFunction:
        """A copy with more options (read statically by the compiler; a call honours some itself)."""
        return type(self)(self.entrypoint, {**self.options, **options}, {**self.call_options, **options})

    def configure(self, **options: Any) -> PipelineFunction:
        """Set options in place (read statically by the compiler; a call honours some itself)."""
        self.options.update(options)
        self.call_options.update(options)
        return self


def _place(frame: Any) -> tuple[str, int]:
    """(file, line) of a calling frame."""
    return frame.f_code.co_filename, frame.f_lineno


def step(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Mark a function as a step: `@step` or `@step(name=..., resources=..., retry=..., enable_cache=...)`."""
    if func is None:
        return lambda f: StepFunction(f, options)
    return StepFunction(func, options)


def pipeline(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Mark a function as a pipeline: `@pipeline` or `@pipeline(name=..., schedule=..., enable_cache=...)`."""
    if func is None:
        return lambda f: PipelineFunction(f, options)
    return PipelineFunction(func, options)
