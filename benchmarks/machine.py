"""The machine a benchmark ran on, in one line, for docs/benchmarks.md."""

from __future__ import annotations

import os
import platform


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> str:
    """Cores, CPU model and Python version, e.g. 'nproc 2, Intel Xeon …, Python 3.11.7'."""
    return f"nproc {os.cpu_count()}, {cpu_model()}, Python {platform.python_version()}"
