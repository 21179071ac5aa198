"""The JSON Schema of the format is current and accepts the process files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from policyflow.definition.schema import SCHEMA_FILENAME, process_schema, schema_text

from .conftest import FIXTURES, PERMIT

SCHEMA_FILE = Path(__file__).parents[2] / "processes" / SCHEMA_FILENAME


def test_schema_file_is_current():
    """The kept schema file matches the models (regenerate: policyflow schema -o FILE)."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        f"stale: run .venv/bin/policyflow schema -o {SCHEMA_FILE}"
    )


def test_schema_accepts_the_fixtures_and_refuses_a_bad_one():
    """The permit and its child validate (shorthands included); an unknown key does not."""
    validator = jsonschema.Draft202012Validator(process_schema())
    for path in (PERMIT, FIXTURES / "permit" / "inspection.yaml", FIXTURES / "ok_minimal.yaml"):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, [e.message for e in errors]
    bad = json.loads(
        json.dumps(
            yaml.safe_load((FIXTURES / "bad_schema.yaml").read_text(encoding="utf-8")), default=str
        )
    )
    assert list(validator.iter_errors(bad))
