from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "processes"
PERMIT = FIXTURES / "permit.yaml"
MINIMAL = FIXTURES / "ok_minimal.yaml"
