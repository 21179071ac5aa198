"""The building blocks every element of a process file shares.

Ids and their patterns, the frozen base model, legal bases (a mapping or the compact text
``"科学技术部令第20号 第四十一条第二款"``), bilingual labels, titles and sources. model.py
builds the elements of a process from them; scenario files share the base model.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic import Field as PField

__all__ = [
    "ID_PATTERN",
    "LIST_MAX",
    "PROCESS_ID_PATTERN",
    "Cel",
    "Cited",
    "FrozenModel",
    "Id",
    "Labelled",
    "LegalBasis",
    "ProcessId",
    "Source",
    "Text",
    "Title",
    "as_list",
    "basis_text",
]

#: Element ids: snake_case English.
ID_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
#: Process ids: the kebab-case path under processes/, folders joined by dots.
PROCESS_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ProcessId = Annotated[str, StringConstraints(pattern=PROCESS_ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
Cel = Annotated[str, StringConstraints(min_length=1)]


#: The most items a list field or payload list holds, unless it declares fewer (max_items).
LIST_MAX = 10_000


class FrozenModel(BaseModel):
    """The base of the file formats (process and scenario files).

    Frozen, unknown keys refused, fields read by name or by their YAML alias.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def as_list(value: Any) -> Any:
    """Accept one item where a list is expected (``from: a`` as well as ``from: [a, b]``)."""
    if value is None:
        return []
    if isinstance(value, str | dict | BaseModel):
        return [value]
    return value


_BASIS_TEXT = re.compile(
    r"^\s*(?P<doc>\S.*?)\s+(?P<article>第[^条\s]+条)"
    r"(?:\s*(?P<paragraph>第[^款\s]+款))?(?:\s*(?P<item>第[^项\s]+项))?\s*$"
)


class LegalBasis(FrozenModel):
    """One citation: a document and an article, with paragraph, item and quote if given.

    In YAML either a mapping or the compact text the sources use, such as
    ``"科学技术部令第20号 第四十一条第二款"``.
    """

    doc: Text = PField(description="The document, by 文号 where it has one: 科学技术部令第20号.")
    article: Text = PField(description="The article as the source writes it: 第四十一条.")
    paragraph: str | None = PField(default=None, description="The paragraph: 第二款.")
    item: str | None = PField(default=None, description="The item: 第（一）项.")
    quote: str | None = PField(default=None, description="A short quote of the text.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _BASIS_TEXT.match(value)
            if match is None:
                raise ValueError(
                    f"invalid legal basis {value!r}: expected a document and an article, "
                    "such as '科学技术部令第20号 第四十一条' (paragraph and item may follow)"
                )
            return {k: v for k, v in match.groupdict().items() if v is not None}
        return value

    def __str__(self) -> str:
        return f"{self.doc} {self.article}{self.paragraph or ''}{self.item or ''}"


def basis_text(basis: tuple[LegalBasis, ...]) -> str:
    """The citations of `basis` as one line, joined by '; ' (empty if none)."""
    return "; ".join(str(b) for b in basis)


class Labelled(FrozenModel):
    """An element with an id and bilingual labels."""

    id: Id = PField(description="snake_case English id.")
    zh: Text = PField(description="Chinese label, in the source's own term.")
    en: Text = PField(description="English label.")


class Cited(Labelled):
    """An element with an id, bilingual labels and a legal basis."""

    basis: tuple[LegalBasis, ...] = PField(
        default=(), description="Legal basis: one citation or a list (mapping or compact text)."
    )

    @model_validator(mode="before")
    @classmethod
    def _wrap_basis(cls, value: Any) -> Any:
        if isinstance(value, dict) and "basis" in value:
            return {**value, "basis": as_list(value["basis"])}
        return value

    @property
    def basis_text(self) -> str:
        """The legal basis as one line: '科学技术部令第20号 第四十一条; …'."""
        return basis_text(self.basis)


class Title(FrozenModel):
    """A bilingual title."""

    zh: Text
    en: Text


class Source(FrozenModel):
    """A source document of the process."""

    doc: Text = PField(description="文号, such as 科学技术部令第20号.")
    title: Text = PField(description="The document's title.")
    in_force: date = PField(description="The day it entered into force.")
