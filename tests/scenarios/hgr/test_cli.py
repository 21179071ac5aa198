"""A permit from application through change and renewal to expiry with the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

POLICYFLOW = str(Path(sys.executable).with_name("policyflow"))


def _run(db: Path, *args: str, code: int = 0) -> Any:
    done = subprocess.run(
        [POLICYFLOW, *args, "--db", str(db), "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == code, done.stderr
    return json.loads(done.stdout) if code == 0 else done.stderr


def _fire(
    db: Path, case: str, event: str, when: str, data: dict[str, Any] | None = None, code: int = 0
) -> Any:
    extra = ["--data", json.dumps(data)] if data else []
    return _run(db, "case", "fire", case, event, "--at", when, *extra, code=code)


def test_cli_permit_application_change_renewal_expiry(tmp_path: Path) -> None:
    """第三十九至四十三条、第四十七条、第五十五条: a permit's life via `case` and `tick`."""
    db = tmp_path / "cli.db"
    app = _run(
        db,
        "case",
        "start",
        "hgr-permit",
        "--at",
        "2023-07-03T09:00",
        "--data",
        json.dumps(
            {
                "kind": "international_cooperation",
                "applicant_unit_type": "university",
                "max_foreign_holding_bp": 0,
                "has_foreign_party": True,
                "has_commitments": True,
            }
        ),
    )["id"]
    _fire(db, app, "materials_submitted", "2023-07-03T10:00")
    _fire(db, app, "accepted", "2023-07-05T10:00", {"voucher_no": "V-1"})
    granted = _fire(
        db,
        app,
        "permit_granted",
        "2023-07-20T10:00",
        {
            "permit_no": "P-1",
            "valid_from": "2023-07-20",
            "valid_until": "2023-10-06",
            "approved_total_quantity": 10000,
            "notified_in_writing": True,
            "copied_to_province": True,
            "published": True,
        },
    )
    assert granted["state"] == "granted"
    permit = _run(db, "case", "list", "--process", "hgr-permit-lifecycle")[0]["id"]
    # change: 10 % inclusive by explanation, 10.01 % refused (exit 3)
    _fire(db, permit, "change_explained", "2023-08-01T10:00", {"quantity_delta": 1000})
    refused = _fire(
        db, permit, "change_explained", "2023-08-02T10:00", {"quantity_delta": 1}, code=3
    )
    assert "within_ten_percent" in refused and "第四十七条" in refused
    # renewal applied on Thu Aug 17 (30 working days remain up to Oct 6; see test_renewal.py)
    _fire(
        db, permit, "renewal_applied", "2023-08-17T10:00", {"requested_valid_until": "2023-12-29"}
    )
    _run(db, "tick", "--now", "2023-10-07T09:00")
    shown = _run(db, "case", "show", permit)
    assert shown["state"] == "active"
    assert shown["data"]["valid_until"] == "2023-12-29"
    _run(db, "tick", "--now", "2023-12-30T09:00")
    assert _run(db, "case", "show", permit)["state"] == "expired"
