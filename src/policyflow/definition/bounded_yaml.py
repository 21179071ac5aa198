"""YAML composed within bounds: file size, nesting depth and alias expansion.

A YAML file can be small and still describe an enormous document: nine anchors each
aliasing the previous one nine times (a "billion laughs" alias bomb) fit in 342 bytes and
expand to hundreds of millions of nodes, and ten thousand nested brackets exhaust Python's
recursion. Every YAML file policyflow reads (process definitions, scenarios) is composed
here first, so such a file is refused at the line and column where it crosses a bound,
before any work starts. Anchors and aliases within the bounds (``payload: *decision``) are
kept: the bound is on what they expand to, not on their use.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_TEXT", "BoundedLoader", "compose", "too_large"]

#: Most characters a YAML file may hold (a shipped process holds under 60,000).
MAX_TEXT = 2_000_000
#: Deepest nesting of lists and mappings, counted through aliases.
MAX_DEPTH = 64
#: Most nodes the document may hold once every alias is expanded.
MAX_NODES = 200_000


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses deep nesting, recursive aliases and large alias expansions.

    Each node's expanded size and depth are measured as it is composed (an alias adds the
    measure of the node it names, without copying it), so the check costs one pass over
    the text whatever the aliases would expand to.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._measure: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 (PyYAML's hook)
        alias = self.check_event(yaml.AliasEvent)
        if alias:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._measure:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"alias *{event.anchor} refers to a node that contains it",
                    event.start_mark,
                )
        else:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
        try:
            node = super().compose_node(parent, index)
        finally:
            if not alias:
                self._depth -= 1
        if node is not None and id(node) not in self._measure:
            self._measure[id(node)] = self._measured(node)
        return node

    def _measured(self, node: yaml.Node) -> tuple[int, int]:
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            return (1, 1)
        size, depth = 1, 1
        for child in children:
            child_size, child_depth = self._measure.get(id(child), (1, 1))
            size += child_size
            depth = max(depth, child_depth + 1)
        if size > MAX_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases expand this document past {MAX_NODES:,} nodes",
                node.start_mark,
            )
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases nest this document more than {MAX_DEPTH} levels deep",
                node.start_mark,
            )
        return (size, depth)


def too_large(text: str) -> str | None:
    """Why `text` is too long to read as YAML, or None when it is within the bound."""
    if len(text) > MAX_TEXT:
        return f"the file holds {len(text):,} characters, more than the {MAX_TEXT:,} allowed"
    return None


def compose(text: str) -> yaml.Node | None:
    """Compose one YAML document within the bounds.

    Raises:
        yaml.YAMLError: malformed YAML, or a bound crossed (a MarkedYAMLError, with the
            position where it was crossed; a text too long at 1:1).
    """
    reason = too_large(text)
    if reason is not None:
        raise yaml.YAMLError(reason)
    loader = BoundedLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()
