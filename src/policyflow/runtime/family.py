"""What the cascade asks of the cases around an act, and what it hands back.

A :class:`Family` is how the cascade (cascade.py) reaches the cases related to the one it
acts on: the engine answers from its store under lock, the simulator from its population.
An :class:`Outcome` is every case the cascade touched, each a :class:`Touched` with its
steps in order, which the engine commits in one transaction and the simulator applies in
memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.snapshot import CaseSnapshot
from policyflow.runtime.step import Step

__all__ = ["Family", "Outcome", "Touched"]


class Family(Protocol):
    """How the cascade reaches the cases related to the one it acts on."""

    def parent(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        """The parent case `case_id` as it stands (the engine locks it)."""
        ...

    def case(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        """Any case as it stands: a cohort, a signal's receiver (the engine locks it)."""
        ...

    def children(
        self, case_id: str, process_id: str
    ) -> Sequence[tuple[CompiledProcess, CaseSnapshot]]:
        """The child cases of `case_id` of `process_id`, in (started_at, id) order."""
        ...

    def members(
        self, cohort_id: str, process_id: str
    ) -> Sequence[tuple[CompiledProcess, CaseSnapshot]]:
        """The cases of `process_id` whose cohort is `cohort_id`, in (started_at, id) order."""
        ...

    def children_due(
        self, case_id: str, until: datetime
    ) -> Iterable[tuple[CompiledProcess, CaseSnapshot]]:
        """The child cases of `case_id` with an armed deadline expiring at or before `until`."""
        ...

    def is_cohort(self, process_id: str) -> bool:
        """Whether some process names `process_id` as its ``cohort``.

        Only a case of such a process is asked :meth:`members_due`: a lone event of any
        other process costs nothing more.
        """
        ...

    def members_due(
        self, cohort_id: str, until: datetime
    ) -> Iterable[tuple[CompiledProcess, CaseSnapshot]]:
        """The cases whose cohort is `cohort_id` with an armed deadline expiring by `until`."""
        ...

    def process(self, process_id: str) -> CompiledProcess:
        """The process a child case is started under."""
        ...

    def lookup(self, query: LookupQuery) -> Sequence[LookupHit]:
        """The cases `query` finds (:mod:`.relations`), in (entered, id) order."""
        ...

    def new_id(self, parent_id: str, process_id: str, number: int) -> str:
        """The id of the `number`-th child (from 0) that this cascade starts under `parent_id`."""
        ...


class Touched(NamedTuple):
    """One case the cascade changed, with its steps in the order they happened.

    Attributes:
        compiled: its process.
        before: the case as the cascade found it; None for a case the cascade started.
        steps: its steps, the first a start when `before` is None.
    """

    compiled: CompiledProcess
    before: CaseSnapshot | None
    steps: tuple[Step, ...]

    @property
    def after(self) -> CaseSnapshot:
        """The case after its last step."""
        return self.steps[-1].snapshot

    @property
    def case_id(self) -> str:
        """The case's id."""
        return self.steps[-1].snapshot.case_id


class Outcome(NamedTuple):
    """Everything one act (or one catch-up) does, ready to commit.

    Attributes:
        cases: each case with steps, in the order to write them (a child after the case
            that started it).
        step: the act's own step; None for a catch-up.
    """

    cases: tuple[Touched, ...]
    step: Step | None = None
