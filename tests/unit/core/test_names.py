"""The one rule for stored names: plain text, no control characters, no bidirectional formatting.
Checked by the API's ``Name`` type and by the domain objects that hold names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from civiq.core.addresses import Address
from civiq.core.errors import InvalidInput
from civiq.core.schemas import AddressIn
from civiq.core.text import check_name

FORBIDDEN = [
    *(chr(c) for c in range(0x00, 0x20)),  # C0 controls: NUL, tab, line feed, escape...
    *(chr(c) for c in range(0x7F, 0xA0)),  # DEL and the C1 controls
    "\u061c",  # Arabic letter mark
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    *(chr(c) for c in range(0x202A, 0x202F)),  # embeddings, pop, overrides
    *(chr(c) for c in range(0x2066, 0x206A)),  # isolates and their pop
]
ALLOWED = ["Élise Côté", "O'Brien-Smith", "Œuvres d'Art Inc.", "محمد", "ᓀᐦᐃᔭᐍᐏᐣ", "張偉", "A & B"]


@pytest.mark.parametrize("bad", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_holding_a_control_or_direction_character_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_name(f"Marie{bad}Roy", "customer.name")
    assert error.value.field == "customer.name"
    assert f"U+{ord(bad):04X}" in error.value.message


@pytest.mark.parametrize("name", ALLOWED)
def test_names_in_any_script_with_punctuation_pass_unchanged(name: str) -> None:
    assert check_name(name, "name") == name


def test_an_address_names_the_line_at_fault() -> None:
    with pytest.raises(InvalidInput) as error:
        Address("12 Rue\u202eLaval", "Gatineau", "QC", "J8T 1A1")
    assert error.value.field == "street"
    with pytest.raises(InvalidInput) as unit:
        Address("12 Rue Laval", "Gatineau", "QC", "J8T 1A1", unit="2\x00")
    assert unit.value.field == "unit"


def test_the_api_type_refuses_with_the_same_rule() -> None:
    body = {"street": "12 Rue Laval", "city": "Gati\x1bneau", "province": "QC"}
    with pytest.raises(ValidationError) as error:
        AddressIn.model_validate({**body, "postal_code": "J8T 1A1"})
    (problem,) = error.value.errors()
    assert (problem["loc"], problem["type"]) == (("city",), "name_characters")
    assert "U+001B" in problem["msg"]
