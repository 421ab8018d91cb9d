"""Service requests' rules: one request per request key, every field refused at once, the
statuses' moves, the thread, and a billing dispute holding the account's collection case until
it is settled (and only the case it holds)."""

from __future__ import annotations

import pytest

from civiq.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from civiq.core.language import Language
from civiq.event_catalog import checked_envelope
from civiq.service_requests.adapters.memory import HeldCase
from civiq.service_requests.domain.requests import (
    MESSAGE_MAX,
    THREAD_MAX,
    Author,
    AuthorKind,
    Message,
    RequestKind,
    RequestStatus,
)
from tests.helpers.service_requests import CLERK, RESIDENT, RequestDesk, asked, dispute


@pytest.fixture
def desk() -> RequestDesk:
    return RequestDesk()


def test_a_resident_opens_a_request_in_the_holders_language_with_its_event(
    desk: RequestDesk,
) -> None:
    opened = desk.open(asked(subject="  Fuite au sous-sol "), RESIDENT, "c1")
    assert (opened.status, opened.kind, opened.version) == (RequestStatus.OPEN, RequestKind.LEAK, 1)
    assert opened.subject == "Fuite au sous-sol"
    assert opened.language is Language.FR
    assert (opened.opened_by.kind, opened.opened_by.author_id) == (
        AuthorKind.RESIDENT,
        "resident-7f3c",
    )
    assert opened.held_case_id is None
    [event] = desk.publisher.published
    assert event.event_type == "ServiceRequestOpened"
    assert event.subject_id == "ACCOUNT#A1"
    assert event.detail["request_id"] == opened.request_id
    assert "description" not in event.detail  # the texts stay on the request
    assert desk.store.history[event.event_id].action == "ServiceRequestOpened"  # audited
    checked_envelope(event)


def test_a_form_submitted_twice_opens_one_request(desk: RequestDesk) -> None:
    first = desk.open(asked(), RESIDENT, "c1")
    again = desk.open(asked(), RESIDENT, "c2")
    assert again == first
    assert len(desk.requests.requests) == 1 and len(desk.store.history) == 1


def test_a_key_used_for_another_request_is_refused(desk: RequestDesk) -> None:
    desk.open(asked(), RESIDENT, "c1")
    with pytest.raises(Conflict) as refused:
        desk.open(asked(subject="Autre chose"), RESIDENT, "c2")
    assert refused.value.field == "request_key"


def test_every_unacceptable_field_is_named_at_once(desk: RequestDesk) -> None:
    with pytest.raises(InvalidInput) as refused:
        desk.open(
            asked(request_key="short", subject="   ", description="x" * 4001, statement_id="S1"),
            RESIDENT,
            "c1",
        )
    fields = {e.field for e in refused.value.errors}
    assert fields == {"request_key", "subject", "description", "statement_id"}
    with pytest.raises(InvalidInput) as refused:
        desk.open(dispute(statement_id=None), RESIDENT, "c1")
    assert refused.value.field == "statement_id"
    assert desk.requests.requests == {}


def test_an_unknown_account_or_another_accounts_statement_is_not_found(desk: RequestDesk) -> None:
    with pytest.raises(NotFound):
        desk.open(asked(account_id="A404"), CLERK, "c1")
    with pytest.raises(NotFound) as refused:
        desk.open(dispute(statement_id="S-OTHER"), CLERK, "c1")
    assert refused.value.field == "statement_id"
    assert desk.requests.requests == {}


# --- a billing dispute and the collection case ------------------------------------------------


def test_a_dispute_pauses_the_open_case_and_resolving_it_resumes_that_case(
    desk: RequestDesk,
) -> None:
    desk.holds.cases["A1"] = HeldCase("K1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    assert opened.held_case_id == "K1"
    assert desk.holds.cases["A1"].paused_by == "dispute"
    assert desk.publisher.published[0].detail["held_case_id"] == "K1"
    resolved = desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c2")
    assert resolved.status is RequestStatus.RESOLVED and resolved.version == 2
    assert desk.holds.cases["A1"].paused_by is None
    assert desk.holds.resumed == ["K1"]


def test_a_dispute_without_a_case_holds_nothing_and_settling_it_resumes_nothing(
    desk: RequestDesk,
) -> None:
    opened = desk.open(dispute(), RESIDENT, "c1")
    assert opened.held_case_id is None
    desk.holds.cases["A1"] = HeldCase("K2", paused_by="dispute")  # a clerk's pause, later
    desk.change_status(opened.request_id, RequestStatus.CLOSED, 1, CLERK, "c2")
    assert desk.holds.resumed == []


def test_a_case_paused_by_an_arrangement_is_not_held_nor_resumed(desk: RequestDesk) -> None:
    desk.holds.cases["A1"] = HeldCase("K1", paused_by="arrangement:AR1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    assert opened.held_case_id is None
    desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c2")
    assert desk.holds.cases["A1"].paused_by == "arrangement:AR1"


def test_a_case_no_longer_paused_by_the_dispute_is_left_alone(desk: RequestDesk) -> None:
    desk.holds.cases["A1"] = HeldCase("K1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    desk.holds.cases["A1"] = HeldCase("K1", paused_by="arrangement:AR1")  # resumed, re-paused
    desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c2")
    assert desk.holds.cases["A1"].paused_by == "arrangement:AR1"
    assert desk.holds.resumed == []


def test_two_disputes_hold_the_case_until_the_last_is_settled(desk: RequestDesk) -> None:
    desk.holds.cases["A1"] = HeldCase("K1")
    first = desk.open(dispute(), RESIDENT, "c1")
    second = desk.open(dispute(request_key="form-0002", description="Et la suivante"), CLERK, "c2")
    assert first.held_case_id == second.held_case_id == "K1"
    desk.change_status(first.request_id, RequestStatus.RESOLVED, 1, CLERK, "c3")
    assert desk.holds.cases["A1"].paused_by == "dispute"
    desk.change_status(second.request_id, RequestStatus.CLOSED, 1, CLERK, "c4")
    assert desk.holds.resumed == ["K1"]


def test_a_reopened_dispute_holds_the_case_again(desk: RequestDesk) -> None:
    desk.holds.cases["A1"] = HeldCase("K1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c2")
    reopened = desk.change_status(opened.request_id, RequestStatus.OPEN, 2, CLERK, "c3")
    assert reopened.held_case_id == "K1" and reopened.version == 3
    assert desk.holds.cases["A1"].paused_by == "dispute"
    assert desk.publisher.published[-1].detail["held_case_id"] == "K1"


def test_moving_an_open_dispute_along_does_not_hold_a_case_a_clerk_resumed(
    desk: RequestDesk,
) -> None:
    desk.holds.cases["A1"] = HeldCase("K1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    desk.holds.cases["A1"] = HeldCase("K1")  # a clerk resumed it through collections
    desk.change_status(opened.request_id, RequestStatus.IN_PROGRESS, 1, CLERK, "c2")
    assert desk.holds.cases["A1"].paused_by is None


def test_a_settlement_asked_again_finishes_resuming_the_case(desk: RequestDesk) -> None:
    desk.holds.cases["A1"] = HeldCase("K1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    resolved = desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c2")
    desk.holds.cases["A1"] = HeldCase("K1", paused_by="dispute")  # as if the resume failed
    again = desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c3")
    assert again == resolved  # nothing written, no event
    assert len(desk.publisher.published) == 2
    assert desk.holds.resumed == ["K1", "K1"]


# --- statuses -------------------------------------------------------------------------------------


def test_a_request_moves_only_where_its_status_allows(desk: RequestDesk) -> None:
    request_id = desk.open(asked(), RESIDENT, "c1").request_id
    moved = desk.change_status(request_id, RequestStatus.IN_PROGRESS, 1, CLERK, "c2")
    with pytest.raises(Conflict):
        desk.change_status(request_id, RequestStatus.OPEN, 2, CLERK, "c3")
    closed = desk.change_status(request_id, RequestStatus.CLOSED, moved.version, CLERK, "c3")
    with pytest.raises(Conflict):
        desk.change_status(request_id, RequestStatus.RESOLVED, closed.version, CLERK, "c4")
    reopened = desk.change_status(request_id, RequestStatus.OPEN, closed.version, CLERK, "c4")
    assert reopened.status is RequestStatus.OPEN and reopened.version == 4
    [*_, event] = desk.publisher.published
    assert (event.event_type, event.detail["previous_status"]) == (
        "ServiceRequestStatusChanged",
        "closed",
    )
    checked_envelope(event)


def test_a_stale_version_is_refused_with_the_current_one(desk: RequestDesk) -> None:
    request_id = desk.open(asked(), RESIDENT, "c1").request_id
    desk.reply(request_id, "Nous envoyons quelqu'un.", CLERK, "c2")
    with pytest.raises(VersionConflict) as refused:
        desk.change_status(request_id, RequestStatus.RESOLVED, 1, CLERK, "c3")
    assert refused.value.current_version == 2


# --- the thread -----------------------------------------------------------------------------------


def test_staff_and_the_resident_write_in_turn(desk: RequestDesk) -> None:
    request_id = desk.open(asked(), RESIDENT, "c1").request_id
    desk.clock.advance(hours=2)
    desk.reply(request_id, " Nous passons demain matin. ", CLERK, "c2")
    desk.clock.advance(hours=1)
    answered = desk.reply(request_id, "Merci!", RESIDENT, "c3", account_id="A1")
    assert [(m.author.kind, m.text) for m in answered.messages] == [
        (AuthorKind.STAFF, "Nous passons demain matin."),
        (AuthorKind.RESIDENT, "Merci!"),
    ]
    assert answered.version == 3 and answered.updated_at == desk.clock.now()
    event = desk.publisher.published[-1]
    assert (event.detail["author"], event.detail["messages"]) == ("resident", 2)
    assert "text" not in event.detail
    checked_envelope(event)


def test_a_reply_is_refused_when_empty_too_long_closed_or_the_thread_full(
    desk: RequestDesk,
) -> None:
    request_id = desk.open(asked(), RESIDENT, "c1").request_id
    for text in ("   ", "x" * (MESSAGE_MAX + 1)):
        with pytest.raises(InvalidInput):
            desk.reply(request_id, text, CLERK, "c2")
    full = desk.requests.get(request_id)
    for n in range(THREAD_MAX):
        full = full.answered(Message(Author.of(CLERK), f"note {n}", desk.clock.now()))
    desk.requests.requests[request_id] = full
    with pytest.raises(Conflict):
        desk.reply(request_id, "encore", CLERK, "c3")
    request_id = desk.open(asked(request_key="form-0002"), RESIDENT, "c4").request_id
    desk.change_status(request_id, RequestStatus.CLOSED, 1, CLERK, "c5")
    with pytest.raises(Conflict):
        desk.reply(request_id, "Et alors?", RESIDENT, "c6", account_id="A1")


def test_a_resident_sees_and_answers_only_their_accounts_requests(desk: RequestDesk) -> None:
    request_id = desk.open(asked(), RESIDENT, "c1").request_id
    assert desk.view(request_id, account_id="A1").request_id == request_id
    for read in (
        lambda: desk.view(request_id, account_id="A2"),
        lambda: desk.reply(request_id, "Bonjour", RESIDENT, "c2", account_id="A2"),
    ):
        with pytest.raises(NotFound):
            read()


# --- lists ----------------------------------------------------------------------------------------


def test_an_account_lists_newest_first_and_the_worklist_oldest_first(desk: RequestDesk) -> None:
    opened = []
    for n in range(3):
        opened.append(desk.open(asked(request_key=f"form-000{n}"), RESIDENT, f"c{n}").request_id)
        desk.clock.advance(minutes=5)
    desk.change_status(opened[1], RequestStatus.IN_PROGRESS, 1, CLERK, "c9")
    page = desk.for_account("A1", 2, None)
    assert [r.request_id for r in page.items] == [opened[2], opened[1]]
    assert [r.request_id for r in desk.for_account("A1", 2, page.next_cursor).items] == [opened[0]]
    assert [r.request_id for r in desk.worklist(RequestStatus.OPEN, 10, None).items] == [
        opened[0],
        opened[2],
    ]
    with pytest.raises(NotFound):
        desk.for_account("A404", 10, None)


def test_a_settled_dispute_the_index_still_shows_open_lets_go_of_its_case() -> None:
    desk = RequestDesk(index_lags=True)
    desk.holds.cases["A1"] = HeldCase("K1")
    opened = desk.open(dispute(), RESIDENT, "c1")
    desk.change_status(opened.request_id, RequestStatus.RESOLVED, 1, CLERK, "c2")
    assert desk.holds.resumed == ["K1"]
