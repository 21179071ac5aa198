"""Fixtures for the HGR scenarios (科学技术部令第21号): a real engine on a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from policyflow import Engine
from policyflow.engine.case import Case

PERMIT_WRITTEN = {"notified_in_writing": True, "copied_to_province": True, "published": True}
CHINESE_UNIT = {"applicant_unit_type": "university", "max_foreign_holding_bp": 0}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    eng = Engine(tmp_path / "hgr.db")
    try:
        yield eng
    finally:
        eng.close()


def at(day: str, hour: int = 10) -> datetime:
    """A business time on `day` (ISO date) at `hour`:00."""
    return datetime.fromisoformat(day).replace(hour=hour)


def only_child(engine: Engine, case: Case, process_id: str) -> Case:
    """The one child case of `case` running `process_id`."""
    found = [c for c in engine.children(case.id) if c.process_id == process_id]
    assert len(found) == 1, found
    return found[-1]


def granted_permit(
    engine: Engine,
    kind: str,
    *,
    valid_until: str,
    total: int = 0,
    accepted_on: str = "2021-03-01",
    extra: dict[str, Any] | None = None,
) -> Case:
    """Take an hgr-permit application to a grant; return the permit's lifecycle case."""
    data: dict[str, Any] = {"kind": kind, **CHINESE_UNIT, **(extra or {})}
    if kind == "international_cooperation":
        data |= {"has_foreign_party": True, "has_commitments": True}
    case = engine.start("hgr-permit", data, at=at(accepted_on, 9))
    engine.fire(case.id, "materials_submitted", at=at(accepted_on, 9))
    engine.fire(case.id, "accepted", {"voucher_no": "HGR-V-1"}, at=at(accepted_on, 10))
    engine.fire(
        case.id,
        "permit_granted",
        {
            "permit_no": "HGR-P-1",
            "valid_from": accepted_on,
            "valid_until": valid_until,
            "approved_total_quantity": total,
            **PERMIT_WRITTEN,
        },
        at=at(accepted_on, 11),
    )
    return only_child(engine, case, "hgr-permit-lifecycle")
