"""Account search: folded terms, parsed queries, prefix matching that ignores accents and case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import AccountStatus, ServiceType
from civiq.accounts.domain.search import MAX_QUERY_WORDS, SearchQuery, account_terms, shard_of
from civiq.accounts.services.open_account import OpenAccount
from civiq.core.errors import InvalidInput
from civiq.core.text import fold, words
from tests.helpers.builders import CLERK, account, address, command, holder, new_customer, services

# --- fold and words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Côté", "cote"),
        ("ÉLISE", "elise"),
        ("Gagné-Bérubé", "gagne-berube"),
        ("François", "francois"),
        ("Straße", "strasse"),
        ("ﬁnance", "finance"),  # the fi ligature
        ("MÜLLER", "muller"),
        ("Łukasz Øster", "lukasz oster"),
        ("ŒUVRE Æther", "oeuvre aether"),
        ("already plain 42", "already plain 42"),
    ],
)
def test_fold_removes_accents_and_case(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_words_split_on_anything_but_letters_and_digits() -> None:
    assert words("  Jean-François O'Brien, 12e avenue ") == [
        "jean",
        "francois",
        "o",
        "brien",
        "12e",
        "avenue",
    ]
    assert words(" - , ") == []


@pytest.mark.parametrize(
    ("text", "folded"), [("Sacré-Cœur", "sacre-coeur"), ("Lætitia", "laetitia")]
)
def test_fold_expands_the_oe_and_ae_ligatures(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_a_street_with_oe_is_found_by_typing_oe() -> None:
    terms = account_terms(account(service_address=address(street="1200 rue du Sacré-Cœur")))
    assert SearchQuery.parse("sacre-coeur").matches(terms)


# --- account terms --------------------------------------------------------------------------------


def test_account_terms_cover_name_street_postal_unit_number_and_roll() -> None:
    found = account_terms(
        account(
            holder=holder(name="Élise Gagné-Côté"),
            service_address=address(street="100 Rue Saint-Éloi", unit="3B"),
        )
    )
    assert found == {
        "elise",
        "gagne",
        "cote",  # name words, folded
        "100",
        "rue",
        "saint",
        "eloi",  # street words
        "k1p1j1",  # postal code, no space
        "3b",  # unit
        "ub00000018",
        "00000018",  # account number with and without its prefix
        "0614000123456780000",  # roll number
        "elisegagnecote",
        "coteelisegagne",  # the name as a phrase, in order and last name first
        "100ruesainteloi",  # the street as a phrase
    }


def test_account_without_unit_or_roll_number_has_no_such_terms() -> None:
    found = account_terms(account(roll_number=None))
    assert found == {
        "elise",
        "tremblay",
        "100",
        "main",
        "st",
        "k1p1j1",
        "ub00000018",
        "00000018",
        "elisetremblay",
        "tremblayelise",
        "100mainst",
    }


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("Andrée Côté", "andreecote"),
        ("11 Lakeview Avenue", "11lakeviewavenue"),
        ("0614 000 123 45678 0000", "0614000123456780000"),
        ("UB 0000001 8", "ub00000018"),
        ("tremblay", None),
    ],
)
def test_several_words_are_read_first_as_one_phrase(typed: str, phrase: str | None) -> None:
    assert SearchQuery.parse(typed).phrase == phrase


def test_a_phrase_matches_a_name_either_way_round_and_a_street() -> None:
    terms = account_terms(account(service_address=address(street="11 Lakeview Avenue")))
    for typed in ("elise trem", "Tremblay, Élise", "11 lakeview", "UB 0000001 8"):
        assert SearchQuery.parse(typed).matches_phrase(terms), typed
    assert not SearchQuery.parse("elise lakeview").matches_phrase(terms)


def test_shard_is_the_first_two_characters() -> None:
    assert shard_of("tremblay") == "tr"
    assert shard_of("x") == "x"


# --- parsing queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("UB-0000042-2", ("ub00000422",)),
        ("ub 0000042", ("ub", "0000042")),
        ("K1P 1J1", ("k1p1j1",)),
        ("k1p 1j1 Côté", ("k1p1j1", "cote")),
        ("1234-567-890-12345-0000", ("1234567890123450000",)),
        ("1234.567.890", ("1234567890",)),
        ("Élise   TREMBLAY", ("elise", "tremblay")),
        ("tremblay Tremblay TREMBLAY", ("tremblay",)),
        ("Jean-François", ("jean", "francois")),
        ("x 42", ("x", "42")),
    ],
)
def test_parse_folds_words_and_keeps_numbers_whole(typed: str, parsed: tuple[str, ...]) -> None:
    assert SearchQuery.parse(typed).words == parsed


@pytest.mark.parametrize("typed", ["", "  ", "a", "a b c", "- . ,", "é"])
def test_parse_needs_a_word_of_two_characters(typed: str) -> None:
    with pytest.raises(InvalidInput, match="at least 2 characters") as error:
        SearchQuery.parse(typed)
    assert error.value.field == "q"


def test_parse_takes_at_most_six_words() -> None:
    six = "ab cd ef gh ij kl"
    assert len(SearchQuery.parse(six).words) == MAX_QUERY_WORDS
    with pytest.raises(InvalidInput, match="at most 6 words") as error:
        SearchQuery.parse(six + " mn", field="search")
    assert error.value.field == "search"


def test_the_longest_word_leads() -> None:
    assert SearchQuery.parse("el tremblay 100").lead == "tremblay"


# --- matching -------------------------------------------------------------------------------------

ELISE = account_terms(account(holder=holder(name="Élise Côté"), service_address=address(unit="3")))


@pytest.mark.parametrize(
    "typed",
    [
        "cote",
        "CÔTÉ",
        "co el",
        "Élise Côté",
        "el main",
        "K1P 1J1",
        "k1p",
        "UB-0000001-8",
        "ub00000",
        "0000001",
        "0614-000-123-45678",
        "0614 000",  # two number words, each a prefix of the roll number
        "100 main st",
    ],
)
def test_every_word_must_start_some_term(typed: str) -> None:
    assert SearchQuery.parse(typed).matches(ELISE)


@pytest.mark.parametrize(
    "typed",
    [
        "tremblay",
        "cote tremblay",  # one word matches, the other does not
        "lise",  # not a prefix
        "ain",
        "UB-0000002-6",
        "K1P 1J2",
        "ottawa",  # the city is not indexed
        "0614-000-123-45679",
    ],
)
def test_a_word_that_starts_no_term_fails_the_match(typed: str) -> None:
    assert not SearchQuery.parse(typed).matches(ELISE)


@pytest.mark.parametrize(
    ("name", "street", "typed"),
    [
        ("9123-4567 Québec inc.", "100 Main St", "9123-4567 Québec"),
        ("Élise Tremblay", "100-102 Main St", "100-102 Main"),
    ],
    ids=["numbered-company", "civic-number-range"],
)
def test_a_name_or_street_typed_as_written_finds_the_account(
    name: str, street: str, typed: str
) -> None:
    terms = account_terms(account(holder=holder(name=name), service_address=address(street=street)))
    assert SearchQuery.parse(typed).matches(terms)


# --- property: any prefixes of the name words find the account ------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâäçôöîïûùüÿÉÈÊÀÂÇÔÎÛñÑßœŒæÆøØłŁ"
NAME_WORDS = st.text(alphabet=LETTERS, min_size=1, max_size=12)
SEPARATORS = st.sampled_from([" ", "-", "'", ", ", " & ", ". "])


@st.composite
def names_and_queries(draw: st.DrawFn) -> tuple[str, str]:
    raw = draw(st.lists(NAME_WORDS, min_size=1, max_size=5))
    name = raw[0]
    for word in raw[1:]:
        name += draw(SEPARATORS) + word
    candidates = [w for w in raw if len(w) >= 2]
    if not candidates:  # a name of one-letter words: search by one of them, typed out longer
        name += " " + draw(st.text(alphabet=LETTERS, min_size=2, max_size=8))
        candidates = [name.rsplit(" ", 1)[1]]
    picked = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=MAX_QUERY_WORDS))
    prefixes = [w[: draw(st.integers(min_value=2, max_value=len(w)))] for w in picked]
    return name, " ".join(prefixes)


@given(names_and_queries())
def test_any_prefixes_of_the_name_words_find_the_account(name_and_query: tuple[str, str]) -> None:
    name, typed = name_and_query
    terms = account_terms(account(holder=holder(name=name)))
    assert SearchQuery.parse(typed).matches(terms)


@given(names_and_queries())
def test_accents_and_case_in_the_query_do_not_matter(name_and_query: tuple[str, str]) -> None:
    name, typed = name_and_query
    terms = account_terms(account(holder=holder(name=name)))
    assert SearchQuery.parse(fold(typed).upper()).matches(terms)


# --- the in-memory repository's search and lists --------------------------------------------------


def test_store_search_filters_by_status_and_service_and_pages(
    open_account: OpenAccount, store: InMemoryStore
) -> None:
    cote = open_account(command(new_customer("Élise Côté")), CLERK, "c1")
    marc = command(new_customer("Marc Côté"), services=services(ServiceType.WASTE))
    open_account(marc, CLERK, "c2")
    open_account(command(new_customer("Luc Roy")), CLERK, "c3")
    query = SearchQuery.parse("cote")
    every = store.search(query, None, None, 10, None).items
    assert [s.holder_name for s in every] == ["Élise Côté", "Marc Côté"]
    water = store.search(query, AccountStatus.ACTIVE, ServiceType.WATER, 10, None).items
    assert [s.account_id for s in water] == [cote.account_id]
    assert store.search(query, AccountStatus.CLOSED, None, 10, None).items == []
    first = store.search(query, None, None, 1, None)
    assert [s.holder_name for s in first.items] == ["Élise Côté"]
    second = store.search(query, None, None, 1, first.next_cursor)
    assert [s.holder_name for s in second.items] == ["Marc Côté"]
    assert (first.next_cursor is None, second.next_cursor) == (False, None)
