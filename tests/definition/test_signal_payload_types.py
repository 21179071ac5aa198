"""The linter types each signal's payload against the receiving event's fields, money exact.

The voucher processes (processes/henan-voucher*) send amounts between cases: a voucher's
face value to its enterprise's year (`to: cohort`), a claim's amount to its voucher (`to:
parent`). A value of the wrong type, or an amount that cannot be exact, would make the
receiver refuse every such signal at run time, and the sending step with it; the linter
names it at the signal instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policyflow.definition.catalog import builtin_root
from policyflow.definition.lint import lint_paths

VOUCHER = builtin_root() / "henan-voucher.yaml"
FAMILY = builtin_root() / "henan-voucher"
ISSUE_SIGNAL = "signal: {to: cohort, event: voucher_issued, payload: {amount: face_value}}"
PAID_SIGNAL = "signal: {to: parent, event: redeemed, payload: {amount: approved_amount}}"


def _lint(
    tmp_path: Path, file: str = "henan-voucher.yaml", old: str = "", new: str = ""
) -> list[str]:
    """Lint a copy of the voucher processes with `old` replaced by `new` in `file`."""
    folder = tmp_path / "processes"
    (folder / "henan-voucher").mkdir(parents=True)
    shutil.copy(VOUCHER, folder / "henan-voucher.yaml")
    for name in ("claim.yaml", "ledger.yaml", "plan.yaml"):
        shutil.copy(FAMILY / name, folder / "henan-voucher" / name)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return [str(p) for p in lint_paths([folder]).errors]


def test_the_shipped_signals_carry_their_amounts_cleanly(tmp_path: Path) -> None:
    assert _lint(tmp_path) == []


def test_a_binary_double_sent_as_money_is_named_at_the_signal(tmp_path: Path) -> None:
    """`0.1 + 0.2` is 0.30000000000000004: the year would refuse the issue every time."""
    new = ISSUE_SIGNAL.replace("amount: face_value", 'amount: "0.1 + 0.2"')
    [error] = _lint(tmp_path, old=ISSUE_SIGNAL, new=new)
    assert error.startswith(f"{tmp_path / 'processes' / 'henan-voucher.yaml'}:")
    assert "transition 'issue' signals 'voucher_issued' to cohort ('henan-voucher.ledger')" in error
    assert "with payload 'amount'" in error and "binary double" in error


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("year > 0", "gives bool, expected a number"),
        ("string(year)", "gives str, expected a number"),
    ],
)
def test_a_value_that_is_not_an_amount_is_an_error(tmp_path: Path, value: str, said: str) -> None:
    new = ISSUE_SIGNAL.replace("amount: face_value", f'amount: "{value}"')
    [error] = _lint(tmp_path, old=ISSUE_SIGNAL, new=new)
    assert said in error


def test_whole_yuan_from_a_count_is_an_exact_amount(tmp_path: Path) -> None:
    """An int is a number of yuan, exactly (an int field may fill a money field)."""
    new = ISSUE_SIGNAL.replace("amount: face_value", "amount: claims")
    assert _lint(tmp_path, old=ISSUE_SIGNAL, new=new) == []


def test_an_amount_sent_to_a_field_that_is_not_money_is_an_error(tmp_path: Path) -> None:
    """The year's `amount` made a whole number: a face value is money, not a count."""
    old = "      - {id: amount, zh: 发放面额, en: Face value, type: money, min: 0.01}"
    new = "      - {id: amount, zh: 发放面额, en: Face value, type: int, min: 1}"
    errors = _lint(tmp_path, "henan-voucher/ledger.yaml", old, new)
    assert any("gives an amount of money, expected a whole number" in e for e in errors)


def test_a_signal_to_the_cohort_is_checked_against_the_cohort_process(tmp_path: Path) -> None:
    """The cohort's process is known from `cohort:`: an event it lacks is named."""
    new = ISSUE_SIGNAL.replace("event: voucher_issued", "event: voucher_issue")
    [error] = _lint(tmp_path, old=ISSUE_SIGNAL, new=new)
    assert "which has no such event" in error and "did you mean 'voucher_issued'" in error


def test_a_childs_amount_to_its_parent_is_typed_against_the_parent(tmp_path: Path) -> None:
    """A claim paying its voucher a string: named where the voucher starts the claim."""
    new = PAID_SIGNAL.replace("amount: approved_amount", "amount: rejection_reason")
    [error] = _lint(tmp_path, "henan-voucher/claim.yaml", PAID_SIGNAL, new)
    assert error.startswith(f"{tmp_path / 'processes' / 'henan-voucher.yaml'}:")
    assert "whose transition 'disburse' signals 'redeemed' with payload 'amount'" in error


def test_a_count_of_the_ranked_fills_a_whole_number_field() -> None:
    """henan-htz's ranking sends `ranked: ranked` (an int) to each zone's int field: clean.

    `ranked` is bound only when the signal ranks its receivers; typed as a bare extra name
    it would read as a string and the shipped ranking would be refused.
    """
    report = lint_paths([builtin_root() / "henan-htz.yaml", builtin_root() / "henan-htz"])
    assert [str(p) for p in report.errors] == []
