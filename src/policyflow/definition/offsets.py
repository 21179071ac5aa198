"""Where a character of a YAML scalar's value is in the file.

The loader keeps the line and column where each value starts; a check that finds a fault
inside a CEL expression knows its offset in the value. Between the two lie the scalar's
style: quotes, a block indicator (``>-``, ``|``), folded line breaks and indentation. This
module walks the file's text beside the value, character by character, skipping only what
YAML adds, and gives up (returning None, so the value's own position is used) whenever
the two part ways, as they may around escapes.
"""

from __future__ import annotations

from bisect import bisect_right

__all__ = ["locate_offset"]

# What may stand between a value's position and its first character: quotes, a block
# scalar's indicators and indentation indicator, and the line break after them.
_OPENING = frozenset("'\">|-+0123456789 \t\r\n")
# What YAML may add between two characters of the value: line breaks and indentation of
# a folded or block scalar, the second quote of a doubled '' and an escaping backslash.
_BETWEEN = frozenset(" \t\r\n'\\")


def locate_offset(
    text: str, line: int, column: int, value: str, offset: int
) -> tuple[int, int] | None:
    """The (line, column), both from 1, of ``value[offset]`` in `text`, or None.

    Args:
        text: the whole file.
        line: the line of the value's start (from 1), as the loader records it.
        column: its column (from 1).
        value: the scalar's value as loaded.
        offset: the character of `value` to find.
    """
    if not 0 <= offset < len(value):
        return None
    starts = [0, *(number + 1 for number, char in enumerate(text) if char == "\n")]
    if not 1 <= line <= len(starts):
        return None
    at = starts[line - 1] + column - 1
    skippable = _OPENING
    for index, char in enumerate(value):
        while True:
            if at >= len(text):
                return None
            here = text[at]
            if here == char or (char.isspace() and here.isspace()):
                break  # (a folded line break stands for a space)
            if here not in skippable:
                return None
            at += 1
        if index == offset:
            found = bisect_right(starts, at) - 1
            return found + 1, at - starts[found] + 1
        at += 1
        skippable = _BETWEEN
    return None
