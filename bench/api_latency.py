"""Latency of GET account (by id and by number): HTTP gateway vs in-process app vs bare DynamoDB.

Three paths read the same accounts from the same emulator, interleaved (one request of each path
per round, the order rotating) so drift in the machine's load hits all three alike:

a. HTTP through the local API gateway (gateway -> Lambda Invoke -> the API function in-process);
b. the Chalice app object called directly with the REST proxy event the gateway would build;
c. a bare boto3 call on the emulator: ``GetItem`` (by id) / ``Query`` on GSI1 (by number), the
   floor under both.

Medians are the figures to quote; p99 is reported beside them.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable

from bench.common import (
    ACCOUNTS_PATH,
    Figure,
    InProcessApi,
    api_environment,
    figure,
    load_api_module,
    median,
    open_accounts_http,
    percentile,
    run_benchmark,
    served_stack,
    settle,
)

ACCOUNTS = 4
WARMUP = 30
ITERATIONS = 300


def _timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _http_get(port: int, token: str) -> Callable[[str], None]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(path: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path} over HTTP answered {response.status}")
        finally:
            connection.close()

    return get


def _measure(paths: dict[str, Callable[[int], None]], rounds: int) -> dict[str, list[float]]:
    """Run every path once per round (rotating order); milliseconds per path."""
    names = list(paths)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_timed(lambda name=name, i=round_index: paths[name](i)))
    return samples


def _figures(lookup: str, samples: dict[str, list[float]], floor: str) -> list[Figure]:
    figures: list[Figure] = []
    for path, values in samples.items():
        figures.append(figure(f"{path}_median_ms", median(values), "ms"))
        figures.append(figure(f"{path}_p99_ms", percentile(values, 99), "ms"))
    floor_median = median(samples[floor])
    for path in samples:
        if path != floor:
            ratio = median(samples[path]) / floor_median
            figures.append(figure(f"{path}_vs_{lookup}_floor_ratio", ratio, "ratio"))
    return figures


def run() -> list[Figure]:
    from civiq.core.staff import Role
    from infra.local.run import staff_token

    with served_stack() as (stack, port):
        token = staff_token(stack, Role.CLERK)
        accounts = open_accounts_http(f"http://127.0.0.1:{port}", token, ACCOUNTS)
        waited = settle(stack, ACCOUNTS)
        ids = [a["id"] for a in accounts]
        numbers = [a["account_number"] for a in accounts]
        module = load_api_module(api_environment(stack))
        api = InProcessApi(module.app, stack, token)
        http_get = _http_get(port, token)
        dynamodb = stack.client("dynamodb")
        table = stack.outputs["MainTableName"]

        def in_process(path: str) -> None:
            status, body = api.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} in-process answered {status}: {body}")

        def get_item(i: int) -> None:
            key = {"PK": {"S": f"ACCOUNT#{ids[i % len(ids)]}"}, "SK": {"S": "ACCOUNT"}}
            if "Item" not in dynamodb.get_item(TableName=table, Key=key):
                raise RuntimeError("GetItem found no account")

        def query_number(i: int) -> None:
            found = dynamodb.query(
                TableName=table,
                IndexName="GSI1",
                Limit=1,
                KeyConditionExpression="GSI1PK = :k",
                ExpressionAttributeValues={":k": {"S": f"ACCOUNTNO#{numbers[i % len(numbers)]}"}},
            )
            if found["Count"] != 1:
                raise RuntimeError("Query on GSI1 found no account")

        by_id = {
            "api_get_by_id_http": lambda i: http_get(f"{ACCOUNTS_PATH}/{ids[i % len(ids)]}"),
            "api_get_by_id_inprocess": lambda i: in_process(f"{ACCOUNTS_PATH}/{ids[i % len(ids)]}"),
            "dynamodb_get_item": get_item,
        }
        by_number = {
            "api_get_by_number_http": lambda i: http_get(
                f"{ACCOUNTS_PATH}/{numbers[i % len(numbers)]}"
            ),
            "api_get_by_number_inprocess": lambda i: in_process(
                f"{ACCOUNTS_PATH}/{numbers[i % len(numbers)]}"
            ),
            "dynamodb_query_by_number": query_number,
        }
        _measure(by_id, WARMUP)
        _measure(by_number, WARMUP)
        figures = _figures("get_item", _measure(by_id, ITERATIONS), "dynamodb_get_item")
        figures += _figures("query", _measure(by_number, ITERATIONS), "dynamodb_query_by_number")
        figures.append(figure("api_latency_iterations", ITERATIONS, "requests"))
        figures.append(figure("api_latency_letter_settle_s", waited, "s"))
        return figures


def main() -> None:
    run_benchmark("api_latency", run)


if __name__ == "__main__":
    main()
