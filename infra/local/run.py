"""`make run`: the whole system on this machine, on the embedded emulator (moto).

Starts moto, provisions template.yaml into it, loads a small demo municipality through the real
API (accounts, then meters, reads, rates and a billing cycle whose latest ended period it bills),
serves the API on http://127.0.0.1:8000, fires scheduled rules on their schedule, prints the
URLs and a staff token, and stays up until Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from civiq.core.clock import SystemClock
from civiq.core.dates import local_today
from civiq.core.staff import Role
from civiq.platform.tokens import LocalTokens
from infra.local.demo import gateway_sender, load_via_api, municipality
from infra.local.demo_billing import load_billing
from infra.local.gateway import LocalApiGateway, load_routes
from infra.local.stack import LocalStack

API_STAGE = "v1"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


def local_gateway(stack: LocalStack) -> LocalApiGateway:
    routes = load_routes(stack.client("apigateway"), stack.physical_ids["StaffApi"])
    return LocalApiGateway(stack.client("lambda"), routes, API_STAGE, MAX_BODY_BYTES)


def webhook_url(api_url: str) -> str:
    """Where the sandbox payment processor posts its events: the local gateway's route."""
    return f"{api_url}/api/v1/utility/webhooks/payments"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo-accounts", type=int, default=6)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    started = time.monotonic()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    api_url = f"http://127.0.0.1:{args.port}"
    stack = LocalStack.launch(parameters={"SandboxWebhookUrl": webhook_url(api_url)})
    gateway = local_gateway(stack)
    clerk = staff_token(stack, Role.CLERK)
    supervisor = staff_token(stack, Role.SUPERVISOR)
    accounts = load_demo(gateway, clerk, args.demo_accounts)
    billing = load_billing(
        accounts, gateway_sender(gateway.handle, supervisor), local_today(SystemClock())
    )
    stack.run_schedules()
    stack.fire_schedule(*ledger_digest_schedule(stack))  # now, so `make reconcile` has a digest

    print(f"\nCiVQ local stack on {stack.endpoint} (moto)\n")
    print(f"  API          {api_url}/api/v1/utility/accounts")
    print(f"  Emulator     {stack.endpoint}  (AWS_ENDPOINT_URL for the aws CLI / boto3)")
    print(f"  Table        {stack.outputs['MainTableName']}")
    print(f"  Ledger       {stack.outputs['LedgerTableName']}  (LEDGER_TABLE_NAME)")
    print(f"  Letters      s3://{stack.outputs['DocumentsBucketName']}/letters/welcome/")
    print(f"  Statements   s3://{stack.outputs['DocumentsBucketName']}/statements/")
    print(f"  Receipts     s3://{stack.outputs['DocumentsBucketName']}/receipts/")
    print(f"  Payments     POST {api_url}/api/v1/utility/accounts/<id>/payments (Idempotency-Key)")
    print(f"  Bank files   POST {api_url}/api/v1/utility/remittances (text/csv)")
    print(f"  Webhook      POST {webhook_url(api_url)}")
    print(f"               signing secret {stack.secret('PaymentWebhookSecret')}")
    print(f"  Digests      s3://{stack.outputs['LedgerDigestBucketName']}  (LEDGER_DIGEST_BUCKET)")
    print(f"               key {stack.outputs['LedgerDigestKeyArn']}  (LEDGER_DIGEST_KEY_ID)")
    run = billing.run
    print(
        f"\n  Billing run {run['id']} ({run['status']}): {run['billed']} billed,"
        f" {run['skipped']} skipped {run['reasons']}, {run['failed']} failed"
        f"  ({billing.meters} meters, {billing.reads} reads)"
    )
    print(f"    {api_url}/api/v1/utility/runs/{run['id']}")
    print("\n  Demo accounts:")
    for account in accounts:
        print(
            f"    {account['account_number_display']}  {account['holder']['name']}"
            f"  ({account['language']})  id {account['id']}"
        )
    print(f"\n  Staff token (clerk, 12 h):\n    {clerk}")
    print(f"  Supervisor token:\n    {supervisor}")
    print(f'\n  Try: curl -H "Authorization: Bearer $TOKEN" {api_url}/api/v1/utility/accounts')
    # Listen last: once :8000 answers, everything above has been printed.
    server = gateway.serve(port=args.port)
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
