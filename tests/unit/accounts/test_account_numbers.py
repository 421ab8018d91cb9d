"""Account numbers: prefix + zero-padded sequence + Luhn check digit, typo-proof lookup codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.account_numbers import AccountNumberScheme, luhn_check_digit
from civiq.core.errors import InvalidInput

SCHEME = AccountNumberScheme()
SCHEMES = st.builds(
    AccountNumberScheme,
    prefix=st.from_regex(r"[A-Z]{0,4}", fullmatch=True),
    width=st.integers(min_value=4, max_value=12),
)


@st.composite
def issued_numbers(draw: st.DrawFn) -> tuple[AccountNumberScheme, str]:
    scheme = draw(SCHEMES)
    sequence = draw(st.integers(min_value=1, max_value=10**scheme.width - 1))
    return scheme, scheme.number_for(sequence)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in text)


@pytest.mark.parametrize(
    ("digits", "check"),
    [("7992739871", 3), ("0000001", 8), ("0000042", 2), ("0000090", 1), ("", 0), ("0", 0)],
)
def test_luhn_check_digit_known_values(digits: str, check: int) -> None:
    assert luhn_check_digit(digits) == check


@pytest.mark.parametrize(
    ("sequence", "number"),
    [(1, "UB00000018"), (2, "UB00000026"), (3, "UB00000034"), (42, "UB00000422")],
)
def test_number_for_pads_the_sequence_and_appends_the_check_digit(
    sequence: int, number: str
) -> None:
    assert SCHEME.number_for(sequence) == number


def test_number_for_uses_the_scheme_prefix_and_width() -> None:
    assert AccountNumberScheme(prefix="WTR", width=5).number_for(1) == "WTR000018"
    assert AccountNumberScheme(prefix="", width=4).number_for(1) == "00018"


@pytest.mark.parametrize("sequence", [0, -1, 10**7])
def test_number_for_refuses_sequences_outside_the_width(sequence: int) -> None:
    with pytest.raises(ValueError, match="does not fit in 7 digits"):
        SCHEME.number_for(sequence)


def test_number_for_accepts_the_largest_sequence() -> None:
    assert SCHEME.number_for(9_999_999).startswith("UB9999999")


@pytest.mark.parametrize("prefix", ["ub", "ABCDE", "U1", "U-"])
def test_scheme_refuses_a_bad_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        AccountNumberScheme(prefix=prefix)


@pytest.mark.parametrize("width", [3, 13])
def test_scheme_refuses_a_width_outside_4_to_12(width: int) -> None:
    with pytest.raises(ValueError, match="width"):
        AccountNumberScheme(width=width)


@pytest.mark.parametrize(
    "typed",
    [
        "UB00000018",
        "UB-0000001-8",
        "ub-0000001-8",
        " UB 0000001 8 ",
        "u b-000-0001-8",
        "UB\t0000001\n8",
        "UB--0000001--8",
    ],
)
def test_normalize_accepts_separators_case_and_spaces(typed: str) -> None:
    assert SCHEME.normalize(typed) == "UB00000018"


@pytest.mark.parametrize(
    "typed",
    [
        "XY00000018",  # wrong prefix
        "00000018",  # missing prefix
        "UBB0000018",  # prefix typo
        "UB0000018",  # too short
        "UB000000018",  # too long
        "UB.0000001.8",  # unsupported separator
        "UB_0000001_8",
        "",
    ],
)
def test_normalize_refuses_the_wrong_shape(typed: str) -> None:
    with pytest.raises(InvalidInput, match="must look like UB-0000001-8") as error:
        SCHEME.normalize(typed)
    assert error.value.field == "account_number"
    assert error.value.code == "invalid_input"


def test_normalize_refuses_a_wrong_check_digit() -> None:
    with pytest.raises(InvalidInput, match="check digit does not match") as error:
        SCHEME.normalize("UB-0000001-9")
    assert error.value.field == "account_number"


def test_module_docstring_example_is_valid() -> None:
    with pytest.raises(InvalidInput, match="check digit"):
        SCHEME.normalize("UB-0000042-7")
    assert SCHEME.normalize("UB-0000042-2") == "UB00000422"


@pytest.mark.parametrize("typed", ["UB-0000001-9", "nonsense"])
def test_normalize_reports_the_given_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as error:
        SCHEME.normalize(typed, field="id")
    assert error.value.field == "id"


def test_display_adds_separators() -> None:
    assert SCHEME.display("UB00000018") == "UB-0000001-8"
    assert AccountNumberScheme(prefix="WTR", width=5).display("WTR000018") == "WTR-00001-8"
    assert AccountNumberScheme(prefix="", width=4).display("00018") == "0001-8"


def test_known_luhn_blind_spot_09_90_lands_on_another_valid_number() -> None:
    # UB00000901 is number 90; swapping its "09" gives number 900, also valid.
    assert SCHEME.number_for(90) == "UB00000901"
    assert SCHEME.normalize("UB00009001") == SCHEME.number_for(900)


# --- properties -----------------------------------------------------------------------------------


@given(issued_numbers())
def test_issued_numbers_are_already_normal(issued: tuple[AccountNumberScheme, str]) -> None:
    scheme, number = issued
    assert scheme.normalize(number) == number
    assert scheme.normalize(scheme.display(number)) == number
    assert scheme.normalize(scheme.display(number).lower()) == number


@given(issued_numbers())
def test_every_single_digit_substitution_is_rejected(
    issued: tuple[AccountNumberScheme, str],
) -> None:
    scheme, number = issued
    for index in range(len(scheme.prefix), len(number)):
        for digit in "0123456789":
            if digit == number[index]:
                continue
            typo = number[:index] + digit + number[index + 1 :]
            with pytest.raises(InvalidInput, match="check digit") as error:
                scheme.normalize(typo, field="lookup")
            assert error.value.field == "lookup"


@given(issued_numbers())
def test_adjacent_transpositions_are_rejected_except_09_90(
    issued: tuple[AccountNumberScheme, str],
) -> None:
    scheme, number = issued
    for index in range(len(scheme.prefix), len(number) - 1):
        left, right = number[index], number[index + 1]
        if left == right:
            continue
        swapped = number[:index] + right + left + number[index + 2 :]
        if {left, right} == {"0", "9"}:
            assert scheme.normalize(swapped) == swapped  # Luhn's known blind spot
        else:
            with pytest.raises(InvalidInput, match="check digit"):
                scheme.normalize(swapped)


# --- bugs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", [_fullwidth("UB-0000001-8"), "UB-\u0660\u0660\u0660\u0660\u0660\u0660\u0661-8"]
)
def test_normalize_never_returns_non_ascii_digits(typed: str) -> None:
    try:
        result = SCHEME.normalize(typed)
    except InvalidInput:
        return  # refusing is a correct fix
    assert result == "UB00000018"


def test_numbers_one_typo_away_undo_a_transposition_or_a_mistyped_digit() -> None:
    scheme = AccountNumberScheme("UB", 7)
    assert scheme.number_for(4217) == "UB00042176"
    swapped = scheme.one_typo_away("0004-1276")  # the payer swapped the 2 and the 1
    assert swapped[0] == ("UB00042176", "transposition")  # transpositions first
    assert len(swapped) == 9  # the other 8: one mistyped digit each, all valid numbers
    assert all(scheme.normalize(number) == number for number, _ in swapped)
    mistyped = scheme.one_typo_away("ub-0005217-6")  # a 5 typed for the 4
    assert ("UB00042176", "substitution") in mistyped
    assert scheme.one_typo_away("not a number") == []


@given(st.integers(min_value=1, max_value=9_999_999), st.data())
def test_the_right_number_is_always_among_the_candidates_of_one_typo(
    sequence: int, data: st.DataObject
) -> None:
    scheme = AccountNumberScheme("UB", 7)
    right = scheme.number_for(sequence)
    digits = right[2:]
    i = data.draw(st.integers(min_value=0, max_value=len(digits) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[i]]))
    typed = digits[:i] + digit + digits[i + 1 :]
    assert right in dict(scheme.one_typo_away(typed))
