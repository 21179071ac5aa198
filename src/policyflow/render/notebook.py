"""Display in notebooks: processes, cases and simulation results draw themselves.

The core classes never import the render layer (as Textualize/rich keeps its
``JupyterRenderable._repr_mimebundle_`` in ``rich/jupyter.py``). Instead:

- ``import policyflow`` registers :func:`mimebundle_of` with IPython by type *name* for
  :class:`~policyflow.definition.Process`, the engine's ``Case`` and the simulator's
  ``SimulationResult``, so that nothing is imported until an object is shown; then this
  module loads and draws it. A notebook user types nothing more.
- Importing :mod:`policyflow.render` also calls :func:`register_display` for ``Process``
  (a ``_repr_mimebundle_`` method, for frontends other than IPython); a layer above (the
  engine's ``Case``) calls it for its own classes with a function that returns the
  process and the case snapshot to draw; ``SimulationResult`` builds its bundle with
  :func:`report_bundle`.

The bundle holds ``image/svg+xml`` (Graphviz, when the ``dot`` program is installed),
``text/markdown`` (a fenced Mermaid block: JupyterLab 4.1+ and GitHub render it) and
``text/plain``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

from policyflow.definition.model import Process
from policyflow.errors import PolicyflowError
from policyflow.render import dot, mermaid
from policyflow.render.graph import build
from policyflow.runtime.snapshot import CaseSnapshot

#: Given a displayed object, the process and (for a case) the snapshot to draw.
Parts = Callable[[Any], tuple[Process, CaseSnapshot | None]]


def mimebundle(
    process: Process,
    snapshot: CaseSnapshot | None = None,
    *,
    include: Container[str] | None = None,
    exclude: Container[str] | None = None,
    plain: str | None = None,
) -> dict[str, str]:
    """Return the display bundle of `process` (and `snapshot`'s case, if given)."""
    graph = build(process, snapshot)
    bundle: dict[str, str] = {}

    def wanted(mime: str) -> bool:
        return (include is None or mime in include) and (exclude is None or mime not in exclude)

    if wanted("image/svg+xml"):
        with contextlib.suppress(PolicyflowError):  # no Graphviz: the Mermaid still draws
            bundle["image/svg+xml"] = dot.to_svg(graph)
    if wanted("text/markdown"):
        bundle["text/markdown"] = "```mermaid\n" + mermaid.to_mermaid(graph) + "```\n"
    if wanted("text/plain"):
        where = f", case {snapshot.case_id} in {snapshot.state!r}" if snapshot is not None else ""
        bundle["text/plain"] = plain or f"<{graph.process_id} · {graph.zh}{where}>"
    return bundle


def register_display(cls: type[Any], parts: Parts) -> None:
    """Give `cls` a ``_repr_mimebundle_`` that draws what `parts` returns for an instance."""

    def _repr_mimebundle_(
        self: Any, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> dict[str, str]:
        process, snapshot = parts(self)
        return mimebundle(process, snapshot, include=include, exclude=exclude, plain=repr(self))

    type.__setattr__(cls, "_repr_mimebundle_", _repr_mimebundle_)


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case drawn on its process: its state highlighted, its running deadlines dated.

    Attributes:
        process: the definition the case runs under.
        snapshot: the case.
    """

    process: Process
    snapshot: CaseSnapshot

    def to_mermaid(self) -> str:
        """The Mermaid stateDiagram-v2 of the case."""
        return mermaid.to_mermaid(self.process, self.snapshot)

    def to_svg(self) -> str:
        """The SVG of the case (needs Graphviz's ``dot``)."""
        return dot.to_svg(self.process, self.snapshot)

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> dict[str, str]:
        return mimebundle(self.process, self.snapshot, include=include, exclude=exclude)


def mimebundle_of(obj: Any) -> dict[str, str]:
    """The display bundle of a process, a case or a simulation result: what IPython shows.

    A process is drawn here; any other object by its own ``_repr_mimebundle_`` (a case's
    is registered by the engine, a simulation result has its own).
    """
    if isinstance(obj, Process):
        return mimebundle(obj)
    method = getattr(obj, "_repr_mimebundle_", None)
    if method is None:
        return {"text/plain": repr(obj)}
    bundle: dict[str, str] = method()
    return bundle


def _inline_svg(svg: str) -> str:
    """An SVG document as an element that HTML can hold (no XML declaration or doctype)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def report_bundle(process: Process, head: str, body: str, *, plain: str) -> dict[str, str]:
    """The display bundle of a report about `process`: `head`, the process drawn, `body`.

    `head` and `body` are HTML (a simulation's summary and its KPI tables). With
    Graphviz the bundle is ``text/html`` with the SVG inline; without, ``text/markdown``
    with a Mermaid block (Markdown keeps the HTML tables).
    """
    graph = build(process)
    bundle = {"text/plain": plain}
    try:
        bundle["text/html"] = f"{head}\n{_inline_svg(dot.to_svg(graph))}\n{body}"
    except PolicyflowError:  # no Graphviz: the Mermaid still draws
        drawing = mermaid.to_mermaid(graph)
        bundle["text/markdown"] = f"{head}\n\n```mermaid\n{drawing}```\n\n{body}\n"
    return bundle


def case_mermaid(process: Process, snapshot: CaseSnapshot) -> str:
    """The Mermaid diagram of a case: what ``case.to_mermaid()`` returns."""
    return mermaid.to_mermaid(process, snapshot)


def register_process_display() -> None:
    """Let every :class:`~policyflow.definition.Process` draw itself in a notebook."""
    register_display(Process, lambda process: (process, None))
