from __future__ import annotations

import pytest

from policyflow import legaltime


@pytest.fixture(scope="session")
def cal() -> legaltime.Calendar:
    """The shipped official calendar (2004–2026)."""
    return legaltime.china()


@pytest.fixture(scope="session")
def provisional_cal() -> legaltime.Calendar:
    """The official calendar plus the provisional years 2027–2060."""
    return legaltime.china(provisional=True)
