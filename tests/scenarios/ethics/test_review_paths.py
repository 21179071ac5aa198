"""ethics-review: simplified review, expert re-review and appeal (国科发监〔2023〕167号)."""

from __future__ import annotations

from datetime import date

import pytest

from policyflow import Engine
from policyflow.errors import EventNotAllowed, GuardFailed

from .steps import accepted, at, expert, in_meeting, only_child, present

SIMPLIFIED = {
    "decision": "approve",
    "unanimous": True,
    "reason_and_basis": "最低风险，第二十二条第（一）项",
}


def _simplified(engine: Engine, **data: object) -> str:
    case_id = accepted(engine, procedure="simplified", **data)
    engine.fire(
        case_id,
        "simplified_assigned",
        {"ground": "minimal_risk", "reviewers": ["M1", "M3"]},
        at=at("2024-03-12"),
    )
    return case_id


def test_a_simplified_review_needs_two_designated_members(engine: Engine) -> None:
    """第二十三条: 两名或两名以上的委员; one is not enough."""
    case_id = accepted(engine, procedure="simplified")
    with pytest.raises(GuardFailed, match="two_reviewers"):
        engine.fire(
            case_id,
            "simplified_assigned",
            {"ground": "minimal_risk", "reviewers": ["M1"]},
            at=at("2024-03-12"),
        )
    case = engine.get(_simplified(engine))
    assert case.state == "simplified_review"


def test_a_unanimous_simplified_review_approves_stating_its_reason(engine: Engine) -> None:
    """第二十三条: the decision states the reason and basis for the simplified procedure."""
    case_id = _simplified(engine)
    with pytest.raises(GuardFailed, match="simplified_reason_stated"):
        engine.fire(
            case_id,
            "simplified_decided",
            SIMPLIFIED | {"reason_and_basis": ""},
            at=at("2024-03-15"),
        )
    case = engine.fire(case_id, "simplified_decided", SIMPLIFIED, at=at("2024-03-15"))
    assert case.state == "approved"


def test_disagreeing_members_convert_to_a_meeting_review(engine: Engine) -> None:
    """第二十四条第（三）项: 委员之间意见不一致 → meeting review; the 30 days keep running."""
    case_id = _simplified(engine)
    with pytest.raises(GuardFailed, match="simplified_unanimous"):
        engine.fire(
            case_id, "simplified_decided", SIMPLIFIED | {"unanimous": False}, at=at("2024-03-15")
        )
    case = engine.fire(
        case_id, "converted_to_meeting", {"ground": "disagreement"}, at=at("2024-03-15")
    )
    assert case.state == "accepted" and case.data["procedure"] == "meeting"
    case = engine.fire(
        case_id,
        "meeting_convened",
        {"presided_by_chair": True, "present": present(5)},
        at=at("2024-03-25"),
    )
    assert case.state == "meeting_review"
    assert case.snapshot.timer("review_decision").due == date(2024, 4, 10)


def test_a_listed_activity_is_reviewed_in_a_meeting_as_a_rule(engine: Engine) -> None:
    """第十一条: 原则上采取会议审查方式 — a soft guard: passed only with a recorded reason."""
    case_id = accepted(engine, procedure="simplified", listed=True)
    payload = {"ground": "minor_amendment", "reviewers": ["M1", "M3"]}
    with pytest.raises(GuardFailed, match="meeting_review_as_a_rule"):
        engine.fire(case_id, "simplified_assigned", payload, at=at("2024-03-12"))
    case = engine.fire(
        case_id,
        "simplified_assigned",
        payload,
        at=at("2024-03-12"),
        overrides={"meeting_review_as_a_rule": "对已批准方案作较小修改，第二十二条第（二）项"},
    )
    assert case.state == "simplified_review"
    entry = engine.history(case_id)[-1].entry
    assert dict(entry.overrides) == {
        "meeting_review_as_a_rule": "对已批准方案作较小修改，第二十二条第（二）项"
    }
    # a listed activity still goes to the expert re-review after a simplified approval
    case = engine.fire(case_id, "simplified_decided", SIMPLIFIED, at=at("2024-03-15"))
    assert case.state == "awaiting_rereview"


def _to_final_decision(engine: Engine, opinion: str = "agree", **data: object) -> str:
    """A listed activity: preliminary approval, re-review applied, the panel's opinion given."""
    case_id = in_meeting(engine, listed=True, **data)
    case = engine.fire(case_id, "review_approved", {"votes_for": 6}, at=at("2024-03-25"))
    assert case.state == "awaiting_rereview"
    with pytest.raises(GuardFailed, match="package_complete"):
        engine.fire(
            case_id,
            "rereview_applied",
            {"package_complete": False, "received_on": "2024-04-01"},
            at=at("2024-03-29"),
        )
    engine.fire(
        case_id,
        "rereview_applied",
        {"package_complete": True, "received_on": "2024-04-01"},
        at=at("2024-03-29"),
    )
    child = only_child(engine, case_id, "ethics-rereview")
    assert child.data["received_on"] == date(2024, 4, 1)
    engine.fire(
        child.id, "panel_formed", {"panel": [expert(i) for i in range(7)]}, at=at("2024-04-08")
    )
    engine.fire(
        child.id, "opinion_adopted", {"opinion": opinion, "votes_for": 5}, at=at("2024-04-26")
    )
    return case_id


def test_a_listed_activity_is_approved_only_after_an_agreeing_re_review(engine: Engine) -> None:
    """第二十六、三十二条: the final decision follows the opinion; 第四十四条 registration."""
    case_id = _to_final_decision(engine)
    case = engine.get(case_id)
    assert case.state == "final_decision_pending"
    assert case.data["rereview_opinion"] == "agree"
    case = engine.fire(case_id, "final_approved", at=at("2024-05-06"))
    assert case.state == "approved"
    registration = only_child(engine, case_id, "ethics-listed-registration")
    assert registration.data["approved_on"] == date(2024, 5, 6)  # the final decision, not 03-25
    assert only_child(engine, case_id, "ethics-activity").data["listed"] is True


def test_a_disagreeing_opinion_cannot_end_in_approval(engine: Engine) -> None:
    """第三十二条: 应根据专家复核意见作出科技伦理审查决定."""
    case_id = _to_final_decision(engine, opinion="disagree")
    with pytest.raises(GuardFailed, match="opinion_agrees"):
        engine.fire(case_id, "final_approved", at=at("2024-05-06"))
    case = engine.fire(
        case_id, "final_disapproved", {"reasons": "专家复核意见不同意"}, at=at("2024-05-06")
    )
    assert case.state == "disapproved"


def test_an_approval_regime_covering_ethics_waives_the_re_review(engine: Engine) -> None:
    """第三十四条: no re-review; the registration of 第四十四条 still applies."""
    case_id = in_meeting(engine, listed=True, rereview_exempt=True)
    case = engine.fire(case_id, "review_approved", {"votes_for": 6}, at=at("2024-03-25"))
    assert case.state == "approved"
    assert only_child(engine, case_id, "ethics-listed-registration").data["approved_on"] == date(
        2024, 3, 25
    )


def _disapproved(engine: Engine) -> str:
    case_id = in_meeting(engine)
    engine.fire(
        case_id,
        "review_disapproved",
        {"votes_for": 5, "reasons": "风险受益不合理"},
        at=at("2024-03-25"),
    )
    return case_id


APPEAL = {"written": True, "reasons": "补充了新的安全性数据", "materials": True}


def test_an_appeal_reopens_the_decision_and_a_sufficient_one_reviews_again(engine: Engine) -> None:
    """第十八条: 申诉理由充分的，应按照本办法规定重新作出审查决定."""
    case_id = _disapproved(engine)
    with pytest.raises(GuardFailed, match="appeal_written"):
        engine.fire(case_id, "appeal_filed", APPEAL | {"written": False}, at=at("2024-04-01"))
    case = engine.fire(case_id, "appeal_filed", APPEAL, at=at("2024-04-01"))
    assert case.state == "appeal_review" and not case.is_final
    case = engine.fire(case_id, "appeal_upheld", at=at("2024-04-15"))
    assert case.state == "accepted"
    case = engine.fire(
        case_id,
        "meeting_convened",
        {"presided_by_chair": True, "present": present(6)},
        at=at("2024-04-22"),
    )
    assert (
        engine.fire(case_id, "review_approved", {"votes_for": 4}, at=at("2024-04-22")).state
        == "approved"
    )


def test_a_dismissed_appeal_returns_to_the_decision_appealed(engine: Engine) -> None:
    """第十八条: reasons not sufficient — the decision stands; the case is final again."""
    case_id = _disapproved(engine)
    engine.fire(case_id, "appeal_filed", APPEAL, at=at("2024-04-01"))
    case = engine.fire(case_id, "appeal_dismissed", at=at("2024-04-15"))
    assert case.state == "disapproved"
    assert case.is_final


def test_a_plain_approval_is_not_appealed(engine: Engine) -> None:
    """Reading: the applicant has nothing to object to in an approval without conditions."""
    case_id = in_meeting(engine)
    engine.fire(case_id, "review_approved", {"votes_for": 6}, at=at("2024-03-25"))
    with pytest.raises(EventNotAllowed):
        engine.fire(case_id, "appeal_filed", APPEAL, at=at("2024-04-01"))
