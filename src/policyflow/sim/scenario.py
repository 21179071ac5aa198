"""Scenario: what the simulated world does around a process.

A process says what *may* happen and when it *must*; a scenario says what *does* happen in
a simulated population of cases: when cases arrive, what their initial data look like,
which way each branch goes (optionally depending on the case's data), and how long each
step takes, in working days, natural days or hours. It is data: a YAML file or a Python
mapping, validated with pydantic, and a bad scenario is refused with one line that names
the file, line and field. Nothing here runs a case: runner.py does that, through the
runtime, so a scenario can never make a case break the process's rules.

A scenario file looks like this::

    process: most-penalty          # optional: checked against the process simulated
    arrivals: {rate: 4, per: working_day, start: 2023-05-04, end: 2023-12-29}
    data:
      party_type: {choice: {citizen: 0.6, legal_person: 0.4}}
      proposed_fine: {lognormal: [10, 1.5], max: 5000000, round: 2}
    branches:                      # per state: the first rule whose condition holds
      rights_window_open:
        - when: "proposed_fine >= 1000000"
          weights: {hearing_requested: 0.5, statement_received: 0.2, wait: 0.3}
        - weights: {statement_received: 0.3, wait: 0.7}
    durations:
      default: {unit: wd, integers: [1, 5]}
      actors: {party: {unit: wd, integers: [1, 5]}}
      events: {case_filed: {unit: wd, triangular: [3, 5, 15]}}

``wait`` means that nobody acts: the case waits for a deadline's expiry to move it.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from policyflow.definition import bounded_yaml
from policyflow.definition.catalog import discover
from policyflow.definition.model import FrozenModel, Process
from policyflow.errors import InvalidInput

__all__ = [
    "WAIT",
    "Arrivals",
    "Branch",
    "CohortCase",
    "Distribution",
    "Duration",
    "Durations",
    "Sampler",
    "Scalar",
    "Scenario",
    "ScenarioLike",
    "add_year",
    "default_scenario",
    "pick_weighted",
    "shipped_scenario_path",
    "weighted_choice",
]

#: The branch choice "nobody acts; wait for a deadline to expire".
WAIT = "wait"

Scalar = str | int | float | bool
#: One record of a record list (``items: record``): its sub-fields by name.
_Record = dict[str, Scalar]
Sampler = Callable[[random.Random], Any]
_KINDS = (
    "copy_of",
    "constant",
    "integers",
    "uniform",
    "triangular",
    "normal",
    "lognormal",
    "exponential",
    "choice",
)


def _shown(kind: str) -> str:
    """A kind as the YAML spells it (``copy_of`` is written ``copy``)."""
    return "copy" if kind == "copy_of" else kind


class Distribution(FrozenModel):
    """A distribution of values: exactly one kind, optionally clipped and rounded.

    Kinds: ``constant: x`` (a scalar, or a list of scalars or of records for a record
    list, such as the members present at a meeting); ``integers: [a, b]`` (each whole number
    from a to b inclusive, equally likely); ``uniform: [a, b]``; ``triangular: [low, mode, high]``;
    ``normal: [mean, sd]``; ``lognormal: [mu, sigma]`` (of the logarithm);
    ``exponential: mean``; ``choice: {value: weight, ...}``; ``copy: field`` (the case's
    current value of that field, e.g. a payload that restates the party type). ``min`` and
    ``max`` clip a number, ``round`` rounds it to that many decimals (0 gives an int).
    """

    copy_of: str | None = Field(default=None, alias="copy")
    constant: Scalar | list[Scalar] | list[_Record] | None = None
    integers: tuple[int, int] | None = None
    uniform: tuple[float, float] | None = None
    triangular: tuple[float, float, float] | None = None
    normal: tuple[float, float] | None = None
    lognormal: tuple[float, float] | None = None
    exponential: float | None = Field(default=None, gt=0)
    choice: dict[Scalar, float] | None = None
    min: float | None = None
    max: float | None = None
    round: int | None = Field(default=None, ge=0, le=6)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        given = [_shown(kind) for kind in _KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            shown = ", ".join(_shown(kind) for kind in _KINDS)
            raise ValueError(f"give exactly one of {shown} (found {found})")
        for name in ("integers", "uniform"):
            pair = getattr(self, name)
            if pair is not None and pair[0] > pair[1]:
                raise ValueError(f"{name}: low {pair[0]} is above high {pair[1]}")
        if self.triangular is not None:
            low, mode, high = self.triangular
            if not low <= mode <= high:
                raise ValueError(
                    f"triangular: need low <= mode <= high, got {list(self.triangular)}"
                )
        for name in ("normal", "lognormal"):
            pair = getattr(self, name)
            if pair is not None and pair[1] < 0:
                raise ValueError(f"{name}: the spread {pair[1]} is negative")
        if self.choice is not None:
            if not self.choice:
                raise ValueError("choice: give at least one value")
            if any(w < 0 for w in self.choice.values()) or sum(self.choice.values()) <= 0:
                raise ValueError("choice: weights must be >= 0 and not all 0")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    @property
    def kind(self) -> str:
        """The distribution's kind, as written in YAML, such as ``uniform``."""
        return next(_shown(kind) for kind in _KINDS if getattr(self, kind) is not None)

    def sampler(self) -> Sampler:
        """Return a function that draws one value from a ``random.Random``."""
        draw = self._raw_sampler()
        low, high, digits = self.min, self.max, self.round
        if low is None and high is None and digits is None:
            return draw

        def clipped(rng: random.Random) -> Any:
            value = draw(rng)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return value
            if low is not None and value < low:
                value = low
            if high is not None and value > high:
                value = high
            if digits is not None:
                value = round(value) if digits == 0 else round(value, digits)
            return value

        return clipped

    def _raw_sampler(self) -> Sampler:
        if self.copy_of is not None:
            raise TypeError("a copy of a field is drawn from the case data, not from a Random")
        if self.constant is not None:
            value = self.constant
            if isinstance(value, list):
                items = tuple(value)
                # a fresh list per case, and fresh records in it: no case shares another's
                return lambda rng: [dict(i) if isinstance(i, dict) else i for i in items]
            return lambda rng: value
        if self.integers is not None:
            first, last = self.integers
            return lambda rng: rng.randint(first, last)
        if self.uniform is not None:
            low, high = self.uniform
            return lambda rng: rng.uniform(low, high)
        if self.triangular is not None:
            low, mode, high = self.triangular
            return lambda rng: rng.triangular(low, high, mode)
        if self.normal is not None:
            mean, sd = self.normal
            return lambda rng: rng.gauss(mean, sd)
        if self.lognormal is not None:
            mu, sigma = self.lognormal
            return lambda rng: rng.lognormvariate(mu, sigma)
        if self.exponential is not None:
            rate = 1.0 / self.exponential
            return lambda rng: rng.expovariate(rate)
        assert self.choice is not None
        return weighted_choice(list(self.choice.items()))


def weighted_choice(options: list[tuple[Any, float]]) -> Sampler:
    """Return a sampler that picks one of `options` (value, weight) by weight.

    Options of weight 0 are never picked. One uniform draw per pick, by bisection on the
    cumulative weights, so the same stream of draws gives the same picks.
    """
    values, cumulative, total = _cumulative(options)
    if len(values) == 1:
        only = values[0]
        return lambda rng: only

    def pick(rng: random.Random) -> Any:
        return values[bisect.bisect_right(cumulative, rng.random() * total)]

    return pick


def pick_weighted(options: list[tuple[Any, float]], rng: random.Random) -> Any:
    """One pick of :func:`weighted_choice`, for options that change from call to call."""
    values, cumulative, total = _cumulative(options)
    if len(values) == 1:
        return values[0]
    return values[bisect.bisect_right(cumulative, rng.random() * total)]


def _cumulative(options: list[tuple[Any, float]]) -> tuple[list[Any], list[float], float]:
    values: list[Any] = []
    cumulative: list[float] = []
    total = 0.0
    for value, weight in options:
        if weight > 0:
            total += weight
            cumulative.append(total)
            values.append(value)
    return values, cumulative, total


class Duration(Distribution):
    """How long a step takes: a distribution and its unit.

    Units: ``wd`` working days (counted on the legal calendar: the N-th working day after
    the day the case entered its state), ``d`` natural days, ``h`` hours. Day counts are
    rounded to the nearest whole day; the event then happens within office hours.
    """

    unit: Literal["wd", "d", "h"] = "wd"


def _default_duration() -> Duration:
    return Duration(unit="wd", integers=(1, 5))


class Durations(FrozenModel):
    """Step durations: by event first, then by the acting role, then the default.

    Attributes:
        default: for any step not named below (1 to 5 working days).
        actors: by the role that acts (the transition's actor).
        events: by event id.
    """

    default: Duration = Field(default_factory=_default_duration)
    actors: dict[str, Duration] = Field(default_factory=dict)
    events: dict[str, Duration] = Field(default_factory=dict)


class Branch(FrozenModel):
    """One rule for the choice made in a state: weights, under an optional condition.

    Attributes:
        when: a CEL condition on the case data (the process's field names), or None.
        match: field values the case data must have: ``{party_type: citizen}`` or a list
            of accepted values, ``{party_type: [legal_person, other_org]}``.
        weights: event id (or ``wait``) → relative weight; events not named never happen
            while this rule applies.
    """

    when: str | None = None
    match: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    weights: dict[str, float]

    @field_validator("weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        negative = [event for event, weight in weights.items() if weight < 0]
        if negative:
            raise ValueError(f"weights must be >= 0 (negative: {', '.join(negative)})")
        if not weights or sum(weights.values()) <= 0:
            raise ValueError("give at least one event with a weight above 0")
        return weights


class Arrivals(FrozenModel):
    """When cases arrive: a count spread over a date range, or a Poisson rate.

    With ``count``, that many cases arrive at independent uniform times over the working
    days (or all days) from ``start`` to ``end`` (one year after ``start`` if no end). With
    ``rate``, cases arrive as a Poisson process of that mean rate per working day (or per
    day) from ``start`` until ``end``. A case count given to ``simulate`` overrides both:
    exactly that many cases arrive over the range (uniformly, which is how a Poisson
    process's arrivals fall given their number), or, for a rate without an end day, at
    that rate from ``start`` on.

    Attributes:
        count: how many cases arrive.
        rate: mean arrivals per working day (``per: working_day``) or per day.
        per: ``working_day`` (the default: cases are registered on working days) or ``day``.
        start: the first day of arrivals. ``simulate(start=...)`` moves the window to
            begin there: ``end`` moves with it, by as many days.
        end: the last day of arrivals, inclusive.
        hours: office hours ``[from, to)`` in which cases arrive and steps happen.
    """

    count: int | None = Field(default=None, ge=1)
    rate: float | None = Field(default=None, gt=0)
    per: Literal["working_day", "day"] = "working_day"
    start: date | None = None
    end: date | None = None
    hours: tuple[int, int] = (9, 17)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.count is not None and self.rate is not None:
            raise ValueError("give count or rate, not both")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        first, last = self.hours
        if not 0 <= first < last <= 24:
            raise ValueError(f"hours must be [from, to) within 0..24, got {list(self.hours)}")
        return self


class CohortCase(FrozenModel):
    """A case of the process's cohort process that the simulation starts itself.

    A nomination belongs to its round (``cohort: {process: nomination-round, field:
    round_id}``): simulating nominations needs the round among the cases. Each cohort case
    is started at ``at`` with ``data`` as given (no distribution: the round is one known
    case) under the id ``id``, which the arriving cases' cohort field names; then it runs
    under its process's own scenario, on the same clock as the arrivals.

    ``process`` names another process for a case the arrivals only read: a lookup's
    target, such as the year's published voucher plan a voucher looks up
    (henan-voucher.plan). It runs the same way, under its own scenario.

    Attributes:
        id: the case id the arrivals' cohort field gives.
        at: when it is started (a day is its 00:00).
        data: its initial case data, checked by its process.
        process: its process, when it is not the arrivals' cohort process.
    """

    id: str = Field(min_length=1, max_length=64)
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)
    process: str | None = Field(default=None, min_length=1, max_length=200)


class Scenario(FrozenModel):
    """What happens around a process in a simulated population of cases.

    Attributes:
        process: the process id the scenario was written for; checked when given.
        title: a short name for reports.
        arrivals: when cases arrive.
        data: case field → distribution of its initial value.
        payloads: event id → payload field → distribution. Date fields get the event's
            day and datetime fields its time unless named here; a number given for a date
            field is a day offset from the event's day.
        branches: state id → rules; the first rule whose condition holds gives the weights.
            A state not named here picks uniformly among the events its guards allow
            (deadline-expiry events are left to their deadlines).
        durations: how long each step takes.
        horizon_days: natural days after its arrival that a case is followed.
        max_events: events after which a case is no longer followed (loops).
        children: child process id → the scenario of its child cases (their arrivals are
            their parent's transitions). A child process not named here uses its shipped
            scenario, or the generic one.
        overrides: event id → soft guard id → reason: the soft guards (一般应, 原则上) the
            simulated actors pass, with that reason recorded, when the event's guard is
            false. Each must name a soft guard of the event's transitions.
        cohorts: cases of the process's cohort process (or of a process its lookups
            read) the simulation starts before the arrivals need them
            (:class:`CohortCase`); their records are the result's ``cohorts``.
    """

    process: str | None = None
    title: str | None = None
    arrivals: Arrivals = Field(default_factory=Arrivals)
    data: dict[str, Distribution] = Field(default_factory=dict)
    payloads: dict[str, dict[str, Distribution]] = Field(default_factory=dict)
    branches: dict[str, list[Branch]] = Field(default_factory=dict)
    durations: Durations = Field(default_factory=Durations)
    horizon_days: int = Field(default=1095, ge=1)
    max_events: int = Field(default=200, ge=1)
    children: dict[str, Scenario] = Field(default_factory=dict)
    overrides: dict[str, dict[str, str]] = Field(default_factory=dict)
    cohorts: list[CohortCase] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, source: str | Path, *, text: str | None = None) -> Scenario:
        """Read a scenario from a YAML file (or from `text`, naming it `source`).

        Raises:
            InvalidInput: naming file, line and field, for a file that cannot be read,
                malformed YAML, or a scenario that fails validation.
        """
        path = str(source)
        if text is None:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as error:
                raise InvalidInput(f"cannot read scenario {path}: {error.strerror}") from None
        data, marks = _load_yaml(text, path)
        return cls.from_data(data, source=path, marks=marks)

    @classmethod
    def from_data(
        cls,
        data: Mapping[str, Any],
        *,
        source: str = "scenario",
        marks: Mapping[tuple[str, ...], tuple[int, int]] | None = None,
    ) -> Scenario:
        """Validate a scenario given as a Python mapping.

        Raises:
            InvalidInput: naming every offending field at once, in one line.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(f"{source}: a scenario is a mapping, got {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise InvalidInput(_describe(error, source, marks or {})) from None


ScenarioLike = Scenario | Mapping[str, Any] | str | Path


def _describe(
    error: ValidationError, source: str, marks: Mapping[tuple[str, ...], tuple[int, int]]
) -> str:
    """One line naming each offending field with its file position, as pydantic found them.

    A value that fails every member of a union (``constant: [1, 2]``) gives one entry,
    naming every type it could have been.
    """
    found: dict[tuple[str, str], list[str]] = {}
    for item in error.errors(include_url=False):
        loc = tuple(str(part) for part in item["loc"])
        # pydantic names the union member in the location ("constant.str"); report the
        # field a user wrote, at the longest prefix we have a file position for.
        where = source
        for end in range(len(loc), -1, -1):
            if loc[:end] in marks:
                line, column = marks[loc[:end]]
                where = f"{source}:{line}:{column}"
                break
        field = ".".join(part for part in loc if not _is_type_tag(part)) or "(top)"
        message = str(item["msg"]).removeprefix("Value error, ")
        messages = found.setdefault((where, field), [])
        if message not in messages:
            messages.append(message)
    parts = []
    for (where, field), messages in found.items():
        prefix = "Input should be a valid "
        if len(messages) > 1 and all(m.startswith(prefix) for m in messages):
            kinds = [m.removeprefix(prefix).split(",")[0] for m in messages]
            messages = [f"{prefix}{', '.join(kinds[:-1])} or {kinds[-1]}"]
        parts.append(f"{where}: {field}: {'; '.join(messages)}")
    return "; ".join(parts)


def _is_type_tag(part: str) -> bool:
    """True for a location part that names a union member, not a field (``str``, ``list[...]``)."""
    return part in {"str", "int", "float", "bool"} or part.startswith(
        ("list[", "tuple[", "function-")
    )


def _load_yaml(text: str, source: str) -> tuple[Any, dict[tuple[str, ...], tuple[int, int]]]:
    """Load YAML safely and map each key path to its 1-based (line, column).

    Raises:
        InvalidInput: for malformed YAML or a key given twice in one mapping.
    """
    try:
        node = bounded_yaml.compose(text)  # refuses alias bombs and deep nesting first
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidInput(f"{where}: malformed YAML: {problem}") from None
    marks: dict[tuple[str, ...], tuple[int, int]] = {}
    if node is not None:
        _walk(node, (), marks, source)
    return ({} if data is None else data), marks


def _walk(
    node: yaml.Node,
    path: tuple[str, ...],
    marks: dict[tuple[str, ...], tuple[int, int]],
    source: str,
) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                line, column = key.start_mark.line + 1, key.start_mark.column + 1
                dotted = ".".join((*path, name))
                raise InvalidInput(f"{source}:{line}:{column}: {dotted}: key given twice")
            seen.add(name)
            _walk(value, (*path, name), marks, source)
            marks[(*path, name)] = (key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, str(index)), marks, source)


def add_year(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def default_scenario(process: Process) -> Scenario:
    """The scenario shipped beside a built-in process, or a generic one.

    A built-in process ``processes/<family>/<name>.yaml`` may ship
    ``processes/<family>/<name>.scenario.yaml``. Without one, the generic scenario has
    uniform choices among the allowed events, steps of 1 to 5 working days, and 1,000
    cases arriving over a year.
    """
    path = shipped_scenario_path(process)
    if path is not None and path.exists():
        return Scenario.from_yaml(path)
    return Scenario(process=process.id, arrivals=Arrivals(count=1000))


def shipped_scenario_path(process: Process) -> Path | None:
    """Where the scenario of a built-in process is shipped: ``<name>.scenario.yaml`` beside it.

    None for a process that is not built in. The file itself may not exist.
    """
    path = discover().get(process.id)
    if path is None:
        return None
    return path.with_name(path.name.rsplit(".", 1)[0] + ".scenario.yaml")
