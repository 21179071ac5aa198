"""Fast constructors for the runtime's frozen values, for the hot path of apply().

A frozen slotted dataclass sets each field through ``object.__setattr__`` in its
``__init__``; on the benchmark machine that is about 4 µs for the eleven fields of a
CaseSnapshot, more than the rest of an event. :func:`builder` makes, once per class, a
function that sets the slots directly through their descriptors (the same values, the
same equality, hashing and pickling: only construction is faster). The generated code
is our own text built from the class's field names; no user input reaches it.

:func:`quick_pickle` makes such a class pickle as (its builder, its field values): the
dataclass default restores each field through ``object.__setattr__`` too, and a
simulation's worker processes send millions of journal entries to the parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

__all__ = ["builder", "field_names", "quick_pickle"]

T = TypeVar("T")

_BUILDERS: dict[type, Callable[..., Any]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass or a named tuple, in order."""
    if issubclass(cls, tuple):
        names: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
        return names
    return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]


def builder(cls: type[T]) -> Callable[..., T]:
    """A function taking `cls`'s fields positionally (all of them) and returning an instance.

    A named tuple needs none of this (its own constructor is quick); its builder is the
    class itself, so callers need not know which kind of class they build.
    """
    if issubclass(cls, tuple):
        return cls
    names = field_names(cls)
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def build({', '.join(names)}):", "    o = _new(_cls)"]
    for index, name in enumerate(names):
        namespace[f"_s{index}"] = cls.__dict__[name].__set__
        lines.append(f"    _s{index}(o, {name})")
    lines.append("    return o")
    exec("\n".join(lines), namespace)  # our own code, from field names
    build: Callable[..., T] = namespace["build"]
    build.__qualname__ = f"build_{cls.__name__}"
    return build


def quick_pickle(cls: type[T]) -> type[T]:
    """Class decorator (above ``@dataclass(slots=True)``): pickle through :func:`builder`."""
    names = field_names(cls)
    values = attrgetter(*names)
    _BUILDERS[cls] = builder(cls)

    def __reduce__(self: T) -> tuple[Any, ...]:
        found = values(self)
        return (_rebuild, (cls, found if len(names) > 1 else (found,)))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


def _rebuild(cls: type[T], values: tuple[Any, ...]) -> T:
    build = _BUILDERS.get(cls)
    if build is None:  # unpickled in a process that has not yet imported cls's module
        build = _BUILDERS[cls] = builder(cls)
    result: T = build(*values)
    return result
