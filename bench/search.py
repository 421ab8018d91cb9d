"""Account search and lookups at 50,000 accounts: DynamoDB requests and items read per request.

Where: in-process moto (``mock_aws``), the table created from template.yaml's own MainTable
definition. The local stack (moto server) would run the same moto code behind HTTP: the counts
would not change, only the (already meaningless) timings would grow.

Load: the demo town of ``ACCOUNTS`` accounts (``infra.local.demo.municipality``), written by
``load_direct``: the API's request models and services, the items ``DynamoChanges`` builds,
in BatchWriteItem requests (no events, no outbox). Its time is reported (``search_load_s``).

Requests: the API function in-process (``functions/api/app.py`` through chalice's test client),
with a botocore hook on every client this process creates (PynamoDB builds its own): ``before-
call`` counts requests, ``after-call`` reads each response's ``ScannedCount`` (items read: what
DynamoDB bills for a Query, filtered-out items included; 1 for a GetItem that found its item) and
``Count``. A Scan anywhere fails the benchmark.

Per query: the first page (limit 25, as the staff console asks): requests, items read, items
returned; then every page (limit 100, at most ``MAX_PAGES``): pages, requests, items read,
results. moto's latencies are reported for completeness only: its GSI queries scan the whole
table (about a million items here), so by-number and roll-number lookups look slow in moto while
they read one item in DynamoDB; compare counts, not milliseconds.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import botocore.session

from bench.common import ACCOUNTS_PATH, Figure, figure, median, note, quiet_logging, run_benchmark

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_SEARCH_ACCOUNTS", "50000"))
SEED = 7
REGION = "ca-central-1"
TABLE = "civiq-bench-search"
SIGNING_KEY = "bench-search-signing-key-0123456789abcdef"
SIGNING_KEY_SECRET_ID = "bench-search-signing-key"  # noqa: S105 - its name in moto
FIRST_PAGE = 25
PAGE = 100
MAX_PAGES = 30
TIMED = 3  # first-page repeats for the (moto) median
LOOKUPS = 5
CHECK_ACCOUNTS = 800  # the town on which the moto patch is checked


@dataclass(frozen=True)
class Request:
    operation: str
    items_read: int
    returned: int


@dataclass
class Window:
    requests: list[Request] = field(default_factory=list)

    def operations(self) -> Counter[str]:
        return Counter(r.operation for r in self.requests)

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def items_read(self) -> int:
        return sum(r.items_read for r in self.requests)


class DynamoMeter:
    """Every DynamoDB request made on this thread, with what its response says it read."""

    UNIQUE_ID = "civiq-bench-search-meter"

    def __init__(self) -> None:
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self.scans: list[str] = []

    def install(self) -> None:
        """Attach to every botocore client created from now on (call before any is built)."""
        original = botocore.session.Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register(
                "after-call.dynamodb", meter._after_call, unique_id=meter.UNIQUE_ID
            )
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]

    def _after_call(self, event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[1]
        if operation in ("Query", "Scan"):
            read, returned = int(parsed.get("ScannedCount", 0)), int(parsed.get("Count", 0))
        elif operation == "GetItem":
            read = returned = int("Item" in parsed)
        elif operation == "BatchGetItem":
            read = returned = sum(len(v) for v in parsed.get("Responses", {}).values())
        else:
            read = returned = 0
        with self._lock:
            if operation == "Scan":
                self.scans.append(event_name)
            self._requests.append(Request(operation, read, returned))

    @contextmanager
    def window(self) -> Iterator[Window]:
        with self._lock:
            start = len(self._requests)
        seen = Window()
        yield seen
        with self._lock:
            seen.requests.extend(self._requests[start:])


@contextmanager
def partition_queries() -> Iterator[None]:
    """Make moto's Query look at the partition only (the benchmark would not finish without it).

    moto 5.2.5 answers every Query, base-table partition queries included, by listing and
    sorting the whole table (``Table.all_items()``): at a million items one Query takes tens of
    seconds. While this is active, a base-table Query gets its partition's items only, and a GSI
    Query the table's items unsorted (it sorts its matches itself). Which items match, their
    order, ScannedCount, Count and LastEvaluatedKey are unchanged: :func:`_check_patch` compares
    both on a small table before the measurements.
    """
    from moto.dynamodb.models.table import Table

    original = Table.query
    one_at_a_time = threading.Lock()  # the patch sets an attribute of the shared table

    def query(table: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        with one_at_a_time:
            if index_name is None and table.range_key_attr:
                items = list(table.items.get(hash_key, {}).values())
            elif table.range_key_attr:
                items = [i for partition in table.items.values() for i in partition.values()]
            else:
                items = list(table.items.values())
            table.all_items = lambda: items
            try:
                return original(table, hash_key, *args, **kwargs)
            finally:
                del table.all_items

    Table.query = query
    try:
        yield
    finally:
        Table.query = original


def _check_patch(dynamodb: Any, table: str, plan: Any) -> int:
    """Every query of the benchmark (and GSI lookups), paged to the end, answers the same with
    and without :func:`partition_queries`. Returns the number of responses compared."""
    from civiq.accounts.domain.search import SearchQuery, shard_of

    requests: list[dict[str, Any]] = []
    for _, params in _queries(plan):
        lead = SearchQuery.parse(params["q"]).lead
        requests.append(
            {
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :lead)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"SEARCH#{shard_of(lead)}"},
                    ":lead": {"S": lead},
                },
                "Limit": 20,
            }
        )
    for key in ("ACCOUNTS#active", "ACCOUNTNO#UB00000018"):
        index = "GSI2" if key.startswith("ACCOUNTS#") else "GSI1"
        pk = "GSI2PK" if index == "GSI2" else "GSI1PK"
        requests.append(
            {
                "IndexName": index,
                "KeyConditionExpression": f"{pk} = :pk",
                "ExpressionAttributeValues": {":pk": {"S": key}},
                "Limit": 30,
            }
        )

    def pages(request: dict[str, Any]) -> list[Any]:
        answers, start = [], None
        while True:
            answer = dynamodb.query(
                TableName=table, **request, **({"ExclusiveStartKey": start} if start else {})
            )
            answer.pop("ResponseMetadata", None)
            answers.append(answer)
            start = answer.get("LastEvaluatedKey")
            if not start:
                return answers

    compared = 0
    for request in requests:
        plain = pages(request)
        with partition_queries():
            patched = pages(request)
        if plain != patched:
            raise AssertionError(f"partition_queries changes the answer to {request}")
        compared += len(plain)
    return compared


def _environment() -> dict[str, str]:
    return {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": f"{TABLE}-ledger",
        "EVENT_BUS_NAME": "civiq-bench-search-bus",
        "AUTH_MODE": "local",
        "LOCAL_SIGNING_KEY_SECRET_ID": SIGNING_KEY_SECRET_ID,
        "ACCOUNT_NUMBER_PREFIX": "UB",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


def _create_table(name: str) -> None:
    """The main table ``name`` and its ledger table ``<name>-ledger``."""
    import boto3

    from infra.local.packaging import load_template

    resources = load_template()["Resources"]
    table = resources["MainTable"]["Properties"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=name,
        **{k: table[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")},
        BillingMode=table["BillingMode"],
    )
    ledger = resources["LedgerTable"]["Properties"]
    dynamodb.create_table(
        TableName=f"{name}-ledger",
        **{k: ledger[k] for k in ("AttributeDefinitions", "KeySchema")},
        BillingMode=ledger["BillingMode"],
    )


# --------------------------------------------------------------------------- the queries
def _street_of(address: dict[str, str]) -> tuple[str, str]:
    number, _, street = address["street"].partition(" ")
    return number, street


def _queries(plan: Any) -> list[tuple[str, dict[str, str]]]:
    """Realistic searches, their values taken from the town (so each finds something)."""
    from civiq.accounts.domain.account_numbers import AccountNumberScheme
    from civiq.accounts.domain.properties import display_roll_number
    from infra.local.demo import ACCOUNTS as OPEN

    owners = [c.body for c in plan.calls if c.path == OPEN and "property" in c.body]
    streets = Counter(_street_of(b["property"]["address"])[1] for b in owners)
    busiest = streets.most_common(1)[0][0]  # the street with the most homes
    home = next(b for b in owners if _street_of(b["property"]["address"])[1] == busiest)
    number, _ = _street_of(home["property"]["address"])
    accented = next(
        b["customer"]["name"]
        for b in owners
        if b["customer"]["name"].endswith(" Côté") and not b["customer"]["name"].isascii()
    )
    two_words = next(
        b for b in owners[len(owners) // 2 :] if b["customer"]["name"].endswith(" Gagnon")
    )
    street_word = max(
        _street_of(two_words["property"]["address"])[1].split()[1:], key=len
    )  # e.g. Champlain in "Rue Champlain"
    numbering = AccountNumberScheme()
    middle = numbering.display(numbering.number_for(plan.accounts // 2))
    prefix = middle[: len("UB-00250")]  # 100 accounts: UB-0025000-x .. UB-0025099-x
    roll = display_roll_number(owners[len(owners) // 3]["property"]["roll_number"])
    return [
        ("surname_prefix", {"q": "trem"}),
        ("accented", {"q": "côté"}),
        ("unaccented", {"q": "cote"}),
        ("first_and_last_name", {"q": accented}),
        ("street_name", {"q": busiest}),
        ("civic_number_and_street", {"q": f"{number} {busiest}"}),
        ("postal_code", {"q": home["property"]["address"]["postal_code"]}),
        ("account_number", {"q": middle}),
        ("account_number_prefix", {"q": prefix}),
        ("roll_number", {"q": roll}),
        ("surname_prefix_active", {"q": "trem", "status": "active"}),
        ("surname_prefix_stormwater", {"q": "trem", "service": "stormwater"}),
        ("selective_two_words", {"q": f"gagnon {street_word.lower()}"}),
        ("common_word", {"q": "rue"}),
    ]


class Api:
    """The API function in-process, with a clerk's token."""

    def __init__(self, app: Any) -> None:
        from chalice.test import Client

        from civiq.core.staff import Role
        from civiq.platform.tokens import LocalTokens

        token = LocalTokens(SIGNING_KEY).mint(
            "bench-search", [Role.CLERK], datetime.now(UTC), timedelta(hours=2)
        )
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._client = Client(app)

    def get(self, path: str) -> Any:
        answer = self._client.http.get(path, headers=self._headers)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.json_body}")
        return answer.json_body


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def _search_figures(
    api: Api, meter: DynamoMeter, label: str, params: dict[str, str]
) -> list[Figure]:
    path = f"{ACCOUNTS_PATH}?{urlencode({**params, 'limit': FIRST_PAGE})}"
    timings = []
    for _ in range(TIMED):
        with meter.window() as first:
            page, ms = _timed(lambda: api.get(path))
        timings.append(ms)
    if set(first.operations()) - {"Query"}:
        raise RuntimeError(f"search {label} made {dict(first.operations())}")
    pages = requests = items_read = results = 0
    cursor = None
    while pages < MAX_PAGES:
        query = {**params, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
        with meter.window() as seen:
            answer = api.get(f"{ACCOUNTS_PATH}?{urlencode(query)}")
        pages += 1
        requests += seen.count
        items_read += seen.items_read
        results += len(answer["items"])
        cursor = answer["next_cursor"]
        if not cursor:
            break
    complete = cursor is None
    note(
        f"{label} {params}: first page {first.count} requests, {first.items_read} items read, "
        f"{len(page['items'])} returned; all pages{'' if complete else ' (capped)'}: {pages} "
        f"pages, {requests} requests, {items_read} items read, {results} results"
    )
    name = f"search_{label}"
    return [
        figure(f"{name}_requests", first.count, "requests"),
        figure(f"{name}_items_read", first.items_read, "items"),
        figure(f"{name}_returned", len(page["items"]), "items"),
        figure(f"{name}_all_pages", pages, "pages"),
        figure(f"{name}_all_requests", requests, "requests"),
        figure(f"{name}_all_items_read", items_read, "items"),
        figure(f"{name}_all_results", results, "items"),
        figure(f"{name}_all_complete", int(complete), "bool"),
        figure(f"{name}_moto_median_ms", median(timings), "ms"),
    ]


def _lookup_figures(
    api: Api, meter: DynamoMeter, opened: list[tuple[str, str]], dynamodb: Any
) -> list[Figure]:
    """GET by id and by number: exactly one request each; medians beside the bare floor."""
    from civiq.accounts.domain.account_numbers import AccountNumberScheme

    numbering = AccountNumberScheme()
    figures: list[Figure] = []
    paths = {
        "get_by_id": [f"{ACCOUNTS_PATH}/{i}" for i, _ in opened],
        "get_by_number": [f"{ACCOUNTS_PATH}/{numbering.display(n)}" for _, n in opened],
    }
    floors = {
        "get_by_id": lambda i: dynamodb.get_item(
            TableName=TABLE,
            Key={"PK": {"S": f"ACCOUNT#{opened[i][0]}"}, "SK": {"S": "ACCOUNT"}},
        ),
        "get_by_number": lambda i: dynamodb.query(
            TableName=TABLE,
            IndexName="GSI1",
            Limit=1,
            KeyConditionExpression="GSI1PK = :k",
            ExpressionAttributeValues={":k": {"S": f"ACCOUNTNO#{opened[i][1]}"}},
        ),
    }
    for lookup, targets in paths.items():
        counts, items, api_ms, floor_ms = [], [], [], []
        for index, target in enumerate(targets):
            with meter.window() as seen:
                _, ms = _timed(lambda target=target: api.get(target))
            counts.append(seen.count)
            items.append(seen.items_read)
            api_ms.append(ms)
            floor_ms.append(_timed(lambda index=index, lookup=lookup: floors[lookup](index))[1])
        if set(counts) != {1}:
            note(f"FINDING: {lookup} made {counts} DynamoDB requests (must be 1)")
        figures += [
            figure(f"search_bench_{lookup}_requests", max(counts), "requests"),
            figure(f"search_bench_{lookup}_is_one_request", int(set(counts) == {1}), "bool"),
            figure(f"search_bench_{lookup}_items_read", max(items), "items"),
            figure(f"search_bench_{lookup}_moto_median_ms", median(api_ms), "ms"),
            figure(f"search_bench_{lookup}_floor_moto_median_ms", median(floor_ms), "ms"),
            figure(
                f"search_bench_{lookup}_vs_floor_ratio", median(api_ms) / median(floor_ms), "ratio"
            ),
        ]
    return figures


def _linked_figures(api: Api, meter: DynamoMeter, plan: Any, ids: list[str]) -> list[Figure]:
    """A landlord's page and a building's page list every account linked to them (unpaged)."""
    from infra.local.demo import ACCOUNTS as OPEN
    from infra.local.demo import PROPERTIES

    tenants_of: Counter[int] = Counter()
    for call in plan.calls:
        if call.path == OPEN and "property_id" in call.refs:
            tenants_of[call.refs["property_id"]] += 1
    owner_of = {
        i: c.refs["owner_customer_id"] for i, c in enumerate(plan.calls) if c.path == PROPERTIES
    }
    by_landlord: Counter[int] = Counter()
    for prop, tenants in tenants_of.items():
        by_landlord[owner_of[prop]] += tenants
    landlord, landlord_accounts = by_landlord.most_common(1)[0]
    building, building_accounts = tenants_of.most_common(1)[0]
    figures: list[Figure] = []
    for label, path, expected in (
        ("largest_landlord", f"/api/v1/utility/customers/{ids[landlord]}", landlord_accounts),
        ("largest_building", f"/api/v1/utility/properties/{ids[building]}", building_accounts),
    ):
        with meter.window() as seen:
            answer = api.get(path)
        note(
            f"{label}: {len(answer['accounts'])} accounts listed (expected {expected}); "
            f"{dict(seen.operations())}, {seen.items_read} items read"
        )
        figures += [
            figure(f"search_bench_{label}_accounts", len(answer["accounts"]), "accounts"),
            figure(f"search_bench_{label}_requests", seen.count, "requests"),
            figure(f"search_bench_{label}_items_read", seen.items_read, "items"),
        ]
    return figures


def run() -> list[Figure]:
    import boto3
    from moto import mock_aws

    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(_environment())
    meter = DynamoMeter()
    meter.install()  # before anything builds a client
    figures: list[Figure] = []
    with mock_aws():
        from bench.common import API_DIR
        from civiq.platform.dynamodb.table import configure_models
        from infra.local.demo import load_direct, municipality
        from infra.local.lambda_runtime import import_isolated

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        check_table = f"{TABLE}-check"
        _create_table(check_table)
        small = municipality(accounts=CHECK_ACCOUNTS, seed=SEED)
        configure_models(check_table, f"{check_table}-ledger", REGION, None)
        load_direct(small)
        compared = _check_patch(dynamodb, check_table, small)
        note(f"partition_queries: {compared} Query responses identical with and without it")
        dynamodb.delete_table(TableName=check_table)
        _create_table(TABLE)
        boto3.client("events", region_name=REGION).create_event_bus(
            Name=_environment()["EVENT_BUS_NAME"]
        )
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=SIGNING_KEY_SECRET_ID, SecretString=SIGNING_KEY
        )
        module = import_isolated(
            API_DIR, API_DIR / "app.py", f"_bench_search_{uuid.uuid4().hex[:8]}"
        )
        plan = municipality(accounts=ACCOUNTS, seed=SEED)
        configure_models(TABLE, f"{TABLE}-ledger", REGION, None)
        last_note = [time.monotonic()]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last_note[0] > 30:
                last_note[0] = time.monotonic()
                note(f"loading: {done}/{total} calls")

        loaded = load_direct(plan, progress=progress)
        items = dynamodb.describe_table(TableName=TABLE)["Table"]["ItemCount"]
        note(
            f"loaded {loaded.accounts} accounts, {loaded.properties} properties, "
            f"{loaded.customers} customers: {loaded.items} items in {loaded.batch_requests} "
            f"BatchWriteItem requests, {loaded.seconds:.0f} s (in-process moto)"
        )
        figures += [
            figure("search_bench_accounts", loaded.accounts, "accounts"),
            figure("search_bench_properties", loaded.properties, "properties"),
            figure("search_bench_customers", loaded.customers, "customers"),
            figure("search_bench_table_items", items, "items"),
            figure("search_load_s", loaded.seconds, "s"),
            figure("search_load_batch_requests", loaded.batch_requests, "requests"),
        ]

        api = Api(module.app)
        ids = list(loaded.ids)  # what each call of the plan created
        api.get(f"{ACCOUNTS_PATH}?limit=1")  # cold start: the composition root
        with meter.window() as check:
            dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "COUNTER#none"}, "SK": {"S": "X"}})
        if check.operations() != Counter({"GetItem": 1}):
            raise AssertionError(f"the meter is wrong: a GetItem counted {check.operations()}")

        with partition_queries():
            for label, params in _queries(plan):
                figures += _search_figures(api, meter, label, params)
            with meter.window() as listing:
                api.get(f"{ACCOUNTS_PATH}?limit={FIRST_PAGE}")
            figures += [
                figure("search_list_page_requests", listing.count, "requests"),
                figure("search_list_page_items_read", listing.items_read, "items"),
            ]
            step = max(1, plan.accounts // LOOKUPS)
            sample = [_account_of(dynamodb, ids, plan, i * step) for i in range(LOOKUPS)]
            figures += _lookup_figures(api, meter, sample, dynamodb)
            figures += _linked_figures(api, meter, plan, ids)
        if meter.scans:
            raise AssertionError(f"Scan requests were made: {meter.scans}")
        figures.append(figure("search_bench_scans", len(meter.scans), "requests"))
    return figures


def _account_of(dynamodb: Any, ids: list[str], plan: Any, nth: int) -> tuple[str, str]:
    """The id and number of the plan's ``nth`` account (a bare GetItem, outside any window)."""
    from infra.local.demo import ACCOUNTS as OPEN

    calls = [i for i, c in enumerate(plan.calls) if c.path == OPEN]
    account_id = ids[calls[nth]]
    item = dynamodb.get_item(
        TableName=TABLE, Key={"PK": {"S": f"ACCOUNT#{account_id}"}, "SK": {"S": "ACCOUNT"}}
    )
    if "Item" not in item:
        raise RuntimeError(f"account {account_id} (call {calls[nth]}) is not in the table")
    return account_id, item["Item"]["account_number"]["S"]


def main() -> None:
    run_benchmark("search", run)


if __name__ == "__main__":
    main()
