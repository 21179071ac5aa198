"""The permit fixture process, compiled, and a case driven to its usual states."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from policyflow.definition.catalog import load
from policyflow.runtime import CompiledProcess, Step, apply, compile_process, start

FIXTURES = Path(__file__).parents[1] / "fixtures" / "processes"


@pytest.fixture(scope="session")
def permit() -> CompiledProcess:
    return compile_process(load(FIXTURES / "permit.yaml"))


@pytest.fixture(scope="session")
def inspection() -> CompiledProcess:
    return compile_process(load("permit.inspection", root=FIXTURES))


def data(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "applicant_type": "legal_person",
        "budget": "1000000.00",
        "documents": ["application_form", "budget_sheet"],
    }
    base.update(changes)
    return base


def begin(permit: CompiledProcess, at: datetime, **changes: Any) -> Step:
    return start(permit, "case-1", data(**changes), at=at)


def run(
    permit: CompiledProcess,
    step: Step,
    *events: tuple[str, datetime] | tuple[str, datetime, Mapping[str, Any]],
) -> Step:
    for item in events:
        event, at = item[0], item[1]
        payload = item[2] if len(item) > 2 else None  # type: ignore[misc]
        step = apply(permit, step.snapshot, event, payload, at=at)
    return step
