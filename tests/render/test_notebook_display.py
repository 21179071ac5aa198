"""In a notebook, `import policyflow` alone makes processes, cases and results draw themselves.

Run in a real kernel (nbclient): the display hook is installed by the top-level package and
loads the render layer only when an object is shown.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

CELLS = [
    "import sys\nimport policyflow\n"
    "print(sorted(m for m in ('policyflow.render', 'policyflow.definition') if m in sys.modules))",
    'process = policyflow.load("most-penalty")\nprocess',
    "print('policyflow.render' in sys.modules)",
    "from datetime import datetime\n"
    'engine = policyflow.Engine(":memory:")\n'
    'case = engine.start("most-penalty", {"clue_source": "report"}, at=datetime(2023, 8, 1, 10))\n'
    "case",
    'policyflow.sim.simulate("most-penalty", cases=20, seed=1, workers=1)',
]


@pytest.fixture(scope="module")
def outputs() -> list[list[dict]]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    return [list(cell.outputs) for cell in notebook.cells]


def _data(outputs: list[dict]) -> dict:
    [result] = [o for o in outputs if o["output_type"] == "execute_result"]
    return result["data"]


def _stdout(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def test_import_policyflow_loads_no_definitions_or_render_layer(outputs):
    """The hook imports nothing until an object is shown."""
    assert _stdout(outputs[0]).strip() == "[]"


def test_a_process_draws_itself_after_a_plain_import(outputs):
    """A process shows as SVG (with Graphviz) and as a Mermaid block; render loads then."""
    data = _data(outputs[1])
    assert data["text/markdown"].startswith("```mermaid\nstateDiagram-v2")
    if shutil.which("dot"):
        assert "<svg" in data["image/svg+xml"]
    assert _stdout(outputs[2]).strip() == "True"


def test_a_case_draws_itself_on_its_process(outputs):
    """A case shows its state highlighted on its process."""
    data = _data(outputs[3])
    assert "class clue_registered current" in data["text/markdown"]


def test_a_simulation_result_draws_its_process_with_its_kpis(outputs):
    """A result shows its summary, the process (SVG, else Mermaid) and how deadlines ended."""
    data = _data(outputs[4])
    if shutil.which("dot"):
        page = data["text/html"]
        assert "<svg" in page and "<?xml" not in page
    else:
        page = data["text/markdown"]
        assert "```mermaid" in page
    assert "20 simulated cases" in page and "share_late_or_overdue" in page
