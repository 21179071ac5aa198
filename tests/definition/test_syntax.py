"""The CEL parser: CEL's precedence, and every node at its offsets in the text."""

from __future__ import annotations

import pytest

from policyflow.definition.syntax import (
    Binary,
    Call,
    CelSyntaxError,
    Choice,
    Index,
    ListOf,
    Literal,
    MapOf,
    Name,
    Node,
    Select,
    Unary,
    children,
    parse,
)


def text(source: str, node: Node) -> str:
    return source[node.start : node.end]


def test_precedence_follows_cel():
    """?: < || < && < relations < + - < * / % < unary < member selection."""
    source = "a || b && c == d + e * -f.g"
    root = parse(source)
    assert isinstance(root, Binary) and root.op == "||"
    right = root.right
    assert isinstance(right, Binary) and right.op == "&&"
    relation = right.right
    assert isinstance(relation, Binary) and relation.op == "=="
    total = relation.right
    assert isinstance(total, Binary) and total.op == "+"
    product = total.right
    assert isinstance(product, Binary) and product.op == "*"
    negated = product.right
    assert isinstance(negated, Unary) and isinstance(negated.operand, Select)
    assert text(source, negated) == "-f.g"


def test_left_association_and_a_choice_to_the_right():
    """a - b - c is (a - b) - c; x ? 1 : y ? 2 : 3 nests to the right."""
    root = parse("a - b - c")
    assert isinstance(root, Binary) and isinstance(root.left, Binary)
    choice = parse("x ? 1 : y ? 2 : 3")
    assert isinstance(choice, Choice) and isinstance(choice.otherwise, Choice)


def test_parentheses_belong_to_the_node_they_enclose():
    """A parenthesised operand spans its parentheses; the operator's offset is kept."""
    source = "(fine + surcharge) * 0.03"
    root = parse(source)
    assert isinstance(root, Binary)
    assert text(source, root.left) == "(fine + surcharge)"
    assert root.at == source.index("*")
    assert isinstance(root.right, Literal) and root.right.kind == "double"


def test_calls_macros_indexes_lists_and_maps():
    """Every construct a process file uses, with its parts in the order of the text."""
    source = "payload['fine'] in [1, 2u, 3.5] && items.all(i, i > 0) && size({'a': b}) > 0"
    root = parse(source)
    nodes = [root]
    found: list[Node] = []
    while nodes:
        node = nodes.pop()
        found.append(node)
        nodes.extend(children(node))
    kinds = {type(node) for node in found}
    assert {Index, ListOf, Call, MapOf, Name, Literal, Binary} <= kinds
    literals = {n.text: n.kind for n in found if isinstance(n, Literal)}
    assert literals == {
        "'fine'": "string",
        "'a'": "string",
        "1": "int",
        "2u": "uint",
        "3.5": "double",
        "0": "int",
    }
    (macro,) = [n for n in found if isinstance(n, Call) and n.function == "all"]
    assert macro.target is not None and text(source, macro.target) == "items"


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("'it''s'", None),  # two strings side by side: not CEL
        ("r'a\\'", "string"),  # a raw string keeps its backslash
        ('b"ab"', "bytes"),
        ('"""a "b" c"""', "string"),
        ("0x1F", "int"),
        ("1e3", "double"),
        (".5", "double"),
        ("true", "bool"),
        ("null", "null"),
    ],
)
def test_literals(source, kind):
    """Literals of every kind, raw and triple-quoted strings included."""
    if kind is None:
        with pytest.raises(CelSyntaxError):
            parse(source)
        return
    node = parse(source)
    assert isinstance(node, Literal) and node.kind == kind and node.text == source


def test_comments_and_line_breaks_are_space():
    """A folded expression over several lines parses; offsets count every character."""
    source = "a > 1 // the threshold\n  && b"
    root = parse(source)
    assert isinstance(root, Binary) and root.op == "&&"
    assert root.right.start == source.index("b")


@pytest.mark.parametrize("source", ["Msg{a: 1}", ".a", "a +", "(a", "a.?b"])
def test_what_it_does_not_read_is_a_syntax_error_with_an_offset(source):
    """Message construction, a leading dot, incomplete text: refused, with an offset."""
    with pytest.raises(CelSyntaxError) as caught:
        parse(source)
    assert 0 <= caught.value.offset <= len(source)
