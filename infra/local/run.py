"""`make run`: the whole system on this machine, on the embedded emulator (moto).

Starts moto, provisions template.yaml into it, loads a small demo municipality through the real
API (accounts, then 13 months of reads, bills, payments and penalties: infra/local/demo_history),
serves the API on http://127.0.0.1:8000 and stays up until Ctrl-C, firing every scheduled rule
(rate() and cron(), at the UTC instants EventBridge would) while it runs. Start-up prints a short
summary (URLs, tokens, the webhook secret, how to point boto3 or the aws CLI at the emulator, the
rules' next instants); the functions' INFO logs show from then on.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.config import Config

from civiq.core.clock import SystemClock
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.staff import Role
from civiq.platform.tokens import LocalTokens
from infra.local import municipal_waits
from infra.local.demo import gateway_sender, load_via_api, municipality
from infra.local.demo_collections import CollectionsStory
from infra.local.demo_history import ARREARS_BILLS, DemoHistory, load_history, webhooks_only
from infra.local.gateway import LocalApiGateway, load_routes
from infra.local.stack import REGION, STACK_NAME, LocalStack

API_STAGE = "v1"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
# API Gateway invokes the function once per request and never again on its own; the emulator,
# slower than Lambda, gets more time than API Gateway's 29 s before the request fails
INVOKE_ONCE = Config(retries={"total_max_attempts": 1}, read_timeout=300)


def local_gateway(stack: LocalStack) -> LocalApiGateway:
    routes = load_routes(stack.client("apigateway"), stack.physical_ids["StaffApi"])
    return LocalApiGateway(stack.client("lambda", INVOKE_ONCE), routes, API_STAGE, MAX_BODY_BYTES)


def webhook_url(api_url: str) -> str:
    """Where the sandbox payment processor posts its events: the local gateway's route."""
    return f"{api_url}/api/v1/utility/webhooks/payments"


def portal_url(api_url: str) -> str:
    """The statements' "your account online" link: PORTAL_URL when set, else the local API's
    /portal on the port it listens on."""
    return os.environ.get("PORTAL_URL") or f"{api_url}/portal"


def serve_api(stack: LocalStack, port: int) -> Any:
    return local_gateway(stack).serve(port=port)


def staff_token(stack: LocalStack, role: Role, hours: int = 12) -> str:
    tokens = LocalTokens(stack.secret("LocalSigningKeySecret"))
    return tokens.mint(f"local-{role.value}", [role], datetime.now(UTC), timedelta(hours=hours))


def ledger_digest_schedule(stack: LocalStack) -> tuple[str, str]:
    """The hourly ledger digest's rule and its target (the digest queue)."""
    queue = stack.outputs["LedgerDigestQueueUrl"].rsplit("/", 1)[-1]
    return next(
        (rule, target)
        for rule, _, target in stack.scheduled_targets()
        if target.endswith(f":{queue}")
    )


def load_demo(gateway: LocalApiGateway, token: str, count: int) -> list[dict[str, Any]]:
    """Open a demo town's ``count`` accounts through the gateway and the real API function."""
    return load_via_api(municipality(accounts=count), gateway_sender(gateway.handle, token))


def print_summary(
    stack: LocalStack,
    api_url: str,
    tokens: dict[str, str],
    accounts: list[dict[str, Any]],
    billing: DemoHistory,
    portal: str | None = None,
) -> None:
    """What a newcomer needs: where things are, how to call them, what is loaded, what fires;
    ``portal``: the portal's address when the local API serves it."""
    outputs = stack.outputs
    run = billing.latest.run
    print(f"\nCiVQ local stack (moto on {stack.endpoint}, provisioned from template.yaml)\n")
    print(f"  API        {api_url}/api/v1/utility/accounts")
    if portal is not None:
        print(f"  Portal     {portal}  (an account's number and postal code, listed below)")
    print(f"  Console    {api_url}/dashboard/utilities (sign in as clerk, supervisor or admin)")
    for role, token in tokens.items():
        print(f"  {role.capitalize():<10} token (12 h): {token}")
    print(f'  Try        curl -H "Authorization: Bearer <token>" {api_url}/api/v1/utility/accounts')
    print(f"  Webhook    POST {webhook_url(api_url)}")
    print(f"             signing secret {stack.secret('PaymentWebhookSecret')}")
    print(
        "\n  boto3 / aws CLI against the emulator (any credentials will do, but boto3 needs some):"
    )
    print(
        f"    export AWS_ENDPOINT_URL={stack.endpoint} AWS_DEFAULT_REGION={REGION}"
        " AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
    )
    print(f"    aws s3 ls s3://{outputs['DocumentsBucketName']}/statements/ --recursive")
    print(
        f"    TABLE_NAME={outputs['MainTableName']}  LEDGER_TABLE_NAME={outputs['LedgerTableName']}"
    )
    print(
        f"    LEDGER_DIGEST_BUCKET={outputs['LedgerDigestBucketName']}"
        f"  LEDGER_DIGEST_KEY_ID={outputs['LedgerDigestKeyArn']}"
    )
    print(
        f"\n  Demo town: {len(accounts)} accounts, {billing.latest.meters} meters,"
        f" {billing.latest.reads} reads; {len(billing.periods) + 1} bimonthly runs since"
        f" {billing.periods[0]:%Y-%m}: {billing.statements} statements, {billing.payments}"
        " payments at the counter (autopay besides)"
    )
    print(
        f"    latest run {run['id']} ({run['status']}): {run['billed']} billed,"
        f" {run['skipped']} skipped, {run['failed']} failed"
    )
    shows = {account_id: "autopay" for account_id in billing.autopay}
    shows[billing.arrears] = f"in arrears: {ARREARS_BILLS - 1} bills past due, with penalties"
    shows[billing.past_due] = "past due: the previous bill, with its penalty"
    for account in accounts:
        print(
            f"    {account['account_number_display']}  {account['service_address']['postal_code']}"
            f"  {account['id']}  {account['holder']['name']} ({account['language']})"
            + (f"  <- {shows[account['id']]}" if account["id"] in shows else "")
        )
    if billing.story:
        print(
            "\n  Collections, the account in arrears"
            f" ({api_url}/api/v1/utility/accounts/{billing.arrears}/collection-cases,"
            " .../correspondence, .../arrangements):"
        )
        for line in billing.story:
            print(f"    {line}")
    print(f"\n  Scheduled rules (EventBridge cron() is UTC; local time {MUNICIPAL_TIME_ZONE}):")
    now = datetime.now(UTC)
    for at, rule, expression, _ in stack.upcoming(now):
        local = at.astimezone(MUNICIPAL_TIME_ZONE)
        print(
            f"    {expression:<20} next {at:%Y-%m-%d %H:%M} UTC ({local:%H:%M} local)"
            f"  {_function_of(rule)}"
        )


def _function_of(rule_name: str) -> str:
    """``civiq-local-AccountActivationFunctionDailyAfterMidnight-1X2Y`` -> the rule's logical
    part, without the stack name and the random suffix."""
    return rule_name.removeprefix(f"{STACK_NAME}-").rsplit("-", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo-accounts", type=int, default=6)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # moto's notice that the template's ToleratedFailurePercentage has no effect locally
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.ERROR)
    # The functions log each request and redelivery at INFO, as in CloudWatch; while the demo
    # loads that is ~80 lines that read as errors, so start-up shows warnings only.
    logging.disable(logging.INFO)

    started = time.monotonic()
    municipal_waits.install()  # the demo story's executions wake on its days
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    api_url = f"http://127.0.0.1:{args.port}"
    portal = portal_url(api_url)
    stack = LocalStack.launch(
        parameters={
            "SandboxWebhookUrl": webhook_url(api_url),
            "PortalUrl": portal,
            "PublicApiUrl": api_url,  # the emails' unsubscribe links
            "ConsoleUrl": api_url,  # the staff console's pages, on the local gateway
        }
    )
    gateway = local_gateway(stack)
    clerk = staff_token(stack, Role.CLERK)
    supervisor = staff_token(stack, Role.SUPERVISOR)
    accounts = load_demo(gateway, clerk, args.demo_accounts)
    with webhooks_only(gateway, args.port):  # autopay charges are answered through it
        billing = load_history(
            stack,
            gateway,
            accounts,
            local_today(SystemClock()),
            story=lambda account_id, send, post: CollectionsStory(stack, send, post, account_id),
        )
    stack.fire_schedule(*ledger_digest_schedule(stack))  # now, so `make reconcile` has a digest
    stack.run_schedules()

    tokens = {"clerk": clerk, "supervisor": supervisor}
    served = portal.startswith(f"{api_url}/") and gateway.serves(portal.removeprefix(api_url))
    print_summary(stack, api_url, tokens, accounts, billing, portal if served else None)
    # Listen last: once :8000 answers, everything above has been printed.
    server = gateway.serve(port=args.port)
    logging.disable(logging.NOTSET)  # from here on, the functions' logs as CloudWatch has them
    print(f"\nReady in {time.monotonic() - started:.1f} s. Ctrl-C to stop.", flush=True)

    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        stack.stop()
        print("stopped.")


if __name__ == "__main__":
    main()
