"""Money inside CEL is exact decimal: comparisons, sums and rates hold at the fen.

Each case below fails on binary doubles (the way money crossed into CEL before): the test
says so next to its data, so that the data keep meaning something.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import cel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyflow.definition.catalog import load
from policyflow.definition.conversion import to_cel
from policyflow.definition.expressions import (
    Expression,
    check_expression,
    compile_expression,
    expression_problems,
)
from policyflow.definition.fields import MONEY_MAX
from policyflow.definition.lint import lint_paths, lint_text
from policyflow.definition.model import Field, FieldType, Process
from policyflow.definition.quick import Unsupported
from policyflow.errors import InvalidInput

from .conftest import FIXTURES
from .test_expressions import fields

CASE = fields(total="money", fine_amount="money", surcharge_total="money", days="int")
PAYLOAD = fields(extraction="money", amount_paid="money", surcharge="money", ratio="int")
POLICYFLOW = Path(sys.executable).parent / "policyflow"


def engine(expression: Expression, scope: dict[str, Any]) -> Any:
    """The CEL engine's own answer (not the quick closure's) on the text CEL runs."""
    return cel.compile(expression.cel_source).execute({k: to_cel(v) for k, v in scope.items()})


def guard(source: str) -> Expression:
    expression = compile_expression(source, CASE, PAYLOAD, expect="bool")
    assert check_expression(expression) == []
    return expression


# --- ¥323,990.40 × 30 % = ¥97,197.12 -------------------------------------------------------


@pytest.mark.parametrize(
    ("extraction", "holds"), [("97197.11", False), ("97197.12", True), ("97197.13", True)]
)
def test_thirty_percent_of_323990_40_is_97197_12_at_the_fen(extraction, holds):
    """豫科〔2023〕54号: a share of 30 % (含) holds at ¥97,197.12 itself, not a fen below."""
    assert float(Decimal("323990.40")) * 0.3 > 97197.12  # why doubles refused the fen itself
    expression = guard("payload.extraction >= total * 0.3")
    scope = {"total": Decimal("323990.40"), "payload": {"extraction": Decimal(extraction)}}
    assert expression.evaluate(scope) is holds
    assert engine(expression, scope) is holds


def test_the_rate_is_multiplied_out_in_whole_numbers():
    """CEL runs the comparison on fen as integers: extraction × 10 against total × 3."""
    expression = guard("payload.extraction >= total * 0.3")
    assert expression.cel_source == "((payload.extraction) * 10) >= total * 3"


@pytest.mark.parametrize(
    ("total", "share"),
    [
        ("323990.40", "97197.12"),  # exact
        ("323990.45", "97197.14"),  # 97,197.135: half up
        ("6393450.75", "1918035.23"),  # 1,918,035.225: half up (doubles gave .22)
        ("3027542.65", "908262.80"),  # 908,262.795: half up (doubles gave .79)
        ("0.05", "0.02"),  # 0.015: half up
        ("-323990.45", "-97197.14"),  # half away from zero
        ("9999999999999.99", "3000000000000.00"),  # 2,999,999,999,999.997
    ],
)
def test_an_amount_leaves_an_expression_rounded_half_up_to_the_fen(total, share):
    """The one rounding money goes through: when a result is stored, half up (四舍五入)."""
    expression = compile_expression("total * 0.3", CASE, expect=FieldType.MONEY)
    assert check_expression(expression) == []
    result = expression.evaluate({"total": Decimal(total)})
    assert type(result) is Decimal and result == Decimal(share)
    assert str(result) == share  # two decimals, whatever the scale CEL computed in


# --- the surcharge cap (科学技术部令第20号 第五十六条) ---------------------------------------


@pytest.mark.parametrize(
    ("fine", "so_far", "added"),
    [
        ("36975.45", "33277.90", "3697.55"),  # 30 days of 3 %, then the rest of the fine
        ("4937268.52", "1010713.65", "3926554.87"),
    ],
)
@pytest.mark.parametrize(("fen", "holds"), [(0, True), (1, False), (-1, True)])
def test_the_surcharge_cap_holds_at_the_fen(fine, so_far, added, fen, holds):
    """第五十六条: 加处罚款的数额不得超出罚款的数额 — up to the fine itself, not a fen more."""
    fine, so_far, added = Decimal(fine), Decimal(so_far), Decimal(added)
    assert so_far + added == fine
    assert float(so_far) + float(added) > float(fine)  # binary doubles refused the fine itself
    expression = guard("surcharge_total + payload.surcharge <= fine_amount")
    scope = {
        "surcharge_total": so_far,
        "fine_amount": fine,
        "payload": {"surcharge": added + Decimal(fen) / 100},
    }
    assert expression.evaluate(scope) is holds
    assert engine(expression, scope) is holds


def _execution() -> Process:
    return load("most-penalty.execution")


def _compiled(process: Process, transition: str, *, guard: str = "", assign: str = "") -> Any:
    """A guard or an assignment of a built-in process, compiled as the runtime compiles it."""
    (found,) = [t for t in process.transitions if t.id == transition]
    event = process.find_event(found.event)
    assert event is not None
    declared = {f.id: f for f in process.fields}
    payload = {f.id: f for f in event.payload}
    if guard:
        (source,) = [g.when for g in found.guard if g.id == guard]
        expression = compile_expression(source, declared, payload, expect="bool")
    else:
        field = declared[assign]
        expression = compile_expression(found.assign[assign], declared, payload, expect=field.type)
    assert check_expression(expression) == []
    return expression


@pytest.mark.parametrize(
    ("paid", "holds"), [("333710.11", True), ("333710.10", False), ("333710.12", True)]
)
def test_execution_everything_paid_at_the_fen(paid, holds):
    """第五十二条, 第五十六条第一款: the fine and the surcharge paid to the fen discharge it."""
    fine, surcharge = Decimal("323990.40"), Decimal("9719.71")  # a day's 3 %, to the fen
    assert float(fine) + float(surcharge) > float(fine + surcharge)  # doubles refused the fen
    expression = _compiled(_execution(), "u01_obligation_discharged", guard="everything_paid")
    scope = {
        "fine_amount": fine,
        "surcharge_total": surcharge,
        "payload": {"amount_paid": Decimal(paid)},
    }
    assert expression.evaluate(scope) is holds
    assert engine(expression, scope) is holds


@pytest.mark.parametrize(
    ("fine", "days", "surcharge"),
    [
        ("36975.45", 10, "11092.64"),  # 11,092.635: half up (doubles gave 11,092.63)
        ("323990.40", 1, "9719.71"),  # 9,719.712
        ("323990.40", 33, "320750.50"),  # 99 %: under the cap
        ("323990.40", 34, "323990.40"),  # 102 %: capped at the fine itself
        ("9999999999999.99", 33, "9899999999999.99"),  # 13 digits: 9,899,999,999,999.9901
        ("9999999999999.99", 34, "9999999999999.99"),
    ],
)
def test_execution_surcharge_is_three_percent_a_day_capped_at_the_fine(fine, days, surcharge):
    """第五十六条第一款: 每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额."""
    expression = _compiled(_execution(), "surcharge_assessed", assign="surcharge_total")
    start = date(2024, 3, 1)
    scope = {
        "fine_amount": Decimal(fine),
        "surcharge_accrual_start_on": start,
        "today": start + timedelta(days=days - 1),  # the start is day 1
    }
    assert expression.evaluate(scope) == Decimal(surcharge)
    assert Decimal(surcharge) <= Decimal(fine)


# --- the top of the range -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "extraction", "holds"),
    [
        ("9781425590805.30", "2934427677241.59", True),  # exactly 30 %
        ("9781425590805.30", "2934427677241.58", False),
        ("9781425590805.30", "2934427677241.60", True),
        ("9999999999999.99", "3000000000000.00", True),  # 2,999,999,999,999.997
        ("9999999999999.99", "2999999999999.99", False),
    ],
)
def test_thirteen_digit_amounts_are_exact(total, extraction, holds):
    """Amounts of 13 integer digits (up to ¥9,999,999,999,999.99) compare exactly at 30 %."""
    if holds and Decimal(total) * Decimal("0.3") == Decimal(extraction):
        assert float(Decimal(total)) * 0.3 > float(Decimal(extraction))  # doubles refused it
    assert Decimal(total) <= MONEY_MAX
    expression = guard("payload.extraction >= total * 0.3")
    scope = {"total": Decimal(total), "payload": {"extraction": Decimal(extraction)}}
    assert expression.evaluate(scope) is holds
    assert engine(expression, scope) is holds


@pytest.mark.parametrize(("fen", "holds"), [(0, True), (-1, False), (1, True)])
def test_thirteen_digit_sums_are_exact(fen, holds):
    """A fine and a surcharge of 13 digits add up to the fen (doubles lose it)."""
    fine, surcharge = Decimal("5298062942418.32"), Decimal("1704333078273.32")
    paid = Decimal("7002396020691.64") + Decimal(fen) / 100
    assert float(fine) + float(surcharge) > float(fine + surcharge)  # doubles refused the sum
    expression = guard("payload.amount_paid >= fine_amount + surcharge_total")
    scope = {"fine_amount": fine, "surcharge_total": surcharge, "payload": {"amount_paid": paid}}
    assert expression.evaluate(scope) is holds
    assert engine(expression, scope) is holds
    total = compile_expression("fine_amount + surcharge_total", CASE, expect=FieldType.MONEY)
    both = {"fine_amount": MONEY_MAX, "surcharge_total": MONEY_MAX}
    assert total.evaluate(both) == Decimal("19999999999999.98")


# --- literals as authors write them -------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "fine", "holds"),
    [
        ("fine_amount >= 1000000", "1000000.00", True),
        ("fine_amount >= 1000000", "999999.99", False),
        ("fine_amount >= 1000000.0", "999999.99", False),
        ("fine_amount > 0.0", "0.01", True),
        ("fine_amount > 0.0", "0.00", False),
        ("fine_amount == 0.1 + 0.2", "0.30", None),  # a double sum beside money: refused
        ("fine_amount >= 1e3", "1000.00", True),
        ("fine_amount > 0.005", "0.01", True),
        ("fine_amount > 0.005", "0.00", False),
        ("fine_amount * days >= 300", "100.00", True),  # days = 3: a count times an amount
        ("fine_amount * double(days) >= 300.01", "100.00", False),  # double(n) is n
        ("-fine_amount < -99.99", "100.00", True),
        ("days > 2 ? fine_amount > 99.99 : false", "100.00", True),
    ],
)
def test_literals_beside_money_are_yuan_as_written(source, fine, holds):
    """A number beside an amount is yuan, exactly as written (0.1 is a tenth, not a double)."""
    expression = compile_expression(source, CASE, PAYLOAD, expect="bool")
    scope = {"fine_amount": Decimal(fine), "days": 3}
    if holds is None:
        assert check_expression(expression) != []
        return
    assert check_expression(expression) == []
    assert expression.evaluate(scope) is holds
    assert engine(expression, scope) is holds


@pytest.mark.parametrize(
    ("source", "expect", "words"),
    [
        ("total * (1.0 / 3.0)", FieldType.MONEY, "`(1.0 / 3.0)` is a binary double"),
        ("total * double(payload.ratio) / 100.0", FieldType.MONEY, "dividing money"),
        ("total / 3", FieldType.MONEY, "dividing money cannot be exact"),
        ("total % 3 == 0", "bool", "dividing money cannot be exact"),
        ("total * fine_amount", FieldType.MONEY, "an amount times an amount"),
        ("total + days", FieldType.MONEY, "`days` is a whole number, not an amount"),
        ("double(total) > 1.5", "bool", "`total` is an amount: double() of it"),
        ("string(total) == '1'", "bool", "`total` is an amount: string() of it"),
        ("total > 5u", "bool", "`5u` is an unsigned int"),
        ("days > 1 ? total : 'none'", None, "`'none'` is a string"),
        ("100.0 / 3.0", FieldType.MONEY, "a money field takes an exact amount"),
        ("total", FieldType.INT, "gives an amount of money, expected a whole number"),
    ],
)
def test_what_cannot_be_exact_is_a_type_error(source, expect, words):
    """Money beside a binary double, divided, multiplied by money, given to a function: refused."""
    expression = compile_expression(source, CASE, PAYLOAD, expect=expect)
    problems = check_expression(expression)
    assert any(words in p for p in problems), problems
    if expression.money.problems:  # never run: it would go through a double, or mean nothing
        with pytest.raises(InvalidInput, match="cannot run"):
            expression.evaluate({"total": Decimal("1.00"), "fine_amount": Decimal("1.00")})


def test_a_money_problem_points_at_its_operand():
    """The offset of a problem is where the offending operand starts in the expression."""
    source = "payload.extraction >= total * (1.0 / 3.0)"
    (problem,) = expression_problems(compile_expression(source, CASE, PAYLOAD, expect="bool"))
    assert problem.offset == source.index("(1.0")


# --- lint: file, line and column ----------------------------------------------------------


def test_lint_names_the_line_and_column_of_a_money_double_mix():
    """policyflow lint reports money × double at the double's own line and column."""
    path = FIXTURES / "bad_money_double.yaml"
    report = lint_paths([path])
    (problem,) = report.errors
    line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert line[problem.column - 1 :].startswith("(1.0 / 3.0)")
    assert (problem.line, problem.column, problem.code) == (29, 45, "money")
    assert "`(1.0 / 3.0)` is a binary double" in problem.message
    done = subprocess.run(
        [str(POLICYFLOW), "lint", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert f"{path}:29:45: guard 'a_third_at_least'" in done.stderr


_FOLDED = """\
title: {zh: 加处罚款, en: Surcharge}
fields:
  - {id: fine, zh: 罚款, en: Fine, type: money}
  - {id: days, zh: 天数, en: Days, type: int}
  - {id: surcharge, zh: 加处罚款, en: Surcharge, type: money}
events:
  - {id: assessed, zh: 计算, en: Assessed}
states:
  - {id: open, zh: 执行, en: Open, initial: true, basis: 科学技术部令第20号 第五十六条}
  - {id: done, zh: 完毕, en: Done, final: true, basis: 科学技术部令第20号 第五十六条}
transitions:
  - id: assessed
    zh: 计算
    en: Assess
    event: assessed
    from: open
    to: done
    basis: 科学技术部令第20号 第五十六条
    assign:
      surcharge: >-
        days > 33 ? fine :
          fine * 0.03 * double(days) / 1.0
"""


def test_lint_finds_the_column_inside_a_folded_scalar():
    """In a multi-line (folded) expression the position is the operator's own line and column."""
    (problem,) = [p for p in lint_text(_FOLDED, "folded.yaml") if p.code == "money"]
    assert (problem.line, problem.column) == (22, 38)
    assert _FOLDED.splitlines()[problem.line - 1][problem.column - 1] == "/"


def test_shipped_processes_keep_loading_and_meaning_the_same():
    """Every built-in process passes lint, its money exact (literals are yuan, as written)."""
    assert lint_paths().ok
    hearing = compile_expression(
        "payload.fine >= 1000000", {}, {"fine": Field(id="fine", zh="罚", en="f", type="money")}
    )
    assert hearing.evaluate({"payload": {"fine": Decimal("1000000.00")}}) is True
    assert hearing.evaluate({"payload": {"fine": Decimal("999999.99")}}) is False


# --- the quick closures and the CEL engine agree on money ---------------------------------

amounts = st.decimals(
    min_value=-MONEY_MAX, max_value=MONEY_MAX, places=2, allow_nan=False, allow_infinity=False
)
rates = st.sampled_from(["0.3", "0.03", "0.30", "1", "2", "0.125", "1.5", "0.5", "100"])


def _money_expressions() -> st.SearchStrategy[tuple[str, str]]:
    """Pairs: a CEL expression over money, and the same in Python's Decimal (its meaning)."""
    names = st.sampled_from(
        [
            ("total", "total"),
            ("fine_amount", "fine_amount"),
            ("payload.extraction", "extraction"),
            ("payload.amount_paid", "amount_paid"),
        ]
    )
    literals = st.sampled_from(["0", "0.0", "100", "1000000", "0.01", "97197.12", "323990.40"])
    literal = literals.map(lambda t: (t, f"Decimal('{t}')"))
    rate = rates.map(lambda t: (t, f"Decimal('{t}')"))

    def join(op: str) -> Any:
        return lambda t: (f"({t[0][0]} {op} {t[1][0]})", f"({t[0][1]} {op} {t[1][1]})")

    scaled = st.one_of(
        names,
        st.tuples(names, rate).map(join("*")),
        st.tuples(names, names).map(join("+")),
        st.tuples(names, names).map(join("-")),
        st.tuples(names, literal).map(join("+")),
        names.map(lambda t: (f"-{t[0]}", f"-{t[1]}")),
        names.map(lambda t: (f"{t[0]} * days", f"{t[1]} * days")),
    )
    relation = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    compared = st.tuples(scaled, relation, st.one_of(scaled, literal)).map(
        lambda t: (f"{t[0][0]} {t[1]} {t[2][0]}", f"{t[0][1]} {t[1]} {t[2][1]}")
    )
    chosen = st.tuples(compared, scaled, scaled).map(
        lambda t: (
            f"({t[0][0]} ? {t[1][0]} : {t[2][0]})",
            f"({t[1][1]} if {t[0][1]} else {t[2][1]})",
        )
    )
    return st.one_of(compared, chosen, scaled)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pair=_money_expressions(),
    total=amounts,
    fine=amounts,
    extraction=amounts,
    paid=amounts,
    days=st.integers(min_value=0, max_value=400),
)
def test_quick_closures_cel_and_decimal_agree_on_money(pair, total, fine, extraction, paid, days):
    """On generated money expressions, the quick closure, CEL and Decimal give one answer."""
    source, meaning = pair
    scope = {
        "total": total,
        "fine_amount": fine,
        "days": days,
        "payload": {"extraction": extraction, "amount_paid": paid},
    }
    expression = compile_expression(source, CASE, PAYLOAD)
    assert check_expression(expression) == [], source
    values = {"total": total, "fine_amount": fine, "extraction": extraction}
    values |= {"amount_paid": paid, "days": days}
    exact = eval(meaning, {"Decimal": Decimal}, values)  # (a text generated above)
    try:
        answer = expression.evaluate(scope)  # the closure where it answers, else CEL
    except InvalidInput as error:  # int64 overflow of fen: an error, never a wrong amount
        assert "overflow" in str(error), source
        with pytest.raises(Exception, match=r"(?i)overflow"):
            engine(expression, scope)
        return
    from_engine = engine(expression, scope)
    if isinstance(exact, bool):
        assert answer is exact and from_engine is exact, source
    else:  # an amount: rounded half up to the fen on its way out, once
        expected = exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        scale = expression.money.scale
        assert scale is not None
        assert answer == expected, source
        assert Decimal(from_engine).scaleb(-scale) == exact, source
    if expression._quick is not None:  # the closure itself, where it answers
        try:
            quick = expression._quick(scope)
        except Unsupported:  # the CEL engine decides
            return
        assert quick == from_engine, source
