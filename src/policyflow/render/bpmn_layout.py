"""Diagram interchange coordinates: a layered, left-to-right layout for BPMN DI.

bpmn.py hands over boxes (id, width, height) and directed links between them; this
module answers where each box goes and which points each link passes through. It knows
nothing of BPMN semantics, so it is small and testable on its own.

The method is the classic layered (Sugiyama-style) drawing, kept simple:

1. links that close a cycle (found by a depth-first search from the first box) are
   reversed for layering, so a loop back to an earlier step does not push it right;
2. each box goes into the layer of its longest path from the start;
3. boxes in a layer are ordered by the mean position of their predecessors
   (a few barycentre sweeps), which keeps the main line straight and crossings few;
4. links run right-angled from the right side of the source to the left side of the
   target; a link going backwards runs below the whole drawing and comes up into the
   target from underneath.

Every number is an integer and every choice is ordered, so the same input gives the
same file byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LAYER_GAP = 90
ROW_GAP = 60
MARGIN = 60
BACK_LANE_GAP = 16


@dataclass(frozen=True, slots=True)
class Box:
    """A shape to place: its id and size."""

    id: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Link:
    """A connection to route, from the box `source` to the box `target`."""

    id: str
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Bounds:
    """A placed shape: top-left corner and size (dc:Bounds)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def center_y(self) -> int:
        """The vertical middle."""
        return self.y + self.height // 2

    @property
    def center_x(self) -> int:
        """The horizontal middle."""
        return self.x + self.width // 2


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every box goes and which points every link passes through."""

    bounds: dict[str, Bounds]
    waypoints: dict[str, tuple[tuple[int, int], ...]]


def _back_links(boxes: Sequence[Box], links: Sequence[Link]) -> set[str]:
    """Return the ids of links that close a cycle, by an ordered depth-first search."""
    outgoing: dict[str, list[Link]] = {box.id: [] for box in boxes}
    for link in links:
        outgoing[link.source].append(link)
    back: set[str] = set()
    done: set[str] = set()
    for root in (box.id for box in boxes):
        if root in done:
            continue
        on_path: set[str] = {root}
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack[-1]
            if index < len(outgoing[node]):
                stack[-1] = (node, index + 1)
                link = outgoing[node][index]
                if link.target in on_path:
                    back.add(link.id)
                elif link.target not in done:
                    on_path.add(link.target)
                    stack.append((link.target, 0))
            else:
                stack.pop()
                on_path.discard(node)
                done.add(node)
    return back


def _layers(boxes: Sequence[Box], forward: Sequence[Link]) -> dict[str, int]:
    """Longest-path layering over the acyclic forward links."""
    layer = {box.id: 0 for box in boxes}
    # Bellman-Ford style relaxation terminates: the forward links form a DAG.
    for _ in range(len(boxes)):
        changed = False
        for link in forward:
            if layer[link.target] < layer[link.source] + 1:
                layer[link.target] = layer[link.source] + 1
                changed = True
        if not changed:
            break
    return layer


def _order(boxes: Sequence[Box], forward: Sequence[Link], layer: dict[str, int]) -> list[list[str]]:
    """Order the boxes of each layer by the barycentre of their neighbours."""
    count = max(layer.values(), default=0) + 1
    rows: list[list[str]] = [[] for _ in range(count)]
    for box in boxes:
        rows[layer[box.id]].append(box.id)
    preds: dict[str, list[str]] = {box.id: [] for box in boxes}
    succs: dict[str, list[str]] = {box.id: [] for box in boxes}
    for link in forward:
        preds[link.target].append(link.source)
        succs[link.source].append(link.target)

    def sweep(neighbours: dict[str, list[str]], indices: range) -> None:
        for i in indices:
            position = {node: j for row in rows for j, node in enumerate(row)}
            row = rows[i]

            def key(
                node: str, row: list[str] = row, position: dict[str, int] = position
            ) -> tuple[float, int]:
                placed = [position[n] for n in neighbours[node] if n in position]
                mean = sum(placed) / len(placed) if placed else float(row.index(node))
                return (mean, row.index(node))

            rows[i] = sorted(row, key=key)

    for _ in range(3):
        sweep(preds, range(1, count))
        sweep(succs, range(count - 2, -1, -1))
    sweep(preds, range(1, count))
    return rows


def layout(boxes: Sequence[Box], links: Sequence[Link]) -> Layout:
    """Place `boxes` in layers from left to right and route `links` between them.

    The first box is taken as the start. Boxes that nothing links to stay in the first
    layer, below the start.
    """
    size = {box.id: box for box in boxes}
    back = _back_links(boxes, links)
    forward = [
        Link(link.id, link.target, link.source) if link.id in back else link for link in links
    ]
    forward = [link for link in forward if link.source != link.target]
    layer = _layers(boxes, forward)
    rows = _order(boxes, forward, layer)

    widths = [max(size[node].width for node in row) if row else 0 for row in rows]
    row_height = max((box.height for box in boxes), default=0) + ROW_GAP
    bounds: dict[str, Bounds] = {}
    x = MARGIN
    for i, row in enumerate(rows):
        for j, node in enumerate(row):
            box = size[node]
            center_y = MARGIN + row_height // 2 + j * row_height
            bounds[node] = Bounds(
                x + (widths[i] - box.width) // 2, center_y - box.height // 2, box.width, box.height
            )
        x += widths[i] + LAYER_GAP

    bottom = max((b.y + b.height for b in bounds.values()), default=0)
    waypoints: dict[str, tuple[tuple[int, int], ...]] = {}
    lane = 0
    for link in links:
        source, target = bounds[link.source], bounds[link.target]
        if link.id in back or link.source == link.target or target.x <= source.x:
            lane += 1
            below = bottom + ROW_GAP // 2 + lane * BACK_LANE_GAP
            waypoints[link.id] = (
                (source.center_x, source.y + source.height),
                (source.center_x, below),
                (target.center_x, below),
                (target.center_x, target.y + target.height),
            )
            continue
        start = (source.x + source.width, source.center_y)
        end = (target.x, target.center_y)
        if start[1] == end[1]:
            waypoints[link.id] = (start, end)
        else:
            middle = target.x - LAYER_GAP // 2
            waypoints[link.id] = (start, (middle, start[1]), (middle, end[1]), end)
    return Layout(bounds, waypoints)
