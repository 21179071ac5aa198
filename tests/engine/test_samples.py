"""A seeded random sample of a round's members, in the engine on a real SQLite file.

The processes are tests/engine/processes/draw/: a round (``draw``) whose ``checks_drawn``
sends ``site_check_drawn`` to a sample of its scored members (``sample: {share: "0.05",
at_least: 1, seed: payload.draw_seed}``). The seed is the act's payload, so the journal
holds it; the sending entry records the draw under ``sample:site_check_drawn``; anyone
redraws it from the seed and the members' ids, and verify replays the journals clean.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.definition.lint import lint_paths
from policyflow.engine import Engine
from policyflow.errors import InvalidInput

PROCESSES = Path(__file__).parent / "processes"
OPENED = datetime(2024, 3, 1, 9)
SCORED = datetime(2024, 5, 6, 9)
DRAWN = datetime(2024, 6, 3, 9)


def _round(engine: Engine, units: int, *, unscored: int = 0) -> tuple[str, list[str]]:
    """A round with `units` scored members and `unscored` more that `where` leaves out."""
    round_id = engine.start("draw", {"year": 2024}, at=OPENED, case_id="R2024").id
    ids = []
    for number in range(units + unscored):
        unit = engine.start(
            "draw.unit", {"round_id": round_id}, at=OPENED, case_id=f"U{number:03}"
        ).id
        if number < units:
            engine.fire(unit, "scored", at=SCORED)
        ids.append(unit)
    return round_id, ids


def _checked(engine: Engine, ids: list[str]) -> set[str]:
    return {i for i in ids if engine.get(i).state == "site_check"}


def _by_hand(seed: str, ids: list[str], size: int) -> list[str]:
    return sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())[:size]


@pytest.mark.parametrize(("units", "size"), [(20, 1), (21, 2), (40, 2), (41, 3)])
def test_five_percent_of_the_scored_members_are_drawn_rounded_up(sqlite_path, units, size):
    """20 × 5 % = 1, 21 → 2 (不少于: a ceiling), 40 → 2, 41 → 3; the unscored never."""
    with Engine(str(sqlite_path), processes=PROCESSES) as engine:
        round_id, ids = _round(engine, units, unscored=3)
        engine.fire(round_id, "checks_drawn", {"draw_seed": "豫科2024"}, at=DRAWN)
        checked = _checked(engine, ids)
        assert checked == set(_by_hand("豫科2024", ids[:units], size))
        assert {engine.get(i).data["drawn_of"] for i in checked} == {size}  # `ranked`
        assert engine.verify() > 0


def test_at_least_one_is_drawn_from_a_round_too_small_for_five_percent(sqlite_path):
    """Five scored units: 5 % is 0.25, rounded up to 1; at_least 1 keeps it 1."""
    with Engine(str(sqlite_path), processes=PROCESSES) as engine:
        round_id, ids = _round(engine, 5)
        engine.fire(round_id, "checks_drawn", {"draw_seed": "x"}, at=DRAWN)
        assert len(_checked(engine, ids)) == 1


def test_at_least_raises_the_sample(tmp_path):
    """With at_least 4, four of twenty units are drawn, where 5 % would draw one."""
    folder = tmp_path / "processes" / "draw"
    shutil.copytree(PROCESSES / "draw", folder)
    main = folder / "main.yaml"
    main.write_text(main.read_text("utf-8").replace("at_least: 1", "at_least: 4"), "utf-8")
    with Engine(str(tmp_path / "a.db"), processes=folder.parent) as engine:
        round_id, ids = _round(engine, 20)
        engine.fire(round_id, "checks_drawn", {"draw_seed": "x"}, at=DRAWN)
        assert _checked(engine, ids) == set(_by_hand("x", ids, 4))


def test_the_seed_and_the_draw_are_in_the_sending_journal_entry(sqlite_path):
    """The act's payload holds the seed; its entry records the draw, in draw order."""
    with Engine(str(sqlite_path), processes=PROCESSES) as engine:
        round_id, ids = _round(engine, 41)
        engine.fire(round_id, "checks_drawn", {"draw_seed": "2024-06"}, at=DRAWN)
        entry = engine.history(round_id)[-1].entry
        assert entry.payload == {"draw_seed": "2024-06"}
        assert entry.reads["sample:site_check_drawn"] == {
            "seed": "2024-06",
            "share": "0.05",
            "at_least": 1,
            "of": 41,
            "drawn": _by_hand("2024-06", ids, 3),
        }
        assert engine.get(round_id).data["draw_seed"] == "2024-06"
        assert engine.verify(round_id) > 0  # replays on its journal: the draw changes nothing


def test_the_same_seed_draws_the_same_units_and_another_seed_others(tmp_path):
    drawn = {}
    for number, seed in enumerate(["a", "a", "b"]):
        with Engine(str(tmp_path / f"{number}.db"), processes=PROCESSES) as engine:
            round_id, ids = _round(engine, 60)
            engine.fire(round_id, "checks_drawn", {"draw_seed": seed}, at=DRAWN)
            drawn[number] = _checked(engine, ids)
    assert drawn[0] == drawn[1] and len(drawn[0]) == 3
    assert drawn[2] != drawn[0]


def test_a_round_with_no_scored_member_draws_none(sqlite_path):
    with Engine(str(sqlite_path), processes=PROCESSES) as engine:
        round_id, ids = _round(engine, 0, unscored=4)
        engine.fire(round_id, "checks_drawn", {"draw_seed": "x"}, at=DRAWN)
        assert _checked(engine, ids) == set()
        assert engine.history(round_id)[-1].entry.reads["sample:site_check_drawn"]["drawn"] == []


def _linted(tmp_path: Path, sample: str, **replace: str) -> list[str]:
    folder = tmp_path / "lint" / "draw"
    shutil.copytree(PROCESSES / "draw", folder)
    main = folder / "main.yaml"
    text = main.read_text("utf-8")
    text = text.replace('sample: {share: "0.05", at_least: 1, seed: payload.draw_seed}', sample)
    for old, new in replace.items():
        text = text.replace(old, new)
    main.write_text(text, "utf-8")
    report = lint_paths([folder.parent])
    return [f"{p.line}:{p.column}: {p.message}" for p in report.problems if p.blocking]


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ("sample: {share: 0.05, seed: year}", r"^33:23: .*share 0\.05 must be a quoted decimal"),
        ('sample: {share: "0", seed: year}', r"^33:23: .*more than 0 and at most 1"),
        ('sample: {share: "1.01", seed: year}', r"^33:23: .*more than 0 and at most 1"),
        ('sample: {share: "5%", seed: year}', r"^33:23: .*not a decimal number"),
        ('sample: {share: "0.05", seed: "year > 1"}', r"^33:37: .*gives bool, expected a str"),
        ('sample: {share: "0.05", seed: "payload.nope"}', r"^33:37: .*unknown payload field"),
        ('sample: {share: "0.05", at_least: -1, seed: year}', r"^33:41: .*at_least -1 must be 0"),
        ('sample: {share: "0.05", at_least: "year > 1", seed: year}', r"^33:41: .*gives bool"),
    ],
)
def test_a_bad_sample_is_refused_at_its_line_and_column(tmp_path, sample, message):
    problems = _linted(tmp_path, sample)
    assert len(problems) == 1, problems
    assert re.search(message, problems[0]), problems


def test_a_sample_is_only_for_children_or_members(tmp_path):
    problems = _linted(
        tmp_path,
        'sample: {share: "0.05", seed: year}',
        **{
            "to: members": "to: cohort",
            "      process: draw.unit\n": "",
            "      where: \"c.state == 'scored'\"\n": "",
        },
    )
    assert any("a signal to cohort reaches one case: sample is only" in p for p in problems), (
        problems
    )


def test_the_good_file_lints_clean():
    assert _linted_clean()


def _linted_clean() -> bool:
    return not [p for p in lint_paths([PROCESSES / "draw"]).problems if p.blocking]


def test_a_seed_that_is_null_when_drawn_refuses_the_act(tmp_path):
    """A seed from an optional payload field left out: the act is refused, nothing written."""
    folder = tmp_path / "processes" / "draw"
    shutil.copytree(PROCESSES / "draw", folder)
    main = folder / "main.yaml"
    text = main.read_text("utf-8").replace("seed: payload.draw_seed}", "seed: payload.seed_two}")
    text = text.replace(
        "      - {id: draw_seed, zh: 抽签种子, en: Seed of the draw, type: str}\n",
        "      - {id: draw_seed, zh: 抽签种子, en: Seed of the draw, type: str}\n"
        "      - {id: seed_two, zh: 种子, en: Seed, type: str, required: false}\n",
    )
    main.write_text(text, "utf-8")
    with Engine(str(tmp_path / "n.db"), processes=folder.parent) as engine:
        round_id, ids = _round(engine, 20)
        with pytest.raises(InvalidInput, match="seed"):
            engine.fire(round_id, "checks_drawn", {"draw_seed": "x"}, at=DRAWN)
        assert engine.get(round_id).state == "open" and not _checked(engine, ids)
