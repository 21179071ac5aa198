"""Decimal fields (scores) are exact inside CEL: sums, weights and comparisons in points.

A decimal enters CEL as a whole number at its places (85.50 → 8550) and money.py rewrites
each expression that reads one, as it does for money. Where binary doubles would give a
different answer, the test says so next to its data.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import cel
import pytest

from policyflow.definition.conversion import to_cel
from policyflow.definition.decimals import Fixed
from policyflow.definition.expressions import (
    Expression,
    compile_expression,
    expression_problems,
)
from policyflow.definition.fields import FieldSet, describe_type, format_value
from policyflow.definition.lint import lint_paths
from policyflow.definition.model import Field, FieldType
from policyflow.errors import InvalidCaseData

from .conftest import FIXTURES
from .test_relations_format import DISCIPLINE, LOOKUP, _lint_pair

PANEL = Path(__file__).parents[1] / "engine" / "processes" / "panel"


def _field(name: str, kind: str, **more: object) -> Field:
    return Field.model_validate({"id": name, "zh": "分", "en": name, "type": kind, **more})


CASE = {
    f.id: f
    for f in (
        _field("expert_score", "decimal"),
        _field("site_score", "decimal"),
        _field("fine_score", "decimal", places=3),
        _field("final_score", "decimal"),
        _field("bonus", "int"),
        _field("award", "money"),
    )
}
DATA = FieldSet(CASE.values(), "case data of 'score'")


def _data(**values: object) -> dict[str, object]:
    given = {"expert_score": "0", "site_score": "0", "fine_score": "0", "final_score": "0"}
    return DATA.validate({**given, "bonus": 0, "award": "0.00", **values})


def _assigned(source: str, places: int = 2) -> Expression:
    expression = compile_expression(source, CASE, expect=FieldType.DECIMAL, places=places)
    assert expression_problems(expression) == []
    return expression


def _guard(source: str) -> Expression:
    expression = compile_expression(source, CASE, expect="bool")
    assert expression_problems(expression) == []
    return expression


def _problem(source: str, expect: FieldType | str | None = "bool") -> str:
    (problem,) = expression_problems(compile_expression(source, CASE, expect=expect, places=2))
    return problem.message


# --- values -------------------------------------------------------------------------------


def test_a_value_is_held_at_its_places_and_enters_cel_as_a_whole_number():
    data = _data(expert_score="85.5", fine_score="1.25")
    assert isinstance(data["expert_score"], Fixed)
    assert str(data["expert_score"]) == "85.50"
    assert to_cel(data["expert_score"]) == 8550
    assert to_cel(data["fine_score"]) == 1250  # at its own places, 3
    assert DATA.dump(data)["expert_score"] == "85.50"  # stored as a decimal string


@pytest.mark.parametrize(("value", "ok"), [("85.12", True), ("85.120", True), ("85.125", False)])
def test_more_places_than_declared_are_refused_naming_the_field(value, ok):
    if ok:
        assert _data(expert_score=value)["expert_score"] == Decimal("85.12")
        return
    with pytest.raises(InvalidCaseData, match=r"expert_score.*more than 2 decimals"):
        _data(expert_score=value)


def test_places_are_0_to_4_and_only_for_a_decimal():
    assert _field("s", "decimal").decimal_places == 2
    assert _field("s", "decimal", places=0).decimal_places == 0
    assert _field("s", "decimal", places=4).decimal_places == 4
    with pytest.raises(ValueError, match="less than or equal to 4"):
        _field("s", "decimal", places=5)
    with pytest.raises(ValueError, match="'places' is only for a decimal"):
        _field("s", "money", places=2)


def test_a_record_cannot_hold_a_decimal():
    with pytest.raises(ValueError, match="sub-field 'score' is decimal"):
        _field("rows", "list", items="record", fields=[{"id": "score", "zh": "分", "en": "s",
                                                          "type": "decimal"}])  # fmt: skip


def test_a_decimal_is_shown_and_described_as_a_number_not_yuan():
    assert format_value(Fixed("85.50")) == "85.50"
    assert describe_type(CASE["fine_score"]) == "a decimal number with at most 3 decimals"


# --- exact arithmetic ---------------------------------------------------------------------


def test_half_and_half_of_80_and_90_is_85():
    """豫科〔2023〕22号 第九条: 0.5 × expert + 0.5 × site (SC1's zone A: 80 / 90 → 85)."""
    expression = _assigned("0.5 * expert_score + 0.5 * site_score")
    assert expression.cel_source == "5 * expert_score + 5 * site_score"
    assert expression.evaluate(_data(expert_score="80", site_score="90")) == Decimal("85.00")


@pytest.mark.parametrize(
    ("site", "final"),
    [
        ("90.009", "85.00"),  # 85.0045: below the half, down
        ("90.010", "85.01"),  # 85.005: the half itself, up (四舍五入; binary gave 85.00)
        ("90.011", "85.01"),  # 85.0055: above the half, up
    ],
)
def test_the_final_score_is_rounded_half_up_once_at_the_boundary(site, final):
    assert round(0.5 * 80.0 + 0.5 * 90.01, 2) == 85.0  # why doubles could not do it
    expression = _assigned("0.5 * expert_score + 0.5 * fine_score")
    result = expression.evaluate(_data(expert_score="80", fine_score=site))
    assert isinstance(result, Fixed)
    assert (str(result), result.places) == (final, 2)


def test_nothing_is_rounded_inside_an_expression():
    """85.005 is above 85.00 in a comparison: only what leaves for a field is rounded."""
    expression = _guard("0.5 * expert_score + 0.5 * fine_score > 85.00")
    assert expression.evaluate(_data(expert_score="80", fine_score="90.010")) is True


def test_a_tenth_and_two_tenths_are_three_tenths():
    """0.1 + 0.2 == 0.3, which binary doubles deny."""
    assert 0.1 + 0.2 != 0.3
    expression = _guard("expert_score + site_score == 0.3")
    assert expression.evaluate(_data(expert_score="0.1", site_score="0.2")) is True


@pytest.mark.parametrize(("final", "holds"), [("85.49", False), ("85.50", True), ("85.51", True)])
def test_a_comparison_with_a_literal_is_exact_at_below_and_above(final, holds):
    expression = _guard("final_score >= 85.5")
    assert expression.cel_source == "final_score >= 8550"
    scope = _data(final_score=final)
    assert expression.evaluate(scope) is holds
    # the CEL engine's own answer, on the text it runs
    program = cel.compile(expression.cel_source)
    assert program.execute({k: to_cel(v) for k, v in scope.items()}) is holds


@pytest.mark.parametrize(("final", "holds"), [("84.999", False), ("85.000", True)])
def test_a_literal_with_more_places_than_the_field_scales_the_field(final, holds):
    expression = _guard("fine_score >= 85.0")
    assert expression.evaluate(_data(fine_score=final)) is holds
    assert _guard("final_score > 85.001").evaluate(_data(final_score="85.00")) is False


def test_whole_points_add_to_a_score():
    expression = _assigned("final_score + bonus")
    assert expression.evaluate(_data(final_score="85.5", bonus=2)) == Decimal("87.50")


def test_a_choice_and_a_list_bring_their_decimals_to_one_scale():
    expression = _assigned("fine_score > expert_score ? fine_score : expert_score")
    assert expression.evaluate(_data(fine_score="85.125", expert_score="85.12")) == Decimal("85.13")
    assert _guard("expert_score in [85.5, 90]").evaluate(_data(expert_score="90")) is True


def test_an_amount_times_a_decimal_is_an_exact_amount():
    """A rate held in a decimal field: ¥1,000.01 × 0.35 = ¥350.0035 → ¥350.00."""
    expression = compile_expression("award * expert_score", CASE, expect=FieldType.MONEY)
    assert expression_problems(expression) == []
    assert expression.evaluate(_data(award="1000.01", expert_score="0.35")) == Decimal("350.00")


# --- what cannot be exact is refused, at its offset ----------------------------------------


def test_points_and_yuan_never_meet():
    assert "points and yuan cannot be joined by +" in _problem("expert_score + award", None)
    assert "points and yuan cannot be compared" in _problem("expert_score >= award")
    assert "a decimal field takes a number, not an amount of yuan" in _problem(
        "award", FieldType.DECIMAL
    )
    assert "a money field takes an amount of yuan" in _problem("expert_score", FieldType.MONEY)


def test_a_double_division_or_function_of_a_decimal_is_refused():
    assert "dividing a decimal cannot be exact" in _problem("expert_score / 2 > 1")
    assert "double() of it is not exact" in _problem("double(expert_score) > 1.0")
    assert "is a binary double" in _problem("expert_score * (1.0 / 3.0)", FieldType.DECIMAL)
    problems = expression_problems(compile_expression("expert_score / 2 > 1", CASE, expect="bool"))
    assert problems[0].offset == len("expert_score ")


# --- lint: file, line, column; relations ---------------------------------------------------


def test_lint_places_points_plus_yuan_at_its_line_and_column():
    path = FIXTURES / "bad_decimal_money.yaml"
    (problem,) = lint_paths([path]).errors
    assert (problem.line, problem.column, problem.code) == (24, 22, "money")
    line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert line[problem.column - 1 :] == "award"
    assert "`award` is an amount and the other side a decimal number" in problem.message


def _panel_with_a_decimal_score(tmp_path: Path, where: str | None = None) -> list[str]:
    folder = tmp_path / "panel"
    shutil.copytree(PANEL, folder)
    reviewer = folder / "reviewer.yaml"  # the receiver ranked by its score
    text = reviewer.read_text(encoding="utf-8")
    text = text.replace("en: Score, type: int", "en: Score, type: decimal, places: 1")
    reviewer.write_text(text, "utf-8")
    if where is not None:
        main = folder / "main.yaml"
        text = main.read_text(encoding="utf-8").replace("c.state == 'reviewing'", where)
        main.write_text(text, "utf-8")
    return [p.message for p in lint_paths([folder]).errors]


def test_a_receiver_can_be_ranked_by_a_decimal(tmp_path):
    assert _panel_with_a_decimal_score(tmp_path) == []


def test_a_receivers_decimal_cannot_be_read_through_c(tmp_path):
    [message] = _panel_with_a_decimal_score(tmp_path, "c.score >= 85.5")
    assert "where reads c.score, a decimal, which another case cannot read" in message


def test_a_lookup_cannot_read_a_decimal(tmp_path):
    score = "  - {id: score, zh: 得分, en: Score, type: decimal, required: false}\n"
    discipline = DISCIPLINE.replace("keys:\n", score + "keys:\n", 1)
    assert _lint_pair(tmp_path, LOOKUP, discipline) == []  # declaring one is fine
    errors = _lint_pair(tmp_path, LOOKUP.replace("[banned_until]", "[score]"), discipline)
    assert any("reads 'score', which is a decimal" in e for e in errors), errors
