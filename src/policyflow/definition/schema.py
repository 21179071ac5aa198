"""The JSON Schema of the process format, generated from the models.

The schema is kept in the repository at ``processes/policyflow-process.schema.json`` so
that editors (VS Code's YAML extension, JetBrains) complete and check process files; a
test keeps it current, and ``policyflow schema -o FILE`` regenerates it. A process file
can point to it with ``# yaml-language-server: $schema=../policyflow-process.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from policyflow.definition.model import Process

__all__ = ["SCHEMA_FILENAME", "process_schema", "schema_text"]

SCHEMA_FILENAME = "policyflow-process.schema.json"


def process_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a process file.

    Where YAML accepts a shorthand the schema says so: one item where a list is
    expected, and a legal basis written as the compact text "文号 第N条".
    """
    schema = Process.model_json_schema(mode="validation", by_alias=True)
    defs = schema.get("$defs", {})
    _allow_shorthands(schema, defs)
    # A built-in process may omit its id (it is the file's path under processes/).
    schema["required"] = [r for r in schema.get("required", []) if r != "id"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


def _allow_shorthands(node: Any, defs: dict[str, Any]) -> None:
    """Let array properties also take one item, and legal bases be compact text."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "properties" and isinstance(value, dict):
                for name, prop in value.items():
                    if isinstance(prop, dict) and prop.get("type") == "array" and "items" in prop:
                        items = prop["items"]
                        if name == "basis":
                            items = {
                                "anyOf": [items, {"type": "string", "pattern": "^\\S.*\\s第.+条"}]
                            }
                        value[name] = {
                            **{k: v for k, v in prop.items() if k not in ("type", "items")},
                            "anyOf": [{"type": "array", "items": items}, items],
                        }
            _allow_shorthands(value, defs)
    elif isinstance(node, list):
        for item in node:
            _allow_shorthands(item, defs)


def schema_text() -> str:
    """The schema as the text of the file kept in the repository."""
    return json.dumps(process_schema(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
