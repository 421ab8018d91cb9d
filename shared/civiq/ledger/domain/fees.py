"""The fee catalogue: what the municipality charges for a service (opening an account, a final
read, a dishonoured payment, a transfer of arrears to the tax roll, a reconnection, a tax
certificate), each fee with its own amount, tax, revenue (GL) code and en/fr wording, in versions
by effective date like a rate schedule's.

A fee charged is posted to the ledger as a ``fee`` entry worded in the account's language, its
tax (when it has one) as a second ``fee`` entry naming the tax, both owed as one unbilled item:
the next statement itemizes them (:func:`is_fee_line`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from types import MappingProxyType

from civiq.core.errors import InvalidInput
from civiq.core.language import Language
from civiq.core.money import CENT
from civiq.ledger.domain.journal import EntryKind, Head, LedgerEntry, Source, append

NEW_ACCOUNT = "new-account"
FINAL_READ = "final-read"
DISHONOURED_PAYMENT = "dishonoured-payment"
TRANSFER_TO_TAX = "transfer-to-tax"
RECONNECTION = "reconnection"
CERTIFICATE = "certificate"

FEE_SOURCE = "fee-catalogue"  # a fee entry's source kind; its source id is the fee's code
FEE_TAX_SOURCE = "fee-catalogue-tax"  # the tax on a fee
CODE_PATTERN = r"[a-z][a-z0-9-]{1,39}"


@dataclass(frozen=True, slots=True)
class FeeTax:
    """A sales tax on a fee: ``rate`` is a fraction (HST: 0.13)."""

    name_en: str  # "HST"
    name_fr: str  # "TVH"
    rate: Decimal

    def __post_init__(self) -> None:
        if not (self.name_en.strip() and self.name_fr.strip()):
            raise InvalidInput("a tax is named in English and French", "tax.name_en")
        if not 0 < self.rate <= 1 or self.rate != self.rate.quantize(Decimal("0.0001")):
            raise InvalidInput("a tax rate is a fraction above 0, at most 1", "tax.rate")

    def on(self, amount: Decimal) -> Decimal:
        """The tax on ``amount``, rounded to the cent half up."""
        return (amount * self.rate).quantize(CENT, rounding=ROUND_HALF_UP)

    def name(self, language: Language) -> str:
        return self.name_fr if language is Language.FR else self.name_en

    def described(self, fee_label: str, language: Language) -> str:
        """The tax line's wording: "HST 13% on New account fee", "TVH 13 % sur ..."."""
        percent = format(self.rate * 100, "f").rstrip("0").rstrip(".") if self.rate else "0"
        if language is Language.FR:
            return f"{self.name_fr} {percent.replace('.', ',')}\u00a0% sur {fee_label}"
        return f"{self.name_en} {percent}% on {fee_label}"


@dataclass(frozen=True, slots=True)
class FeeVersion:
    """One fee's terms from ``effective_from`` through ``effective_to`` (None: open-ended)."""

    effective_from: date
    amount: Decimal
    label_en: str
    label_fr: str
    gl_code: str  # the revenue account the fee is booked to
    tax: FeeTax | None = None
    effective_to: date | None = None

    def __post_init__(self) -> None:
        if self.amount <= 0 or self.amount != self.amount.quantize(CENT):
            raise InvalidInput("a fee is a positive amount in cents", "amount")
        if not (self.label_en.strip() and self.label_fr.strip()):
            raise InvalidInput("a fee is worded in English and French", "label_en")
        if not self.gl_code.strip():
            raise InvalidInput("a fee is booked to a revenue (GL) code", "gl_code")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise InvalidInput("a version ends on or after it starts", "effective_to")

    def covers(self, day: date) -> bool:
        ends = self.effective_to
        return self.effective_from <= day and (ends is None or day <= ends)

    def label(self, language: Language) -> str:
        return self.label_fr if language is Language.FR else self.label_en

    @property
    def tax_amount(self) -> Decimal:
        return self.tax.on(self.amount) if self.tax else Decimal(0)

    @property
    def total(self) -> Decimal:
        """What the account owes for it: the fee and its tax."""
        return self.amount + self.tax_amount


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee of the catalogue: its code and its versions in date order, none overlapping."""

    code: str
    versions: tuple[FeeVersion, ...]

    def __post_init__(self) -> None:
        if not re.fullmatch(CODE_PATTERN, self.code):
            raise InvalidInput("a fee code is 2 to 40 lowercase letters, digits and dashes", "code")
        versions = tuple(sorted(self.versions, key=lambda v: v.effective_from))
        if not versions:
            raise InvalidInput(f"fee {self.code} has no version", "versions")
        for earlier, later in pairwise(versions):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise InvalidInput(
                    f"fee {self.code}: the version from {later.effective_from} overlaps the one "
                    f"from {earlier.effective_from}",
                    "effective_from",
                )
        object.__setattr__(self, "versions", versions)

    def on(self, day: date) -> FeeVersion | None:
        """The version in effect on ``day`` (None: the fee is not charged then)."""
        return next((v for v in self.versions if v.covers(day)), None)


@dataclass(frozen=True, slots=True)
class FeeCatalogue:
    """Every configured fee by code. ``version`` is the record's, for optimistic locking."""

    fees: Mapping[str, Fee]
    version: int = 0  # 0: never saved

    def __post_init__(self) -> None:
        for code, fee in self.fees.items():
            if code != fee.code:
                raise ValueError(f"fee {fee.code} filed under {code}")
        object.__setattr__(self, "fees", MappingProxyType(dict(sorted(self.fees.items()))))

    @classmethod
    def of(cls, fees: Sequence[Fee], version: int = 0) -> FeeCatalogue:
        codes = [f.code for f in fees]
        duplicate = next((c for c in codes if codes.count(c) > 1), None)
        if duplicate:
            raise InvalidInput(f"fee {duplicate} is listed twice", "fees")
        return cls({f.code: f for f in fees}, version)

    def fee_on(self, code: str, day: date) -> FeeVersion | None:
        """The terms of fee ``code`` on ``day``; None when it is not configured then."""
        fee = self.fees.get(code)
        return fee.on(day) if fee else None


@dataclass(frozen=True, slots=True)
class FeeCharge:
    """A fee charged to an account: which one, on what terms, and why (its trigger)."""

    code: str
    terms: FeeVersion
    entry_id: str  # the fee's ledger entry; its tax is ``<entry_id>-tax``
    because: str  # what triggered it, for the record: "AccountOpened", "staff", a payment...


def fee_entries(
    head: Head | None,
    charge: FeeCharge,
    *,
    account_id: str,
    language: Language,
    occurred_at: datetime,
    recorded_by: str,
) -> tuple[LedgerEntry, ...]:
    """The ledger entries of ``charge`` after ``head``: the fee, then its tax (if any), each
    worded in the account's ``language`` (the statement prints the wording as is)."""
    label = charge.terms.label(language)
    entries = [
        append(
            head,
            account_id=account_id,
            entry_id=charge.entry_id,
            kind=EntryKind.FEE,
            amount=charge.terms.amount,
            occurred_at=occurred_at,
            recorded_by=recorded_by,
            reason=label,
            source=Source(FEE_SOURCE, charge.code),
        )
    ]
    tax = charge.terms.tax
    if tax is not None and charge.terms.tax_amount:
        entries.append(
            append(
                entries[-1].head,
                account_id=account_id,
                entry_id=tax_entry_id(charge.entry_id),
                kind=EntryKind.FEE,
                amount=charge.terms.tax_amount,
                occurred_at=occurred_at,
                recorded_by=recorded_by,
                reason=tax.described(label, language),
                source=Source(FEE_TAX_SOURCE, charge.code),
            )
        )
    return tuple(entries)


def tax_entry_id(entry_id: str) -> str:
    """The id of the entry that charges the tax on fee entry ``entry_id``."""
    return f"{entry_id}-tax"


def standard_dishonoured_fee(amount: Decimal) -> FeeVersion | None:
    """The dishonoured-payment fee when the catalogue has none in effect: the configured NSF
    amount, untaxed (None when it is 0: no fee)."""
    if not amount:
        return None
    return FeeVersion(
        effective_from=date.min,
        amount=amount,
        label_en="Returned payment fee",
        label_fr="Frais de paiement refusé",
        gl_code=DISHONOURED_PAYMENT,
    )


def is_fee_line(entry: LedgerEntry) -> bool:
    """Whether a statement itemizes ``entry`` on its own line, in its own wording: a fee of the
    catalogue or its tax (other entries are added up by kind)."""
    return entry.kind is EntryKind.FEE and entry.source.kind in (FEE_SOURCE, FEE_TAX_SOURCE)


def fee_guard(code: str, trigger: str) -> str:
    """The posting guard of fee ``code`` charged for ``trigger``: charged once per trigger."""
    return f"fee:{code}:{trigger}"
