"""nomination-round: the submission deadline at least 30 days after the notice (第十二条)."""

from __future__ import annotations

from datetime import datetime

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import NOTICE_DAY, at, open_round


@pytest.mark.parametrize(
    ("deadline", "ok"),
    [("2024-12-31", False), ("2025-01-01", True), ("2025-01-02", True)],
)
def test_the_deadline_is_not_earlier_than_30_days_after_the_notice(
    engine: Engine, deadline: str, ok: bool
) -> None:
    """第十二条: 不早于…之日起30日后 — 2024-12-02 + 30 days = 2025-01-01 (元旦: it stands)."""
    if ok:
        case_id = open_round(engine, deadline=deadline)
        assert engine.get(case_id).state == "open"
    else:
        with pytest.raises(GuardFailed, match="thirty_days_after_notice") as refused:
            open_round(engine, deadline=deadline)
        assert "第十二条" in str(refused.value)


def test_each_unit_has_one_quota(engine: Engine) -> None:
    """第十三条 限额: a unit listed twice is refused."""
    case = engine.start("nomination-round", {"year": 2025, "cycle_id": "2025"}, at=at(NOTICE_DAY))
    quotas = [{"unit": "CAST", "quota": 2}, {"unit": "CAST", "quota": 3}]
    payload = {"submission_deadline": "2025-01-10", "principles_stated": True, "quotas": quotas}
    with pytest.raises(GuardFailed, match="one_quota_per_unit"):
        engine.fire(case.id, "round_opened", payload, at=at(NOTICE_DAY))


def test_the_round_closes_when_its_deadline_day_ends(engine: Engine) -> None:
    """The deadline day is in time; the round closes at 2025-01-11 00:00."""
    case_id = open_round(engine)
    engine.tick(at("2025-01-10", 23))
    assert engine.get(case_id).state == "open"
    engine.tick(datetime(2025, 1, 11))
    assert engine.get(case_id).state == "closed"
