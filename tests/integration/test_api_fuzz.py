"""Every operation of the served OpenAPI document, fuzzed by Schemathesis against the API in
process on moto, with an admin token: no server error, every status code documented, every
response of its documented content type and schema, and no request the document allows refused
as invalid (400 or 422). The operations are read from the document, so a new route is fuzzed
with no change here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import boto3
import pytest
import schemathesis
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException
from hypothesis import HealthCheck, settings

from chalicelib.settings import ApiSettings
from civiq.accounts.domain.account_numbers import luhn_check_digit
from civiq.core.staff import Role
from civiq.rates.domain.charges import ChargeType
from tests.helpers.api import token
from tests.helpers.emulator import (
    BUS,
    COLLECTION_CASE_MACHINE,
    LEDGER_TABLE,
    REGION,
    SIGNING_KEY_SECRET_ID,
    TABLE,
    TAX_ROLL_MACHINE,
)

DOCUMENT = "/api/v1/openapi.json"
EXAMPLES_PER_OPERATION = 8
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
)
CONFIG = schemathesis.Config.from_dict(
    {
        "base-url": "http://localhost",
        "headers": {"Authorization": f"Bearer {token(Role.ADMIN)}"},
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {"enabled": False} | {name: {"enabled": True} for name in CHECKS},
    }
)
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi(app: Any) -> WSGIApp:
    """The Chalice app behind Chalice's own local gateway (what ``chalice.test.Client``
    drives), as the WSGI app Schemathesis calls."""
    gateway = LocalGateway(app, Config())

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        query = environ.get("QUERY_STRING")
        target = f"{environ['RAW_URI']}?{query}" if query else environ["RAW_URI"]
        try:
            answer = gateway.handle_request(environ["REQUEST_METHOD"], target, headers, body)
            status, out_headers, out = answer["statusCode"], answer["headers"], answer["body"]
        except LocalGatewayException as refused:
            status, out_headers, out = refused.CODE, refused.headers, refused.body or b""
        start_response(f"{status} -", list(out_headers.items()))
        return [out.encode() if isinstance(out, str) else out]

    return application


def served_schema() -> Any:
    """The document as the app serves it, read at collection: serving it reads the settings
    (the account number pattern), but touches no AWS resource."""
    with pytest.MonkeyPatch.context() as environment:
        for name, value in {
            "TABLE_NAME": TABLE,
            "LEDGER_TABLE_NAME": LEDGER_TABLE,
            "EVENT_BUS_NAME": BUS,
            "AUTH_MODE": "local",
            "LOCAL_SIGNING_KEY_SECRET_ID": SIGNING_KEY_SECRET_ID,
            "COLLECTION_CASE_STATE_MACHINE_ARN": COLLECTION_CASE_MACHINE,
            "TAX_ROLL_STATE_MACHINE_ARN": TAX_ROLL_MACHINE,
        }.items():
            environment.setenv(name, value)
        import app

        from chalicelib import composition

        try:
            return schemathesis.openapi.from_wsgi(DOCUMENT, wsgi(app.app), config=CONFIG)
        finally:
            composition.clear()


@pytest.fixture
def configured_app(
    chalice_app: Any, billing_machine: str, monkeypatch: pytest.MonkeyPatch
) -> WSGIApp:
    """The app as deployed, with every setting its routes need: the default body limit, queues,
    the readings bucket, and stand-in move and transfer workflows (started and recorded, not
    executed)."""
    monkeypatch.setenv("MAX_BODY_BYTES", str(ApiSettings.model_fields["max_body_bytes"].default))
    sqs = boto3.client("sqs", region_name=REGION)
    for setting in (
        "EXPORT_QUEUE_URL",
        "RATE_SIMULATION_QUEUE_URL",
        "PROCESSOR_EVENTS_QUEUE_URL",
        "REMITTANCE_QUEUE_URL",
        "SANDBOX_PROCESSOR_QUEUE_URL",
    ):
        queue = sqs.create_queue(QueueName=setting.lower().replace("_", "-"))["QueueUrl"]
        monkeypatch.setenv(setting, queue)
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket="civiq-test-readings", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    monkeypatch.setenv("READINGS_BUCKET", "civiq-test-readings")
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    for setting in ("MOVE_STATE_MACHINE_ARN", "TRANSFER_STATE_MACHINE_ARN"):
        machine = sfn.create_state_machine(
            name=setting.lower().replace("_", "-"),
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/workflow",
        )
        monkeypatch.setenv(setting, machine["stateMachineArn"])
    return wsgi(chalice_app)


schema = served_schema()


# Rules JSON Schema cannot state, which the document states with these keywords on a field
# (see civiq.core.schemas): the generated requests keep them, as a client's do.
ORDER = {"x-not-before": False, "x-after": True, "x-at-least": False}  # keyword -> strictly
LISTS = ("x-tiers", "x-periods")
CHECK_DIGIT = "x-check-digit"
SHARES = "x-shares-of"
MEMBER = "x-in"  # one of the values of the list at this path from the object
UNIQUE = "x-unique"  # no two items of the list with the same value of this field
CHARGE_TYPES = "x-charge-types"  # components' codes: built-in, or defined in this list


def objects(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def stated_rules(document: Any) -> list[tuple[str, str, Any, frozenset[str]]]:
    """``(keyword, field, argument, fields)`` of every such rule in the document: ``fields``
    are those of the object that states it (a generated object is one of its kind if it has
    no other)."""
    found = []
    for node in objects(document):
        fields = frozenset(node.get("properties") or {})
        for name, declared in (node.get("properties") or {}).items():
            for keyword in (*ORDER, *LISTS, CHECK_DIGIT, SHARES, MEMBER, UNIQUE, CHARGE_TYPES):
                if isinstance(declared, dict) and keyword in declared:
                    found.append((keyword, name, declared[keyword], fields))
    return found


RULES = stated_rules(schema.raw_schema)


def charge_types_by_kind(document: Any) -> dict[str, list[str]]:
    """The built-in charge types each kind of rate component takes, as its rule (if component
    is this kind, then charge_type is one of these or not a built-in one) states them."""
    found = {}
    for node in objects(document):
        kind = at_path(node, "if.properties.component.const")
        choices = at_path(node, "then.properties.charge_type.anyOf")
        if isinstance(kind, str) and isinstance(choices, list):
            found[kind] = choices[0]["enum"]
    return found


def at_path(node: dict[str, Any], path: str) -> Any:
    for name in path.split("."):
        node = node.get(name) if isinstance(node, dict) else None
    return node


KIND_CHARGE_TYPES = charge_types_by_kind(schema.raw_schema)
BUILT_IN = tuple(charge.value for charge in ChargeType)


def ordered(keyword: str, text: str) -> Any:
    """ISO dates are in order as text; x-at-least compares decimals."""
    return Decimal(text) if keyword == "x-at-least" else text


def tiers(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """In ascending order of ``key`` (above zero), only the last without one."""
    limits = sorted({item[key] for item in items if item.get(key)}, key=Decimal)
    limits = [limit for limit in limits if Decimal(limit) > 0]
    kept = items[: len(limits) + 1]
    for item, limit in zip(kept, limits, strict=False):
        item[key] = limit
    kept[-1].pop(key, None)
    return kept


def periods(items: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """In order of their start, each ending the day before the next starts."""
    start, end = keys
    by_start = {item[start]: item for item in items}
    kept = [by_start[day] for day in sorted(by_start)]
    for item, following in itertools.pairwise(kept):
        item[end] = (date.fromisoformat(following[start]) - timedelta(days=1)).isoformat()
    return kept


def shared_by(units: list[str]) -> dict[str, Any]:
    """A meter shared equally by ``units`` (shares of 4 decimals adding up to 1), or, with fewer
    than two, one meter each."""
    if len(units) < 2:
        return {"arrangement": "individual"}
    share = Decimal(1 / len(units)).quantize(Decimal("0.0001"), ROUND_DOWN)
    shares = {unit: str(share) for unit in units}
    shares[units[-1]] = str(1 - share * (len(units) - 1))
    return {"arrangement": "shared", "shares": shares}


def unique(items: list[Any], key: str) -> list[Any]:
    """The first item of each value of ``key``."""
    firsts = {item.get(key): item for item in reversed(items) if isinstance(item, dict)}
    return [item for item in items if firsts.get(item.get(key)) is item]


def charged_as_defined(components: list[Any], definitions: Any) -> list[Any]:
    """Each component's charge type built in, or a code of ``definitions`` whose service its
    kind takes (else one that does, or its kind's first built-in type); the first minimum of
    each service kept."""
    services: dict[str, str] = {}
    for definition in definitions or ():
        services.setdefault(definition.get("code"), definition.get("service"))
    minimums: set[str] = set()
    kept = []
    for component in components:
        kind, code = component.get("component"), component.get("charge_type")
        taken = KIND_CHARGE_TYPES.get(kind) or []
        if taken and code not in (None, *BUILT_IN) and services.get(code) not in taken:
            fitting = [defined for defined, service in services.items() if service in taken]
            component["charge_type"] = code = (fitting or taken)[0]
        if kind == "minimum":
            service = services.get(code, code)
            if service in minimums:
                continue
            minimums.add(service)
        kept.append(component)
    return kept


def with_check_digit(number: str) -> str:
    """``number`` with the Luhn check digit of its other digits as its last."""
    body = "".join(filter(str.isdigit, number))[:-1]
    last = max(i for i, char in enumerate(number) if char.isdigit())
    return f"{number[:last]}{luhn_check_digit(body)}{number[last + 1 :]}"


def rules_of(body: Any) -> Iterable[tuple[dict[str, Any], str, str, Any]]:
    """``(object, keyword, field, argument)``: the stated rules that apply to each object,
    innermost objects first (a list is put in order after its items are)."""
    for node in reversed(list(objects(body))):
        for keyword, name, argument, fields in RULES:
            if name in node and set(node) <= fields:
                yield node, keyword, name, argument


@schema.hook
def map_body(context: Any, body: Any) -> Any:
    """Generated bodies keep the stated rules; a value not of its type (negative data) is left
    as it is."""
    for node, keyword, name, argument in rules_of(body):
        with contextlib.suppress(ValueError, ArithmeticError, TypeError, AttributeError):
            keep_rule(node, keyword, name, argument)
    return body


def keep_rule(node: dict[str, Any], keyword: str, name: str, argument: Any) -> None:
    value = node[name]
    if keyword in LISTS and isinstance(value, list) and value:
        node[name] = (tiers if keyword == "x-tiers" else periods)(value, argument)
    elif keyword == UNIQUE and isinstance(value, list):
        node[name] = unique(value, argument)
    elif keyword == CHARGE_TYPES and isinstance(value, list) and value:
        node[name] = charged_as_defined(value, node.get(argument))
    elif keyword == SHARES and isinstance(value, dict) and value.get("arrangement") == "shared":
        node[name] = shared_by(node.get(argument) or [])
    elif keyword == MEMBER and isinstance(value, str):
        choices = at_path(node, argument)
        if isinstance(choices, list) and value not in choices:
            node[name] = choices[0] if choices else None
    elif keyword == CHECK_DIGIT and isinstance(value, str):
        node[name] = with_check_digit(value)
    elif keyword in ORDER and isinstance(value, str):
        first = node.get(argument)
        if isinstance(first, str) and ordered(keyword, value) < ordered(keyword, first):
            node[argument], node[name] = value, first


@schema.hook
def filter_body(context: Any, body: Any) -> bool:
    """Strictly after: equal is not after."""
    return not any(
        ORDER.get(keyword) and node[name] is not None and node[name] == node.get(argument)
        for node, keyword, name, argument in rules_of(body)
    )


@schema.parametrize()
# too_slow: how fast cases are generated depends on the machine's load, and tests never assert
# a speed (the profile suppresses it too; these settings replace the profile's list)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_keeps_its_contract(case: Any, configured_app: WSGIApp) -> None:
    if "Idempotency-Key" in (case.headers or {}):
        # A key names one request: the same key with another body is rightly refused (422),
        # so each generated request gets its own, as a client gives each payment its own.
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    case.call_and_validate(app=configured_app)
