"""Bank remittance files: received from staff, matched line by line in chunks, exceptions decided
by clerks.

:class:`ReceiveRemittance` (the API) parses the file at once (a malformed file is refused with the
reason, malformed lines are reported with their field), keeps it, and queues its lines in chunks.
:class:`ApplyRemittanceChunk` (the worker) matches each line
(:func:`civiq.payments.domain.remittance.match_line`) and posts the certain ones; the others wait
for a clerk, who posts them to the right account or returns them (:class:`DecideException`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.domain.search import SearchQuery
from civiq.accounts.ports import AccountRepository, AccountSummary
from civiq.core.errors import InvalidInput, NotFound, field_prefix
from civiq.core.events import Actor
from civiq.core.ports import Clock
from civiq.ledger.domain.payments import Payment, PaymentChannel, PaymentMethod, PaymentStatus
from civiq.ledger.ports import LedgerRepository, PaymentRepository
from civiq.payments.domain.remittance import (
    AccountFacts,
    LineMatch,
    match_line,
    name_keys,
    paid_before_opening,
    parse_remittance,
)
from civiq.payments.domain.remittance_files import (
    LineOutcome,
    LineStatus,
    RemittanceCounts,
    RemittanceFile,
    as_of,
    chunks,
    line_payment_id,
    remittance_id,
)
from civiq.payments.ports import RemittanceContents, RemittanceQueue, RemittanceRepository
from civiq.payments.services.payments import PostPayment, ReceivedPayment

MAX_FILE_BYTES = 5_000_000  # about 90,000 lines; a day of a city's bank payments is far less
NAMESAKES_PAGE = 100
BANK = Actor("bank-remittance", "system")


@dataclass(frozen=True)
class LedgerDirectory:
    """The accounts as remittance matching sees them: holders, open statements, balance.

    Bound to a file (:meth:`of_file`), an account is seen as it stood before the file: what
    the file's own lines have paid is added back. Every line of a file is then matched against
    the same accounts, whatever order its chunks run in, and a second payment of a bill already
    paid by the file goes where the first went.
    """

    accounts: AccountRepository
    ledger: LedgerRepository
    payments: PaymentRepository
    remittance_id: str | None = None

    def of_file(self, remittance_id: str) -> LedgerDirectory:
        return replace(self, remittance_id=remittance_id)

    def by_number(self, number: str) -> AccountFacts | None:
        try:
            account = self.accounts.get_by_number(number)
        except NotFound:
            return None
        return self._facts(AccountSummary.of(account))

    def successors(self, account_id: str) -> Sequence[AccountFacts]:
        closed = self.accounts.get(account_id)
        followers = {
            s.account_id: s
            for s in [
                *self.accounts.of_customer(closed.holder.customer_id),
                *self.accounts.of_property(closed.property_id),
            ]
            if s.account_id != account_id
        }
        return [self._facts(s) for s in followers.values()]

    def by_name(self, name_key: str, most: int) -> Sequence[AccountFacts] | None:
        """Every page of the search: by the name's words, not as a phrase (a phrase finds
        ``Luc Roy`` but not ``Marie et Luc Roy``), whatever the status (a final bill can be
        owed); the ledgers are read only when there are at most ``most``."""
        try:
            query = replace(SearchQuery.parse(name_key), phrase=None)
        except InvalidInput:
            return []
        found: list[AccountSummary] = []
        cursor: str | None = None
        while True:
            page = self.accounts.search(query, None, None, NAMESAKES_PAGE, cursor)
            found += [s for s in page.items if name_key in name_keys(s.holder_name)]
            if len(found) > most:
                return None
            if page.next_cursor is None:
                return [self._facts(s) for s in found]
            cursor = page.next_cursor

    def _facts(self, account: AccountSummary) -> AccountFacts:
        account_id = account.account_id
        state = self.ledger.state(account_id)
        owed = {s.statement_id: s.owed for s in state.open_statements}
        balance = state.balance
        for payment in self._paid_by_file(account_id):
            balance += payment.amount
            for part in payment.allocation.applied:
                owed[part.statement_id] = owed.get(part.statement_id, Decimal(0)) + part.amount
        return AccountFacts(
            account_id=account_id,
            account_number=account.account_number,
            active=account.status is AccountStatus.ACTIVE,
            holder_names=(account.holder_name,),
            open_amounts=tuple(amount for amount in owed.values() if amount > 0),
            balance=balance,
        )

    def _paid_by_file(self, account_id: str) -> list[Payment]:
        if self.remittance_id is None:
            return []
        prefix = f"{self.remittance_id} line "
        return [
            p
            for p in self.payments.of_account(account_id)
            if p.channel is PaymentChannel.REMITTANCE
            and p.status is PaymentStatus.POSTED
            and (p.reference or "").startswith(prefix)
        ]


def decoded(content: bytes) -> str:
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(f"a remittance file is at most {MAX_FILE_BYTES:,} bytes", "file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252")  # what spreadsheet exports on Windows write
        except UnicodeDecodeError as exc:
            raise InvalidInput("the file is not UTF-8 or Windows-1252 text", "file") from exc


@dataclass(frozen=True)
class ReceiveRemittance:
    remittances: RemittanceRepository
    contents: RemittanceContents
    queue: RemittanceQueue
    clock: Clock
    time_zone: ZoneInfo

    def __call__(self, content: bytes, file_name: str, actor: Actor) -> tuple[RemittanceFile, bool]:
        """The file's record, and whether it is new (the same file again is not matched
        twice: it is the same file)."""
        now = self.clock.now()
        uploaded_on = now.astimezone(self.time_zone).date()
        parsed = as_of(parse_remittance(decoded(content)), uploaded_on)
        file = RemittanceFile(
            remittance_id=remittance_id(content),
            file_name=file_name,
            uploaded_by=actor.subject,
            uploaded_at=now,
            lines=len(parsed.lines),
            total=sum((line.amount for line in parsed.lines), Decimal(0)),
            errors=tuple(parsed.errors),
            uploaded_on=uploaded_on,
        )
        self.contents.put(file.remittance_id, content)
        if not self.remittances.create(file):
            return self.remittances.get(file.remittance_id)[0], False
        for first, last in chunks([line.line_no for line in parsed.lines]):
            self.queue.send(file.remittance_id, first, last)
        return file, True


@dataclass(frozen=True)
class ApplyRemittanceChunk:
    remittances: RemittanceRepository
    contents: RemittanceContents
    directory: LedgerDirectory
    post_payment: PostPayment
    numbering: AccountNumberScheme

    def __call__(self, remittance_id: str, first_line: int, last_line: int) -> RemittanceCounts:
        """Match and post lines ``first_line``..``last_line``; returns what this call did.

        A line's outcome (the account it goes to) is recorded before its payment is posted,
        and a line with an outcome is never matched again: a redelivered chunk finishes the
        payments it recorded, to the same accounts, whatever the ledgers look like by then.
        """
        file, _ = self.remittances.get(remittance_id)
        parsed = as_of(
            parse_remittance(decoded(self.contents.get(remittance_id))), file.uploaded_on
        )
        directory = self.directory.of_file(remittance_id)
        posted = exceptions = 0
        for line in parsed.lines:
            if not first_line <= line.line_no <= last_line:
                continue
            outcome = self.remittances.outcome(remittance_id, line.line_no)
            if outcome is None:
                matched = self._receivable(match_line(line, directory, self.numbering))
                fresh = LineOutcome.of(remittance_id, matched)
                if self.remittances.record(fresh):
                    posted += fresh.status is LineStatus.POSTED
                    exceptions += fresh.status is LineStatus.EXCEPTION
                    outcome = fresh
                else:  # a concurrent delivery recorded it first: follow what it recorded
                    outcome = self.remittances.outcome(remittance_id, line.line_no) or fresh
            if outcome.status is LineStatus.POSTED and outcome.account_id:
                self.post_payment(received(outcome, outcome.account_id), BANK, remittance_id)
        return RemittanceCounts(posted=posted, exceptions=exceptions)

    def _receivable(self, match: LineMatch) -> LineMatch:
        """``match``, unless its account cannot take the line's money (it opened after the
        line was paid): then an exception for a clerk."""
        if match.account_id is None:
            return match
        account = self.post_payment.books.accounts.get(match.account_id)
        try:
            self.post_payment.check_received_on(account, match.line.paid_on)
        except InvalidInput:
            return paid_before_opening(match)
        return match


def received(outcome: LineOutcome, account_id: str) -> ReceivedPayment:
    line = outcome.line
    return ReceivedPayment(
        payment_id=line_payment_id(outcome.remittance_id, line.line_no),
        account_id=account_id,
        amount=line.amount,
        method=PaymentMethod.BANK_BILL_PAYMENT,
        channel=PaymentChannel.REMITTANCE,
        received_on=line.paid_on,
        reference=f"{outcome.remittance_id} line {line.line_no}: {line.reference}",
        payer_name=line.payer_name,
    )


@dataclass(frozen=True)
class DecideException:
    remittances: RemittanceRepository
    accounts: AccountRepository
    post_payment: PostPayment

    def resolve(
        self, remittance_id: str, line_no: int, account_id: str, note: str, actor: Actor, cid: str
    ) -> LineOutcome:
        """Post an exception's line to the account a clerk found. The line is claimed for that
        account first, so two clerks never pay one line to two accounts; the same resolution
        again finishes its payment."""
        before = self._line(remittance_id, line_no)
        account = self.accounts.get(account_id)  # 404 for an unknown account
        with field_prefix("account_id", replace=True):  # the account the clerk chose
            self.post_payment.check_received_on(account, before.line.paid_on)
        if before.status is LineStatus.RESOLVED and before.account_id == account_id:
            after = before
        else:
            after = before.resolved(account_id, actor.subject, note)
            self.remittances.decide(before, after)
        self.post_payment(received(after, account_id), actor, cid)
        return after

    def give_back(self, remittance_id: str, line_no: int, note: str, actor: Actor) -> LineOutcome:
        """Return an exception's line to the bank: nothing is paid."""
        before = self._line(remittance_id, line_no)
        after = before.returned(actor.subject, note)
        self.remittances.decide(before, after)
        return after

    def _line(self, remittance_id: str, line_no: int) -> LineOutcome:
        self.remittances.get(remittance_id)  # 404 for an unknown file
        found = self.remittances.outcome(remittance_id, line_no)
        if found is None:
            raise NotFound(f"no line {line_no} in this file", "line_no")
        return found
