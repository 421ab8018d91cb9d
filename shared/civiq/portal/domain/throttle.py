"""How often wrong lookups may be tried: a few for free, then a wait that doubles with each
further wrong try, up to a ceiling. Counted per typed account number (guessing postal codes
for one account) and per client address (guessing numbers), whether or not the number exists,
so that the throttle itself says nothing about which numbers are real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Attempts:
    """Wrong tries counted under one key, and when the last was made."""

    failures: int = 0
    last_failure_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Backoff:
    free_failures: int
    first_wait: timedelta
    longest_wait: timedelta
    # Wrong tries are forgotten this long after the last one.
    memory: timedelta = timedelta(hours=24)

    def wait(self, attempts: Attempts, now: datetime) -> timedelta:
        """How long before another try is taken (zero: now)."""
        beyond = attempts.failures - self.free_failures
        if beyond < 0 or attempts.last_failure_at is None:
            return ZERO
        wait = min(self.first_wait * (2 ** min(beyond, 20)), self.longest_wait)
        return max(attempts.last_failure_at + wait - now, ZERO)
