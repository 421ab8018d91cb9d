"""PAD agreements kept by us: the agreement's fields checked (each refused one named), the
bank account sealed and shown masked, autopay enrolment and cancellation through the accounts
feature's change, and a new gateway given the agreement from our sealed record once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civiq.accounts.services.change_account import ChangeAccount
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor, DomainEvent
from civiq.core.fakes import FixedClock
from civiq.core.ids import DeterministicIds
from civiq.core.publishing import PublishEvents
from civiq.payments.adapters.memory import InMemoryMandates, InMemoryVault
from civiq.payments.domain.mandates import BankAccount, MandateStatus, mandate_asked
from civiq.payments.ports import ChargeRequest, RefundRequest
from civiq.payments.services.autopay_cancellation import CancelAutopay
from civiq.payments.services.autopay_enrolment import EnrolAutopay
from civiq.payments.services.mandate_instruments import MandateInstrument
from tests.helpers.stores import NoPublisher, Stores, memory_stores

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
RESIDENT = Actor("resident", "resident")
FORM = {
    "payor": "Élise  Tremblay",
    "institution": "001",
    "transit": "12345",
    "bank_account": "12 345 678",
}


class Gateway:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tokenised: list[BankAccount] = []

    def tokenise(self, bank: BankAccount, payor: str) -> str:
        self.tokenised.append(bank)
        return f"{self.name}:{bank.account[-3:]}:{payor}"

    def charge(self, request: ChargeRequest) -> str:
        raise AssertionError("not charged here")

    def refund(self, request: RefundRequest) -> None:
        raise AssertionError("not refunded here")


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ({**FORM, "payor": " "}, ["payor"]),
        ({**FORM, "institution": "01"}, ["institution"]),
        ({**FORM, "transit": "1234a"}, ["transit"]),
        ({**FORM, "bank_account": "123456"}, ["bank_account"]),
        (
            {"payor": "", "institution": "", "transit": "", "bank_account": ""},
            ["payor", "institution", "transit", "bank_account"],
        ),
    ],
)
def test_each_field_refused_is_named(form: dict[str, str], fields: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        mandate_asked(
            form["payor"], form["institution"], form["transit"], form["bank_account"], True
        )
    assert [e.field for e in refused.value.errors] == fields


def test_the_agreement_must_be_accepted_and_is_read_as_typed() -> None:
    with pytest.raises(InvalidInput) as refused:
        mandate_asked(*FORM.values(), accepted=False)
    assert [e.field for e in refused.value.errors] == ["accepted"]
    asked = mandate_asked(*FORM.values(), accepted=True)
    assert asked.payor == "Élise Tremblay"
    assert asked.bank == BankAccount("001", "12345", "12345678")
    assert asked.bank.masked == "001-12345 •••678"


@pytest.fixture
def world() -> tuple[Stores, str, EnrolAutopay, CancelAutopay, InMemoryMandates, Gateway]:
    stores = memory_stores()
    account = stores.open("Élise Tremblay", "17 Rue Laval")
    change = ChangeAccount(
        stores.accounts,
        stores.changes,
        PublishEvents(stores.outbox, NoPublisher()),
        stores.recorder,
        stores.properties,
        stores.billing,
    )
    mandates, gateway = InMemoryMandates(), Gateway("first")
    clock, ids = FixedClock(NOW), DeterministicIds("M")
    enrol = EnrolAutopay(stores.accounts, change, mandates, InMemoryVault(), gateway, clock, ids)
    cancel = CancelAutopay(stores.accounts, change, mandates, clock, ids)
    return stores, account.account_id, enrol, cancel, mandates, gateway


def test_enrolment_keeps_the_agreement_sealed_and_sets_the_flag(world: tuple) -> None:
    stores, account_id, enrol, _, mandates, _ = world
    mandate = enrol(account_id, FORM, True, RESIDENT, "c")
    assert stores.accounts.get(account_id).autopay
    assert mandates.current(account_id) == mandate
    assert "12345678" not in mandate.masked and "12345678" in mandate.sealed  # the fake vault
    assert mandate.tokens == {"first": "first:678:Élise Tremblay"}
    (enrolled,) = mandates.records
    assert isinstance(enrolled, DomainEvent) and enrolled.event_type == "AutopayEnrolled"
    assert "12345678" not in str(enrolled.detail)
    with pytest.raises(Conflict):
        enrol(account_id, FORM, True, RESIDENT, "c2")


def test_an_enrolment_cut_short_sets_the_flag_when_sent_again(world: tuple) -> None:
    stores, account_id, enrol, _, mandates, _ = world
    enrol(account_id, FORM, True, RESIDENT, "c")
    flagged = stores.accounts.get(account_id)
    stores.revise(flagged, flagged.with_settings(False, flagged.landlord_copies, flagged.cart_size))
    again = enrol(account_id, FORM, True, RESIDENT, "c2")
    assert stores.accounts.get(account_id).autopay and len(mandates.records) == 1
    assert again == mandates.current(account_id)


def test_cancelling_keeps_the_agreement_and_clears_the_flag_once(world: tuple) -> None:
    stores, account_id, enrol, cancel, mandates, _ = world
    enrol(account_id, FORM, True, RESIDENT, "c")
    cancel(account_id, RESIDENT, "c2")
    cancel(account_id, RESIDENT, "c3")
    assert not stores.accounts.get(account_id).autopay
    assert mandates.current(account_id) is None
    (kept,) = mandates.cancelled
    assert kept.status is MandateStatus.CANCELLED and kept.cancelled_at == NOW
    assert [r.event_type for r in mandates.records if isinstance(r, DomainEvent)] == [
        "AutopayEnrolled",
        "AutopayCancelled",
    ]


def test_a_new_gateway_is_given_the_agreement_once(world: tuple) -> None:
    _, account_id, enrol, _, mandates, _ = world
    enrol(account_id, FORM, True, RESIDENT, "c")
    second = Gateway("second")
    instrument = MandateInstrument(
        mandates, InMemoryVault(), second, FixedClock(NOW), DeterministicIds("T")
    )
    token = instrument(account_id, Actor("autopay", "system"), "c2")
    assert token == "second:678:Élise Tremblay"
    assert instrument(account_id, Actor("autopay", "system"), "c3") == token
    assert second.tokenised == [BankAccount("001", "12345", "12345678")]  # once
    assert mandates.current(account_id).tokens == {
        "first": "first:678:Élise Tremblay",
        "second": token,
    }
    assert isinstance(mandates.records[-1], AuditEntry)
    assert mandates.records[-1].detail == {
        "mandate_id": mandates.current(account_id).mandate_id,
        "gateway": "second",
    }


def test_an_account_without_an_agreement_is_charged_on_the_processors_file(world: tuple) -> None:
    _, account_id, _, _, mandates, first = world
    instrument = MandateInstrument(
        mandates, InMemoryVault(), first, FixedClock(NOW), DeterministicIds("T")
    )
    assert instrument(account_id, Actor("autopay", "system"), "c") is None
