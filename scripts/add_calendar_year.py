#!/usr/bin/env python3
"""Add a published year to policyflow's shipped calendar, from its notice file.

For maintainers, when the State Council publishes a year's schedule before ``holidays``
(which ``scripts/generate_calendar.py`` reads) has it. The notice is checked as
``policyflow calendar add`` checks it (``policyflow.legaltime.notices``: each year
official, naming its document and date; the fixed statutory days of 国务院令第795号
listed; make-up working days on weekends), then:

* its years are written into ``data/china.txt``, in year order;
* the same years are removed from ``data/china-provisional.txt``.

A year already official in ``china.txt`` is refused, and nothing is written. Review the
diff against the notice and commit; once ``holidays`` publishes the year, raise
``OFFICIAL`` in generate_calendar.py and regenerate (its --check compares the two)::

    .venv/bin/python scripts/add_calendar_year.py notice-2027.txt
    .venv/bin/python scripts/add_calendar_year.py notice-2027.txt --check   # exit 1: not added

Exit codes: 0 done (or, with --check, already there), 1 --check and not there,
2 the notice is not valid or its year is already shipped (the message names file:line).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "policyflow" / "legaltime" / "data"
_YEAR = re.compile(r"^year (\d{4}) ")


def _blocks(text: str) -> tuple[str, dict[int, str]]:
    """Split a table into its header and its year blocks (year line through last day line)."""
    header: list[str] = []
    blocks: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        match = _YEAR.match(line)
        if match is not None:
            current = blocks.setdefault(int(match[1]), [])
        if current is None:
            header.append(line)
        elif line.strip():
            current.append(line)
    return "".join(header).rstrip("\n") + "\n", {y: "".join(b) for y, b in blocks.items()}


def _join(header: str, blocks: dict[int, str]) -> str:
    return header + "".join(f"\n{blocks[year]}" for year in sorted(blocks))


def add_year(notice_path: Path, data: Path, *, check: bool = False) -> int:
    """Add the notice's years to the tables in `data`; return the exit code."""
    from policyflow.errors import CalendarFileError
    from policyflow.legaltime.notices import read_notice

    try:
        notice = read_notice(notice_path)
    except CalendarFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    official_path = data / "china.txt"
    provisional_path = data / "china-provisional.txt"
    header, official = _blocks(official_path.read_text(encoding="utf-8"))
    shipped = [year for year in notice.years if year in official]
    if check:
        missing = [year for year in notice.years if year not in official]
        for year in missing:
            print(f"{official_path}: year {year} is not shipped yet", file=sys.stderr)
        return 1 if missing else 0
    if shipped:
        print(
            f"error: {official_path}: year {shipped[0]} is already official; "
            "a shipped year is corrected by regenerating (scripts/generate_calendar.py)",
            file=sys.stderr,
        )
        return 2
    official.update(notice.text)
    provisional_header, provisional = _blocks(provisional_path.read_text(encoding="utf-8"))
    for year in notice.years:
        provisional.pop(year, None)
    official_path.write_text(_join(header, official), encoding="utf-8")
    provisional_path.write_text(_join(provisional_header, provisional), encoding="utf-8")
    years = ", ".join(str(y) for y in notice.years)
    print(f"added {years} ({notice.name}) to {official_path}; removed from {provisional_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and add the year."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notice", type=Path, help="the notice, as a calendar file")
    parser.add_argument("--data", type=Path, default=DATA, help="the tables' folder")
    parser.add_argument("--check", action="store_true", help="exit 1 if not yet added")
    arguments = parser.parse_args(argv)
    return add_year(arguments.notice, arguments.data, check=arguments.check)


if __name__ == "__main__":
    sys.exit(main())
