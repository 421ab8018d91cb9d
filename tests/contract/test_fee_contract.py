"""The fee catalogue and fee charges, against the in-memory fakes and DynamoDB alike: the
catalogue reads back as saved and is changed only at the version read; a fee and its tax are
posted once per trigger; a dishonoured cheque takes the catalogue's fee."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.services.recording import Recorder
from civiq.core.audit import AuditEntry
from civiq.core.errors import VersionConflict
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
from civiq.ledger.adapters.memory import InMemoryFeeCatalogues
from civiq.ledger.domain.fees import (
    DISHONOURED_PAYMENT,
    NEW_ACCOUNT,
    Fee,
    FeeCatalogue,
    FeeTax,
    FeeVersion,
)
from civiq.ledger.domain.payments import PaymentStatus
from civiq.ledger.services.fees import ChargeFee, ConfigureFees
from civiq.payments.services.payments import ReversePayment
from tests.helpers.stores import NOW, Books, Stores

CLERK = Actor("clerk-1", "clerk")
SUPERVISOR = Actor("super-1", "supervisor")

NEW_ACCOUNT_FEE = Fee(
    NEW_ACCOUNT,
    (
        FeeVersion(
            date(2025, 1, 1),
            D("35.00"),
            "New account fee",
            "Frais d'ouverture de compte",
            "4110-fees",
            FeeTax("HST", "TVH", D("0.13")),
            effective_to=date(2025, 12, 31),
        ),
        FeeVersion(
            date(2026, 1, 1),
            D("40.00"),
            "New account fee",
            "Frais d'ouverture de compte",
            "4110-fees",
            FeeTax("HST", "TVH", D("0.13")),
        ),
    ),
)
DISHONOURED_FEE = Fee(
    DISHONOURED_PAYMENT,
    (
        FeeVersion(
            date(2025, 1, 1),
            D("30.00"),
            "Returned payment fee",
            "Frais de paiement refusé",
            "4120-nsf",
        ),
    ),
)


def catalogues_of(stores: Stores) -> Any:
    if isinstance(stores.accounts, InMemoryStore):
        return InMemoryFeeCatalogues(stores.accounts)
    return DynamoFeeCatalogues()


HISTORY_IDS = SequentialIds("01F")  # every history entry its own id, as ULIDs are


def configure(catalogues: Any, *fees: Fee) -> FeeCatalogue:
    recorder = Recorder(FixedClock(NOW), HISTORY_IDS)
    current = catalogues.get()
    return ConfigureFees(catalogues, recorder)(
        FeeCatalogue.of(list(fees), current.version), SUPERVISOR, "corr-fees"
    )


def test_the_catalogue_is_empty_until_saved_and_reads_back_as_saved(stores: Stores) -> None:
    catalogues = catalogues_of(stores)
    assert catalogues.get() == FeeCatalogue({})

    saved = configure(catalogues, NEW_ACCOUNT_FEE, DISHONOURED_FEE)

    assert saved.version == 1
    assert catalogues.get() == saved
    assert catalogues.get().fees[NEW_ACCOUNT] == NEW_ACCOUNT_FEE


def test_the_catalogue_changes_only_at_the_version_read(stores: Stores) -> None:
    catalogues = catalogues_of(stores)
    configure(catalogues, NEW_ACCOUNT_FEE)
    read = catalogues.get()
    configure(catalogues, NEW_ACCOUNT_FEE, DISHONOURED_FEE)  # someone else, first

    with pytest.raises(VersionConflict) as error:
        configure_at(catalogues, read, DISHONOURED_FEE)
    assert error.value.current_version == 2
    assert set(catalogues.get().fees) == {NEW_ACCOUNT, DISHONOURED_PAYMENT}


def configure_at(catalogues: Any, read: FeeCatalogue, *fees: Fee) -> FeeCatalogue:
    """Save ``fees`` as a change of the catalogue as it was ``read``: the store refuses it when
    the catalogue moved on meanwhile."""
    recorder = Recorder(FixedClock(NOW), HISTORY_IDS)
    after = FeeCatalogue.of(list(fees), read.version + 1)
    ConfigureFees(catalogues, recorder).catalogues.save(read, after, _entry(recorder))
    return after


def _entry(recorder: Recorder) -> AuditEntry:
    return AuditEntry(recorder.ids.new_id(), "FEES", "FeeCatalogueChanged", "s", "r", NOW, "c", {})


def test_a_fee_and_its_tax_are_posted_once_per_trigger(stores: Stores, books: Books) -> None:
    catalogues = catalogues_of(stores)
    configure(catalogues, NEW_ACCOUNT_FEE)
    charge = ChargeFee(books.post.books, catalogues)
    account_id = books.account.account_id

    first = charge(account_id, NEW_ACCOUNT, "request:k1", CLERK, "c", because="staff")
    again = charge(account_id, NEW_ACCOUNT, "request:k1", CLERK, "c", because="staff")

    assert (first.new, again.new) == (True, False)
    assert again.entries == first.entries
    # the 2026 version (NOW is 2026-12-03): 40.00 + 13% HST 5.20 = 45.20, one unbilled item
    assert [e.amount for e in books.journal()] == [D("40.00"), D("5.20")]
    assert books.owed() == {f"unbilled:{first.entries[0].entry_id}": D("45.20")}
    books.assert_sound()


def test_a_dishonoured_cheque_takes_the_catalogues_fee_untaxed(
    stores: Stores, books: Books
) -> None:
    catalogues = catalogues_of(stores)
    configure(catalogues, DISHONOURED_FEE)
    books.issue(date(2026, 11, 30), "95.50")
    books.pay("P-1", "95.50")
    reverse = ReversePayment(books.post.books, D("45.00"), catalogues)

    reverse(books.account.account_id, "P-1", PaymentStatus.DISHONOURED, "NSF", CLERK, "c")

    owed = books.owed()
    assert owed["unbilled:P-1-nsf-fee"] == D("30.00")  # the catalogue's, not the 45.00 default
    fee = books.journal()[-1]
    assert (fee.kind.value, fee.reason) == ("fee", "Frais de paiement refusé")  # a French holder
    books.assert_sound()
