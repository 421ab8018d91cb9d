"""EventBridge schedule expressions: when a ``rate()`` or ``cron()`` rule fires next.

moto stores scheduled rules but never fires them; the local runner asks :func:`next_fire` when
each rule is due and fires it then, as EventBridge would.

EventBridge evaluates a rule's ``cron()`` in UTC (only EventBridge Scheduler takes a time zone),
so the template writes its crons as UTC instants chosen for the municipality's day (05:05 UTC is
just after midnight in Eastern time); this module fires them at those UTC instants, as AWS does.

The cron syntax is AWS's six fields: minutes, hours, day of month, month, day of week, year.
Supported: ``*``, ``?``, single values, ranges ``a-b``, lists ``a,b``, steps ``a/n``, ``*/n`` and
``a-b/n``, month names (JAN-DEC) and day names (SUN-SAT; numbers 1-7 are SUN-SAT). One of
day of month and day of week must be ``?``, as AWS requires. ``L``, ``W`` and ``#`` (last day,
nearest weekday, nth weekday) are refused with :class:`UnsupportedExpression`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
CRON = re.compile(r"cron\((.*)\)")
RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbers them 1-7
LAST_YEAR = 2199  # the largest year AWS accepts


class InvalidExpression(ValueError):
    """Not an expression EventBridge accepts."""


class UnsupportedExpression(InvalidExpression):
    """An expression EventBridge accepts that the local runner cannot evaluate (L, W, #)."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names of low, low + 1, ...

    def values(self, text: str) -> frozenset[int]:
        found: set[int] = set()
        for part in text.split(","):
            found |= self._part(part)
        return frozenset(found)

    def _part(self, part: str) -> set[int]:
        if any(mark in part for mark in ("L", "W", "#")) and not self._is_name(part):
            raise UnsupportedExpression(
                f"{self.name} {part!r}: L, W and # are not supported by the local runner"
            )
        span, _, step_text = part.partition("/")
        step = self._number(step_text) if step_text else 1
        if step < 1:
            raise InvalidExpression(f"{self.name} step {step_text!r} must be at least 1")
        if span == "*":
            first, last = self.low, self.high
        elif "-" in span:
            start, _, end = span.partition("-")
            first, last = self._value(start), self._value(end)
            if first > last:
                raise InvalidExpression(f"{self.name} range {span!r} runs backwards")
        else:
            first = self._value(span)
            last = self.high if step_text else first
        return set(range(first, last + 1, step))

    def _is_name(self, part: str) -> bool:
        return all(piece.upper() in self.names for piece in re.split(r"[-,/]", part) if piece)

    def _number(self, text: str) -> int:
        if not text.isdigit():
            raise InvalidExpression(f"{self.name}: {text!r} is not a number")
        return int(text)

    def _value(self, text: str) -> int:
        if text.upper() in self.names:
            return self.low + self.names.index(text.upper())
        value = self._number(text)
        if not self.low <= value <= self.high:
            raise InvalidExpression(f"{self.name} {value} is outside {self.low}-{self.high}")
        return value


MINUTES = _Field("minutes", 0, 59)
HOURS = _Field("hours", 0, 23)
DAY_OF_MONTH = _Field("day-of-month", 1, 31)
MONTH = _Field("month", 1, 12, MONTHS)
DAY_OF_WEEK = _Field("day-of-week", 1, 7, DAYS)
YEAR = _Field("year", 1970, LAST_YEAR)


@dataclass(frozen=True)
class Cron:
    """A parsed ``cron()``: the values each field allows (None: the field is ``?``)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1 = Sunday ... 7 = Saturday
    years: frozenset[int]

    @classmethod
    def parse(cls, fields_text: str) -> Cron:
        fields = fields_text.split()
        if len(fields) != 6:
            raise InvalidExpression(
                f"cron({fields_text}) needs 6 fields (minutes hours day-of-month month"
                " day-of-week year)"
            )
        minutes, hours, day_of_month, month, day_of_week, year = fields
        if (day_of_month == "?") == (day_of_week == "?"):
            raise InvalidExpression(
                f"cron({fields_text}): exactly one of day-of-month and day-of-week must be ?"
            )
        return cls(
            minutes=MINUTES.values(minutes),
            hours=HOURS.values(hours),
            days_of_month=None if day_of_month == "?" else DAY_OF_MONTH.values(day_of_month),
            months=MONTH.values(month),
            days_of_week=None if day_of_week == "?" else DAY_OF_WEEK.values(day_of_week),
            years=YEAR.values(year),
        )

    def _day_matches(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        assert self.days_of_week is not None
        return (day.weekday() + 1) % 7 + 1 in self.days_of_week  # Monday is 0 in Python

    def _times(self) -> list[time]:
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]

    def next_after(self, after: datetime) -> datetime | None:
        """The first matching minute strictly after ``after`` (UTC); None: never again."""
        after = after.astimezone(UTC)
        times = self._times()
        day = after.date()
        while day.year <= min(max(self.years), LAST_YEAR):
            if day.year not in self.years or day.month not in self.months:
                day = _first_of_next_month(day)
                continue
            if self._day_matches(day):
                for at in times:
                    candidate = datetime.combine(day, at, UTC)
                    if candidate > after:
                        return candidate
            day += timedelta(days=1)
        return None


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Rate:
    """A ``rate()``: every ``seconds``, counted from when the rule was created."""

    seconds: int

    def next_after(self, after: datetime, created: datetime) -> datetime:
        if after < created:
            return created + timedelta(seconds=self.seconds)
        elapsed = (after - created).total_seconds()
        return created + timedelta(seconds=self.seconds * (int(elapsed // self.seconds) + 1))


def parse(expression: str) -> Rate | Cron:
    if rate := RATE.fullmatch(expression):
        return Rate(int(rate.group(1)) * RATE_UNITS[rate.group(2).rstrip("s")])
    if cron := CRON.fullmatch(expression):
        return Cron.parse(cron.group(1))
    raise InvalidExpression(f"{expression!r} is neither rate(...) nor cron(...)")


def next_fire(expression: str, after: datetime, created: datetime | None = None) -> datetime | None:
    """When a rule with ``expression`` fires next, strictly after ``after`` (aware datetimes,
    answered in UTC). A ``rate()`` counts its periods from ``created`` (the rule's creation;
    by default ``after``); a ``cron()`` names UTC instants. None: it never fires again."""
    schedule = parse(expression)
    if isinstance(schedule, Rate):
        return schedule.next_after(after, created or after).astimezone(UTC)
    return schedule.next_after(after)
