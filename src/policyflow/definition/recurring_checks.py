"""The linter's checks of a recurring deadline (``every``, ``label``, ``label_from``).

Beside checks.py (which runs them) because that module holds every other check. The
model refuses what a recurring deadline cannot take (a period or ``ends_on`` beside
``every``, an extension, a suspension, an expiry event); what needs the other elements
of the process (the fields a label reads, the payload of the meeting events) is checked
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policyflow.definition.checking import Checking, Path_
from policyflow.definition.expressions import compile_expression, expression_problems
from policyflow.definition.model import Deadline, Field, FieldType
from policyflow.errors import InvalidInput
from policyflow.legaltime import Unit

__all__ = ["DUE_FIELD", "check_recurring", "label_scope"]

#: What a label reads besides the case data: the occurrence's due date.
DUE_FIELD = Field(id="due", zh="到期日", en="due date", type=FieldType.DATE)


def label_scope(fields: Mapping[str, Field]) -> dict[str, Field]:
    """The fields a recurring deadline's ``label`` may read: the case fields and ``due``."""
    return {**fields, "due": DUE_FIELD}


def check_recurring(checker: Checking, index: int, deadline: Deadline) -> None:
    """Report the problems of the recurring deadline `deadline` (the `index`-th)."""
    where: Path_ = ("deadlines", index)
    name = f"deadline {deadline.id!r}"
    every = deadline.every
    assert every is not None
    if every.period is not None:
        counted = checker.period(every.period, (*where, "every", "period"), f"{name} every")
        if counted is not None and counted.unit is Unit.HOUR:
            checker.add(
                (*where, "every", "period"),
                "recurrence",
                f"{name}: a recurring period counts days, months or years, not hours",
                blocking=True,
            )
    if not deadline.met_by:
        checker.add(
            (*where, "every"),
            "recurrence",
            f"{name} recurs but nothing meets it (met_by): every occurrence would be overdue",
            warning=True,
        )
    if deadline.label is not None:
        _check_label(checker, deadline.label, (*where, "label"), f"{name} label")
    if deadline.label_from is not None:
        checker.cel(
            deadline.label_from,
            (*where, "label_from"),
            f"{name} label_from",
            payload=checker.start_payload(deadline.met_by),
            expect=FieldType.STR,
        )


def _check_label(checker: Checking, source: str, where: Path_, what: str) -> None:
    if "due" in checker.fields:
        checker.add(
            where,
            "recurrence",
            f"{what}: the case field 'due' hides the occurrence's due date a label reads",
            blocking=True,
        )
        return
    try:
        expression = compile_expression(
            source, label_scope(checker.fields), None, expect=FieldType.STR
        )
    except InvalidInput as error:
        checker.add(where, "cel", f"{what}: {error}", blocking=True)
        return
    problems: list[Any] = expression_problems(expression)
    for problem in problems:
        checker.add(where, "cel", f"{what}: CEL {source!r}: {problem.message}", blocking=True)
