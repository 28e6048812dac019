"""`@step` and `@pipeline`: markers the compiler finds statically.

At run time (inside the runtime shim) the decorated function is still an ordinary
callable, so a step runs as plain Python. The compiler never imports this module's
callers: it reads the decorators from the source.
"""

from __future__ import annotations

import functools
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
    """A function marked as a pipeline; compile it with `pipec compile`, run it with `pipec run`."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        functools.update_wrapper(self, func)
        self.entrypoint = func
        self.options = dict(options)
        self.name = options.get("name") or func.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"pipeline {self.name!r} is compiled, not called: use `pipec run` or `pipec compile`"
        )

    def with_options(self, **options: Any) -> PipelineFunction:
        """A copy with more options (read statically by the compiler)."""
        return PipelineFunction(self.entrypoint, {**self.options, **options})

    def configure(self, **options: Any) -> PipelineFunction:
        """Set options in place (read statically by the compiler)."""
        self.options.update(options)
        return self


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
