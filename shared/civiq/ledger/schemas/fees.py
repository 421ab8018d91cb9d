"""The fee catalogue and fee charges over the API. Amounts are strings of dollars and cents, tax
rates decimal strings of a fraction ("0.13"): money never travels as a JSON number.

The catalogue reads back in the shape it was put in (:class:`FeeSpec`), and is stored in that
shape too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, TypeAdapter
from pydantic.json_schema import JsonDict

from civiq.core.errors import field_prefix
from civiq.core.money import dollars as money
from civiq.core.schemas import DollarsIn, Payload, Request, WholeNumber, not_before
from civiq.ledger.domain.fees import CODE_PATTERN, Fee, FeeCatalogue, FeeTax, FeeVersion
from civiq.ledger.domain.journal import LedgerEntry

FeeCode = Annotated[
    str,
    Field(
        pattern=f"^{CODE_PATTERN}$",
        description="Lower-case letters, digits and dashes: new-account, final-read, "
        "dishonoured-payment, transfer-to-tax, reconnection, certificate...",
    ),
]
TaxRate = Annotated[
    str,
    Field(
        pattern=r"^(0\.[0-9]{0,3}[1-9]|1(\.0{1,4})?)$",
        description="A fraction above 0, at most 1, with up to 4 decimals (HST: 0.13)",
    ),
]
Wording = Annotated[str, Field(min_length=2, max_length=80)]


class FeeTaxSpec(Request):
    name_en: Annotated[str, Field(min_length=2, max_length=20, examples=["HST"])]
    name_fr: Annotated[str, Field(min_length=2, max_length=20, examples=["TVH"])]
    rate: TaxRate

    def to_domain(self) -> FeeTax:
        return FeeTax(self.name_en, self.name_fr, Decimal(self.rate))

    @classmethod
    def of(cls, tax: FeeTax) -> FeeTaxSpec:
        return cls(name_en=tax.name_en, name_fr=tax.name_fr, rate=str(tax.rate))


class FeeVersionSpec(Request):
    """One fee's terms from ``effective_from`` to ``effective_to`` (inclusive; none: until
    further notice)."""

    effective_from: date
    effective_to: date | None = Field(
        default=None,
        exclude_if=lambda value: value is None,  # read back as put: left out when open-ended
        json_schema_extra=not_before("effective_from"),
    )
    amount: DollarsIn
    label_en: Wording = Field(description="As the statement prints it in English")
    label_fr: Wording = Field(description="As the statement prints it in French")
    gl_code: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="The revenue (general ledger) account the fee is booked to"
    )
    tax: FeeTaxSpec | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Left out: the fee is not taxed",
    )

    def to_domain(self) -> FeeVersion:
        return FeeVersion(
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            amount=Decimal(self.amount),
            label_en=self.label_en,
            label_fr=self.label_fr,
            gl_code=self.gl_code,
            tax=self.tax.to_domain() if self.tax else None,
        )

    @classmethod
    def of(cls, version: FeeVersion) -> FeeVersionSpec:
        return cls(
            effective_from=version.effective_from,
            effective_to=version.effective_to,
            amount=money(version.amount),
            label_en=version.label_en,
            label_fr=version.label_fr,
            gl_code=version.gl_code,
            tax=FeeTaxSpec.of(version.tax) if version.tax else None,
        )


class FeeSpec(Request):
    """A fee's versions in date order, none overlapping."""

    versions: list[FeeVersionSpec] = Field(
        min_length=1,
        max_length=50,
        json_schema_extra={"x-periods": ["effective_from", "effective_to"]},
    )

    def to_domain(self, code: str) -> Fee:
        versions = []
        for n, version in enumerate(self.versions):
            with field_prefix(f"versions.{n}"):
                versions.append(version.to_domain())
        return Fee(code, tuple(versions))

    @classmethod
    def of(cls, fee: Fee) -> FeeSpec:
        return cls(versions=[FeeVersionSpec.of(v) for v in fee.versions])


Fees = dict[FeeCode, FeeSpec]  # by code: a code is there once
# Every key is a code (pydantic states the codes' pattern only for the values' schema).
ONLY_CODES: JsonDict = {
    "additionalProperties": False,
    "propertyNames": {"pattern": f"^{CODE_PATTERN}$"},
}
STORED_FEES = TypeAdapter(Fees)


def catalogue_of(specs: Mapping[str, FeeSpec], version: int) -> FeeCatalogue:
    """The domain catalogue of ``specs``; errors name the field as sent
    (``fees.new-account.versions.1.amount``)."""
    fees = []
    for code, spec in specs.items():
        with field_prefix(f"fees.{code}"):
            fees.append(spec.to_domain(code))
    return FeeCatalogue.of(fees, version)


def specs_of(catalogue: FeeCatalogue) -> Fees:
    return {code: FeeSpec.of(fee) for code, fee in catalogue.fees.items()}


class FeeCatalogueRequest(Request):
    """The whole catalogue, replacing the one read at ``version`` (0: none saved yet)."""

    version: WholeNumber = Field(description="The catalogue's version as read (0: never saved)")
    fees: Fees = Field(
        max_length=100, description="Each fee by its code", json_schema_extra=ONLY_CODES
    )

    def to_domain(self) -> FeeCatalogue:
        return catalogue_of(self.fees, self.version)


class FeeCatalogueResponse(Payload):
    version: int
    fees: Fees = Field(description="Each fee by its code", json_schema_extra=ONLY_CODES)

    @classmethod
    def of(cls, catalogue: FeeCatalogue) -> FeeCatalogueResponse:
        return cls(version=catalogue.version, fees=specs_of(catalogue))


class ChargeFeeRequest(Request):
    code: FeeCode
    reason: str | None = Field(
        default=None, min_length=3, max_length=500, description="Why it is charged, for the record"
    )


class FeeEntryOut(Payload):
    entry_id: str
    amount: str
    reason: str = Field(description="The wording the statement prints (the account's language)")


class FeeChargeResponse(Payload):
    account_id: str
    code: str
    amount: str = Field(description="The fee before tax")
    tax: str = Field(description="Its tax (0.00: untaxed)")
    total: str
    entries: list[FeeEntryOut]

    @classmethod
    def of(cls, account_id: str, code: str, entries: Sequence[LedgerEntry]) -> FeeChargeResponse:
        fee, taxes = entries[0], entries[1:]
        tax = sum((e.amount for e in taxes), Decimal(0))
        return cls(
            account_id=account_id,
            code=code,
            amount=money(fee.amount),
            tax=money(tax),
            total=money(fee.amount + tax),
            entries=[
                FeeEntryOut(entry_id=e.entry_id, amount=money(e.amount), reason=e.reason)
                for e in entries
            ],
        )
