"""docs/notebooks/penalty-simulation.ipynb runs from top to bottom (CI executes it).

The committed notebook simulates 10,000 cases; here its parameters cell is set to 2,000 so
that the test stays quick, and every cell must run without an error and draw its figures.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "penalty-simulation.ipynb"
CASES = int(os.environ.get("POLICYFLOW_NOTEBOOK_CASES", "2000"))


def test_the_penalty_notebook_runs_and_draws_its_figures():
    """Every cell runs; the diagram, the histogram and the compliance chart are drawn."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    parameters = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1, "the notebook has one cell tagged 'parameters'"
    assert re.search(r"^CASES = 10_000$", parameters[0].source, re.MULTILINE)
    parameters[0].source = re.sub(
        r"^CASES = .*$", f"CASES = {CASES}", parameters[0].source, flags=re.MULTILINE
    )
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "a histogram of decision times and the compliance chart"
    assert any(
        "text/html" in o.get("data", {})
        or "image/svg+xml" in o.get("data", {})
        or "text/markdown" in o.get("data", {})
        for o in outputs
    ), "the process diagram"
