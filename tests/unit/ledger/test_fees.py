"""The fee catalogue: versions by date, a tax per fee, the entries a charge posts, and a charge
posted once per trigger (in memory)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from civiq.core.errors import InvalidInput, NotFound
from civiq.core.events import Actor, DomainEvent
from civiq.core.language import Language
from civiq.ledger.adapters.memory import InMemoryFeeCatalogues
from civiq.ledger.domain.fees import (
    DISHONOURED_PAYMENT,
    NEW_ACCOUNT,
    Fee,
    FeeCatalogue,
    FeeCharge,
    FeeTax,
    FeeVersion,
    fee_entries,
    is_fee_line,
    standard_dishonoured_fee,
)
from civiq.ledger.domain.journal import EntryKind, verify_chain
from civiq.ledger.services.fees import ChargeFee, ChargeOpeningFee
from civiq.payments.services.payments import PostPayment
from tests.helpers.stores import Books, books_over, memory_stores

HST = FeeTax("HST", "TVH", D("0.13"))
AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
CLERK = Actor("clerk-1", "clerk")


def version(
    start: str, amount: str, end: str | None = None, tax: FeeTax | None = None
) -> FeeVersion:
    return FeeVersion(
        effective_from=date.fromisoformat(start),
        amount=D(amount),
        label_en="New account fee",
        label_fr="Frais d'ouverture de compte",
        gl_code="4110-fees",
        tax=tax,
        effective_to=date.fromisoformat(end) if end else None,
    )


# Barrie's: 13% HST on the new-account fee, none on the dishonoured-payment fee.
BARRIE = FeeCatalogue.of(
    [
        Fee(
            NEW_ACCOUNT,
            (
                version("2025-01-01", "35.00", "2025-12-31", HST),
                version("2026-01-01", "40.00", tax=HST),
            ),
        ),
        Fee(
            DISHONOURED_PAYMENT,
            (
                FeeVersion(
                    date(2025, 1, 1),
                    D("40.00"),
                    "Returned payment fee",
                    "Frais de paiement refusé",
                    "4120-nsf",
                ),
            ),
        ),
    ]
)


def test_the_version_in_effect_on_a_day_gives_the_fee() -> None:
    assert BARRIE.fee_on(NEW_ACCOUNT, date(2025, 12, 31)).amount == D("35.00")
    assert BARRIE.fee_on(NEW_ACCOUNT, date(2026, 1, 1)).amount == D("40.00")
    assert BARRIE.fee_on(NEW_ACCOUNT, date(2024, 12, 31)) is None  # not charged before
    assert BARRIE.fee_on("certificate", date(2026, 1, 1)) is None  # not configured


def test_each_fee_has_its_own_tax() -> None:
    new_account = BARRIE.fee_on(NEW_ACCOUNT, date(2026, 6, 1))
    dishonoured = BARRIE.fee_on(DISHONOURED_PAYMENT, date(2026, 6, 1))
    assert new_account is not None and dishonoured is not None
    # 40.00 x 0.13 = 5.20; 40.00 + 5.20 = 45.20
    assert (new_account.tax_amount, new_account.total) == (D("5.20"), D("45.20"))
    assert (dishonoured.tax_amount, dishonoured.total) == (D("0"), D("40.00"))


def test_a_tax_rounds_half_up_to_the_cent() -> None:
    # 12.50 x 0.13 = 1.625 -> 1.63
    assert HST.on(D("12.50")) == D("1.63")


@pytest.mark.parametrize(
    ("versions", "field"),
    [
        ((version("2026-01-01", "40.00"), version("2026-06-01", "45.00")), "effective_from"),
        (
            (version("2026-01-01", "40.00", "2026-06-30"), version("2026-06-30", "45.00")),
            "effective_from",
        ),
        ((), "versions"),
    ],
    ids=["open-ended-then-another", "one-day-overlap", "none"],
)
def test_versions_never_overlap(versions: tuple[FeeVersion, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        Fee(NEW_ACCOUNT, versions)
    assert error.value.field == field


def test_a_fee_is_refused_without_its_wording_gl_code_or_a_positive_amount() -> None:
    for bad, field in (
        ({"amount": D("0")}, "amount"),
        ({"amount": D("1.005")}, "amount"),
        ({"label_fr": " "}, "label_en"),
        ({"gl_code": ""}, "gl_code"),
    ):
        fields = {
            "effective_from": date(2026, 1, 1),
            "amount": D("40.00"),
            "label_en": "Fee",
            "label_fr": "Frais",
            "gl_code": "4110",
            **bad,
        }
        with pytest.raises(InvalidInput) as error:
            FeeVersion(**fields)  # type: ignore[arg-type]
        assert error.value.field == field


def test_a_code_is_listed_once_and_well_formed() -> None:
    fee = Fee(NEW_ACCOUNT, (version("2026-01-01", "40.00"),))
    with pytest.raises(InvalidInput):
        FeeCatalogue.of([fee, fee])
    with pytest.raises(InvalidInput) as error:
        Fee("New Account", (version("2026-01-01", "40.00"),))
    assert error.value.field == "code"


@pytest.mark.parametrize(
    ("language", "fee", "tax"),
    [
        (Language.EN, "New account fee", "HST 13% on New account fee"),
        (
            Language.FR,
            "Frais d'ouverture de compte",
            "TVH 13\u00a0% sur Frais d'ouverture de compte",
        ),
    ],
)
def test_a_charge_posts_the_fee_and_its_tax_in_the_accounts_language(
    language: Language, fee: str, tax: str
) -> None:
    terms = BARRIE.fee_on(NEW_ACCOUNT, date(2026, 6, 1))
    assert terms is not None
    charge = FeeCharge(NEW_ACCOUNT, terms, "FEE-1", "AccountOpened")
    entries = fee_entries(
        None, charge, account_id="A1", language=language, occurred_at=AT, recorded_by="clerk-1"
    )
    assert [(e.entry_id, e.kind, e.amount, e.reason) for e in entries] == [
        ("FEE-1", EntryKind.FEE, D("40.00"), fee),
        ("FEE-1-tax", EntryKind.FEE, D("5.20"), tax),
    ]
    assert verify_chain(entries, entries[-1].head) is None
    assert all(is_fee_line(e) for e in entries)


def test_the_nsf_amount_is_the_dishonoured_payment_fee_when_none_is_configured() -> None:
    standard = standard_dishonoured_fee(D("45.00"))
    assert standard is not None
    assert (standard.amount, standard.tax, standard.label_en) == (
        D("45.00"),
        None,
        "Returned payment fee",
    )
    assert standard_dishonoured_fee(D("0")) is None  # no fee at all


# --- the charge, posted once per trigger (in memory) --------------------------------------------


def charging(catalogue: FeeCatalogue = BARRIE) -> tuple[Books, ChargeFee]:
    stores = memory_stores()
    books = books_over(stores)
    catalogues = InMemoryFeeCatalogues(stores.accounts)
    catalogues.catalogue = catalogue
    assert isinstance(books.post, PostPayment)
    return books, ChargeFee(books.post.books, catalogues)


def test_a_fee_is_charged_once_per_trigger() -> None:
    books, charge = charging()
    account_id = books.account.account_id

    first = charge(account_id, NEW_ACCOUNT, "request:key-1", CLERK, "c", because="staff")
    again = charge(account_id, NEW_ACCOUNT, "request:key-1", CLERK, "c", because="staff")
    other = charge(account_id, NEW_ACCOUNT, "request:key-2", CLERK, "c", because="staff")

    assert (first.new, again.new, other.new) == (True, False, True)
    assert again.entries == first.entries
    # two charges of 40.00 + 5.20 HST = 90.40, each owed as one unbilled item
    assert books.ledger.state(account_id).balance == D("90.40")
    assert books.owed() == {
        f"unbilled:{first.entries[0].entry_id}": D("45.20"),
        f"unbilled:{other.entries[0].entry_id}": D("45.20"),
    }
    assert [e.kind for e in books.journal()] == [EntryKind.FEE] * 4
    books.assert_sound()


def test_a_fee_the_catalogue_does_not_have_is_not_found() -> None:
    books, charge = charging()
    with pytest.raises(NotFound) as error:
        charge(books.account.account_id, "certificate", "request:k", CLERK, "c", because="staff")
    assert error.value.field == "code"
    assert books.journal() == []


def test_an_account_opened_is_charged_the_new_account_fee_once() -> None:
    books, charge = charging()
    account = books.account
    opened = DomainEvent(
        "E1",
        "AccountOpened",
        1,
        AT,
        CLERK,
        "c",
        f"ACCOUNT#{account.account_id}",
        {"account_id": account.account_id},
    )
    charged = ChargeOpeningFee(charge)(opened)
    redelivered = ChargeOpeningFee(charge)(opened)

    assert charged is not None and charged.new
    assert redelivered is not None and not redelivered.new
    # the account holder reads French: the fee is worded so on the statement
    assert [e.reason for e in books.journal()] == [
        "Frais d'ouverture de compte",
        "TVH 13\u00a0% sur Frais d'ouverture de compte",
    ]


def test_no_new_account_fee_is_charged_when_none_is_configured() -> None:
    books, charge = charging(FeeCatalogue({}))
    account = books.account
    opened = DomainEvent(
        "E1",
        "AccountOpened",
        1,
        AT,
        CLERK,
        "c",
        f"ACCOUNT#{account.account_id}",
        {"account_id": account.account_id},
    )
    assert ChargeOpeningFee(charge)(opened) is None
    assert books.journal() == []
