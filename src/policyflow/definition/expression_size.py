"""The size of a CEL expression: refused before anything parses it.

The CEL package and the money rewriting (``syntax.py``) both parse recursively, so an
expression long or deep enough exhausts the stack, and inside the CEL package that ends the
interpreter. :func:`check_size` counts characters and nesting on the text alone, quotes
skipped, before either parser sees it; the bounds are far above what a legal rule needs.
"""

from __future__ import annotations

from policyflow.errors import InvalidInput

__all__ = ["CEL_MAX_DEPTH", "CEL_MAX_LENGTH", "check_size"]


#: Most characters in one CEL expression (the longest shipped guard holds under 500).
CEL_MAX_LENGTH = 4_000
#: Deepest nesting of brackets, of unary operators in a row, and most conditionals (?:).
CEL_MAX_DEPTH = 32


def check_size(source: str) -> None:
    """Refuse an expression too long or too deeply nested to hand to CEL.

    The CEL package and the money rewriting (syntax.py) both parse recursively: a long or
    deep enough expression exhausts the stack, and in the CEL package that ends the
    interpreter. The bounds are far above what a legal rule needs.

    Raises:
        InvalidInput: naming the bound crossed and where.
    """
    if len(source) > CEL_MAX_LENGTH:
        raise InvalidInput(
            f"CEL expression of {len(source):,} characters is longer than the "
            f"{CEL_MAX_LENGTH:,} allowed: split it into named guards"
        )
    depth = unary = conditionals = 0
    quote = ""
    index = 0
    while index < len(source):
        char = source[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if source.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
            index += 1
            continue
        if char in "\"'":
            quote = char * 3 if source.startswith(char * 3, index) else char
            index += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "?":
            conditionals += 1
        if char in "!-":
            unary += 1
        elif not char.isspace():
            unary = 0
        if max(depth, unary, conditionals) > CEL_MAX_DEPTH:
            raise InvalidInput(
                f"CEL expression nests more than {CEL_MAX_DEPTH} levels deep at character "
                f"{index + 1} (brackets, unary operators in a row, or conditionals)"
            )
        index += 1
