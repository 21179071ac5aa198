"""henan-asset: a pilot unit of separate management of service-invention achievements.

豫科〔2023〕131号: the pilot plan reported (四(一)(二)); annual execution reports and typical
cases (四(二)); at least 15 % of the transfer company's retained net income drawn for
capacity building and rewards (三(二): 不低于 includes 15 %); disposals decided inside the
unit, without approval or filing outside it (三(一)), exempt from liability on the
conditions of 三(三).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policyflow import Engine, GuardFailed

from .engine_steps import at, child, open_engine, timer_actions


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    with open_engine(tmp_path, "asset") as eng:
        yield eng


def _piloting(engine: Engine, **data: object) -> str:
    """郑州大学, an empowerment-pilot university, reporting its plan on 2023-11-15."""
    fields = {"unit_name": "郑州大学", "unit_kind": "university", "empowerment_pilot": True} | data
    case = engine.start("henan-asset", fields, at=at("2023-10-09"))
    engine.fire(case.id, "plan_drafted", at=at("2023-11-01"))
    engine.fire(case.id, "plan_reported", at=at("2023-11-15"))
    return case.id


def test_a_provincial_lab_outside_the_empowerment_pilot_is_out_of_scope(engine: Engine) -> None:
    """二: other provincial universities and institutes may follow; a lab outside is not named."""
    data = {"unit_name": "某省实验室", "unit_kind": "provincial_lab", "empowerment_pilot": False}
    case = engine.start("henan-asset", data, at=at("2023-10-09"))
    with pytest.raises(GuardFailed, match="within_pilot_scope"):
        engine.fire(case.id, "plan_drafted", at=at("2023-11-01"))
    other = data | {"unit_kind": "institute"}
    case = engine.start("henan-asset", other, at=at("2023-10-09"))
    assert engine.fire(case.id, "plan_drafted", at=at("2023-11-01")).state == "plan_drafted"


def test_sc1_a_sale_of_equity_is_decided_inside_the_unit(engine: Engine) -> None:
    """SC1: collective decision and publicity; decided, final, no finance-department step (A2)."""
    unit = _piloting(engine)
    payload = {"equity_ref": "某专利作价入股", "kind": "sale"}
    engine.fire(unit, "disposal_proposed", payload, at=at("2024-03-04"))
    disposal = child(engine, unit, "henan-asset.disposal", equity_ref="某专利作价入股")
    engine.fire(disposal.id, "joint_review_started", at=at("2024-03-05"))
    decision = {
        "proceeds": "2800000.00",
        "collective_decision": True,
        "publicised": True,
        "diligent": True,
        "illicit_gain": False,
    }
    case = engine.fire(disposal.id, "disposal_decided", decision, at=at("2024-03-20"))
    assert case.state == "decided"
    assert case.data["proceeds"] == Decimal("2800000.00") and case.data["liability_exempt"]


def test_without_publicity_the_decision_stands_but_no_exemption(engine: Engine) -> None:
    """三(三): the exemption needs diligence, a collective decision, publicity, no illicit gain."""
    unit = _piloting(engine)
    engine.fire(
        unit, "disposal_proposed", {"equity_ref": "E2", "kind": "exit"}, at=at("2024-03-04")
    )
    disposal = child(engine, unit, "henan-asset.disposal", equity_ref="E2")
    engine.fire(disposal.id, "joint_review_started", at=at("2024-03-05"))
    decision = {
        "proceeds": "0.00",
        "collective_decision": True,
        "publicised": False,
        "diligent": True,
        "illicit_gain": False,
    }
    case = engine.fire(disposal.id, "disposal_decided", decision, at=at("2024-03-20"))
    assert case.state == "decided" and not case.data["liability_exempt"]


def test_sc2_twelve_percent_is_below_the_floor(engine: Engine) -> None:
    """SC2: ¥120,000 of ¥1,000,000 (12 %) is refused and changes nothing."""
    unit = _piloting(engine)
    payload = {"net_retained_income": "1000000.00", "extraction": "120000.00"}
    with pytest.raises(GuardFailed, match="extraction_at_least_15_percent"):
        engine.fire(unit, "income_distributed", payload, at=at("2024-06-03"))
    assert engine.get(unit).data["extraction_total"] == Decimal("0")


@pytest.mark.parametrize(
    ("extraction", "allowed"),
    [("149999.99", False), ("150000.00", True), ("150000.01", True)],
)
def test_fifteen_percent_to_the_fen(engine: Engine, extraction: str, allowed: bool) -> None:
    """三(二) 不低于15%: ¥150,000.00 of ¥1,000,000.00 is enough; one fen less is not."""
    unit = _piloting(engine)
    payload = {"net_retained_income": "1000000.00", "extraction": extraction}
    if allowed:
        case = engine.fire(unit, "income_distributed", payload, at=at("2024-06-03"))
        assert case.data["extraction_total"] == Decimal(extraction)
    else:
        with pytest.raises(GuardFailed, match="extraction_at_least_15_percent"):
            engine.fire(unit, "income_distributed", payload, at=at("2024-06-03"))


@pytest.mark.parametrize(("extraction", "allowed"), [("48598.55", False), ("48598.56", True)])
def test_fifteen_percent_of_an_odd_amount_is_exact(
    engine: Engine, extraction: str, allowed: bool
) -> None:
    """15 % of ¥323,990.40 is ¥48,598.56 exactly: no binary rounding either way."""
    unit = _piloting(engine)
    payload = {"net_retained_income": "323990.40", "extraction": extraction}
    if allowed:
        engine.fire(unit, "income_distributed", payload, at=at("2024-06-03"))
    else:
        with pytest.raises(GuardFailed):
            engine.fire(unit, "income_distributed", payload, at=at("2024-06-03"))


def test_sc3_a_missed_annual_report_is_only_overdue(engine: Engine) -> None:
    """SC3: 2023年度 due 2023-12-31 (the text names no day: see the readings); no sanction."""
    unit = _piloting(engine)
    engine.tick(at("2023-12-31", 23))
    assert not engine.get(unit).overdue
    engine.tick(at("2024-01-01", 0))
    case = engine.get(unit)
    assert case.overdue and case.state == "piloting"
    case = engine.fire(
        unit, "annual_report_submitted", {"year_label": "2023年度"}, at=at("2024-01-15")
    )
    assert not case.overdue
    assert timer_actions(engine, unit, "annual_report")[-1] == ("met", "2023年度")
    assert case.snapshot.occurrence("annual_report", "2024年度").due == date(2024, 12, 31)


def test_a_deviation_is_corrected_and_the_pilot_goes_on(engine: Engine) -> None:
    """四(二): 对试点中发现的问题和偏差，及时予以解决和纠正; 四(三): mature measures spread."""
    unit = _piloting(engine)
    assert engine.fire(unit, "deviation_found", at=at("2024-04-01")).state == "corrective"
    case = engine.fire(unit, "deviation_corrected", at=at("2024-05-06"))
    assert case.state == "piloting" and case.data["corrections"] == 1
    # the annual series runs on through the correction: never cancelled, never restarted
    actions = timer_actions(engine, unit, "annual_report")
    assert [a for a, _ in actions] == ["started", "overdue", "started"]
    case = engine.fire(unit, "measures_scaled_up", at=at("2025-06-03"))
    assert case.state == "scaled_up"
