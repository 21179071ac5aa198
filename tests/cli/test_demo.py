"""`policyflow demo`: the README's main job runs a real penalty case end to end."""

from __future__ import annotations

import json
import subprocess
import sys


def test_demo_runs_a_penalty_case_end_to_end_on_sqlite(tmp_path):
    """科学技术部令第20号: filing → hearing over 国庆节 → decision → execution, persisted."""
    db = tmp_path / "demo.db"
    out = subprocess.run(
        [sys.executable, "-m", "policyflow", "demo", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    main, *children = json.loads(out.stdout)
    assert main["process"] == "most-penalty"
    assert main["state"] == "penalty_in_force"
    timers = {t["deadline"]: (t["due"], t["status"]) for t in main["timers"]}
    # 90 days from 2023-08-15 is 2023-11-13; the hearing time Sep 27..Oct 18 (22 days,
    # 第五十一条第二款) does not count, so the limit moves to 2023-12-05, met by the decision.
    assert timers["case_limit"] == ("2023-12-05", "met")
    # 5 working days from Mon 2023-09-25 end on Sun 2023-10-08, a make-up workday.
    assert timers["statement_window"] == ("2023-10-08", "fired")
    automatic = [e["event"] for e in main["journal"] if e["automatic"]]
    assert automatic == ["statement_window_expired"]  # the hearing lead is a guard (第四十二条)
    assert all(e["basis"] for e in main["journal"])
    states = {c["process"]: c["state"] for c in children}
    assert states["most-penalty.execution"] == "performed"
    assert db.exists()


def test_demo_prints_the_timeline_with_legal_bases():
    """Without --json the demo prints each journal row with its article."""
    out = subprocess.run(
        [sys.executable, "-m", "policyflow", "demo"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert "hearing_concluded" in out.stdout
    assert "第五十一条" in out.stdout or "第四十" in out.stdout
