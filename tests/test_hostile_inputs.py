"""Hostile input through the real command line: one line, the right exit code, no change.

Each row is one bad input a hostile user or a careless script might give: the command,
the exit code it must end with, and a fragment of the one-line message. No row may end in
a traceback, a crash or a stall, and none may change the case the catalogue fires at.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

POLICYFLOW = Path(sys.executable).with_name("policyflow")

PROCESS = """\
id: hostile
title: {zh: 对抗输入, en: Hostile input}
fields:
  - {id: applicant, zh: 申请人, en: Applicant, type: str}
  - {id: pages, zh: 页数, en: Pages, type: int, required: false, min: 0, max: 1000}
  - {id: count, zh: 次数, en: Count, type: int, required: false}
  - {id: amount, zh: 金额, en: Amount, type: money, required: false}
  - {id: is_urgent, zh: 加急, en: Urgent, type: bool, required: false}
  - {id: filed_on, zh: 申请日, en: Filed on, type: date, required: false}
  - {id: tags, zh: 标签, en: Tags, type: list, items: str, required: false}
events:
  - id: accepted
    zh: 受理
    en: Accepted
    payload:
      - {id: copies, zh: 份数, en: Copies, type: int, required: false}
  - {id: decided, zh: 决定, en: Decided}
states:
  - {id: submitted, zh: 已申请, en: Submitted, initial: true, basis: "行政许可法 第三十二条"}
  - {id: review, zh: 审查中, en: Under review, basis: "行政许可法 第三十四条"}
  - {id: granted, zh: 准予, en: Granted, final: true, basis: "行政许可法 第三十八条"}
transitions:
  - id: accept
    zh: 受理
    en: Accept
    event: accepted
    from: submitted
    to: review
    basis: "行政许可法 第三十二条"
    guard:
      - {id: is_small, zh: 页数少, en: few pages, when: "pages == null || pages < 500",
         basis: "行政许可法 第三十二条"}
  - {id: decide, zh: 决定, en: Decide, event: decided, from: review, to: granted,
     basis: "行政许可法 第三十八条"}
"""

BOMB = (
    "\n".join(
        [
            'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
            *(
                f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]"
                for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
            ),
        ]
    )
    + "\n"
)


def _guard(when: str) -> str:
    """The hostile process with the guard `when` in place of its own."""
    return PROCESS.replace('"pages == null || pages < 500"', json.dumps(when))


# Files written into the working folder before the catalogue runs: name → text.
FILES: dict[str, str] = {
    "hostile.yaml": PROCESS,
    "bomb.yaml": BOMB,
    "deep.yaml": "[" * 10_000 + "]" * 10_000,
    "deepmap.yaml": "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
    "recursive.yaml": "a: &a [*a]\n",
    "deepalias.yaml": "\n".join(
        ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 80)]
    ),
    "huge.yaml": "# " + "x" * 2_100_000 + "\n",
    "empty.yaml": "",
    "list.yaml": "- 1\n- 2\n",
    "tab.yaml": "id: x\n\tstates: []\n",
    "python.yaml": "!!python/object/apply:os.system ['true']\n",
    "tagged.yaml": "id: !!set {a, b}\n",
    "dupkeys.yaml": PROCESS + "title: {zh: 重, en: again}\n",
    "binary.yaml": "\x00\x01\x02",
    "long_guard.yaml": _guard(" && ".join(["pages < 500"] * 12_546)),
    "deep_guard.yaml": _guard("(" * 40 + "pages < 500" + ")" * 40),
    "nested_all_guard.yaml": _guard("tags.all(a, tags.all(b, tags.all(c, tags.all(d, a == d))))"),
    "pair_guard.yaml": _guard("tags.all(a, tags.exists(b, a != b))"),
    "not_guard.yaml": _guard("!" * 40 + "(pages < 500)"),
    "ternary_guard.yaml": _guard("pages == 1 ? true : " * 40 + "false"),
    "bad_cel.yaml": _guard("pages <"),
    "unknown_field_guard.yaml": _guard("pagez < 500"),
    "data_deep.json": "[" * 100_000 + "]" * 100_000,
    "data_big.json": '{"applicant": "' + "x" * 1_100_000 + '"}',
    "data_ok.json": '{"applicant": "甲"}',
    "data_latin1.json": "",  # replaced by bytes below
    "scenario_bomb.yaml": BOMB,
    "scenario_deep.yaml": "[" * 10_000 + "]" * 10_000,
    "cal.txt": "nonsense line\n",
}

OK = '{"applicant": "甲"}'

# (name, arguments, exit code, fragment of stderr). "CASE" is the case the catalogue fires
# at; "ENDED" one in a final state.
CATALOGUE: list[tuple[str, list[str], int, str]] = [
    # YAML process files
    ("alias bomb", ["lint", "bomb.yaml"], 1, "past 200,000 nodes"),
    ("alias bomb start", ["case", "start", "bomb.yaml", "--data", OK], 2, "past 200,000 nodes"),
    ("deep list", ["lint", "deep.yaml"], 1, "more than 64 levels deep"),
    ("deep list start", ["case", "start", "deep.yaml", "--data", OK], 2, "64 levels"),
    ("deep mapping", ["lint", "deepmap.yaml"], 1, "64 levels"),
    ("recursive alias", ["lint", "recursive.yaml"], 1, "refers to a node that contains it"),
    ("deepening aliases", ["lint", "deepalias.yaml"], 1, "levels deep"),
    ("huge file", ["lint", "huge.yaml"], 1, "more than the 2,000,000 allowed"),
    ("empty file", ["case", "start", "empty.yaml", "--data", OK], 2, "got an empty file"),
    ("a list, not a process", ["lint", "list.yaml"], 1, "expected a process (a mapping)"),
    ("tab indentation", ["lint", "tab.yaml"], 1, "invalid YAML"),
    ("python tag", ["lint", "python.yaml"], 1, "invalid YAML"),
    ("set tag", ["lint", "tagged.yaml"], 1, "invalid YAML"),
    ("duplicate key", ["lint", "dupkeys.yaml"], 1, "duplicate key 'title'"),
    ("binary file", ["lint", "binary.yaml"], 1, "invalid YAML"),
    ("missing file", ["case", "start", "nowhere.yaml", "--data", OK], 2, "nowhere.yaml"),
    ("folder as process", ["case", "start", "sub", "--data", OK], 2, "sub"),
    # CEL
    ("12,546-term guard", ["lint", "long_guard.yaml"], 1, "longer than the 4,000 allowed"),
    ("long guard start", ["case", "start", "long_guard.yaml", "--data", OK], 2, "4,000"),
    ("40 nested brackets", ["lint", "deep_guard.yaml"], 1, "more than 32 levels deep"),
    ("four nested all()", ["lint", "nested_all_guard.yaml"], 1, "more than the 1,000,000"),
    (
        "four nested all() start",
        ["case", "start", "nested_all_guard.yaml", "--data", OK],
        2,
        "40,002,000,200,020,001 steps",
    ),
    ("all() within exists()", ["lint", "pair_guard.yaml"], 1, "comprehension"),
    ("40 negations", ["lint", "not_guard.yaml"], 1, "more than 32 levels deep"),
    ("40 conditionals", ["lint", "ternary_guard.yaml"], 1, "more than 32 levels deep"),
    ("guard syntax error", ["lint", "bad_cel.yaml"], 1, "does not compile"),
    ("guard unknown field", ["lint", "unknown_field_guard.yaml"], 1, "pagez"),
    # --data: JSON
    ("not JSON", ["case", "start", "hostile.yaml", "--data", "{applicant:"], 2, "invalid JSON"),
    ("JSON list", ["case", "start", "hostile.yaml", "--data", "[1]"], 2, "must be a JSON object"),
    ("JSON string", ["case", "start", "hostile.yaml", "--data", '"x"'], 2, "JSON object"),
    ("JSON null", ["case", "start", "hostile.yaml", "--data", "null"], 2, "JSON object"),
    ("empty data", ["case", "start", "hostile.yaml", "--data", ""], 2, "invalid JSON"),
    ("deep JSON", ["case", "start", "hostile.yaml", "--data", "@data_deep.json"], 2, "levels"),
    (
        "deep JSON inline",
        ["case", "start", "hostile.yaml", "--data", '{"a":' + "[" * 40 + "]" * 40 + "}"],
        2,
        "nested more than 32 levels deep",
    ),
    (
        "50 MB-ish data",
        ["case", "start", "hostile.yaml", "--data", "@data_big.json"],
        2,
        "1,000,000",
    ),
    (
        "missing data file",
        ["case", "start", "hostile.yaml", "--data", "@nope.json"],
        2,
        "nope.json",
    ),
    (
        "data file not UTF-8",
        ["case", "start", "hostile.yaml", "--data", "@data_latin1.json"],
        2,
        "not UTF-8",
    ),
    (
        "NaN",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "count": NaN}'],
        2,
        "NaN is not a JSON number",
    ),
    (
        "Infinity",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "amount": Infinity}'],
        2,
        "Infinity",
    ),
    (
        "5,000-digit integer",
        [
            "case",
            "start",
            "hostile.yaml",
            "--data",
            '{"applicant": "a", "count": ' + "9" * 5000 + "}",
        ],
        2,
        "invalid JSON",
    ),
    (
        "lone surrogate value",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "\\ud800"}'],
        2,
        "lone surrogate",
    ),
    (
        "lone surrogate key",
        ["case", "start", "hostile.yaml", "--data", '{"\\udfff": 1, "applicant": "a"}'],
        2,
        "lone surrogate",
    ),
    # --data: fields
    (
        "int beyond 64 bits",
        [
            "case",
            "start",
            "hostile.yaml",
            "--data",
            '{"applicant": "a", "count": 18446744073709551616}',
        ],
        2,
        "field 'count'",
    ),
    (
        "int at int64 max + 1",
        [
            "case",
            "start",
            "hostile.yaml",
            "--data",
            '{"applicant": "a", "count": 9223372036854775808}',
        ],
        2,
        "9223372036854775807",
    ),
    (
        "int below int64 min",
        [
            "case",
            "start",
            "hostile.yaml",
            "--data",
            '{"applicant": "a", "count": -9223372036854775809}',
        ],
        2,
        "field 'count'",
    ),
    (
        "int text",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "count": "3"}'],
        2,
        "field 'count' expects a whole number",
    ),
    (
        "int true",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "count": true}'],
        2,
        "field 'count' expects a whole number",
    ),
    (
        "int fraction",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "count": 1.5}'],
        2,
        "field 'count'",
    ),
    (
        "int above declared max",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "pages": 1001}'],
        2,
        "<= 1000",
    ),
    (
        "int below declared min",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "pages": -1}'],
        2,
        ">= 0",
    ),
    (
        "money bool",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "amount": true}'],
        2,
        "field 'amount'",
    ),
    (
        "money three decimals",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "amount": "1.005"}'],
        2,
        "2 decimals",
    ),
    (
        "money huge",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "amount": "1e30"}'],
        2,
        "field 'amount'",
    ),
    (
        "money words",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "amount": "五千"}'],
        2,
        "field 'amount'",
    ),
    (
        "bool as 1",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "is_urgent": 1}'],
        2,
        "field 'is_urgent'",
    ),
    (
        "bool as text",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "is_urgent": "yes"}'],
        2,
        "field 'is_urgent'",
    ),
    (
        "text as number",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": 5}'],
        2,
        "field 'applicant'",
    ),
    (
        "text too long",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "' + "x" * 100_001 + '"}'],
        2,
        "at most 100000",
    ),
    (
        "list too long",
        [
            "case",
            "start",
            "hostile.yaml",
            "--data",
            '{"applicant": "a", "tags": [' + ",".join(['"t"'] * 10_001) + "]}",
        ],
        2,
        "at most 10000",
    ),
    (
        "bad date",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "filed_on": "2023-02-30"}'],
        2,
        "field 'filed_on'",
    ),
    (
        "unknown field",
        ["case", "start", "hostile.yaml", "--data", '{"applicant": "a", "x": 1}'],
        2,
        "unknown field",
    ),
    ("required missing", ["case", "start", "hostile.yaml", "--data", "{}"], 2, "required"),
    # business times
    (
        "start in 2003",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "2003-12-31"],
        2,
        "2004–2060",
    ),
    (
        "start in 2203",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "2203-01-01"],
        2,
        "2004–2060",
    ),
    (
        "start in 9999",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "9999-12-31T23:59"],
        2,
        "outside the years",
    ),
    (
        "start in year 1",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "0001-01-01"],
        2,
        "outside the years",
    ),
    (
        "start at 30 February",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "2023-02-30"],
        2,
        "2023-02-30",
    ),
    (
        "start at nonsense",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "tomorrow"],
        2,
        "invalid",
    ),
    (
        "start with zone",
        ["case", "start", "hostile.yaml", "--data", OK, "--at", "2023-09-28T10:00+00:00"],
        2,
        "time zone",
    ),
    (
        "fire in 9999",
        ["case", "fire", "CASE", "accepted", "--at", "9999-01-01"],
        2,
        "outside the years",
    ),
    (
        "fire in 2003",
        ["case", "fire", "CASE", "accepted", "--at", "2003-01-01"],
        2,
        "outside the years",
    ),
    ("tick in 9999", ["tick", "--now", "9999-01-01"], 2, "outside the years"),
    # events and payloads
    (
        "payload int text",
        ["case", "fire", "CASE", "accepted", "--data", '{"copies": "3"}'],
        2,
        "field 'copies'",
    ),
    (
        "payload int 2**64",
        ["case", "fire", "CASE", "accepted", "--data", '{"copies": 18446744073709551616}'],
        2,
        "field 'copies'",
    ),
    (
        "payload surrogate",
        ["case", "fire", "CASE", "accepted", "--data", '{"copies": "\\ud800"}'],
        2,
        "lone surrogate",
    ),
    (
        "payload deep",
        ["case", "fire", "CASE", "accepted", "--data", "@data_deep.json"],
        2,
        "levels",
    ),
    ("payload list", ["case", "fire", "CASE", "accepted", "--data", "[]"], 2, "JSON object"),
    (
        "payload unknown field",
        ["case", "fire", "CASE", "accepted", "--data", '{"x": 1}'],
        2,
        "unknown field",
    ),
    ("unknown event", ["case", "fire", "CASE", "exploded"], 2, "exploded"),
    ("event not allowed here", ["case", "fire", "CASE", "decided"], 3, "decided"),
    ("unknown case", ["case", "fire", "no-such-case", "accepted"], 2, "no-such-case"),
    (
        "bad expect-version",
        ["case", "fire", "CASE", "accepted", "--expect-version", "x"],
        2,
        "expect-version",
    ),
    # scenarios and calendars
    (
        "scenario alias bomb",
        ["simulate", "hostile.yaml", "--scenario", "scenario_bomb.yaml"],
        2,
        "past 200,000 nodes",
    ),
    (
        "scenario deep",
        ["simulate", "hostile.yaml", "--scenario", "scenario_deep.yaml"],
        2,
        "64 levels",
    ),
    # databases: exit 6, and a command that only reads never creates one
    ("database is a folder", ["case", "list", "--db", "sub"], 6, "it is a folder"),
    ("database is not SQLite", ["case", "list", "--db", "data_ok.json"], 6, "not a database"),
    ("database path empty", ["case", "list", "--db", ""], 2, "empty database path"),
    ("database folder missing", ["case", "list", "--db", "no/such/x.db"], 2, "does not exist"),
    ("list a missing database", ["case", "list", "--db", "missing.db"], 6, "none was created"),
    ("show on a missing database", ["case", "show", "x", "--db", "missing.db"], 6, "only reads"),
    ("verify a missing database", ["verify", "--db", "missing.db"], 6, "none was created"),
    (
        "dry tick on a missing database",
        ["tick", "--dry-run", "--db", "missing.db"],
        6,
        "only reads",
    ),
    (
        "export a missing database",
        ["export", "--csv", "out.csv", "--db", "missing.db"],
        6,
        "none was created",
    ),
    ("newer schema", ["case", "list", "--db", "newer.db"], 6, "newer than this policyflow"),
    ("no schema revision", ["case", "list", "--db", "norev.db"], 6, "no schema revision"),
    ("a dropped table", ["case", "show", "target", "--db", "dropped.db"], 6, "no such table"),
    (
        "start on a newer schema",
        ["case", "start", "hostile.yaml", "--data", OK, "--db", "newer.db"],
        6,
        "upgrade policyflow",
    ),
    ("export to a folder", ["export", "--csv", "sub"], 2, "it is a folder"),
    # new case ids
    (
        "case id too long",
        ["case", "start", "hostile.yaml", "--id", "x" * 65, "--data", OK],
        2,
        "at most 64",
    ),
    (
        "case id empty",
        ["case", "start", "hostile.yaml", "--id", "", "--data", OK],
        2,
        "invalid case id",
    ),
    (
        "case id blank",
        ["case", "start", "hostile.yaml", "--id", "   ", "--data", OK],
        2,
        "invalid case id",
    ),
    (
        "case id with an escape",
        ["case", "start", "hostile.yaml", "--id", "a\x1b[31mb", "--data", OK],
        2,
        "control character",
    ),
    (
        "case id taken",
        ["case", "start", "hostile.yaml", "--id", "CASE", "--data", OK],
        2,
        "already exists",
    ),
    (
        "unknown parent",
        ["case", "start", "hostile.yaml", "--parent", "nope", "--data", OK],
        2,
        "no parent case",
    ),
    # files written by commands
    ("diagram into a folder", ["diagram", "hostile.yaml", "-o", "sub"], 2, "it is a folder"),
    (
        "diagram into no folder",
        ["diagram", "hostile.yaml", "-o", "no/x.svg", "-f", "svg"],
        2,
        "does not exist",
    ),
    (
        "simulate XES into a folder",
        ["simulate", "hostile.yaml", "--xes", "sub", "-n", "1"],
        2,
        "it is a folder",
    ),
    (
        "simulate table into no folder",
        ["simulate", "hostile.yaml", "--out", "no/x.csv", "-n", "1"],
        2,
        "does not exist",
    ),
    (
        "simulate table as text",
        ["simulate", "hostile.yaml", "--out", "x.txt", "-n", "1"],
        2,
        ".csv or .parquet",
    ),
    ("export CSV into no folder", ["export", "--csv", "no/x.csv"], 2, "does not exist"),
    ("export nothing", ["export"], 2, "nothing to export"),
    ("anchor is a folder", ["verify", "--anchor", "sub"], 2, "sub"),
    ("anchor is not an anchor", ["verify", "--anchor", "cal.txt"], 2, "not a policyflow anchor"),
    # simulation sizes
    ("100 billion cases", ["simulate", "hostile.yaml", "-n", "100000000000"], 2, "1 to 1,000,000"),
    ("no cases", ["simulate", "hostile.yaml", "-n", "0"], 2, "1 to 1,000,000"),
    ("negative cases", ["simulate", "hostile.yaml", "-n", "-5"], 2, "1 to 1,000,000"),
    ("no workers", ["simulate", "hostile.yaml", "--workers", "0", "-n", "1"], 2, "worker count"),
    ("negative seed", ["simulate", "hostile.yaml", "--seed", "-1", "-n", "1"], 2, "seed"),
    ("seed as text", ["simulate", "hostile.yaml", "--seed", "abc"], 2, "seed"),
    (
        "simulate from 30 February",
        ["simulate", "hostile.yaml", "--start", "2023-02-30"],
        2,
        "2023-02-30",
    ),
    (
        "simulate from 9999",
        ["simulate", "hostile.yaml", "--start", "9999-01-01", "-n", "1"],
        2,
        "9999",
    ),
    ("simulate an unknown process", ["simulate", "nope-process", "-n", "1"], 2, "unknown process"),
    # legal time on the command line
    (
        "suspension backwards",
        ["due", "2023-09-28", "15wd", "--suspend", "2023-10-05:2023-10-01"],
        2,
        "ends before it starts",
    ),
    ("suspension not a range", ["due", "2023-09-28", "15wd", "--suspend", "soon"], 2, "soon"),
    ("negative extension", ["due", "2023-09-28", "15wd", "--extend", "-3d"], 2, "negative"),
    ("extension in words", ["due", "2023-09-28", "15wd", "--extend", "abc"], 2, "invalid period"),
    ("empty period", ["due", "2023-09-28", ""], 2, "invalid period"),
    ("trailing word", ["due", "2023-09-28", "十五个工作日零"], 2, "invalid period"),
    ("a million years", ["due", "2023-09-28", "1000000y"], 2, "9999 units"),
    ("zero days", ["due", "2023-09-28", "0d"], 2, "at least 1"),
    ("due from 30 February", ["due", "2023-02-30", "15wd"], 2, "2023-02-30"),
    (
        "calendar file of nonsense",
        ["due", "2023-09-28", "15wd", "--calendar", "cal.txt"],
        2,
        "cal.txt:1",
    ),
    ("calendar file is a folder", ["due", "2023-09-28", "15wd", "--calendar", "sub"], 2, "sub"),
    (
        "calendar file missing",
        ["due", "2023-09-28", "15wd", "--calendar", "nowhere.txt"],
        2,
        "nowhere.txt",
    ),
    ("tick at 30 February", ["tick", "--now", "2023-02-30"], 2, "2023-02-30"),
    ("tick at nothing", ["tick", "--now", ""], 2, "tick time"),
    ("show at 30 February", ["case", "show", "CASE", "--at", "2023-02-30"], 2, "2023-02-30"),
    (
        "fire at hour 25",
        ["case", "fire", "CASE", "accepted", "--at", "2023-09-28T25:00"],
        2,
        "invalid",
    ),
    # process lookups
    ("show an unknown process", ["show", "nope"], 2, "unknown process"),
    ("diagram an unknown process", ["diagram", "nope"], 2, "unknown process"),
    ("diagram without a process", ["diagram"], 2, "give a process"),
    # more payloads and lookups
    (
        "payload not an object",
        ["case", "fire", "CASE", "accepted", "--data", "[1]"],
        2,
        "JSON object",
    ),
    (
        "payload int fraction",
        ["case", "fire", "CASE", "accepted", "--data", '{"copies": 1.5}'],
        2,
        "field 'copies'",
    ),
    (
        "payload int true",
        ["case", "fire", "CASE", "accepted", "--data", '{"copies": true}'],
        2,
        "field 'copies'",
    ),
    (
        "payload int huge float",
        ["case", "fire", "CASE", "accepted", "--data", '{"copies": 1e400}'],
        2,
        "copies",
    ),
    ("fire on an empty id", ["case", "fire", "", "accepted"], 2, "no case"),
    ("verify an unknown case", ["verify", "nope-case"], 2, "no case"),
    ("show an unknown case", ["case", "show", "nope-case"], 2, "no case"),
    ("lint a missing path", ["lint", "nowhere.yaml"], 1, "nowhere.yaml"),
    ("due in 9999", ["due", "9999-01-01", "15wd"], 2, "9999"),
    ("due negative", ["due", "2023-09-28", "-5d"], 2, "period"),
    ("due huge period", ["due", "2023-09-28", "99999999999wd"], 2, ""),
]


def _run(args: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(POLICYFLOW), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", "POLICYFLOW_DB": str(folder / "cases.db")},
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with the hostile files and one case, 'target', in 'submitted'."""
    here = tmp_path_factory.mktemp("hostile")
    for name, text in FILES.items():
        (here / name).write_text(text, encoding="utf-8")
    (here / "data_latin1.json").write_bytes(b'{"applicant": "\xe9"}')
    (here / "sub").mkdir()
    done = _run(
        ["case", "start", "hostile.yaml", "--id", "target", "--data", OK, "--at", "2023-09-28"],
        here,
    )
    assert done.returncode == 0, done.stderr
    _damaged_copies(here)
    return here


def _damaged_copies(here: Path) -> None:
    """Copies of the case database, each damaged one way (made by SQLite's backup)."""
    damage = {
        "newer.db": "UPDATE alembic_version SET version_num = '0999'",
        "norev.db": "DELETE FROM alembic_version",
        "dropped.db": "DROP TABLE timers",
    }
    with sqlite3.connect(here / "cases.db") as source:
        for name, statement in damage.items():
            with sqlite3.connect(here / name) as copy:
                source.backup(copy)
                copy.execute(statement)
            copy.close()
    source.close()


@pytest.fixture(scope="module")
def initial(folder: Path) -> dict[str, object]:
    """The target case before any row ran."""
    return _snapshot(folder)


def _snapshot(folder: Path) -> dict[str, object]:
    """What the target case holds (not what is computed at the moment it is shown)."""
    done = _run(["case", "show", "target", "--json"], folder)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    keys = ("state", "version", "updated_at", "data", "timers", "journal")
    return {key: shown[key] for key in keys}


def test_catalogue_is_large():
    """At least 150 hostile inputs, each named once."""
    assert len(CATALOGUE) >= 150
    assert len({name for name, *_ in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize(
    ("name", "args", "code", "fragment"), CATALOGUE, ids=[c[0] for c in CATALOGUE]
)
def test_hostile_input_is_refused_in_one_line(folder, initial, name, args, code, fragment):
    """The command exits with its code and one message line, never a traceback.

    (`initial` is taken before the first row runs.)
    """
    args = ["target" if a == "CASE" else a for a in args]
    done = _run(args, folder)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == code, (done.returncode, done.stderr[-500:], done.stdout[-500:])
    assert fragment in done.stderr + done.stdout, done.stderr[-500:]
    if code == 2 and args[0] != "lint" and not done.stderr.startswith("Usage:"):
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr[-1000:]


def test_read_only_commands_created_no_database(folder, initial):
    """The rows that read a missing database left no file behind them."""
    assert not (folder / "missing.db").exists()
    assert not (folder / "out.csv").exists()


def test_a_damaged_database_is_left_as_it_was(folder, initial):
    """Refusing a newer or unrevisioned schema did not migrate or write it."""
    with sqlite3.connect(folder / "newer.db") as newer:
        assert newer.execute("SELECT version_num FROM alembic_version").fetchall() == [("0999",)]
    newer.close()
    with sqlite3.connect(folder / "norev.db") as norev:
        assert norev.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
        assert norev.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    norev.close()


def test_catalogue_changed_nothing(folder, initial):
    """After every row ran, the target case is as it was and no other case exists."""
    assert _snapshot(folder) == initial
    done = _run(["case", "list", "--json"], folder)
    assert done.returncode == 0, done.stderr
    assert [case["id"] for case in json.loads(done.stdout)] == ["target"]


def test_user_text_is_shown_as_text_never_as_markup_or_a_formula(tmp_path):
    """An actor of `[/x]` shows as typed; a case id and actor of `=…` export inert."""
    (tmp_path / "hostile.yaml").write_text(PROCESS, encoding="utf-8")
    for case_id, actor in (("markup", "[/x] [bold]"), ("=HYPERLINK(1)", "=cmd|' /C calc'!A0")):
        start = ["case", "start", "hostile.yaml", "--id", case_id, "--actor", actor]
        done = _run([*start, "--data", OK, "--at", "2023-09-28"], tmp_path)
        assert done.returncode == 0, done.stderr
    shown = _run(["case", "show", "markup"], tmp_path)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr[-800:]
    assert "[/x] [bold]" in shown.stdout
    listed = _run(["case", "list"], tmp_path)
    assert "=HYPERLINK(1)" in listed.stdout
    assert _run(["export", "--csv", "log.csv"], tmp_path).returncode == 0
    rows = list(csv.reader((tmp_path / "log.csv").read_text(encoding="utf-8").splitlines()))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(1)" in cells and "'=cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
