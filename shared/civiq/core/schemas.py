"""Pieces every API payload shares: strict requests, names, addresses, pins, pages, history."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
)
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

from civiq.core.addresses import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    POSTAL_CODE,
    PROVINCES,
    Address,
    GeoPoint,
    check_postal_code,
    check_province,
)
from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput, field_prefix
from civiq.core.history import as_record
from civiq.core.text import NOT_IN_NAMES, name_problem


class Payload(BaseModel):
    """Base of the API's payloads: a model's validator and serializer are built at its first use
    (``defer_build``), not when its module is imported, so a cold start builds the models its
    request uses and no others."""

    model_config = ConfigDict(defer_build=True)


def checked(check: Callable[[Any], object]) -> AfterValidator:
    """A domain check of one value, run by pydantic with the model's other checks: every
    invalid field of a request is refused at once, each with the domain's message."""

    def validate(value: Any) -> Any:
        if value is not None:
            try:
                check(value)
            except InvalidInput as refused:
                raise PydanticCustomError("invalid", refused.message) from None
        return value

    return AfterValidator(validate)


# White space to Python (which strips it) and to JSON Schema's regular expressions alike.
SPACE = r"\s\x1c-\x1f\x85"


def _not_blank(schema: dict[str, Any]) -> None:
    """Strings are stripped before they are checked, so a string of at least n characters must
    hold n from its first to its last that is not a space: the JSON Schema says so (a string
    with its own pattern says it there)."""
    for declared in schema.get("properties", {}).values():
        for node in (declared, *declared.get("anyOf", ()), declared.get("items", {})):
            plain = not {"pattern", "enum", "const", "format"} & set(node)
            shortest = node.get("minLength", 0)
            if node.get("type") == "string" and shortest >= 1 and plain:
                solid, between = f"[^{SPACE}]", f"[\\s\\S]{{{shortest - 2},}}"
                spaces = f"[{SPACE}]*"
                node["pattern"] = (
                    f"^{spaces}{solid}{between}{solid}{spaces}$" if shortest > 1 else solid
                )


class Request(Payload):
    """Unknown fields are refused and types are not coerced: a typo never passes silently."""

    model_config = ConfigDict(
        extra="forbid", strict=True, str_strip_whitespace=True, json_schema_extra=_not_blank
    )


def leave_out(**extra: Any) -> Callable[[dict[str, Any]], None]:
    """A field's JSON Schema without null (and ``extra`` keywords): null is read as left out,
    but the document asks to leave the field out, so that a rule requiring it requires a value.
    """

    def schema_of(schema: dict[str, Any]) -> None:
        choices = [choice for choice in schema.pop("anyOf", ()) if choice != {"type": "null"}]
        schema.update(choices[0] if len(choices) == 1 else {"anyOf": choices} if choices else {})
        if "default" in schema and schema["default"] is None:
            del schema["default"]
        schema.update(extra)

    return schema_of


Absent = TypeVar("Absent")
# A field that may be left out (see leave_out); its Field may not set json_schema_extra.
Omissible = Annotated[Absent | None, Field(json_schema_extra=leave_out())]


def rules(*statements: dict[str, Any]) -> ConfigDict:
    """A request model's config whose JSON Schema also states rules across its fields (each a
    JSON Schema, such as :func:`exactly_one`), so that what the model refuses the document
    refuses too. The fields concerned are :data:`Omissible`."""

    def extra(schema: dict[str, Any]) -> None:
        _not_blank(schema)
        schema["allOf"] = [*schema.get("allOf", ()), *statements]

    return ConfigDict(json_schema_extra=extra)


def exactly_one(*fields: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [name]} for name in fields]}


def at_least_one(*fields: str) -> dict[str, Any]:
    return {"anyOf": [{"required": [name]} for name in fields]}


def not_before(earlier: str) -> dict[str, Any]:
    """A date field's rule that JSON Schema cannot state: it is not before the sibling field
    ``earlier`` (``x-not-before``, for clients and the API's fuzzer)."""
    return {"x-not-before": earlier}


def after(earlier: str) -> dict[str, Any]:
    """Like :func:`not_before`, strictly after (``x-after``)."""
    return {"x-after": earlier}


# An account number field: the served document gives it this municipality's pattern, and
# its check digit (a rule no pattern states: ``x-check-digit``).
ACCOUNT_NUMBER = {"x-account-number": True}


def at_least(smaller: str) -> dict[str, Any]:
    """A decimal field's rule that JSON Schema cannot state: it is at least the sibling field
    ``smaller`` (``x-at-least``)."""
    return {"x-at-least": smaller}


def when(
    condition: dict[str, Any], then: dict[str, Any], otherwise: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``then`` applies to an object whose fields match ``condition`` (name -> JSON Schema),
    ``otherwise`` (if any) to the others."""
    rule = {"if": {"properties": condition, "required": list(condition)}, "then": then}
    return rule if otherwise is None else rule | {"else": otherwise}


def _whole_number(value: object) -> object:
    """JSON has one kind of number, and JSON Schema reads 218.0 as the integer 218: so do we
    (218.5 stays refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WHOLE = BeforeValidator(_whole_number)  # after any bounds: Annotated[int, Interval(...), WHOLE]
WholeNumber = Annotated[int, WHOLE]


class Versioned(Request):
    version: WholeNumber = Field(ge=1, description="The version you read; a stale one gets 409.")


def _plain_name(value: str) -> str:
    problem = name_problem(value)
    if problem is not None:
        raise PydanticCustomError("name_characters", problem)
    return value


# A name as people type it, stored and printed: no control characters, no bidirectional
# overrides (:func:`civiq.core.text.check_name`, the one rule). Length is each field's own.
_BANNED = NOT_IN_NAMES.pattern[1:-1]  # the characters of its class
# The same rule in the JSON Schema, and not blank (a name is stripped before it is checked).
NAME_PATTERN = f"^[^{_BANNED}]*[^{_BANNED}{SPACE}][^{_BANNED}]*$"
Name = Annotated[
    str, AfterValidator(_plain_name), Field(json_schema_extra={"pattern": NAME_PATTERN})
]


PROVINCE: dict[str, Any] = {"enum": sorted(PROVINCES)}
POSTAL_CODE_PATTERN: JsonDict = {"pattern": f"^{POSTAL_CODE.pattern}$"}


class AddressIn(Request):
    street: Name = Field(min_length=1, max_length=200, description="Civic number and street")
    unit: Name | None = Field(default=None, max_length=20)
    city: Name = Field(min_length=1, max_length=100)
    province: Annotated[str, checked(check_province)] = Field(
        min_length=2,
        max_length=2,
        description="Two-letter code, e.g. ON",
        json_schema_extra=PROVINCE,
    )
    postal_code: Annotated[str, checked(check_postal_code)] = Field(
        min_length=6,
        max_length=7,
        description="e.g. K1P 1J1",
        json_schema_extra=POSTAL_CODE_PATTERN,
    )

    def to_domain(self, field: str) -> Address:
        with field_prefix(field):
            return Address(**self.model_dump())


def degrees(bounds: tuple[Decimal, Decimal]) -> WithJsonSchema:
    """Decimal degrees (WGS 84) inside Canada, up to 7 decimals: a JSON number (a string of
    one is taken too)."""
    low, high = bounds
    return WithJsonSchema(
        {
            "type": "number",
            "minimum": float(low),
            "maximum": float(high),
            "multipleOf": 1e-7,
            "description": f"Decimal degrees (WGS 84), from {low} to {high} (Canada)",
        }
    )


class LocationIn(Request):
    latitude: Annotated[Decimal, Field(strict=False), degrees(LATITUDE_RANGE)]
    longitude: Annotated[Decimal, Field(strict=False), degrees(LONGITUDE_RANGE)]

    def to_domain(self, field: str = "location") -> GeoPoint:
        with field_prefix(field):
            return GeoPoint(self.latitude, self.longitude)


class AddressOut(Payload):
    street: str
    unit: str | None
    city: str
    province: str
    postal_code: str
    one_line: str

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        return cls(**as_record(address), one_line=address.one_line())


class LocationOut(Payload):
    latitude: str
    longitude: str


class ActorOut(Payload):
    subject: str
    role: str


class HistoryEntryOut(Payload):
    entry_id: str
    action: str
    actor: ActorOut
    occurred_at: datetime
    correlation_id: str
    version: int | None = Field(description="The version this change made")
    changes: dict[str, dict[str, Any]] = Field(description="field -> {before, after}")

    @classmethod
    def of(cls, entry: AuditEntry) -> HistoryEntryOut:
        return cls(
            entry_id=entry.entry_id,
            action=entry.action,
            actor=ActorOut(subject=entry.actor_subject, role=entry.actor_role),
            occurred_at=entry.occurred_at,
            correlation_id=entry.correlation_id,
            version=entry.detail.get("version"),
            changes=entry.detail.get("changes", {}),
        )


class HistoryPage(Payload):
    items: list[HistoryEntryOut]
    next_cursor: str | None


Cursor = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_.=-]+$",
        max_length=2048,
        description="The next_cursor of the page before (one this API did not return: 404)",
    ),
]


class PageQuery(Request):
    limit: Annotated[int, Field(strict=False, ge=1, le=100)] = 25
    cursor: Cursor | None = None


_AMOUNT = re.compile(r"(-?)([0-9]{1,7})(?:\.([0-9]{1,2}))?")


def _amount_parser(signed: bool) -> Callable[[object], str]:
    """An amount as a clerk types it (``150``, ``150.0``, ``150.00``; a JSON string, or a whole
    number) to dollars and cents (``"150.00"``); anything else is refused in words."""
    message = (
        "must be an amount in dollars and cents, like 25.00 or -25.00"
        if signed
        else "must be a positive amount in dollars and cents, like 150.00"
    )

    def parse(value: object) -> str:
        text = ""
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            text = str(value).strip()
        found = _AMOUNT.fullmatch(text)
        if found is None or (found.group(1) and not signed):
            raise PydanticCustomError("dollars", message)
        sign, dollars, cents = found.groups()
        return f"{sign}{int(dollars)}.{(cents or '').ljust(2, '0')}"

    return parse


# More than zero and at most a million dollars (the ledger's limit), without leading zeros.
POSITIVE_DOLLARS = (
    r"(?:[1-9][0-9]{0,5}(?:\.[0-9]{1,2})?|0\.(?:[1-9][0-9]?|0[1-9])|1000000(?:\.00?)?)"
)
DollarsIn = Annotated[
    str,
    PlainValidator(_amount_parser(signed=False)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{POSITIVE_DOLLARS}$",
            "description": "Dollars and cents, e.g. 150.00 (150 and 150.0 are read as 150.00)",
            "examples": ["150.00"],
        }
    ),
]
SignedDollarsIn = Annotated[
    str,
    PlainValidator(_amount_parser(signed=True)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^-?{POSITIVE_DOLLARS}$",
            "description": "Positive: a charge owed; negative: a credit (e.g. -25.00)",
            "examples": ["-25.00"],
        }
    ),
]
