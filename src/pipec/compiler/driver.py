"""From a checked program to every selected target's files: target lookup, options, compile.

The driver never touches the disk; `pipec.compiler.writer` does. User mistakes
(unknown target, bad option) become diagnostics; a target that crashes or returns
something malformed is a bug, raised as :class:`TargetCrash` for the CLI to report
as an internal error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from .api import LoadResult

if TYPE_CHECKING:
    from pipec.build.image import BuildContexts
    from pipec.ir import Pipeline
    from pipec.targets.base import CompileContext


class TargetCrash(RuntimeError):
    """A target raised or returned something malformed: a bug in that target, not user error."""

    def __init__(self, target: str, message: str, builtin: bool) -> None:
        super().__init__(f"target `{target}` {message}")
        # Name of the failing target.
        self.target = target
        # True for pipec's own targets (report to pipec), False for plug-ins (report to their authors).
        self.builtin = builtin


@dataclass(frozen=True)
class SelectedTarget:
    """A target that loaded, with the options it will compile with."""

    # Name used with --target.
    name: str
    # The target object (satisfies `pipec.targets.base.Target`).
    target: Any
    # Validated --option values merged over the target's option defaults.
    options: dict[str, str]
    # Names of the options the user set (the rest are defaults).
    explicit: frozenset[str] = frozenset()


def expand_names(names: Iterable[str]) -> list[str]:
    """`names` with ``all`` replaced by every registered target, without repeats, in first-seen order."""
    from pipec import targets

    out: dict[str, None] = {}
    for name in names:
        for item in (targets.names() if name == "all" else [name]):
            out.setdefault(item, None)
    return list(out)


def parse_assignments(raw: Iterable[str], code: str, flag: str, diags: Diagnostics) -> dict[str, str]:
    """``key=value`` strings as a dict (the last repeat wins); malformed ones become `code` errors."""
    out: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            diags.error(code, f"`{flag} {item}` is not of the form key=value",
                        help=f"write `{flag} name=value`")
            continue
        out[key.strip()] = value
    return out


def select_targets(names: Iterable[str], options: Mapping[str, str],
                   diags: Diagnostics) -> list[SelectedTarget]:
    """Load the named targets and validate `options` against their OptionSpecs.

    ``target.key=value`` applies to that target only; plain ``key=value`` applies to
    every selected target that declares `key`. Problems are PC301 (unknown target),
    PC305 (target failed to load) and PC302 (bad option) diagnostics.
    """
    from pipec import targets
    from pipec.stacks.model import LOCAL

    loaded: dict[str, Any] = {}
    for name in expand_names(names):
        if name == LOCAL and LOCAL not in targets.BUILTINS:
            diags.error("PC301", "target `local` runs pipelines on this machine with `pipec run`; it compiles no files",
                        help="run `pipec run FILE`, or compile for an engine from `pipec targets`")
            continue
        try:
            loaded[name] = targets.get(name)
        except targets.UnknownTarget as exc:
            diags.error("PC301", f"unknown target `{name}`",
                        help=exc.suggestion or "run `pipec targets` to list the available targets")
        except targets.TargetLoadError as exc:
            diags.error("PC305", f"target `{name}` failed to load: {exc}")

    specs = {name: {spec.name: spec for spec in getattr(target, "options", ())} for name, target in loaded.items()}
    chosen: dict[str, dict[str, str]] = {name: {} for name in loaded}
    registered: set[str] | None = None  # scanning entry points costs ~80 ms: only when needed
    for key, value in sorted(options.items()):
        prefix, dot, rest = key.partition(".")
        if dot and prefix not in loaded and registered is None:
            registered = set(targets.names())
        if dot and (prefix in loaded or prefix in (registered or ())):
            if prefix not in loaded:
                diags.error("PC302", f"option `{key}` is for target `{prefix}`, which is not selected",
                            help=f"add `--target {prefix}` or drop the option")
                continue
            scoped = {prefix: rest}
        else:
            scoped = {name: key for name in loaded if key in specs[name]}
            if not scoped and loaded:
                known = {opt for s in specs.values() for opt in s}
                diags.error("PC302", f"no selected target accepts option `{key}`",
                            help=did_you_mean(key, known) or _accepted(specs))
                continue
        for name, opt in scoped.items():
            spec = specs[name].get(opt)
            if spec is None:
                diags.error("PC302", f"target `{name}` has no option `{opt}`",
                            help=did_you_mean(opt, specs[name]) or _accepted({name: specs[name]}))
            elif (problem := spec.problem(value)) is not None:
                diags.error("PC302", f"invalid value `{value}` for option `{opt}` of target `{name}`; "
                            f"expected {problem.expected}", help=problem.hint)
            else:
                chosen[name][opt] = value

    selected = []
    for name, target in loaded.items():
        merged = {s.name: s.default for s in specs[name].values() if s.default is not None}
        merged.update(chosen[name])
        selected.append(SelectedTarget(name, target, merged, frozenset(chosen[name])))
    return selected


def _accepted(specs: Mapping[str, Mapping[str, Any]]) -> str:
    parts = [f"`{name}` accepts {', '.join(f'`{o}`' for o in sorted(opts)) or 'no options'}"
             for name, opts in sorted(specs.items())]
    return "; ".join(parts)


def compile_pipeline(name: str, target: Any, pipeline: Pipeline, context: CompileContext) -> Any:
    """What `target` (registered as `name`) returns for `pipeline`, after the generic checks of
    its declared capabilities (each concept checked here once, not in every target)."""
    from pipec.targets.kit.capabilities import check_capabilities

    capabilities = getattr(target, "capabilities", None)
    if capabilities is not None:
        check_capabilities(pipeline, name, capabilities, context.diagnostics)
    return target.compile(pipeline, context)


def pipeline_images(result: LoadResult, registry: str | None,
                    contexts: BuildContexts) -> list[Mapping[str, str]]:
    """Each pipeline's ``{step id: image reference}``, planned once for every target of a compile
    (not again per target)."""
    from pipec.build.image import step_images

    return [step_images(pipe, registry=registry, root=result.root, contexts=contexts)
            for pipe in result.program.pipelines]


def _compile_one(selected: SelectedTarget, result: LoadResult, diags: Diagnostics,
                 images: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """`selected`'s files for every pipeline of `result`; `images` holds each pipeline's step
    image references (shared by all targets: each pipeline's images are planned once)."""
    from pipec import targets
    from pipec.targets.base import CompileContext

    from .writer import OutputError, check_relpath

    builtin = selected.name in targets.BUILTINS
    files: dict[str, str] = {}
    for pipe, pipe_images in zip(result.program.pipelines, images, strict=True):
        context = CompileContext(options=dict(selected.options), diagnostics=diags, explicit=selected.explicit,
                                 images=pipe_images)
        try:
            produced = compile_pipeline(selected.name, selected.target, pipe, context)
        except Exception as exc:  # a target bug must not surface as a traceback
            raise TargetCrash(selected.name, f"crashed on pipeline `{pipe.name}`: "
                              f"{type(exc).__name__}: {exc}", builtin) from exc
        if not isinstance(produced, Mapping):
            raise TargetCrash(selected.name, f"returned {type(produced).__name__}, not a dict, "
                              f"for pipeline `{pipe.name}`", builtin)
        for rel, text in produced.items():
            try:
                check_relpath(rel)
            except OutputError as exc:
                raise TargetCrash(selected.name, f"produced an unsafe path: {exc}", builtin) from None
            if not isinstance(text, str):
                raise TargetCrash(selected.name, f"produced {type(text).__name__} content for {rel!r}, "
                                  "not text", builtin)
            if rel in files and files[rel] != text:
                raise TargetCrash(selected.name, f"produced {rel!r} twice with different content "
                                  f"(second time for pipeline `{pipe.name}`)", builtin)
            files[rel] = text
    return files


def compile_targets(result: LoadResult, target_names: Iterable[str], options: Mapping[str, str],
                    *, registry: str | None = None,
                    contexts: BuildContexts | None = None,
                    unsupported: str = "warn") -> tuple[dict[str, str], Diagnostics]:
    """Compile every pipeline of `result` with each named target.

    `registry` is the container registry image references are made in (the stack's);
    `contexts` hashes the build contexts of step images (one per command, so each is
    hashed once and the command's output folder is left out of it).
    Returns ``({"<target>/<relative path>": text}, diagnostics)``, sorted by path;
    the diagnostics include `result`'s own. No files are produced when any error
    exists. `unsupported` ("warn" or "error") is what a setting the engine cannot honour
    becomes (see `pipec.targets.kit.unsupported`). Raises :class:`TargetCrash` when a target
    misbehaves.
    """
    diags = Diagnostics()
    diags.unsupported_level = unsupported
    diags.extend(result.diagnostics)
    selected = select_targets(target_names, options, diags)
    if diags.has_errors:
        return {}, diags
    if contexts is None:
        from pipec.build.image import BuildContexts

        contexts = BuildContexts(diagnostics=diags)
    images = pipeline_images(result, registry, contexts)
    files: dict[str, str] = {}
    for sel in selected:
        for rel, text in _compile_one(sel, result, diags, images).items():
            files[f"{sel.name}/{rel}"] = text
    if diags.has_errors:  # a target reported e.g. an unsupported setting
        return {}, diags
    return dict(sorted(files.items())), diags
