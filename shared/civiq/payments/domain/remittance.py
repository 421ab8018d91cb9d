"""Bank remittance files: the bill payments a bank reports, and the account each one was for.

A file is CSV with a header line naming at least the columns ``date``, ``amount``, ``reference``
and ``payer_name`` (any case and order; other columns are ignored). ``reference`` is the account
number as the payer typed it into their bank: with spaces or dashes, in lower case, without its
prefix, or with a typo. Each malformed line is reported with its line number and column; the good
lines still load. A file that is not a remittance file at all fails as a whole.

Each line is then matched to an account. A wrong match is far worse than no match (the money
lands on a stranger's bill and both residents get a wrong statement), so a line is posted
automatically only when the evidence is *certain*; anything else goes to a clerk with the reason
and the accounts worth a look. Evidence for an account: its holder's name shares a word with the
payer's (*weak*: a first name or a common surname), the payer's name is a holder's (*strong*:
all its words, at least two), the amount is what a statement or the balance owes (*strong*).

==========================  ==========  ========================================================
reason                      confidence  when (certain: posted automatically)
==========================  ==========  ========================================================
exact                       1.00        a valid number of an active account, unless the payer's
                                        name shares no word with a holder's and the amount is
                                        not owed (then ``name-mismatch``)
final-bill                  1.00        the same, for a closed account that still owes
check-digit-transposition   0.97        the check digit fails; of the accounts one swap of two
check-digit-substitution    0.95        adjacent digits (or one digit) away, exactly one has any
                                        evidence, and strong evidence
previous-account            0.95        a closed account's number (nothing owed), paid by the
                                        holder (strong) of exactly one account that followed it
name-and-amount             0.90        no usable number: exactly one active account of a holder
                                        with the payer's name owes exactly the amount paid
==========================  ==========  ========================================================

The exceptions (:class:`MatchReason`) say why a clerk must look; their confidence is that of
their first candidate. The Luhn check digit catches every mistyped digit and every adjacent
transposition but ``09`` <-> ``90``, which turns one valid number into another: a valid number
whose ``09``/``90`` twin is an account with any evidence for it is ``ambiguous``, not exact.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from civiq.accounts.domain.account_numbers import AccountNumberScheme, luhn_check_digit
from civiq.core.errors import DomainError, InvalidInput
from civiq.core.text import fold, words
from civiq.ledger.domain.payments import check_amount

REQUIRED = ("date", "amount", "reference", "payer_name")
MAX_LINES = 50_000
MAX_REFERENCE = 100
MAX_PAYER_NAME = 200
DATE = re.compile(r"([0-9]{4})([-/])([0-9]{2})\2([0-9]{2})")
AMOUNT = re.compile(r"-?\$?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{2})?")
SEPARATORS = re.compile(r"[\s\-./#]")  # what payers put between an account number's parts
# Words that say nothing about who a person is: titles, generational suffixes, "and".
IGNORED_WORDS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "m", "mme", "mmes", "mlle", "me"}
    | {"jr", "sr", "ii", "iii", "et", "and"}
)
COUPLE = re.compile(r"\s+(?:et|and)\s+|\s*&\s*")


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    line_no: int  # the file's line (the header is line 1)
    paid_on: date
    amount: Decimal
    reference: str  # as the payer typed it
    payer_name: str


@dataclass(frozen=True, slots=True)
class LineError:
    line_no: int
    field: str  # the column at fault, or "row" for the line's shape
    message: str


@dataclass(frozen=True, slots=True)
class ParsedFile:
    lines: list[RemittanceLine]
    errors: list[LineError]

    @property
    def total(self) -> int:
        return len(self.lines) + len(self.errors)


def parse_remittance(text: str) -> ParsedFile:
    """The file's good lines and its malformed lines' errors. Raises InvalidInput (field
    ``file``) when the file as a whole is not a remittance file."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    lines: list[RemittanceLine] = []
    errors: list[LineError] = []
    try:
        header = [re.sub(r"[\s\-]+", "_", name.strip().lower()) for name in next(reader, [])]
        columns = _columns(header)
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue  # blank lines
            if len(lines) + len(errors) == MAX_LINES:
                raise InvalidInput(f"the file has more than {MAX_LINES} lines; split it", "file")
            line_no = reader.line_num
            if len(fields) != len(header):
                message = f"expected {len(header)} fields, found {len(fields)}"
                errors.append(LineError(line_no, "row", message))
                continue
            try:
                lines.append(_line(line_no, {name: fields[i] for name, i in columns.items()}))
            except DomainError as error:
                errors.append(LineError(line_no, error.field or "row", error.message))
    except csv.Error as error:
        raise InvalidInput(f"line {reader.line_num} is not CSV: {error}", "file") from None
    if not lines and not errors:
        raise InvalidInput("the file has no payment lines", "file")
    return ParsedFile(lines, errors)


def _columns(header: list[str]) -> dict[str, int]:
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(f"the file has no {', '.join(missing)} column", "file")
    twice = [name for name in REQUIRED if header.count(name) > 1]
    if twice:
        raise InvalidInput(f"the {twice[0]} column is named twice", "file")
    return {name: header.index(name) for name in REQUIRED}


def _line(line_no: int, fields: dict[str, str]) -> RemittanceLine:
    date_text = fields["date"].strip()
    match = DATE.fullmatch(date_text)
    try:
        if not match:
            raise ValueError
        year, _, month, day = match.groups()
        paid_on = date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidInput("date must be a date like 2026-11-26", "date") from None
    amount_text = fields["amount"].strip()
    if not AMOUNT.fullmatch(amount_text):
        raise InvalidInput("amount must be dollars and cents like 1234.56", "amount")
    amount = check_amount(Decimal(amount_text.replace("$", "").replace(",", "")))
    reference = fields["reference"].strip()
    if len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"reference is longer than {MAX_REFERENCE} characters", "reference")
    payer_name = " ".join(fields["payer_name"].split())
    if len(payer_name) > MAX_PAYER_NAME:
        raise InvalidInput(f"payer_name is longer than {MAX_PAYER_NAME} characters", "payer_name")
    return RemittanceLine(line_no, paid_on, amount, reference, payer_name)


# --- names ----------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A name folded to compare people: accents, case, punctuation, titles and word order
    ignored (``Tremblay, Marie-Ève`` and ``MME MARIE EVE TREMBLAY`` -> ``eve marie tremblay``)."""
    return " ".join(sorted(w for w in words(name) if w not in IGNORED_WORDS))


def name_keys(holder_name: str) -> frozenset[str]:
    """The keys a holder is found by (:meth:`AccountDirectory.by_name`): the whole name's and,
    for a couple, each partner's (``Marie et Luc Roy``: ``luc marie roy``, ``marie roy``,
    ``luc roy``)."""
    keys = {name_key(holder_name)}
    partners = [name.split() for name in COUPLE.split(fold(holder_name)) if name.strip()]
    if len(partners) > 1:
        surname = partners[-1][-1:]
        keys.update(name_key(" ".join(p if len(p) > 1 else p + surname)) for p in partners)
    return frozenset(key for key in keys if key)


@lru_cache(maxsize=65_536)
def _tokens(name: str) -> frozenset[str]:
    """The words of a name that tell people apart (initials and ``d'`` do not)."""
    return frozenset(w for w in name_key(name).split() if len(w) > 1)


# --- matching -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What matching needs to know about an account."""

    account_id: str
    account_number: str  # canonical, e.g. UB00000422
    active: bool
    holder_names: tuple[str, ...]
    open_amounts: tuple[Decimal, ...]  # what each open statement still owes
    balance: Decimal  # > 0: owed

    @property
    def payable(self) -> bool:
        """Can take a payment: open, or closed and still owing (its final bill)."""
        return self.active or self.balance > 0


class AccountDirectory(Protocol):
    def by_number(self, number: str) -> AccountFacts | None:
        """The account with this canonical number (active or closed)."""
        ...

    def successors(self, account_id: str) -> Sequence[AccountFacts]:
        """The accounts that followed a closed one: its holder's new account after a move, the
        property's new account after a sale."""
        ...

    def by_name(self, name_key: str) -> Sequence[AccountFacts]:
        """The active accounts with a holder found by this key (:func:`name_keys`)."""
        ...


class MatchReason(StrEnum):
    # Certain: posted automatically.
    EXACT = "exact"
    FINAL_BILL = "final-bill"
    TRANSPOSITION = "check-digit-transposition"
    SUBSTITUTION = "check-digit-substitution"
    PREVIOUS_ACCOUNT = "previous-account"
    NAME_AND_AMOUNT = "name-and-amount"
    # Exceptions: why a clerk must look.
    NAME_MISMATCH = "name-mismatch"  # a valid number, but the payer is someone else
    AMBIGUOUS = "ambiguous"  # several accounts fit the evidence equally
    UNCORROBORATED = "uncorroborated"  # a typo, but neither name nor amount says which account
    CLOSED_ACCOUNT = "closed-account"  # closed, nothing owed, no follower paid by this payer
    UNKNOWN_ACCOUNT = "unknown-account"  # a valid number that no account has
    NO_REFERENCE_MATCH = "no-reference-match"  # no usable number; name and amount find nothing

    @property
    def auto_posts(self) -> bool:
        return self in CERTAIN


CERTAIN = frozenset(
    {
        MatchReason.EXACT,
        MatchReason.FINAL_BILL,
        MatchReason.TRANSPOSITION,
        MatchReason.SUBSTITUTION,
        MatchReason.PREVIOUS_ACCOUNT,
        MatchReason.NAME_AND_AMOUNT,
    }
)
# How sure the matcher is of the account (for an exception: of its first candidate).
CONFIDENCE = {
    MatchReason.EXACT: Decimal("1.00"),
    MatchReason.FINAL_BILL: Decimal("1.00"),
    MatchReason.TRANSPOSITION: Decimal("0.97"),
    MatchReason.SUBSTITUTION: Decimal("0.95"),
    MatchReason.PREVIOUS_ACCOUNT: Decimal("0.95"),
    MatchReason.NAME_AND_AMOUNT: Decimal("0.90"),
    MatchReason.NAME_MISMATCH: Decimal("0.50"),
    MatchReason.AMBIGUOUS: Decimal("0.30"),
    MatchReason.CLOSED_ACCOUNT: Decimal("0.30"),
    MatchReason.UNCORROBORATED: Decimal("0.20"),
    MatchReason.UNKNOWN_ACCOUNT: Decimal("0.10"),
    MatchReason.NO_REFERENCE_MATCH: Decimal("0.10"),
}
NO_CANDIDATE = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LineMatch:
    """A line's account (certain matches only) or, for an exception, the accounts a clerk
    should look at first; ``candidates`` are the accounts the evidence pointed at."""

    line: RemittanceLine
    account_id: str | None
    reason: MatchReason
    confidence: Decimal
    candidates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.account_id is not None) != self.reason.auto_posts:
            raise ValueError(f"a {self.reason} match cannot have account {self.account_id}")

    @property
    def certain(self) -> bool:
        """Posted without a clerk."""
        return self.account_id is not None


class _Evidence:
    """What a line says about its payer, compared with an account's holders and amounts."""

    def __init__(self, line: RemittanceLine) -> None:
        self.amount = line.amount
        self.tokens = _tokens(line.payer_name)

    def shared_tokens(self, facts: AccountFacts) -> int:
        return max((len(self.tokens & _tokens(n)) for n in facts.holder_names), default=0)

    def same_person(self, facts: AccountFacts) -> bool:
        """The payer's name is a holder's: all its words are the holder's (or all the holder's
        are the payer's), two at least unless the name is one word (``Luc Roy`` pays for
        ``Marie et Luc Roy``; ``Marie-Claude Roy`` is not ``Marie-Claude Côté``)."""
        return any(
            (self.tokens <= holder or holder <= self.tokens)
            and len(self.tokens & holder) >= min(2, len(holder))
            for holder in map(_tokens, facts.holder_names)
            if holder and self.tokens
        )

    def amount_owed(self, facts: AccountFacts) -> bool:
        return self.amount in facts.open_amounts or self.amount == facts.balance

    def corroborates(self, facts: AccountFacts) -> bool:
        return facts.payable and (self.shared_tokens(facts) > 0 or self.amount_owed(facts))

    def strongly_corroborates(self, facts: AccountFacts) -> bool:
        return facts.payable and (self.same_person(facts) or self.amount_owed(facts))

    def contradicts(self, facts: AccountFacts) -> bool:
        """The payer named someone else and paid something the account does not owe."""
        return bool(self.tokens) and not self.shared_tokens(facts) and not self.amount_owed(facts)


def match_line(
    line: RemittanceLine, directory: AccountDirectory, scheme: AccountNumberScheme
) -> LineMatch:
    """The account a line paid, with the reason and confidence, or the exception a clerk
    resolves (see the module's table)."""
    evidence = _Evidence(line)
    digits = _typed_digits(line.reference, scheme)
    if digits is None:
        return _by_name_and_amount(line, directory, evidence)
    if luhn_check_digit(digits[:-1]) != int(digits[-1]):
        return _by_typo(line, digits, directory, scheme, evidence)
    facts = directory.by_number(scheme.prefix + digits)
    if facts is None:  # a number we never issued: the clerk sees the payer's namesakes
        owing, named = _namesakes(line, directory, evidence)
        return _exception(line, MatchReason.UNKNOWN_ACCOUNT, [*owing, *named])
    # Only a 09/90 swap turns a valid number into another one: most numbers have no twin.
    near = _existing(scheme.one_typo_away(digits), directory) if _has_twins(digits) else []
    twins = [twin for twin, _ in near if twin.payable]
    others = [twin for twin in twins if evidence.corroborates(twin)]
    if facts.payable and not evidence.contradicts(facts):
        if others or (twins and not evidence.corroborates(facts)):
            return _exception(line, MatchReason.AMBIGUOUS, [facts, *others])
        reason = MatchReason.EXACT if facts.active else MatchReason.FINAL_BILL
        return _certain(line, facts, reason)
    if facts.active:
        return _exception(line, MatchReason.NAME_MISMATCH, [facts, *others])
    return _by_successor(line, facts, others, directory, evidence)


def _typed_digits(reference: str, scheme: AccountNumberScheme) -> str | None:
    """The sequence and check digits typed, with or without the prefix; None if not a number
    of the scheme's shape."""
    digits = SEPARATORS.sub("", reference).upper().removeprefix(scheme.prefix)
    return digits if re.fullmatch(rf"[0-9]{{{scheme.width + 1}}}", digits) else None


def _has_twins(digits: str) -> bool:
    return "09" in digits or "90" in digits


def _existing(
    numbers: Iterable[tuple[str, str]], directory: AccountDirectory
) -> list[tuple[AccountFacts, str]]:
    found = ((directory.by_number(number), typo) for number, typo in numbers)
    return [(facts, typo) for facts, typo in found if facts is not None]


def _by_typo(
    line: RemittanceLine,
    digits: str,
    directory: AccountDirectory,
    scheme: AccountNumberScheme,
    evidence: _Evidence,
) -> LineMatch:
    """One typo away: certain when exactly one of the accounts is corroborated at all, and
    strongly (the payer's full name, or the amount owed): a shared first name or surname
    alone is too common to pick an account by."""
    existing = _existing(scheme.one_typo_away(digits), directory)
    if not existing:
        return _by_name_and_amount(line, directory, evidence)
    corroborated = [(facts, typo) for facts, typo in existing if evidence.corroborates(facts)]
    accounts = [facts for facts, _ in existing]
    if len(corroborated) == 1:
        facts, typo = corroborated[0]
        if evidence.strongly_corroborates(facts):
            reason = (
                MatchReason.TRANSPOSITION if typo == "transposition" else MatchReason.SUBSTITUTION
            )
            return _certain(line, facts, reason)
        return _exception(line, MatchReason.UNCORROBORATED, [facts, *accounts])
    if corroborated:
        return _exception(line, MatchReason.AMBIGUOUS, [facts for facts, _ in corroborated])
    return _exception(line, MatchReason.UNCORROBORATED, accounts)


def _by_successor(
    line: RemittanceLine,
    closed: AccountFacts,
    twins: list[AccountFacts],
    directory: AccountDirectory,
    evidence: _Evidence,
) -> LineMatch:
    """A closed account's number: the one follower whose holder is the payer, unless the
    number's ``09``/``90`` twin is an account the evidence points at as well."""
    successors = directory.successors(closed.account_id)
    followers = [s for s in successors if s.payable and evidence.same_person(s)]
    if len(followers) == 1 and not twins:
        return _certain(line, followers[0], MatchReason.PREVIOUS_ACCOUNT)
    owing = [closed] if closed.payable else []
    return _exception(line, MatchReason.CLOSED_ACCOUNT, [*owing, *followers, *successors, *twins])


def _by_name_and_amount(
    line: RemittanceLine, directory: AccountDirectory, evidence: _Evidence
) -> LineMatch:
    """No usable number: the one holder with the payer's name who owes exactly the amount."""
    owing, named = _namesakes(line, directory, evidence)
    if len(owing) == 1:
        return _certain(line, owing[0], MatchReason.NAME_AND_AMOUNT)
    if owing:
        return _exception(line, MatchReason.AMBIGUOUS, owing)
    return _exception(line, MatchReason.NO_REFERENCE_MATCH, named)


def _namesakes(
    line: RemittanceLine, directory: AccountDirectory, evidence: _Evidence
) -> tuple[list[AccountFacts], list[AccountFacts]]:
    """The active accounts of holders with the payer's name: those owing the amount, and all."""
    key = name_key(line.payer_name)
    named = list(directory.by_name(key)) if key else []
    return [facts for facts in named if evidence.amount_owed(facts)], named


def _certain(line: RemittanceLine, facts: AccountFacts, reason: MatchReason) -> LineMatch:
    return LineMatch(line, facts.account_id, reason, CONFIDENCE[reason], (facts.account_id,))


def _exception(
    line: RemittanceLine, reason: MatchReason, accounts: Sequence[AccountFacts]
) -> LineMatch:
    candidates = tuple(dict.fromkeys(facts.account_id for facts in accounts))
    confidence = CONFIDENCE[reason] if candidates else NO_CANDIDATE
    return LineMatch(line, None, reason, confidence, candidates)
