"""A pipeline called by a script run with plain Python (`python run.py`).

`training(lr=0.1)` in a script compiles that script statically, as
`pipec run run.py --pipeline training` does (same checks, same diagnostics, the same
active stack), with the call's arguments as the run's parameters (Python values, never
text), then runs it: on a local stack with the same progress and summary, on an engine
stack through `pipec submit`. The compiler still never imports the script.
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

#: with_options() keys a call applies itself; the compiler reads every other one from the source.
CALL_HONOURED = ("config_path", "enable_cache", "run_name")


def run_from_script(pipeline: Any, args: tuple, kwargs: dict[str, Any], *, caller: tuple[str, int]) -> Any:
    """Compile the running script and run `pipeline` called with `args`/`kwargs` from `caller` (file, line).

    Returns the local run as `pipec.Client` reads it, or None on an engine stack. Raises
    SystemExit: 2 when the call or the script is wrong, 1 when the run failed.
    """
    script = _running_script(pipeline.name)
    # An original-API pipeline's arguments are step instances, which the compiler reads statically.
    values = {} if getattr(pipeline, "old_api", False) else _bind(pipeline, args, kwargs)
    from pipec.cli import run as run_command
    from pipec.compiler.api import find_source_root
    from pipec.frontend.pipelines import PipelineCall

    root = find_source_root(script)
    namespace = _command_line(run_command, script, _selector(pipeline))
    namespace.call = PipelineCall(pipeline.name, values, _call_span(caller, root))
    _apply_call_options(namespace, pipeline.call_options, script, caller, local=_stack_is_local(root))
    outcome = run_command.execute(namespace)
    if outcome.exit_code != 0:
        raise SystemExit(outcome.exit_code)
    return _read_back(outcome.result) if outcome.result is not None else None


def _selector(pipeline: Any) -> str:
    """`--pipeline` for `pipeline`: qualified by its module when it has one, since an entry script
    may import one of two same-named pipelines (`if accelerate: from a import p else: from b import p`)."""
    module = getattr(pipeline.entrypoint, "__module__", None)
    function = getattr(pipeline.entrypoint, "__name__", None)
    if module and function and module != "__main__":
        return f"{module}.{function}"
    return pipeline.name


def _fail(message: str, help: str | None = None) -> NoReturn:
    sys.stderr.write(f"pipec: error: {message}\n" + (f"help: {help}\n" if help else ""))
    sys.stderr.flush()
    raise SystemExit(2)


def _warn(message: str) -> None:
    sys.stderr.write(f"pipec: warning: {message}\n")


def _running_script(name: str) -> Path:
    """The file `python` is running, which is what gets compiled."""
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if not file or not str(file).endswith(".py") or not Path(file).is_file():
        _fail(f"pipeline `{name}` was called outside a Python script file (an interactive session, "
              "`python -c` or a notebook): pipec compiles the script's source, so there is nothing to compile",
              help=f"put the code in a file and run `python FILE.py`, or run `pipec run FILE --pipeline {name}`")
    path = Path(file).resolve()
    try:
        return path.relative_to(Path.cwd())  # diagnostics show paths as the command line would
    except ValueError:
        return path


def _bind(pipeline: Any, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Argument values by parameter name, positional ones mapped through the signature."""
    try:
        bound = inspect.signature(pipeline.entrypoint).bind(*args, **kwargs)
    except TypeError as exc:
        _fail(f"{pipeline.name}(): {exc}")
    return dict(bound.arguments)


def _call_span(caller: tuple[str, int], root: Path) -> Any:
    from pipec.ir import Span

    file, line = caller
    path = Path(file).resolve()
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    return Span(shown, line, 1)


def _stack_is_local(root: Path) -> bool:
    """Whether the active stack runs here; a broken stack config counts as local (the run reports it)."""
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks import resolve

    selection = resolve(root, None, Diagnostics())
    return selection is None or selection.stack.is_local


def _command_line(run_command: Any, script: Path, pipeline: str) -> Any:
    """The arguments of `pipec run SCRIPT --pipeline NAME`, defaults included."""
    import argparse

    parser = argparse.ArgumentParser(prog="pipec run")
    run_command.add_arguments(parser)
    return parser.parse_args([str(script), "--pipeline", pipeline])


def _apply_call_options(namespace: Any, options: dict[str, Any], script: Path, caller: tuple[str, int],
                        *, local: bool) -> None:
    """Turn with_options() keys into `pipec run` arguments, saying which ones cannot apply."""
    config_path = options.get("config_path")
    if config_path is not None:
        if not isinstance(config_path, (str, os.PathLike)):
            _fail("with_options(config_path=...) must be a path")
        namespace.config = str(script.parent / config_path)  # relative to the script, as the compiler reads it
    left_to_source = [key for key in options if key not in CALL_HONOURED]
    enable_cache = options.get("enable_cache")
    if enable_cache is not None and not isinstance(enable_cache, bool):
        _fail("with_options(enable_cache=...) must be True or False")
    if enable_cache is False:
        if local:
            namespace.no_cache = True
        else:
            left_to_source.append("enable_cache")  # compiled into the steps' commands
    run_name = options.get("run_name")
    if run_name is not None:
        if not isinstance(run_name, str) or not run_name:
            _fail("with_options(run_name=...) must be a non-empty string")
        if local:
            namespace.run_id = _format_run_name(run_name)
        else:
            _warn(f"with_options(run_name={run_name!r}) is ignored: the engine of the active stack names its runs")
    if left_to_source and not _same_file(caller[0], script):
        keys = ", ".join(f"{key}=..." for key in left_to_source)
        _warn(f"with_options({keys}) is not applied: pipec reads those options from the source of the script "
              f"({script}), and this call is in {caller[0]}; move the call into the script")


def _format_run_name(template: str) -> str:
    """ZenML's run-name placeholders: {date} and {time}, in the local time."""
    import time

    now = time.time()
    fields = {"date": time.strftime("%Y_%m_%d", time.localtime(now)),
              "time": time.strftime("%H_%M_%S", time.localtime(now)) + f"_{int(now % 1 * 1e6):06d}"}
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        _fail(f"with_options(run_name={template!r}) has a placeholder pipec cannot fill",
              help="the placeholders are {date} and {time}; write {{ and }} for literal braces")


def _same_file(a: str, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve()
    except OSError:
        return False


def _read_back(result: Any) -> Any:
    """The finished local run, as `pipec.Client` reads it from the run's metadata store."""
    from pipec.runtime.client import Client
    from pipec.runtime.store_env import expand

    client = Client(expand(result.metadata_store, os.environ).value)
    try:
        return client.get_pipeline_run(result.run_id)
    finally:
        client.close()
