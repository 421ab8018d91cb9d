"""A payment on the portal: the form's fields checked (each refused one named), one payment per
form's key however often it is sent, and a gateway that failed asked again under the same key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from civiq.core.errors import InvalidInput
from civiq.core.fakes import FixedClock
from civiq.core.ids import DeterministicIds
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.ports import ChargeRequest, RefundRequest
from civiq.portal.adapters.memory import MemoryOnlinePayments
from civiq.portal.domain.online_payments import OnlineMethod, payment_asked
from civiq.portal.services.online_payment import PayOnline
from tests.helpers.stores import memory_stores

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
KEY = "0b6f7c2e-5d1a-4a43-9c39-6f0e8d2b1a77"
MAXIMUM = Decimal("5000.00")


class Gateway:
    """A processor that takes charges (or fails as told), one per idempotency key."""

    def __init__(self) -> None:
        self.asked: list[ChargeRequest] = []
        self.down = False

    def charge(self, request: ChargeRequest) -> str:
        self.asked.append(request)
        if self.down:
            raise ConnectionError("the processor did not answer")
        return f"pay_{request.idempotency_key[-6:]}"

    def refund(self, request: RefundRequest) -> None:
        raise AssertionError("no refund here")


class NoStatements:
    def recent(self, account_id: str, limit: int) -> list[object]:
        return []

    def get(self, account_id: str, statement_id: str) -> object:
        raise AssertionError("not read")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("240", "240"), ("240.5", "240.5"), (" $1,99 ", "1.99"), ("5000.00", "5000.00")],
)
def test_an_amount_is_read_as_typed(typed: str, amount: str) -> None:
    asked = payment_asked("A", typed, "card", KEY, MAXIMUM)
    assert asked.amount == Decimal(amount) and asked.method is OnlineMethod.CARD


@pytest.mark.parametrize("typed", ["0", "0.00", "-1", "1.999", "1e3", "abc", "", "5000.01"])
def test_an_amount_refused_names_the_amount(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        payment_asked("A", typed, "pad", KEY, MAXIMUM)
    assert [e.field for e in refused.value.errors] == ["amount"]


def test_every_field_refused_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        payment_asked("A", "x", "cheque", "short", MAXIMUM)
    assert [e.field for e in refused.value.errors] == ["amount", "method", "idempotency_key"]


@pytest.fixture
def world() -> tuple[PayOnline, Gateway, MemoryOnlinePayments, str, str]:
    stores = memory_stores()
    account = stores.open("Élise Tremblay", "17 Rue Laval")
    gateway, payments = Gateway(), MemoryOnlinePayments()
    pay = PayOnline(
        stores.accounts,
        NoStatements(),
        payments,
        gateway,
        MAXIMUM,
        FixedClock(NOW),
        DeterministicIds("P"),
    )
    return pay, gateway, payments, account.account_id, account.account_number


def test_the_same_form_sent_twice_is_one_charge(world: tuple) -> None:
    pay, gateway, payments, account_id, number = world
    first = pay(account_id, "120.00", "pad", KEY, "c1")
    again = pay(account_id, "120.00", "pad", KEY, "c2")
    assert first == again and first.processor_payment_id is not None
    (asked,) = gateway.asked
    assert asked.account_number == number and asked.amount == Decimal("120.00")
    assert asked.method is PaymentMethod.PREAUTHORIZED_DEBIT and asked.statement_id is None
    assert len(payments.history) == 1
    assert payments.history[0].action == "PortalPaymentSubmitted"


def test_a_gateway_that_failed_is_asked_again_under_the_same_key(world: tuple) -> None:
    pay, gateway, payments, account_id, _ = world
    gateway.down = True
    with pytest.raises(ConnectionError):
        pay(account_id, "50.00", "card", KEY, "c1")
    gateway.down = False
    paid = pay(account_id, "50.00", "card", KEY, "c2")
    assert [a.idempotency_key for a in gateway.asked] == [paid.idempotency_key] * 2
    assert list(payments.of_account(account_id, 10)) == [paid]


def test_another_form_is_another_payment(world: tuple) -> None:
    pay, gateway, _, account_id, _ = world
    pay(account_id, "10.00", "card", KEY, "c1")
    pay(account_id, "10.00", "card", KEY.replace("0b6f", "1c7a"), "c2")
    assert len({a.idempotency_key for a in gateway.asked}) == 2
