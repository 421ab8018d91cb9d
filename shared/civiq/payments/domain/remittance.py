"""Bank remittance files: the bill payments a bank reports, and the account each one was for.

A file is CSV with a header line naming at least the columns ``date``, ``amount``, ``reference``
and ``payer_name`` (any case and order; other columns are ignored). ``reference`` is the account
number as the payer typed it into their bank: with spaces or dashes, in lower case, without its
prefix, or with a typo. Each malformed line is reported with its line number and column; the good
lines still load. A file that is not a remittance file at all fails as a whole.

Each line is then matched to an account. A wrong match is far worse than no match (the money
lands on a stranger's bill and both residents get a wrong statement), so a line is posted
automatically only when the evidence *agrees*; anything else goes to a clerk with the reason and
the accounts worth a look. Evidence for an account: the payer *is* a holder (the same words as
the holder's name or a partner's, in any order and form: ``ROY, LUC`` for ``Marie et Luc Roy``,
never ``Jean Roy`` for ``Jean-Guy Roy``); the payer's *initials fit* a holder (``D. ANDERSON``
for ``Donna Anderson``: a holder too, unless someone else of the surname is in play, as an
initial may be a relative's; an elided ``O'`` or ``D'`` is no initial); the payer's name *shares
a word* with the holder's (a relative, another initial: weak, first names and surnames are
common); the amount *is owed* (a statement's or the balance). An amount is never evidence on
its own: municipal bills are equal to the cent, and a payer who typed another account's valid
number often pays a bill that account owes too. Nor is a word in common where the payer holds
accounts of their own, or may: a surname alone or with initials is not looked up.

==========================  ==========  ========================================================
reason                      confidence  when (certain: posted automatically)
==========================  ==========  ========================================================
exact                       1.00        a valid number of an active account whose holder is the
                                        payer (by name or initials); or shares a word with the
                                        payer, who holds no other account (or holds some, or
                                        is not looked up, and pays exactly what this one owes
                                        and none of theirs does)
final-bill                  1.00        a closed account's number, paid by its holder (by name;
previous-account            0.95        by initials with the amount, or with no amount owed and
                                        no other family among them), for it or for the one
                                        account that followed it (a move, a sale) the payer
                                        holds; if the payer holds several, the one owing the
                                        amount; and no other of them owes the amount. Or its
                                        final bill to the cent, no other of them owing it, by
                                        a relative: a whole name sharing a word with its holder
                                        and none with another family's among them, whose own
                                        accounts do not owe it (as ``exact`` for a relative)
check-digit-transposition   0.97        the check digit fails; of the accounts one swap of two
check-digit-substitution    0.95        adjacent digits (or one digit) away, the one the payer
                                        holds (by name or initials), unless another owes the
                                        amount and it does not; or the only one with any
                                        evidence, by a word of the name and the amount owed.
                                        A valid number no account has, or whose account
                                        nothing at all speaks for (no word, no amount): its
                                        ``09``/``90`` twin, on the same terms
name-and-amount             0.90        no usable number: of every account that can take a
                                        payment (a final bill too) held by someone of the
                                        payer's name, exactly one owes exactly the amount
==========================  ==========  ========================================================

The exceptions (:class:`MatchReason`) say why a clerk must look; their confidence is that of
their first candidate. The Luhn check digit catches every mistyped digit and every adjacent
transposition but ``09`` <-> ``90``, which turns one valid number into another: a valid number
whose ``09``/``90`` twin is an account the payer also holds, or whose bill the payer pays, or
(when the payer is not the holder) with any evidence for it is ``ambiguous``, not exact. A name
held by more than :data:`MAX_NAMESAKES` accounts is ``common-name``: they are not all read.

Why the rules that use initials, twins and relatives are safe. Initials and a surname point at
one person as a name does, but less surely: so an account they fit wins only where a full name
would, and any other account of the surname among the candidates is a rival (an initial may be
a relative's); after a family sale, where seller and buyer share the surname, initials pick no
follower without the amount. A valid number is read as its ``09``/``90`` twin only when the
number's own account has no evidence at all and the payer holds the twin: the swap is the one
typo the check digit cannot see, and a payer paying a stranger's bill while holding that
stranger's twin would be a coincidence of both. A final bill paid to the cent by a relative has
the number, the amount and a word of the name pointing at the one account, which is what an
active account needs from a relative; the other families among its followers (a family sale)
and the payer's own accounts owing the amount still send it to a clerk.
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
from civiq.core.text import check_name, fold, words
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
ELIDED = re.compile(r"\b\w['\u2019]")  # a typewriter or a typographic apostrophe
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
    payer_name = check_name(" ".join(fields["payer_name"].split()), "payer_name")
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
    ``luc roy``). Without a surname after the last partner (``Ferme Roy et Fils``) it is not
    a couple."""
    keys = {name_key(holder_name)}
    partners = [name.split() for name in COUPLE.split(fold(holder_name)) if name.strip()]
    if len(partners) > 1 and len(partners[-1]) > 1:
        surname = partners[-1][-1:]
        keys.update(name_key(" ".join(p if len(p) > 1 else p + surname)) for p in partners)
    return frozenset(key for key in keys if key)


def _unelided(name: str) -> str:
    """A name without its elided particles (the ``O'`` of ``O'Neill``, the ``D'`` of
    ``D'Amours``): a letter before an apostrophe is no initial."""
    return ELIDED.sub("", name)


@lru_cache(maxsize=65_536)
def _tokens(name: str) -> frozenset[str]:
    """The words of a name that tell people apart (initials and ``d'`` do not)."""
    return frozenset(w for w in name_key(name).split() if len(w) > 1)


@lru_cache(maxsize=65_536)
def _surnames(holder_name: str) -> frozenset[str]:
    """A holder's family names: the last word of the name and of each partner's (``Marie Roy et
    Luc Gagnon``: roy, gagnon; ``Jean-François Blais``: blais). What relatives share; a shared
    given name (``Chantal Poulin`` paying for ``Chantal Plante``) is nobody's evidence."""
    partners = [name.split() for name in COUPLE.split(fold(holder_name)) if name.strip()]
    last = (
        [w for w in words(" ".join(person)) if w not in IGNORED_WORDS and len(w) > 1]
        for person in partners
    )
    return frozenset(person[-1] for person in last if len(person) > 1 or len(partners) == 1)


# --- matching -------------------------------------------------------------------------------------

MAX_NAMESAKES = 100  # accounts of one name read to tell them apart; a commoner name is a clerk's


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
        """The accounts a closed one leads to, whatever their status: its holder's other
        accounts (a move) and its property's other accounts (a sale)."""
        ...

    def by_name(self, name_key: str, most: int) -> Sequence[AccountFacts] | None:
        """Every account, whatever its status, with a holder found by this key
        (:func:`name_keys`); None when there are more than ``most``."""
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
    AMBIGUOUS = "ambiguous"  # several accounts fit the evidence
    UNCORROBORATED = "uncorroborated"  # neither the payer's name nor the amount confirms it
    CLOSED_ACCOUNT = "closed-account"  # an old number: neither its final bill nor one follower
    COMMON_NAME = "common-name"  # more accounts have the payer's name than are read
    UNKNOWN_ACCOUNT = "unknown-account"  # a valid number that no account has
    NO_REFERENCE_MATCH = "no-reference-match"  # no usable number; name and amount find nothing
    PAID_BEFORE_OPENING = "paid-before-opening"  # its account opened after the line's date

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
    MatchReason.PAID_BEFORE_OPENING: Decimal("0.50"),
    MatchReason.AMBIGUOUS: Decimal("0.30"),
    MatchReason.CLOSED_ACCOUNT: Decimal("0.30"),
    MatchReason.COMMON_NAME: Decimal("0.30"),
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


@lru_cache(maxsize=65_536)
def _people(name: str) -> frozenset[frozenset[str]]:
    """The people a name stands for, each by the words that tell people apart: the whole name
    and, for a couple, each partner."""
    people = (frozenset(w for w in key.split() if len(w) > 1) for key in name_keys(name))
    return frozenset(person for person in people if person)


class _Evidence:
    """What a line says about its payer, compared with an account's holders and amounts."""

    def __init__(self, line: RemittanceLine) -> None:
        self.amount = line.amount
        self.tokens = _tokens(line.payer_name)
        self.people = _people(line.payer_name)
        self.initials = frozenset(w for w in words(_unelided(line.payer_name)) if len(w) == 1)
        # A surname or initials alone single out nobody: only a whole name is looked up.
        self.key = name_key(line.payer_name) if len(self.tokens) > 1 else None

    def names(self, facts: AccountFacts) -> bool:
        """The payer is a holder: the same words as the holder's name or a partner's, in any
        order and form (``Luc Roy`` pays for ``Marie et Luc Roy``; ``Jean Roy`` is not
        ``Jean-Guy Roy``, nor ``M. Roy`` anyone)."""
        return any(self.people & _people(name) for name in facts.holder_names)

    def initials_fit(self, facts: AccountFacts) -> bool:
        """The payer wrote a holder's surname with initials (``D. ANDERSON`` for ``Donna
        Anderson``): each whole word is the holder's, each initial starts another of theirs."""
        if not (self.tokens and self.initials):
            return False
        return any(
            self.tokens <= person
            and all(any(w.startswith(i) for w in person - self.tokens) for i in self.initials)
            for name in facts.holder_names
            for person in _people(name)
        )

    def identifies(self, facts: AccountFacts) -> bool:
        """The payer is a holder by name, or by initials and surname."""
        return self.names(facts) or self.initials_fit(facts)

    def shares_word(self, facts: AccountFacts) -> bool:
        """The payer's name has a holder's family name: a relative's, perhaps."""
        return any(self.tokens & _surnames(name) for name in facts.holder_names)

    def owes(self, facts: AccountFacts) -> bool:
        return self.amount in facts.open_amounts or self.amount == facts.balance

    def corroborates(self, facts: AccountFacts) -> bool:
        """Any evidence at all: a word of the holder's name, or the amount owed."""
        return facts.payable and (self.shares_word(facts) or self.owes(facts))

    def confirms(self, facts: AccountFacts) -> bool:
        """Agreement a mistyped number needs: the holder's name, or a word of it and the
        amount owed (an amount alone is no one's: bills are equal to the cent)."""
        return facts.payable and (
            self.names(facts) or (self.owes(facts) and self.shares_word(facts))
        )


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
        existing = _existing(scheme.one_typo_away(digits), directory)
        if not existing:
            return _by_name_and_amount(line, directory, evidence)
        return _by_typo(line, existing, directory, evidence)
    facts = directory.by_number(scheme.prefix + digits)
    # Only a 09/90 swap turns a valid number into another one: most numbers have no twin.
    near = _existing(scheme.one_typo_away(digits), directory) if _has_twins(digits) else []
    if facts is None:
        return _by_unknown_number(line, near, directory, evidence)
    twins = [twin for twin, _ in near if twin.payable]
    if facts.active:
        return _by_number(line, facts, twins, directory, evidence)
    return _by_closed(line, facts, twins, directory, evidence)


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


def _by_number(
    line: RemittanceLine,
    account: AccountFacts,
    twins: list[AccountFacts],
    directory: AccountDirectory,
    evidence: _Evidence,
) -> LineMatch:
    """An active account's valid number: certain when the payer is its holder (by name, or
    initials and surname), or shares a word of the holder's name (a relative) and nothing
    points elsewhere (its ``09``/``90`` twin, the payer's own accounts); or, when nothing at
    all speaks for it, its twin the payer holds (:func:`_twin_typed_for`). The amount owed
    alone confirms nothing: a payer who typed another account's valid number often pays a
    bill that account owes too."""
    if evidence.identifies(account):
        rivals = _rivals_of_named(account, twins, evidence)
        if rivals:
            return _exception(line, MatchReason.AMBIGUOUS, [account, *rivals])
        return _certain(line, account, MatchReason.EXACT)
    if not evidence.corroborates(account):
        twin = _twin_typed_for(account, twins, evidence)
        if twin is not None:
            return _certain(line, twin, MatchReason.TRANSPOSITION)
    rivals = [twin for twin in twins if evidence.corroborates(twin)]
    if rivals or (twins and not evidence.corroborates(account)):
        return _exception(line, MatchReason.AMBIGUOUS, [account, *rivals, *twins])
    if not evidence.shares_word(account):
        reason = MatchReason.NAME_MISMATCH if evidence.tokens else MatchReason.UNCORROBORATED
        return _exception(line, reason, [account])
    return _unless_payer_has_own(line, account, MatchReason.EXACT, directory, evidence)


def _twin_typed_for(
    account: AccountFacts, twins: list[AccountFacts], evidence: _Evidence
) -> AccountFacts | None:
    """The open twin a valid number was typed for: its ``09``/``90`` swap is the one typo the
    check digit cannot see, so when nothing at all speaks for the number's own account and
    the payer is the holder of exactly one twin (by name, or initials and surname) that owes
    the amount, with no rival (:func:`_rivals_of_named`), the line is that twin's. (Without the
    amount, a holder paying a stranger's account whose number is a swap of their own would
    pay their own.)"""
    named = [twin for twin in twins if evidence.identifies(twin)]
    if len(named) != 1 or not named[0].active or not evidence.owes(named[0]):
        return None
    return None if _rivals_of_named(named[0], [account, *twins], evidence) else named[0]


def _by_typo(
    line: RemittanceLine,
    existing: list[tuple[AccountFacts, str]],
    directory: AccountDirectory,
    evidence: _Evidence,
) -> LineMatch:
    """One typo away: certain for the one open account the payer is the holder of (by name,
    or by initials and surname), unless another owes the amount and it does not; else when
    exactly one of the accounts has any evidence, it is open, and the evidence confirms it
    (:meth:`_Evidence.confirms`): a shared first name or surname alone is too common to pick
    an account by, and so is an amount when bills are equal to the cent."""
    accounts = [facts for facts, _ in existing]
    named = [
        (facts, typo) for facts, typo in existing if facts.payable and evidence.identifies(facts)
    ]
    if len(named) > 1:
        return _exception(line, MatchReason.AMBIGUOUS, [facts for facts, _ in named])
    if named:
        facts, typo = named[0]
        rivals = _rivals_of_named(facts, accounts, evidence)
        if rivals or not facts.active:
            return _exception(line, MatchReason.AMBIGUOUS, [facts, *rivals])
        return _certain(line, facts, _typo_reason(typo))
    corroborated = [(facts, typo) for facts, typo in existing if evidence.corroborates(facts)]
    if len(corroborated) > 1:
        return _exception(line, MatchReason.AMBIGUOUS, [facts for facts, _ in corroborated])
    if not corroborated:
        return _exception(line, MatchReason.UNCORROBORATED, accounts)
    facts, typo = corroborated[0]
    if not (facts.active and evidence.confirms(facts)):
        return _exception(line, MatchReason.UNCORROBORATED, [facts, *accounts])
    return _unless_payer_has_own(line, facts, _typo_reason(typo), directory, evidence)


def _by_unknown_number(
    line: RemittanceLine,
    twins: list[tuple[AccountFacts, str]],
    directory: AccountDirectory,
    evidence: _Evidence,
) -> LineMatch:
    """A valid number we never issued: a ``09``/``90`` swap of an account's number (the one
    typo the check digit cannot see) when that account is confirmed as a typo's would be;
    else the clerk sees the twins and the payer's namesakes. The name and the amount alone
    never pick an account here: the payer typed a number, just not one of ours."""
    found = _by_typo(line, twins, directory, evidence) if twins else None
    if found is not None and found.certain:
        return found
    namesakes = _namesakes(directory, evidence) or []
    return _exception(line, MatchReason.UNKNOWN_ACCOUNT, [*namesakes, *(f for f, _ in twins)])


def _typo_reason(typo: str) -> MatchReason:
    return MatchReason.TRANSPOSITION if typo == "transposition" else MatchReason.SUBSTITUTION


def _rivals_of_named(
    named: AccountFacts, others: Sequence[AccountFacts], evidence: _Evidence
) -> list[AccountFacts]:
    """The accounts a number could equally be, against one whose holder the payer is: one held
    by someone of the payer's name too (of their surname, when the payer wrote only initials:
    an initial may be a relative's), or one owing the amount when it does not. (One owing
    the same amount is no rival: bills are equal to the cent, names are what tell them
    apart.)"""
    by_initials = not evidence.names(named)
    return [
        other
        for other in others
        if other.account_id != named.account_id
        and other.payable
        and (
            evidence.names(other)
            or (by_initials and evidence.shares_word(other))
            or (evidence.owes(other) and not evidence.owes(named))
        )
    ]


def _unless_payer_has_own(
    line: RemittanceLine,
    account: AccountFacts,
    reason: MatchReason,
    directory: AccountDirectory,
    evidence: _Evidence,
) -> LineMatch:
    """``account``, which the payer does not hold, unless the payer holds accounts of their
    own, or may (a surname alone, or with another's initials, is not looked up): then only
    for its own bill to the cent, and only if none of theirs owes that too."""
    own = _namesakes(directory, evidence)
    if own is None:
        return _exception(line, MatchReason.COMMON_NAME, [account])
    own = [facts for facts in own if facts.account_id != account.account_id]
    owing = [facts for facts in own if evidence.owes(facts)]
    if owing:
        return _exception(line, MatchReason.AMBIGUOUS, [account, *owing])
    if (own or evidence.key is None) and not evidence.owes(account):
        return _exception(line, MatchReason.NAME_MISMATCH, [account, *own])
    return _certain(line, account, reason)


def _by_closed(
    line: RemittanceLine,
    closed: AccountFacts,
    twins: list[AccountFacts],
    directory: AccountDirectory,
    evidence: _Evidence,
) -> LineMatch:
    """A closed account's number leads to its final bill, if it still owes, and to the
    accounts that followed it. Certain, when no other of them owes the amount, for the one the
    payer is the holder of (of several, as after a move: the one owing the amount); or, for
    a payer writing a surname with initials, the one owing the amount they fit, or the one
    lead they fit when none owes it and no other family's holder shares a word with the payer
    (after a family sale an initial is too little to tell seller from buyer); or the final
    bill itself, the only one owing the amount, paid by a relative (a whole name sharing a
    word with its holder, and with no other family's holder among them) as an active
    account's bill would be (:func:`_unless_payer_has_own`): the number, the amount and the
    name all point at it. A shared surname (a family sale), an amount alone (bills equal to
    the cent) or an amount another of them owes picks nothing."""
    related = (closed, *directory.successors(closed.account_id))
    leads = list({facts.account_id: facts for facts in related if facts.payable}.values())
    owing = [facts for facts in leads if evidence.owes(facts)]
    named = [facts for facts in leads if evidence.names(facts)]
    if named:
        chosen = [facts for facts in named if facts in owing] if len(named) > 1 else named
        rivals = _rivals_of_named(chosen[0], twins, evidence) if len(chosen) == 1 else []
    else:
        fitting = [facts for facts in leads if evidence.initials_fit(facts)]
        chosen = [facts for facts in fitting if facts in owing]
        if not owing and len(fitting) == 1 and _one_family(fitting[0], related, evidence):
            chosen = fitting
        rivals = [twin for twin in twins if evidence.corroborates(twin)]
    if len(chosen) == 1 and not rivals and all(facts == chosen[0] for facts in owing):
        paid = chosen[0]
        reason = MatchReason.FINAL_BILL if paid == closed else MatchReason.PREVIOUS_ACCOUNT
        return _certain(line, paid, reason)
    if (
        not (named or chosen or rivals)
        and owing == [closed]
        and evidence.key  # a whole name, looked up: are the payer's own accounts owing it?
        and evidence.shares_word(closed)
        and _one_family(closed, related, evidence)
    ):
        return _unless_payer_has_own(line, closed, MatchReason.FINAL_BILL, directory, evidence)
    return _exception(line, MatchReason.CLOSED_ACCOUNT, [*chosen, *owing, *named, *leads, *rivals])


def _one_family(
    account: AccountFacts, related: Sequence[AccountFacts], evidence: _Evidence
) -> bool:
    """No account of ``related`` but those of ``account``'s holders (the same people after a
    move) has a holder who shares a word with the payer."""
    return all(
        facts.holder_names == account.holder_names
        for facts in related
        if evidence.shares_word(facts)
    )


def _by_name_and_amount(
    line: RemittanceLine, directory: AccountDirectory, evidence: _Evidence
) -> LineMatch:
    """No usable number: the one account of a holder with the payer's name that owes exactly
    the amount, of all such accounts that can take a payment (a namesake's final bill too)."""
    named = _namesakes(directory, evidence)
    if named is None:
        return _exception(line, MatchReason.COMMON_NAME, [])
    owing = [facts for facts in named if evidence.owes(facts)]
    if len(owing) == 1:
        return _certain(line, owing[0], MatchReason.NAME_AND_AMOUNT)
    if owing:
        return _exception(line, MatchReason.AMBIGUOUS, owing)
    return _exception(line, MatchReason.NO_REFERENCE_MATCH, named)


def _namesakes(directory: AccountDirectory, evidence: _Evidence) -> list[AccountFacts] | None:
    """The accounts of holders with the payer's whole name that can take a payment; None when
    more accounts have that name than :data:`MAX_NAMESAKES`."""
    if evidence.key is None:
        return []
    found = directory.by_name(evidence.key, MAX_NAMESAKES)
    return None if found is None else [facts for facts in found if facts.payable]


def paid_before_opening(match: LineMatch) -> LineMatch:
    """A certain match whose account opened after the line was paid, as an exception: the
    money was meant for another account, or its date is wrong; a clerk decides."""
    assert match.account_id is not None
    reason = MatchReason.PAID_BEFORE_OPENING
    return LineMatch(match.line, None, reason, CONFIDENCE[reason], match.candidates)


def _certain(line: RemittanceLine, facts: AccountFacts, reason: MatchReason) -> LineMatch:
    return LineMatch(line, facts.account_id, reason, CONFIDENCE[reason], (facts.account_id,))


def _exception(
    line: RemittanceLine, reason: MatchReason, accounts: Sequence[AccountFacts]
) -> LineMatch:
    candidates = tuple(dict.fromkeys(facts.account_id for facts in accounts))
    confidence = CONFIDENCE[reason] if candidates else NO_CANDIDATE
    return LineMatch(line, None, reason, confidence, candidates)
