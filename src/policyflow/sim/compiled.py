"""CompiledScenario: a scenario checked against one process, ready to draw cases from.

scenario.py owns what a scenario *is* (validated data, from YAML or Python); this module
binds one to a compiled process: every name it uses must exist there, CEL conditions are
compiled against the process's fields (by the definition layer), and samplers are built
once. It draws arrivals, initial data, payloads, the next event in a state and when it
happens; it never applies an event: the runner hands that to the runtime.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from policyflow.definition.expressions import Expression, compile_condition
from policyflow.errors import InvalidInput
from policyflow.legaltime import Calendar, Period, Unit
from policyflow.runtime import CompiledProcess, enabled
from policyflow.runtime.snapshot import CaseSnapshot, TimerStatus
from policyflow.sim.facts import FieldFacts, ProcessFacts, check_names
from policyflow.sim.scenario import (
    WAIT,
    Branch,
    Distribution,
    Duration,
    Sampler,
    Scalar,
    Scenario,
    add_year,
    pick_weighted,
    weighted_choice,
)

__all__ = ["MAX_CASES", "CompiledScenario", "FieldFacts", "ProcessFacts"]

#: The most cases one simulation run holds (each keeps its record in memory until the end).
MAX_CASES = 1_000_000

_ARMED = TimerStatus.ARMED  # read once: reading an enum member from its class is slow
_combine = datetime.combine
_NO_EVENTS: frozenset[str] = frozenset()


class CompiledScenario:
    """A scenario checked against one compiled process, ready to draw from.

    Every name in the scenario (states, events, roles, fields) must exist in the process;
    CEL conditions are compiled once, against the process's fields, by the definition
    layer. Drawing is done with the case's own ``random.Random``, always in the same order,
    so a case's history depends only on its seed.

    Args:
        compiled: the compiled process.
        scenario: the scenario.

    Raises:
        InvalidInput: naming every unknown name at once, with the closest known one.
    """

    def __init__(self, compiled: CompiledProcess, scenario: Scenario) -> None:
        self.compiled = compiled
        self.scenario = scenario
        self.facts = facts = ProcessFacts.of(compiled.process)
        # events that happen by themselves: a deadline's expiry, a child's outcome
        self._by_themselves = facts.expiry_events | facts.signalled_events
        check_names(scenario, facts)
        # the soft guards the scenario's actors pass; enabled() counts them as holding for
        # every event (a guard passed for one event only and refused in another is refused
        # when that event happens, and another is chosen)
        self._passed = frozenset(g for reasons in scenario.overrides.values() for g in reasons)
        self.overrides: dict[str, dict[str, str]] = {
            event: dict(reasons) for event, reasons in scenario.overrides.items()
        }
        self._data = _field_samplers(scenario.data, facts.fields, facts, "data")
        self._payloads = {
            event: _field_samplers(
                scenario.payloads.get(event, {}), fields, facts, f"payloads.{event}"
            )
            for event, fields in facts.payloads.items()
        }
        self._rules: dict[str, list[_Rule]] = {
            state: [
                _Rule.of(rule, compiled, f"branches.{state}.{number}")
                for number, rule in enumerate(rules)
            ]
            for state, rules in scenario.branches.items()
        }
        durations = scenario.durations
        default = _duration_sampler(durations.default)
        actors = {role: _duration_sampler(d) for role, d in durations.actors.items()}
        events = {event: _duration_sampler(d) for event, d in durations.events.items()}
        self._durations = {
            event: events.get(event) or actors.get(facts.actors.get(event) or "") or default
            for event in facts.events
        }
        self._hours = scenario.arrivals.hours
        # every minute of the day as a time, so that an instant is one datetime.combine()
        self._minutes = [time(m // 60, m % 60) for m in range(24 * 60)]
        self._periods: dict[int, Period] = {}
        self._due: dict[tuple[date, int], date] = {}
        self._due_calendar: Calendar | None = None
        # (state, event) pairs the runtime may refuse before the payload is known (those not
        # in its Enabling.unconditional). When no event a rule weighs is such a pair, the
        # runtime's enabled() need not be asked (tests/sim/test_scenario_process.py checks
        # that they agree).
        guarded = {
            (state, event)
            for state, facts in compiled.enabling.items()
            for event in facts.leaving - facts.unconditional
        }
        # A guard that reads the date (`today`) is judged when the event happens, not when it
        # is chosen: a hearing can be chosen before its day comes.
        dated = {
            (state, plan.event)
            for state, plans in compiled.by_state.items()
            for plan in plans
            if any("today" in g.expression.names for g in plan.guards)
        }
        self._guarded = frozenset(guarded)
        self._dated = frozenset(dated)
        self._leaving = {state: facts.leaving for state, facts in compiled.enabling.items()}
        for state, rules in self._rules.items():
            leaving = self._leaving.get(state, _NO_EVENTS)
            for rule in rules:
                rule.asks = any((state, event) in self._guarded for event, _ in rule.weights)
                if not rule.asks and len(rule.weights) > 1 and rule.events <= leaving | {WAIT}:
                    # nothing it weighs is ever dropped (but the event just refused)
                    rule.pick = weighted_choice(rule.weights)
        # per state: whether the runtime must be asked, and the events judged when they happen
        self._asks = frozenset(state for state, _ in guarded)
        self._dated_in = {
            state: frozenset(e for s, e in dated if s == state) for state in compiled.by_state
        }

    # --- arrivals and data ---

    def arrivals(
        self, rng: random.Random, calendar: Calendar, *, cases: int | None, start: date
    ) -> list[datetime]:
        """Draw the arrival instants of every case, in order.

        Raises:
            InvalidInput: a rate with neither an end day nor a case count.
        """
        spec = self.scenario.arrivals
        if spec.rate is not None and not (cases is not None and spec.end is not None):
            if cases is None and spec.end is None:
                raise InvalidInput(
                    "scenario arrivals: a rate needs an end day, or give a case count"
                )
            # A Poisson process in "eligible-day time": each eligible day is one unit long.
            # A case count without an end day: exactly that many arrive, at the rate.
            last = None if cases is not None else spec.end
            arrivals: list[datetime] = []
            clock = rng.expovariate(spec.rate)
            for number, day in enumerate(self._arrival_days(calendar, start, last, spec.per)):
                while clock < number + 1:
                    if cases is not None and len(arrivals) >= cases:
                        return arrivals
                    if len(arrivals) >= MAX_CASES:
                        raise InvalidInput(
                            f"scenario arrivals: more than {MAX_CASES:,} cases arrive by "
                            f"{day}; lower the rate, end the window sooner, or give a count"
                        )
                    arrivals.append(self._at(day, clock - number))
                    clock += rng.expovariate(spec.rate)
                if cases is not None and len(arrivals) >= cases:
                    break
            return arrivals
        # A count over a range; or a rate over a range with a case count given, where the
        # arrivals of a Poisson process, given their number, are uniform over the range.
        count = cases if cases is not None else spec.count or 1
        if count > MAX_CASES:
            raise InvalidInput(
                f"scenario arrivals: {count:,} cases, more than the {MAX_CASES:,} one run holds"
            )
        last_day = spec.end if spec.end is not None else add_year(start) - timedelta(days=1)
        days = list(self._arrival_days(calendar, start, last_day, spec.per))
        if not days:
            raise InvalidInput(
                f"scenario arrivals: no {spec.per.replace('_', ' ')} from {start} to {last_day}"
            )
        draws = sorted(rng.random() * len(days) for _ in range(count))
        return [self._at(days[int(x)], x - int(x)) for x in draws]

    def _arrival_days(
        self, calendar: Calendar, first: date, last: date | None, per: str
    ) -> Iterator[date]:
        day = first
        while last is None or day <= last:
            if per == "day" or calendar.is_working_day(day):
                yield day
            day += timedelta(days=1)

    def _at(self, day: date, fraction: float) -> datetime:
        """The instant `fraction` of the way through the office hours of `day`, to the minute."""
        first, last = self._hours
        return _combine(day, self._minutes[int(first * 60 + fraction * (last - first) * 60)])

    def initial_data(self, rng: random.Random, at: datetime) -> dict[str, Any]:
        """Draw the initial data of one case arriving at `at` (a copy sees earlier fields)."""
        data: dict[str, Any] = {}
        for name, draw in self._data.items():
            data[name] = draw(rng, at, data)
        return data

    def payload(
        self, event: str, at: datetime, rng: random.Random, data: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Draw the payload of `event` happening at `at` to a case with `data`.

        None for an event without payload fields.
        """
        samplers = self._payloads.get(event)
        if not samplers:
            return None
        return {name: draw(rng, at, data) for name, draw in samplers.items()}

    # --- choices and durations ---

    def is_final(self, state: str) -> bool:
        """True for a final state of the process."""
        return state in self.facts.finals

    def actor(self, event: str) -> str | None:
        """The role that performs `event`, as the process names it."""
        return self.facts.actors.get(event)

    def choose(
        self,
        snapshot: CaseSnapshot,
        rng: random.Random,
        now: datetime,
        excluding: str | None = None,
        calendar: Calendar | None = None,
    ) -> str | None:
        """Choose what happens next in the case's state: an event, ``wait``, or None.

        The first branch rule of the state whose condition holds gives the weights; events
        whose guard is false now are dropped (except a guard that reads the date, which is
        judged when the event happens; if it is false then, another event is chosen). A
        state without rules (or whose rules leave nothing allowed) picks uniformly among
        the allowed events (in sorted order, so the pick is reproducible), leaving events
        that a deadline's expiry fires to their deadlines; when nothing is left it waits for
        a running deadline, and returns None when there is none (or in a final state).
        """
        state = snapshot.state
        final = state in self.facts.finals
        if final and state not in self._rules:
            return None  # a final state is left only where the scenario weighs it (an appeal)
        weights: list[tuple[str, float]] | None = None
        for rule in self._rules.get(state, ()):
            if rule.holds(snapshot.data):
                weights = rule.weights
                break
        if final and weights is None:
            return None
        if weights is not None and len(weights) == 1 and weights[0][0] == WAIT:
            return WAIT
        leaving = self._leaving.get(state, _NO_EVENTS)
        if weights is not None and not rule.asks:
            if rule.pick is not None and excluding not in rule.events:
                return str(rule.pick(rng))  # the same draw as pick_weighted on all weights
            options = [
                (event, weight)
                for event, weight in weights
                if event == WAIT or (event in leaving and event != excluding)
            ]
        else:
            ok = self._allowed(snapshot, now, excluding, calendar)
            options = (
                []
                if weights is None
                else [(event, weight) for event, weight in weights if event == WAIT or event in ok]
            )
        if not options and final:
            return None  # nothing the scenario weighs reopens the case now
        if not options:
            ok = self._allowed(snapshot, now, excluding, calendar)
            options = [(event, 1.0) for event in sorted(ok) if event not in self._by_themselves]
        if not options:
            waiting = any(t.status is _ARMED for t in snapshot.timers)
            return WAIT if waiting else None
        if len(options) == 1:
            return options[0][0]
        return str(pick_weighted(options, rng))

    def _allowed(
        self,
        snapshot: CaseSnapshot,
        now: datetime,
        excluding: str | None,
        calendar: Calendar | None,
    ) -> set[str]:
        """The events the runtime allows now in the case's state (less `excluding`)."""
        state = snapshot.state
        if state not in self._asks:
            found = set(self._leaving.get(state, ()))
        else:
            found = set(
                enabled(self.compiled, snapshot, at=now, calendar=calendar, overrides=self._passed)
            )
            found.update(self._dated_in.get(state, ()))
        found.discard(excluding or "")
        return found

    def when(self, event: str, now: datetime, rng: random.Random, calendar: Calendar) -> datetime:
        """Draw when `event` happens, counting its duration from `now`.

        Working days are counted on `calendar` (the N-th working day after today; 0 is
        today, or the next working day if today is not one); natural days land on that
        day; both at a time within office hours, and never before `now`. Hours are exact.
        """
        unit, draw = self._durations[event]
        amount = draw(rng)
        if unit == "h":
            return now + timedelta(hours=max(0.0, float(amount)))
        days = max(0, int(float(amount) + 0.5))
        today = now.date()
        if unit == "d":
            day = today + timedelta(days=days)
        else:
            day = self._working_day(today, days, calendar)
        at = self._at(day, rng.random())
        return at if at > now else now + timedelta(minutes=1)

    def _working_day(self, today: date, days: int, calendar: Calendar) -> date:
        """The `days`-th working day after `today` (0: today, or the next working day).

        Counted by legaltime; each answer is kept, as the same few (day, count) pairs recur
        across thousands of cases.
        """
        if calendar is not self._due_calendar:
            self._due.clear()
            self._due_calendar = calendar
        key = (today, days)
        found = self._due.get(key)
        if found is None:
            if days == 0 and calendar.is_working_day(today):
                found = today
            else:
                found = calendar.due(today, self._period(max(days, 1))).date
            self._due[key] = found
        return found

    def _period(self, days: int) -> Period:
        period = self._periods.get(days)
        if period is None:
            period = self._periods[days] = Period(days, Unit.WORKING_DAY)
        return period


# --- drawing values (the process's facts are in facts.py) ---------------------------------


FieldSampler = Callable[[random.Random, datetime, Mapping[str, Any]], Any]


def _field_samplers(
    given: Mapping[str, Distribution],
    fields: Mapping[str, FieldFacts],
    facts: ProcessFacts,
    where: str,
) -> dict[str, FieldSampler]:
    """A sampler per field: the scenario's distribution, else a default for a required field.

    Defaults: a date is the day of the event (a datetime its instant), an enum a uniform
    choice of its values, a bool a coin toss, money a whole number of thousands of yuan
    from ¥1,000 to ¥2,000,000 (across the hearing thresholds), an int 0, a number moved
    into the field's min..max, a str the field's name, a list of enum values all of them
    (a full submission), any other list empty. Optional fields the scenario does not name
    are left out, and so are fields with a default: the runtime supplies it.
    """
    samplers: dict[str, FieldSampler] = {}
    for name, field in fields.items():
        dist = given.get(name)
        if dist is not None and dist.copy_of is not None:
            samplers[name] = _copier(dist.copy_of)
        elif dist is not None:
            samplers[name] = _coerced(dist.sampler(), field)
        elif field.required:
            samplers[name] = _default_sampler(field)
    return samplers


def _copier(source: str) -> FieldSampler:
    def copy(rng: random.Random, at: datetime, data: Mapping[str, Any]) -> Any:
        value = data.get(source)
        return getattr(value, "value", value)  # an enum member as its value

    return copy


def _coerced(draw: Sampler, field: FieldFacts) -> FieldSampler:
    kind = field.type

    def sample(rng: random.Random, at: datetime, data: Mapping[str, Any]) -> Any:
        value = draw(rng)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "money" and number:
            return Decimal(f"{value:.2f}")
        if kind == "int" and number:
            return round(value)
        if kind == "date" and number:
            return at.date() + timedelta(days=round(value))
        if kind == "datetime" and number:
            return at + timedelta(days=float(value))
        return value

    return sample


def _default_sampler(field: FieldFacts) -> FieldSampler:
    kind = field.type
    if kind == "date":
        return lambda rng, at, data: at.date()
    if kind == "datetime":
        return lambda rng, at, data: at
    if kind == "enum" and field.values:
        pick = weighted_choice([(value, 1.0) for value in field.values])
        return lambda rng, at, data: pick(rng)
    if kind == "bool":
        return lambda rng, at, data: rng.random() < 0.5
    if kind == "money":
        bounded = field.bounded

        def money(rng: random.Random, at: datetime, data: Mapping[str, Any]) -> Decimal:
            amount = bounded(rng.randint(1, 2000) * 1000)
            return Decimal(amount) if isinstance(amount, int) else Decimal(f"{amount:.2f}")

        return money
    if kind == "int":
        least = math.ceil(field.bounded(0))  # a whole number within the bounds
        return lambda rng, at, data: least
    if kind.startswith("list"):
        every = list(field.values)  # a list of enum values: all of them (a full submission)
        return lambda rng, at, data: list(every)
    name = field.name
    return lambda rng, at, data: name


def _duration_sampler(duration: Duration) -> tuple[str, Sampler]:
    return duration.unit, duration.sampler()


class _Rule:
    """One branch rule, its CEL condition compiled against the process's fields."""

    __slots__ = ("asks", "condition", "events", "match", "pick", "texts", "weights")

    def __init__(
        self,
        match: Mapping[str, tuple[Scalar, ...]],
        condition: Expression | None,
        weights: list[tuple[str, float]],
    ) -> None:
        self.match = match
        self.texts = {name: frozenset(str(a) for a in accepted) for name, accepted in match.items()}
        self.condition = condition
        self.weights = weights
        self.events = frozenset(event for event, _ in weights)
        #: whether an event it weighs has a guard the runtime must judge (set by the plan)
        self.asks = True
        #: its weights as one sampler, when no event it weighs is ever dropped (set by the plan)
        self.pick: Sampler | None = None

    @classmethod
    def of(cls, branch: Branch, compiled: CompiledProcess, where: str) -> _Rule:
        match = {
            name: tuple(v) if isinstance(v, list) else (v,) for name, v in branch.match.items()
        }
        condition = None
        if branch.when is not None:
            try:
                condition = compile_condition(compiled.process, branch.when)
            except InvalidInput as error:
                raise InvalidInput(f"scenario {where}.when: {error}") from None
        return cls(match, condition, list(branch.weights.items()))

    def holds(self, data: Mapping[str, Any]) -> bool:
        """True when the case data match and the condition is true."""
        for name, accepted in self.match.items():
            value = data.get(name)
            # as written in the scenario, or as its text (a Decimal matched by "1000.00")
            if value not in accepted and str(value) not in self.texts[name]:
                return False
        return self.condition is None or self.condition.holds(data)
