"""Accounts: holder roles, services, agents and the pending/active/final-billed/closed lifecycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.accounts import (
    AccountStatus,
    Agent,
    AgentScope,
    Holder,
    HolderRole,
    Service,
    ServiceStatus,
    ServiceType,
    check_services,
)
from civiq.accounts.domain.customers import ContactDetails, Customer, CustomerKind, Preferences
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.language import Language
from tests.helpers.builders import NOW, TODAY, account, holder, services

WATER, SEWER, STORM, WASTE = (
    ServiceType.WATER,
    ServiceType.SEWER,
    ServiceType.STORMWATER,
    ServiceType.WASTE,
)
DAY = timedelta(days=1)


# --- the opening date ----------------------------------------------------------------------------

TORONTO = ZoneInfo("America/Toronto")


def test_an_account_opens_on_the_municipal_day_it_was_opened() -> None:
    """14:00 UTC on Nov 26 is Nov 26 in Toronto; 03:00 UTC on Nov 27 is still Nov 26 there."""
    assert account(services=()).opened_on(TORONTO) == date(2026, 11, 26)
    late = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    assert account(opened_at=late, services=()).opened_on(TORONTO) == date(2026, 11, 26)


def test_an_account_whose_services_started_earlier_opens_when_they_started() -> None:
    """Backdated services (a conversion, a move-in or sale entered late): open from the first."""
    backdated = (Service(WATER, date(2024, 1, 1)), Service(SEWER, date(2025, 3, 1)))
    assert account(services=backdated).opened_on(TORONTO) == date(2024, 1, 1)


def test_services_starting_later_do_not_move_the_opening_day() -> None:
    pending = account(services=services(WATER, start=TODAY + 30 * DAY))
    assert pending.opened_on(TORONTO) == TODAY


# --- holder roles ---------------------------------------------------------------------------------


def test_an_owner_is_their_own_owner_of_record_and_gets_no_landlord_copies() -> None:
    owned = account(owner_customer_id="SOMEONE-ELSE", landlord_copies=True)
    assert owned.owner_customer_id == owned.holder.customer_id == "C1"
    assert owned.landlord_copies is False


def test_a_tenant_account_names_the_owner_of_record() -> None:
    rented = account(holder_role=HolderRole.TENANT, owner_customer_id="OWNER", landlord_copies=True)
    assert rented.owner_customer_id == "OWNER"
    assert rented.landlord_copies is True


def test_a_tenant_account_needs_an_owner_of_record() -> None:
    with pytest.raises(InvalidInput, match="owner of record") as error:
        account(holder_role=HolderRole.TENANT)
    assert error.value.field == "owner"


def test_a_tenant_cannot_be_the_owner_of_record() -> None:
    with pytest.raises(InvalidInput, match="tenant cannot be the owner") as error:
        account(holder_role=HolderRole.TENANT, owner_customer_id="C1")
    assert error.value.field == "owner"


def test_holder_snapshot_of_a_customer() -> None:
    customer = Customer(
        "C9",
        CustomerKind.ORGANIZATION,
        "Gestion Côté inc.",
        Preferences(Language.FR),
        NOW,
        ContactDetails("info@cote.ca", "819 555 0199"),
    )
    assert Holder.of(customer) == Holder(
        "C9",
        CustomerKind.ORGANIZATION,
        "Gestion Côté inc.",
        Language.FR,
        "info@cote.ca",
        "+18195550199",
    )
    assert account(holder=Holder.of(customer)).language is Language.FR


# --- services -------------------------------------------------------------------------------------


def test_a_service_may_not_end_before_it_starts() -> None:
    with pytest.raises(InvalidInput, match="before the start") as error:
        Service(WATER, TODAY, end_date=TODAY - DAY)
    assert error.value.field == "end_date"


def test_a_service_may_end_on_its_start_day() -> None:
    assert Service(WATER, TODAY, ServiceStatus.CLOSED, TODAY).end_date == TODAY


def test_a_closed_service_needs_an_end_date() -> None:
    with pytest.raises(InvalidInput, match="closed service needs an end date") as error:
        Service(WATER, TODAY, ServiceStatus.CLOSED)
    assert error.value.field == "end_date"


@pytest.mark.parametrize("status", [ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED])
def test_an_open_service_may_have_a_planned_end(status: ServiceStatus) -> None:
    assert Service(WATER, TODAY, status, TODAY + DAY).status is status


@pytest.mark.parametrize(
    ("kinds", "index"),
    [((WATER, WATER), 1), ((WATER, SEWER, WASTE, SEWER), 3), ((STORM, WATER, STORM), 2)],
)
def test_a_service_listed_twice_is_refused_with_its_index(
    kinds: tuple[ServiceType, ...], index: int
) -> None:
    with pytest.raises(InvalidInput, match="listed twice") as error:
        account(services=services(*kinds))
    assert error.value.field == f"services.{index}.service_type"


@given(st.permutations(list(ServiceType)), st.integers(1, 4))
def test_services_are_kept_in_the_canonical_order(kinds: list[ServiceType], count: int) -> None:
    chosen = kinds[:count]
    kept = [s.service_type for s in check_services(services(*chosen))]
    assert kept == [kind for kind in ServiceType if kind in chosen]


def test_active_services_lists_only_active_ones() -> None:
    mixed = account(
        services=(
            Service(WATER, TODAY),
            Service(SEWER, TODAY, ServiceStatus.SUSPENDED),
            Service(WASTE, TODAY, ServiceStatus.CLOSED, TODAY),
            Service(STORM, TODAY, ServiceStatus.DISCONNECTED),
        )
    )
    assert mixed.active_services() == (WATER,)


def test_with_services_replaces_them_sorted_in_a_new_version() -> None:
    before = account()
    after = before.with_services([Service(WASTE, TODAY), Service(WATER, TODAY)])
    assert [s.service_type for s in after.services] == [WATER, WASTE]
    assert after.version == before.version + 1
    assert [s.service_type for s in before.services] == [WATER, SEWER]


def test_with_services_names_the_duplicate() -> None:
    with pytest.raises(InvalidInput) as error:
        account().with_services(services(WATER, SEWER, WATER))
    assert error.value.field == "services.2.service_type"


@pytest.mark.parametrize("status", [AccountStatus.FINAL_BILLED, AccountStatus.CLOSED])
def test_services_and_agents_of_a_final_billed_or_closed_account_are_frozen(
    status: AccountStatus,
) -> None:
    done = account(status=status)
    with pytest.raises(Conflict, match=f"the account is {status}") as error:
        done.with_services(services(WATER))
    assert error.value.field == "status"
    with pytest.raises(Conflict):
        done.with_agents([Agent("G1", "Luc", AgentScope.PAY, TODAY)])


@pytest.mark.parametrize("status", [AccountStatus.PENDING, AccountStatus.ACTIVE])
def test_services_of_a_pending_or_active_account_may_change(status: AccountStatus) -> None:
    assert account(status=status).with_services(services(WASTE)).active_services() == (WASTE,)


# --- lifecycle ------------------------------------------------------------------------------------


def test_move_out_ends_every_service_on_the_date_and_awaits_the_final_bill() -> None:
    before = account(services=services(WATER, SEWER, WASTE, start=TODAY - 30 * DAY))
    after = before.moved_out(TODAY)
    assert after.status is AccountStatus.FINAL_BILLED
    assert after.version == before.version + 1
    assert [(s.status, s.end_date) for s in after.services] == [(ServiceStatus.CLOSED, TODAY)] * 3
    assert after.active_services() == ()


def test_move_out_never_ends_a_service_before_it_starts() -> None:
    later = TODAY + 10 * DAY
    before = account(services=(Service(WATER, TODAY - DAY), Service(WASTE, later)))
    after = before.moved_out(TODAY)
    assert [(s.service_type, s.end_date) for s in after.services] == [
        (WATER, TODAY),
        (WASTE, later),
    ]
    for service in after.services:
        assert service.end_date is not None
        assert service.end_date >= service.start_date


def test_move_out_keeps_a_service_that_was_already_closed() -> None:
    ended = Service(SEWER, TODAY - 30 * DAY, ServiceStatus.CLOSED, TODAY - 20 * DAY)
    before = account(services=(Service(WATER, TODAY - 30 * DAY), ended))
    after = before.moved_out(TODAY)
    assert after.services[1] == ended
    assert after.services[0].end_date == TODAY


def test_move_out_before_every_service_started_is_refused() -> None:
    before = account(services=services(WATER, start=TODAY))
    with pytest.raises(InvalidInput, match="before the services started") as error:
        before.moved_out(TODAY - DAY)
    assert error.value.field == "move_out_date"


def test_move_out_twice_is_a_conflict() -> None:
    once = account().moved_out(TODAY)
    with pytest.raises(Conflict, match="cannot move out") as error:
        once.moved_out(TODAY)
    assert error.value.field == "status"


def test_a_pending_account_may_move_out() -> None:
    pending = account(status=AccountStatus.PENDING, services=services(WATER, start=TODAY + DAY))
    assert pending.moved_out(TODAY + DAY).status is AccountStatus.FINAL_BILLED


def test_close_a_final_billed_account() -> None:
    billed = account().moved_out(TODAY)
    closed = billed.closed(NOW)
    assert (closed.status, closed.closed_at, closed.version) == (
        AccountStatus.CLOSED,
        NOW,
        billed.version + 1,
    )


@pytest.mark.parametrize(
    "status", [AccountStatus.PENDING, AccountStatus.ACTIVE, AccountStatus.CLOSED]
)
def test_only_a_final_billed_account_closes(status: AccountStatus) -> None:
    with pytest.raises(Conflict, match="only a final-billed account can close") as error:
        account(status=status).closed(NOW)
    assert error.value.field == "status"


def test_with_holder_refreshes_the_snapshot_even_when_closed() -> None:
    closed = account().moved_out(TODAY).closed(NOW)
    renamed = closed.with_holder(holder(name="Élise Côté"))
    assert renamed.holder.name == "Élise Côté"
    assert renamed.version == closed.version + 1


# --- agents ---------------------------------------------------------------------------------------


def agent(scope: AgentScope = AgentScope.PAY, to: date | None = None) -> Agent:
    return Agent("G1", "Luc Tremblay", scope, TODAY, to)


def test_an_agent_needs_a_name() -> None:
    with pytest.raises(InvalidInput, match="agent name") as error:
        Agent("G1", "  ", AgentScope.FULL, TODAY)
    assert error.value.field == "name"


def test_an_agent_valid_to_before_valid_from_is_refused() -> None:
    with pytest.raises(InvalidInput, match="valid_to is before valid_from") as error:
        agent(to=TODAY - DAY)
    assert error.value.field == "valid_to"


@pytest.mark.parametrize(
    ("on", "allowed"),
    [
        (TODAY - DAY, False),
        (TODAY, True),
        (TODAY + 5 * DAY, True),
        (TODAY + 10 * DAY, True),
        (TODAY + 11 * DAY, False),
    ],
    ids=["before", "first-day", "during", "last-day", "after"],
)
def test_an_agent_may_act_only_within_the_dates(on: date, allowed: bool) -> None:
    assert agent(AgentScope.FULL, to=TODAY + 10 * DAY).may(AgentScope.INQUIRE, on) is allowed


def test_an_open_ended_agent_stays_in_force() -> None:
    assert agent(AgentScope.INQUIRE).may(AgentScope.INQUIRE, TODAY + 3650 * DAY)


@pytest.mark.parametrize(
    ("granted", "asked", "allowed"),
    [
        (AgentScope.INQUIRE, AgentScope.INQUIRE, True),
        (AgentScope.INQUIRE, AgentScope.PAY, False),
        (AgentScope.INQUIRE, AgentScope.FULL, False),
        (AgentScope.PAY, AgentScope.INQUIRE, True),
        (AgentScope.PAY, AgentScope.PAY, True),
        (AgentScope.PAY, AgentScope.FULL, False),
        (AgentScope.FULL, AgentScope.INQUIRE, True),
        (AgentScope.FULL, AgentScope.PAY, True),
        (AgentScope.FULL, AgentScope.FULL, True),
    ],
)
def test_scopes_are_ordered_inquire_pay_full(
    granted: AgentScope, asked: AgentScope, allowed: bool
) -> None:
    assert agent(granted).may(asked, TODAY) is allowed


def test_with_agents_replaces_the_agents_in_a_new_version() -> None:
    before = account()
    after = before.with_agents([agent()])
    assert after.agents == (agent(),)
    assert (before.agents, after.version) == ((), before.version + 1)
