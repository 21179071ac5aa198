"""Hostile YAML is refused at file:line:column before work starts; anchors within bounds load."""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyflow.definition import bounded_yaml
from policyflow.definition.loader import load_text
from policyflow.definition.model import Process
from policyflow.errors import DefinitionError

BOMB = (
    "\n".join(
        [
            'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
            *(
                f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]"
                for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
            ),
        ]
    )
    + "\n"
)


def test_alias_bomb_of_342_bytes_is_refused_in_well_under_a_second():
    """Nine anchors aliased nine times each: refused at the anchor that crosses the bound."""
    assert len(BOMB.encode()) == 342
    begun = time.perf_counter()
    with pytest.raises(DefinitionError, match=r"^<string>:\d+:\d+: .*past 200,000 nodes"):
        load_text(BOMB)
    assert time.perf_counter() - begun < 1.0


def test_ten_thousand_nested_lists_are_refused_without_recursion_error():
    """Depth is counted while composing, so Python's recursion limit is never reached."""
    with pytest.raises(DefinitionError, match=r"^<string>:1:65: .*more than 64 levels deep"):
        load_text("[" * 10_000 + "]" * 10_000)


def test_nesting_at_the_bound_is_composed_and_one_above_is_refused():
    """64 levels compose; 65 do not."""
    assert bounded_yaml.compose("[" * 64 + "]" * 64) is not None
    with pytest.raises(yaml.YAMLError, match="64 levels"):
        bounded_yaml.compose("[" * 65 + "]" * 65)


def test_recursive_alias_is_refused():
    """An alias inside the node it names would expand forever."""
    with pytest.raises(DefinitionError, match=r"alias \*a refers to a node that contains it"):
        load_text("a: &a [*a]\n")


def test_aliases_deepening_past_the_bound_are_refused():
    """Each anchor wrapping the last: shallow in the text, deep once expanded."""
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 80)]
    with pytest.raises(DefinitionError, match="levels deep"):
        load_text("\n".join(lines))


def test_text_longer_than_the_bound_is_refused_at_one_one():
    """Size is checked before the text is parsed."""
    with pytest.raises(DefinitionError, match=r"^<string>:1:1: invalid YAML: the file holds"):
        load_text("#" * (bounded_yaml.MAX_TEXT + 1))


def test_big_file_is_refused_before_it_is_read(tmp_path):
    """A file far past the bound is refused by its size on disk."""
    path = tmp_path / "big.yaml"
    with path.open("wb") as file:
        file.truncate(4 * bounded_yaml.MAX_TEXT + 1)
    with pytest.raises(DefinitionError, match=r"big.yaml:1:1: cannot read the process file"):
        from policyflow.definition.loader import load_file

        load_file(path)


def test_anchors_and_aliases_within_the_bounds_still_load():
    """payload: *decision, as the shipped processes write it, is kept."""
    node = bounded_yaml.compose("decision: &decision {a: 1}\nuse: {payload: *decision}\n")
    assert node is not None


YAMLISH = st.lists(
    st.sampled_from([*"ab:-[]{}&*!|>'\"#, \n\t1.~", "id: ", "states:", "\n  - ", "&x ", "*x"])
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(YAMLISH, st.text(max_size=200)))
def test_loader_gives_a_process_or_a_definition_error_for_any_text(text):
    """Random text never escapes the loader as anything but DefinitionError."""
    try:
        result = load_text(text)
    except DefinitionError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(result, Process)
