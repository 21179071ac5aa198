"""Display in notebooks: processes and cases draw themselves (SVG and Mermaid).

The core classes never import the render layer (as Textualize/rich keeps its
``JupyterRenderable._repr_mimebundle_`` in ``rich/jupyter.py``). Instead, importing
:mod:`policyflow.render` calls :func:`register_display` for
:class:`~policyflow.definition.Process`; a layer above (the engine's ``Case``) calls it for
its own classes with a function that returns the process and the case snapshot to draw.

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


def case_mermaid(process: Process, snapshot: CaseSnapshot) -> str:
    """The Mermaid diagram of a case: what ``case.to_mermaid()`` returns."""
    return mermaid.to_mermaid(process, snapshot)


def register_process_display() -> None:
    """Let every :class:`~policyflow.definition.Process` draw itself in a notebook."""
    register_display(Process, lambda process: (process, None))
