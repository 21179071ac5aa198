"""`policyflow case start/fire --actor ID --role ROLE --roles MODE` and `case show`'s who-as.

most-penalty.officer-recusal: the enforcement department reviews, the head decides
(科学技术部令第20号 第十三条). Exit codes: 3 a refused role, 2 a bad mode or role name.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_case import run

RECUSAL = "most-penalty.officer-recusal"
DATA = '{"officer_id": "[bold]o7[/bold]", "ground": "interest", "applicant": "party"}'


def _start(db: Path, *extra: str):
    return run(
        "case",
        "start",
        RECUSAL,
        "--data",
        DATA,
        "--at",
        "2024-03-04T10:00",
        "--json",
        *extra,
        db=db,
    )


def _case_id(db: Path) -> str:
    done = _start(db, "--actor", "zhang.san", "--role", "enforcement_dept")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["id"]


def test_a_refused_role_exits_3_naming_role_and_article(sqlite_path):
    case_id = _case_id(sqlite_path)
    fired = run(
        "case",
        "fire",
        case_id,
        "review_started",
        "--at",
        "2024-03-05T10:00",
        "--actor",
        "li.si",
        "--role",
        "most_head",
        db=sqlite_path,
    )
    assert fired.returncode == 3
    assert "enforcement_dept" in fired.stderr and "第十三条" in fired.stderr
    done = run(
        "case",
        "fire",
        case_id,
        "review_started",
        "--at",
        "2024-03-05T10:00",
        "--actor",
        "zhang.san",
        "--role",
        "enforcement_dept",
        "--json",
        db=sqlite_path,
    )
    assert done.returncode == 0, done.stderr


def test_a_bad_mode_or_an_unknown_role_exits_2(sqlite_path):
    bad_mode = _start(sqlite_path, "--roles", "strict")
    assert bad_mode.returncode == 2 and "required, check, off" in bad_mode.stderr
    from_env = run(
        "case", "start", RECUSAL, "--data", DATA, db=sqlite_path, POLICYFLOW_ROLES="bogus"
    )
    assert from_env.returncode == 2
    unknown = _start(sqlite_path, "--actor", "zhang.san", "--role", "enforcement_dep")
    assert unknown.returncode == 2
    assert "did you mean 'enforcement_dept'" in unknown.stderr.replace("\n", " ")
    no_actor = _start(sqlite_path, "--role", "enforcement_dept")
    assert no_actor.returncode == 2 and "--role needs --actor" in no_actor.stderr


def test_required_mode_refuses_an_act_without_a_role(sqlite_path):
    case_id = _case_id(sqlite_path)
    for extra, env in ((("--roles", "required"), {}), ((), {"POLICYFLOW_ROLES": "required"})):
        fired = run(
            "case",
            "fire",
            case_id,
            "review_started",
            "--at",
            "2024-03-05T10:00",
            "--actor",
            "zhang.san",
            *extra,
            db=sqlite_path,
            **env,
        )
        assert fired.returncode == 3, fired.stderr
        assert "roles are required" in fired.stderr


def test_show_lists_who_acted_in_which_role_and_marks_the_unidentified(sqlite_path):
    case_id = _case_id(sqlite_path)
    fired = run(
        "case",
        "fire",
        case_id,
        "review_started",
        "--at",
        "2024-03-05T10:00",
        "--actor",
        "[red]mallory[/red]",
        db=sqlite_path,
    )
    assert fired.returncode == 0, fired.stderr
    shown = run("case", "show", case_id, "--json", db=sqlite_path)
    journal = json.loads(shown.stdout)["journal"]
    assert [(e["actor"], e["role"]) for e in journal] == [
        ("zhang.san", "enforcement_dept"),
        ("[red]mallory[/red]", None),
    ]
    table = run("case", "show", case_id, db=sqlite_path)
    assert table.returncode == 0, table.stderr
    assert "zhang.san as enforcement_dept" in table.stdout
    assert "[red]mallory[/red] (unidentified)" in table.stdout  # escaped, and marked


def test_show_lists_the_delegations_of_the_case(sqlite_path):
    from datetime import date

    from policyflow.engine import Engine

    case_id = _case_id(sqlite_path)
    with Engine(sqlite_path) as engine:
        engine.delegate(
            "[b]entrusted[/b]",
            "enforcement_dept",
            case_id=case_id,
            until=date(2024, 3, 6),
            basis="委托书 7号",
        )
    shown = run("case", "show", case_id, "--json", db=sqlite_path)
    assert json.loads(shown.stdout)["delegations"] == [
        {
            "grantee_id": "[b]entrusted[/b]",
            "role": "enforcement_dept",
            "case_id": case_id,
            "until": "2024-03-06",
            "basis": "委托书 7号",
        }
    ]
    table = run("case", "show", case_id, db=sqlite_path)
    assert "[b]entrusted[/b]" in table.stdout and "2024-03-06" in table.stdout
