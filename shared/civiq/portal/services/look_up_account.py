"""A resident looks up their account: its number and the service address's postal code.

Every lookup does the same work whether the number exists or not (one read of the number, a
constant-time comparison of the postal codes, the same counters written on a miss), so the answer
does not tell a wrong number from a wrong postal code. Nor does its timing: reading an account
that exists still costs a little more than finding none, so a refusal is answered no sooner than
``refusal_time`` after the lookup began, whichever was wrong. Wrong tries are
throttled per number and per client address (:mod:`civiq.portal.domain.throttle`).
A malformed entry (a number whose check digit does not match, a postal code that cannot be
Canadian) is refused naming its field: that says nothing about any account.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.core.audit import AuditEntry
from civiq.core.errors import FieldError, InvalidInput, NotFound
from civiq.core.ports import Clock, IdGenerator
from civiq.portal.domain.lookup import (
    LookupMatched,
    LookupRefused,
    LookupThrottled,
    compact_postal_code,
)
from civiq.portal.domain.resident import RESIDENT
from civiq.portal.domain.throttle import Backoff
from civiq.portal.ports import History, LookupAttempts, PortalAccounts

# Compared against when the number has no account, so a miss costs what a hit does.
NO_POSTAL_CODE = "X0X0X0"


@dataclass(frozen=True)
class LookupPolicy:
    per_number: Backoff
    per_client: Backoff
    # A refusal is answered no sooner than this after the lookup began (longer than either
    # refusal takes, so that both take exactly this).
    refusal_time: timedelta = timedelta(milliseconds=250)


class LookUpAccount:
    def __init__(
        self,
        accounts: PortalAccounts,
        attempts: LookupAttempts,
        history: History,
        numbering: AccountNumberScheme,
        policy: LookupPolicy,
        clock: Clock,
        ids: IdGenerator,
        pause: Callable[[float], None],
    ) -> None:
        self._accounts = accounts
        self._attempts = attempts
        self._history = history
        self._numbering = numbering
        self._policy = policy
        self._clock = clock
        self._ids = ids
        self._pause = pause  # time.sleep: seconds

    def __call__(
        self, typed_number: str, typed_postal_code: str, client: str, correlation_id: str
    ) -> LookupMatched | LookupRefused | LookupThrottled:
        number, postal_code = self._checked(typed_number, typed_postal_code)
        number_key, client_key = f"number#{number}", f"client#{client}"
        now = self._clock.now()
        tried = self._attempts.of([number_key, client_key])
        wait = max(
            self._policy.per_number.wait(tried[number_key], now),
            self._policy.per_client.wait(tried[client_key], now),
        )
        if wait:
            return LookupThrottled(wait)
        try:
            account = self._accounts.get_by_number(number)
            on_file = account.service_address.postal_code.replace(" ", "")
            account_id: str | None = account.account_id
        except NotFound:
            on_file, account_id = NO_POSTAL_CODE, None
        if not hmac.compare_digest(on_file, postal_code) or account_id is None:
            memory = max(self._policy.per_number.memory, self._policy.per_client.memory)
            self._attempts.failed([number_key, client_key], now, now + memory)
            left = self._policy.refusal_time - (self._clock.now() - now)
            if left > timedelta(0):
                self._pause(left.total_seconds())
            return LookupRefused()
        if tried[number_key].failures:
            self._attempts.forget(number_key)
        self._history.record(
            AuditEntry(
                self._ids.new_id(),
                f"ACCOUNT#{account_id}",
                "PortalLookup",
                RESIDENT.subject,
                RESIDENT.role,
                now,
                correlation_id,
                {"client": client},
            )
        )
        return LookupMatched(account_id)

    def _checked(self, typed_number: str, typed_postal_code: str) -> tuple[str, str]:
        problems: list[FieldError] = []
        number = ""
        try:
            number = self._numbering.normalize(typed_number.strip())
        except InvalidInput as invalid:
            problems.extend(invalid.errors)
        postal_code = compact_postal_code(typed_postal_code)
        if postal_code is None:
            problems.append(FieldError("postal_code", "not a Canadian postal code"))
        if problems:
            raise InvalidInput.of(problems)
        assert postal_code is not None
        return number, postal_code
