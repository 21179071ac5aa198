"""Quick pickling for frozen slotted dataclasses: the simulator's case records.

A simulation's worker processes send every case record (and its journal) to the parent
by pickle. A frozen slotted dataclass pickles as its field values and is restored through
``object.__setattr__`` per field, several times slower than building it.
:func:`quick_pickle` makes a class pickle as (its builder, its field values), where the
builder, made once per class by :func:`builder`, sets the slots directly through their
descriptors: the same values, the same equality and hashing; only the round trip is
faster. The generated code is our own text built from the class's field names; no user
input reaches it. (The runtime's own values are named tuples, which pickle quickly as
they are.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

__all__ = ["builder", "quick_pickle"]

T = TypeVar("T")

_BUILDERS: dict[type, Callable[..., Any]] = {}


def builder(cls: type[T]) -> Callable[..., T]:
    """A function taking `cls`'s fields positionally (all of them) and returning an instance."""
    names = _field_names(cls)
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
    names = _field_names(cls)
    values = attrgetter(*names)
    _BUILDERS[cls] = builder(cls)

    def __reduce__(self: T) -> tuple[Any, ...]:
        found = values(self)
        return (_rebuild, (cls, found if len(names) > 1 else (found,)))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


def _rebuild(cls: type[T], values: tuple[Any, ...]) -> T:
    # unpickling `cls` imported its module, whose decorator registered the builder
    result: T = _BUILDERS[cls](*values)
    return result


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
