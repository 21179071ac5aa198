"""A case whose expiry counts into a year the calendar does not publish does not stop tick.

The process below: a five-working-day reply limit whose expiry fires `lapsed`, and
`lapsed` starts a one-year retention period. On the official calendar (published to
2026), a reply limit started on Wednesday 2026-12-16 is due Wednesday 2026-12-23 (17, 18,
21, 22, 23); the retention it starts would end in December 2027, a year no State Council
notice has published yet, so that case's expiry cannot be computed. A second case,
started on Monday 2023-10-09, expires normally (due Monday 2023-10-16: 10–13, 16).
"""

from __future__ import annotations

from datetime import datetime

from policyflow.engine import Engine

PROCESS = """
id: lapse
title: {zh: 答复期限, en: Reply limit}
events:
  - {id: lapsed, zh: 逾期, en: Lapsed}
states:
  - {id: waiting, zh: 等待答复, en: Waiting, initial: true, basis: 行政许可法 第三十二条}
  - {id: retained, zh: 留存, en: Retained, basis: 行政许可法 第三十二条}
  - {id: closed, zh: 结束, en: Closed, final: true, basis: 行政许可法 第三十二条}
transitions:
  - {id: lapse, zh: 逾期, en: Lapse, event: lapsed, from: waiting, to: retained,
     basis: 行政许可法 第三十二条}
deadlines:
  - {id: reply_limit, zh: 答复期限, en: Reply limit, period: 五个工作日,
     start_on: {enter: waiting}, on_expiry: {fire: lapsed}, basis: 行政许可法 第三十二条}
  - {id: retention, zh: 留存期限, en: Retention, period: 一年,
     start_on: {enter: retained}, basis: 行政许可法 第三十二条}
"""


def test_one_unpublished_year_is_reported_and_the_other_cases_expire(tmp_path):
    (tmp_path / "lapse.yaml").write_text(PROCESS, encoding="utf-8")
    with Engine(tmp_path / "cases.db", processes=tmp_path) as engine:
        late = engine.start("lapse", {}, at=datetime(2026, 12, 16, 10))
        early = engine.start("lapse", {}, at=datetime(2023, 10, 9, 10))
        report = engine.tick(datetime(2026, 12, 24, 0, 0))
        # the early case: the reply limit fires `lapsed`, and the retention it started (due
        # 2024-10-16) has passed too by this tick, so it is marked overdue
        assert [(a.case_id, a.deadline, a.event) for a in report.actions] == [
            (early.id, "reply_limit", "lapsed"),
            (early.id, "retention", "deadline_expired"),
        ]
        [(case_id, reason)] = report.refused
        assert case_id == late.id and "2027" in reason
        # nothing of the late case was written; the early one moved
        assert engine.get(late.id).state == "waiting" and engine.get(late.id).version == 1
        assert engine.get(early.id).state == "retained" and engine.get(early.id).overdue
        # the next tick tries the late case again (and reports it again), and only it
        again = engine.tick(datetime(2026, 12, 24, 0, 0))
        assert again.actions == () and [c for c, _ in again.refused] == [late.id]
