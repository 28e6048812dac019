"""The engines' JSON schemas, read from ``../shared/schemas`` and closed against unknown keys.

The schemas live in ``../shared/schemas`` relative to the repository root (CI has that
folder beside the clone; see its README and each PROVENANCE.md). They are test data,
never copied into the package. Kubernetes CRD schemas are structural: objects carry no
``additionalProperties: false``, so an unknown key would pass. `closed` adds it to every
object schema that lists ``properties`` and is not ``x-kubernetes-preserve-unknown-fields``,
which is how the API server prunes/rejects unknown fields.

A missing schema skips locally and fails under CI (`tests.helpers.requires`), so a broken
checkout cannot make the proofs pass vacuously.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.helpers import requires

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO.parent / "shared" / "schemas"
PRESERVE = "x-kubernetes-preserve-unknown-fields"


def schema_path(*parts: str) -> Path:
    """The schema file ``../shared/schemas/<parts>``; fails under CI and skips locally when missing."""
    path = SCHEMAS.joinpath(*parts)
    if not path.is_file():
        requires.missing(f"the schema {path}", "check out ../shared/schemas beside the repository")
    return path


def load_schema(*parts: str) -> dict:
    """The JSON schema file ``../shared/schemas/<parts>`` (see `schema_path`)."""
    return json.loads(schema_path(*parts).read_text(encoding="utf-8"))


def closed(schema: object) -> object:
    """A deep copy of `schema` in which every object schema with ``properties`` and without
    ``x-kubernetes-preserve-unknown-fields`` rejects unknown keys (``additionalProperties: false``).
    Schemas that already say what extra keys may hold keep their ``additionalProperties``."""
    schema = copy.deepcopy(schema)

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and not node.get(PRESERVE) \
                    and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for key, value in node.items():
                if key != "enum" and key != "const":
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(schema)
    return schema


def validator(schema: dict):
    """A Draft 2020-12 validator for `schema` (the Argo schema declares 2020-12; the Tekton
    CRD schemas are OpenAPI v3 subsets that read the same; unknown formats are ignored)."""
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator_, document: object) -> list[str]:
    """Every validation error of `document` as "path: message", sorted; [] when valid."""
    found = []
    for error in validator_.iter_errors(document):
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{path}: {error.message[:300]}")
    return sorted(found)
