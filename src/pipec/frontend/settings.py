"""Turn decorator / `.with_options()` / run-config options into IR settings.

Options arrive as ``(key, value, span)`` triples whose values were already evaluated
statically. They are normalised into a *partial* settings dict::

    {"resources": {"cpu": 2.0}, "docker": {...}, "retry": {...}, "enable_cache": False,
     "step_operator": "sagemaker", "timeout": 600.0, "extra": {"orchestrator.kubeflow": {...}}}

(``timeout`` comes from ``settings={"timeout": SECONDS}``, pipec's own key: ZenML has no step
timeout; on a pipeline it is every step's default, as other settings are.)

Partials merge field by field (pipeline < step definition < invocation < run config),
and :func:`to_settings` freezes the result into :class:`pipec.ir.Settings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import SECTIONS, Docker, Resources, Retry, Schedule, Settings, Span
from ..ir.setting_fields import Invalid, Redirect, parser_of, user_names
from .runtime_values import MODEL, STACK, RunTimeValue, describe, find_runtime, help_for, message, notes_for
from .values import ParamValue, SettingsObject, plain_value

Partial = dict[str, Any]

#: The ``settings`` key of a step's time limit in seconds (pipec's; ZenML has none).
TIMEOUT = "timeout"

#: Options every step/pipeline decorator accepts, mapped to how they are handled.
COMMON_KEYS = {
    *SECTIONS, "name", "enable_cache", "settings", "extra", "options",
    "step_operator", "experiment_tracker", "on_failure", "on_success", "model", "model_version",
    "enable_artifact_metadata", "enable_artifact_visualization", "enable_step_logs", "substitutions",
    "tags", "output_materializers", "parameters", "environment", "secrets",
}
STEP_KEYS = COMMON_KEYS
PIPELINE_KEYS = COMMON_KEYS | {
    Schedule.key, "config_path", "run_name", "enable_pipeline_logs", "requirements", "required_integrations",
    "dockerignore_file", "unlisted", "build", "step_configurations", "steps", "cache_policy",
}

#: Accepted but without effect on compiled artifacts: a warning says so.
IGNORED_KEYS = {
    "on_failure": "failure hooks run in ZenML's runtime; pipec does not call them",
    "on_success": "success hooks run in ZenML's runtime; pipec does not call them",
    "output_materializers": "pipec chooses materializers from the output types",
    "experiment_tracker": "experiment trackers are not part of the compiled artifacts",
    "enable_artifact_metadata": None, "enable_artifact_visualization": None, "enable_step_logs": None,
    "enable_pipeline_logs": None, "substitutions": None, "tags": None, "run_name": None, "unlisted": None,
    "build": None, "required_integrations": "list the packages in docker requirements instead",
    "secrets": "secrets are configured on the stack, not in the pipeline",
    "cache_policy": None,
}

#: ZenML DockerSettings fields that change how ZenML builds images, not what runs in them.
DOCKER_IGNORED = {"python_package_installer", "python_package_installer_args", "install_stack_requirements",
                  "required_integrations", "replicate_local_python_environment", "build_context_root",
                  "build_options", "build_config", "prevent_build_reuse", "target_repository", "dockerfile",
                  "copy_files", "copy_global_config", "user", "source_files", "allow_download_from_code_repository",
                  "allow_download_from_artifact_store", "allow_including_files_in_images", "parent_image_build_config",
                  "local_project_install_command", "skip_build", "apt_packages_install_command"}


class SettingsReader:
    """Converts option values, reporting problems at the option's span."""

    def __init__(self, diags: Diagnostics) -> None:
        self.diags = diags

    # ------------------------------------------------------------------ entry point

    def read(self, options: Iterable[tuple[str, Any, Span]], scope: str) -> Partial:
        """Normalise `options` of a step (`scope="step"`) or pipeline (`scope="pipeline"`)."""
        partial: Partial = {}
        allowed = STEP_KEYS if scope == "step" else PIPELINE_KEYS
        for key, value, span in options:
            if key == "dynamic" and scope == "pipeline":
                if _param_value(value) not in (None, False):
                    self.diags.error("PC105", "dynamic pipelines cannot be compiled statically: their steps are "
                                     "chosen while the pipeline runs", span,
                                     help="remove `dynamic=True` and call each step in the body; for fan-out, "
                                          "loop over a literal list or a pipeline parameter with a default")
                continue
            if key not in allowed:
                self.diags.error("PC107", f"unknown {scope} option `{key}`", span,
                                 help=did_you_mean(key, allowed))
                continue
            self._read_one(partial, key, value, span, scope)
        return partial

    def _read_one(self, partial: Partial, key: str, value: Any, span: Span, scope: str) -> None:
        value = _param_value(value)
        if key in IGNORED_KEYS:
            if value not in (None, False, [], {}, ()):
                reason = IGNORED_KEYS[key]
                self.diags.warning("PC116", f"`{key}` has no effect on compiled pipelines"
                                   + (f": {reason}" if reason else "") + _unevaluated(value), span)
            return
        runtime = find_runtime(value)
        if runtime is not None:
            if key == "step_operator" and runtime.reason == STACK:
                # ZenML's `step_operator=True` means the active stack's step operator: the same thing.
                self.diags.warning("PC116", f"`step_operator` is read from the active ZenML stack "
                                   f"(`{runtime.expr}`) at run time; pipec uses the step operator of the stack that "
                                   "runs the pipeline, as `step_operator=True` does", span,
                                   help="name the step operator as a literal to choose it at compile time",
                                   notes=notes_for(runtime, span))
                partial["step_operator"] = "default"
            else:
                self.diags.error("PC102", message(runtime), span, help=help_for(runtime, in_settings=True),
                                 notes=notes_for(runtime, span))
            return
        if key in ("model", "model_version"):
            self._model(partial, key, value, span)
        elif key == "name":
            if not isinstance(value, str) or not value:
                self.diags.error("PC107", "`name` must be a non-empty string", span)
            else:
                partial["name"] = value
        elif key == "enable_cache":
            if value is not None and not isinstance(value, bool):
                self.diags.error("PC107", "`enable_cache` must be True or False", span)
            elif value is not None:
                partial["enable_cache"] = value
        elif key == "step_operator":
            if value is True:
                partial["step_operator"] = "default"
            elif isinstance(value, str):
                partial["step_operator"] = value
            elif value not in (None, False):
                self.diags.error("PC107", "`step_operator` must be a step operator name", span)
        elif key in SECTIONS:
            section = self._section(key, value, span)
            if section is not None:
                _merge_into(partial, key, section)
        elif key == Schedule.key:
            schedule = self.schedule(value, span)
            if schedule is not None:
                partial[Schedule.key] = schedule
        elif key == "settings":
            self._settings_dict(partial, value, span)
        elif key in ("extra", "options"):
            if not isinstance(value, dict):
                self.diags.error("PC107", f"`{key}` must be a dict", span)
            else:
                extra = _jsonable(value, self.diags, span, key)
                if extra is not None:
                    bucket = partial.setdefault("extra", {})
                    if key == "extra":
                        bucket["extra"] = {**bucket.get("extra", {}), **extra}
                    else:
                        for target, opts in extra.items():
                            bucket[f"target.{target}"] = opts
        elif key == "environment":
            self._merge_docker(partial, {"environment": value}, span)
        elif key == "requirements":
            self._merge_docker(partial, {"requirements": value}, span)
        elif key == "dockerignore_file":
            self._merge_docker(partial, {"dockerignore": value}, span)
        elif key == "parameters":
            if not isinstance(value, dict):
                self.diags.error("PC107", "`parameters` must be a dict", span)
            else:
                partial["parameters"] = {**partial.get("parameters", {}), **value}
        elif key == "config_path":
            if isinstance(value, str):
                partial["config_path"] = value
        elif key in ("steps", "step_configurations"):
            partial["steps"] = value

    def _model(self, partial: Partial, key: str, value: Any, span: Span) -> None:
        """`model=Model(...)`: the whole model (a later level replaces it); None leaves it unset."""
        from .model_control import spec_of

        spec = spec_of(value)
        if spec is not None:
            partial["model"] = spec
        elif value is not None:
            self.diags.error("PC125", f"`{key}` must be a `Model(...)`", span,
                             help="write `model=Model(name=\"...\")`")

    def _merge_docker(self, partial: Partial, fields: dict, span: Span) -> None:
        section = self.docker(fields, span)
        if section is not None:
            _merge_into(partial, Docker.key, section)

    def _settings_dict(self, partial: Partial, value: Any, span: Span) -> None:
        if not isinstance(value, dict):
            self.diags.error("PC108", "`settings` must be a dict such as {\"resources\": ResourceSettings(...)}", span)
            return
        for key, item in value.items():
            if not isinstance(key, str):
                self.diags.error("PC108", "settings keys must be strings", span)
                continue
            item = _param_value(item)
            if key == TIMEOUT:
                self._timeout(partial, item, span)
            elif key in SECTIONS:
                section = self._section(key, item, span)
                if section is not None:
                    _merge_into(partial, key, section)
            else:
                fields = dict(item.fields) if isinstance(item, SettingsObject) else item
                if not isinstance(fields, dict):
                    self.diags.error("PC108", f"settings `{key}` must be a settings object or a dict", span)
                    continue
                converted = _jsonable(fields, self.diags, span, f"settings `{key}`")
                if converted is not None:
                    bucket = partial.setdefault("extra", {})
                    bucket[key] = {**bucket.get(key, {}), **converted}

    def _timeout(self, partial: Partial, value: Any, span: Span) -> None:
        """``settings={"timeout": SECONDS}``: how long one attempt may run; None leaves it unset."""
        import math

        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value <= 0:
            self.diags.error("PC108", "settings `timeout` must be a positive number of seconds", span,
                             help='write e.g. `settings={"timeout": 600}` for ten minutes')
            return
        partial[TIMEOUT] = float(value)

    # ------------------------------------------------------------------ sections

    def _section(self, kind: str, value: Any, span: Span) -> dict | None:
        if value is None:
            return None
        if isinstance(value, SettingsObject):
            if value.kind != kind:
                self.diags.error("PC108", f"expected {kind} settings, got `{value.qualname.rsplit('.', 1)[-1]}`", span)
                return None
            fields = dict(value.fields)
        elif isinstance(value, dict):
            fields = value
        else:
            self.diags.error("PC108", f"`{kind}` must be a settings object or a dict", span)
            return None
        return {Resources.key: self.resources, Docker.key: self.docker, Retry.key: self.retry}[kind](fields, span)

    def resources(self, fields: dict, span: Span) -> dict | None:
        """Normalise resource fields (pipec's and ZenML's names)."""
        return self._fields(Resources, _RULES[Resources], fields, span)

    def docker(self, fields: dict, span: Span) -> dict | None:
        """Normalise docker fields (pipec's and ZenML's names)."""
        out = self._fields(Docker, _RULES[Docker], fields, span)
        # ZenML's `skip_build` runs the parent image as it is: pipec's `image`.
        if _param_value(fields.get(SKIP_BUILD)) is True and "parent_image" in out and "image" not in out:
            out["image"] = out["parent_image"]
        return out

    def retry(self, fields: dict, span: Span) -> dict | None:
        """Normalise retry fields."""
        return self._fields(Retry, _RULES[Retry], fields, span)

    def schedule(self, value: Any, span: Span) -> Schedule | None:
        """A Schedule from a settings object or dict; PC117 when it is not usable."""
        value = _param_value(value)
        if value is None:
            return None
        if isinstance(value, SettingsObject) and value.kind == Schedule.key:
            fields = dict(value.fields)
        elif isinstance(value, dict):
            fields = value
        else:
            self.diags.error("PC117", "`schedule` must be a Schedule(...) or a dict", span)
            return None
        out = self._fields(Schedule, _RULES[Schedule], fields, span)
        if "cron" not in out and "interval_seconds" not in out:
            self.diags.error("PC117", "a schedule needs a cron expression or an interval", span)
            return None
        return Schedule(span=span, **out)

    def _fields(self, section: type, rules: _Rules, fields: dict, span: Span) -> dict[str, Any]:
        """The IR fields of `section` that `fields` (user spellings -> values) sets, each parsed."""
        names = user_names(section)
        out: dict[str, Any] = {}
        for name, raw in fields.items():
            raw = _param_value(raw)
            target = names.get(name)
            if target is None:
                self._unknown(rules, name, raw, span, [*names, *rules.suggest])
                continue
            if raw is None and rules.skip_none:
                continue
            if isinstance(raw, dict):
                raw = {key: _param_value(val) for key, val in raw.items()}
            try:
                value = parser_of(section, target)(name, raw, self._reporter(rules.code, span))
            except Invalid as exc:
                self.diags.error(rules.code, exc.message, span, help=exc.help)
                continue
            if isinstance(value, Redirect):
                target, value = value
            out[target] = value
        return out

    def _unknown(self, rules: _Rules, name: str, raw: Any, span: Span, known: list[str]) -> None:
        if name in rules.ignored:
            if rules.ignored[name] and raw is not None:
                self.diags.warning("PC116", rules.ignored[name].format(name), span)
        elif rules.unknown_is_error:
            self.diags.error(rules.code, rules.unknown.format(name), span, help=did_you_mean(name, known))
        else:
            self.diags.warning("PC116", rules.unknown.format(name), span, help=did_you_mean(name, known))

    def _reporter(self, code: str, span: Span):
        return lambda text, help: self.diags.error(code, text, span, help=help)


# ---------------------------------------------------------------------- section rules

#: ZenML's DockerSettings field that pipec reads besides the IR's own fields.
SKIP_BUILD = "skip_build"


@dataclass(frozen=True)
class _Rules:
    """How the reader treats a section's names that are not IR fields."""

    #: Diagnostic code of an invalid value.
    code: str
    #: Message for a name that is neither a field, an alias nor ignored ("{}" is the name).
    unknown: str
    #: True when an unknown name is an error, False when it is a warning (PC116).
    unknown_is_error: bool
    #: ZenML names accepted without effect -> warning shown when set ("" for none).
    ignored: dict[str, str]
    #: Names besides the fields and aliases that a "did you mean" hint may suggest.
    suggest: tuple[str, ...] = ()
    #: True when a None value leaves the field unset instead of being checked.
    skip_none: bool = True


_RULES: dict[type, _Rules] = {
    Resources: _Rules("PC108", "resource setting `{}` is not supported and is ignored", False, {}),
    Docker: _Rules("PC108", "docker setting `{}` is not supported and is ignored", False,
                   dict.fromkeys(DOCKER_IGNORED, ""), suggest=(SKIP_BUILD,)),
    Retry: _Rules("PC108", "unknown retry setting `{}`", True, {}, skip_none=False),
    Schedule: _Rules("PC117", "unknown schedule field `{}`", True,
                     {"name": "", "run_once_start_time": "schedule `{}` is not supported and is ignored"},
                     suggest=("name", "run_once_start_time")),
}


# ---------------------------------------------------------------------- helpers


def _param_value(value: Any) -> Any:
    """Settings need concrete values: a known pipeline parameter yields its value."""
    if isinstance(value, ParamValue) and value.known:
        return value.value
    return plain_value(value)


def _unevaluated(value: Any) -> str:
    """The clause telling why an ignored option's value was not (or could not be) evaluated."""
    runtime = find_runtime(value)
    if runtime is None or runtime.reason == MODEL:  # the reason already says it: ZenML's model control plane
        return ""
    if runtime.reason == STACK:
        return f"; its value `{runtime.expr}` depends on the active ZenML stack at run time"
    if runtime.reason == UNEVALUATED:
        return f"; its value is not evaluated ({runtime.expr})"
    return f"; its value `{runtime.expr}` is only known at run time"


#: RunTimeValue reason of an ignored option whose value failed to evaluate; `expr` holds the error.
UNEVALUATED = "unevaluated"


def _jsonable(value: Any, diags: Diagnostics, span: Span, what: str) -> Any:
    """`value` as JSON-compatible data (tuples become lists); PC111 and None otherwise."""
    runtime = find_runtime(value)
    if runtime is not None:
        diags.error("PC102", message(runtime), span, help=help_for(runtime, in_settings=True),
                    notes=notes_for(runtime, span))
        return None
    try:
        return to_json_value(value)
    except TypeError as exc:
        diags.error("PC111", f"{what} holds a value that is not JSON-serialisable: {exc}", span)
        return None


def to_json_value(value: Any) -> Any:
    """Convert a statically known value to JSON-compatible data, or raise TypeError."""
    value = _param_value(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TypeError("NaN and infinity have no JSON form")
        return value
    if isinstance(value, (list, tuple, range)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, val in value.items():
            if not isinstance(key, str):
                raise TypeError(f"dict key {key!r} is not a string")
            out[plain_value(key)] = to_json_value(val)
        return out
    if isinstance(value, SettingsObject):
        return {k: to_json_value(v) for k, v in value.fields}
    from .pure_stdlib import path_text

    if path_text(value) is not None:  # a pathlib path: its string, as pydantic serializes it
        return path_text(value)
    if isinstance(value, RunTimeValue):
        raise TypeError(message(value))
    raise TypeError(f"{describe(value)} is not data")


def _merge_into(partial: Partial, key: str, section: dict) -> None:
    partial[key] = {**partial.get(key, {}), **section}


def merge(*partials: Partial) -> Partial:
    """Merge partial settings; later ones win field by field."""
    out: Partial = {}
    for part in partials:
        for key, value in part.items():
            if (key in SECTIONS or key in ("extra", "parameters")) and isinstance(value, dict):
                base = dict(out.get(key, {}))
                if key == "extra":
                    for sub, val in value.items():
                        if isinstance(val, dict) and isinstance(base.get(sub), dict):
                            base[sub] = {**base[sub], **val}
                        else:
                            base[sub] = val
                else:
                    base.update(value)
                out[key] = base
            else:
                out[key] = value
    return out


def to_settings(partial: Partial) -> Settings:
    """Freeze a partial into IR Settings."""
    sections = {key: cls(**partial[key]) if partial.get(key) else None for key, cls in SECTIONS.items()}
    extra = tuple(sorted((partial.get("extra") or {}).items()))
    return Settings(**sections, enable_cache=partial.get("enable_cache"),
                    step_operator=partial.get("step_operator"), timeout=partial.get(TIMEOUT), extra=extra)
