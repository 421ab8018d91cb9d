"""The staff API's gateway as AWS receives it: template.yaml after the SAM transform (offline, as
infra/local/packaging.py runs it), checked route by route against the app's own routes."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from infra.local.packaging import _NoManagedPolicies, load_template
from tests.helpers.files import REPO

AUTHORIZER = "StaffCognito"
ACCESS_TOKEN_SCOPE = "aws.cognito.signin.user.admin"
WEBHOOK = ("POST", "/api/v1/utility/webhooks/payments")
STAFF_BUDGET = {"Ref": "StaffRateLimit"}, {"Ref": "StaffBurstLimit"}
WEBHOOK_BUDGET = {"Ref": "WebhookRateLimit"}, {"Ref": "WebhookBurstLimit"}
PORTAL_BUDGET = {"Ref": "PortalRateLimit"}, {"Ref": "PortalBurstLimit"}
CONSOLE_PAGES = {
    ("GET", "/dashboard/sign-in"),
    ("GET", "/dashboard/auth/callback"),
    ("GET", "/dashboard/local-sign-in"),
    ("POST", "/dashboard/local-sign-in"),
    ("POST", "/dashboard/sign-out"),
    ("GET", "/dashboard/signed-out"),
    ("GET", "/dashboard/utilities"),
    ("GET", "/dashboard/utilities/cycles"),
    ("GET", "/dashboard/utilities/statements"),
    ("GET", "/dashboard/utilities/delinquencies"),
    ("GET", "/dashboard/utilities/types"),
    ("GET", "/dashboard/utilities/accounts"),
    ("GET", "/dashboard/utilities/accounts/new"),
    ("POST", "/dashboard/utilities/accounts/new"),
    ("GET", "/dashboard/utilities/accounts/{id}"),
    ("POST", "/dashboard/utilities/accounts/{id}/payments"),
    ("POST", "/dashboard/utilities/accounts/{id}/adjustments"),
    ("GET", "/dashboard/utilities/reads"),
    ("POST", "/dashboard/utilities/reads/{meter_id}/{read_on}"),
    ("POST", "/dashboard/utilities/cycles/{cycle_id}/runs"),
    ("GET", "/dashboard/utilities/runs/{run_id}"),
    ("GET", "/dashboard/utilities/processor-exceptions"),
    ("POST", "/dashboard/utilities/processor-exceptions/{event_id}/decision"),
    ("GET", "/dashboard/utilities/service-requests"),
    ("GET", "/dashboard/utilities/service-requests/{request_id}"),
    ("POST", "/dashboard/utilities/service-requests/{request_id}/replies"),
    ("POST", "/dashboard/utilities/service-requests/{request_id}/status"),
    ("GET", "/dashboard/utilities/collections"),
    ("GET", "/dashboard/utilities/transfers"),
    ("POST", "/dashboard/utilities/transfers/{transfer_id}/decision"),
    ("GET", "/dashboard/utilities/remittance-exceptions"),
    ("POST", "/dashboard/utilities/remittance-exceptions/{remittance_id}/{line_no}/decision"),
}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    """The transformed template's resources (code locations stand in for `sam package`'s)."""
    template = load_template()
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = "s3://artifacts/function.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = "s3://artifacts/layer.zip"
        elif "DefinitionUri" in properties:
            properties["DefinitionUri"] = "s3://artifacts/definition.json"
    os.environ.setdefault("AWS_DEFAULT_REGION", "ca-central-1")
    transformed: dict[str, Any] = transform(template, {}, _NoManagedPolicies())
    return transformed["Resources"]


@pytest.fixture(scope="module")
def open_routes(
    portal_routes: set[tuple[str, str]],
) -> Iterator[tuple[set[tuple[str, str]], set[tuple[str, str]]]]:
    """The routes the gateway serves without its authorizer: the API's declared without
    ``staff_route``, every page of the resident portal; and (second) the staff console's pages,
    whose session cookie the code checks."""
    sys.path.insert(0, str(REPO / "functions" / "api"))
    try:
        import app

        from chalicelib import openapi

        console = {
            (method, path)
            for path, views in app.app.routes.items()
            for method in views
            if path.startswith("/dashboard/")
        }
        documented = {(o.method, o.path) for o in openapi.OPERATIONS if o.role is None}
        yield documented | portal_routes | console, console
    finally:
        sys.path.remove(str(REPO / "functions" / "api"))
        for name in [n for n in sys.modules if n == "app" or n.startswith("chalicelib")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def portal_routes() -> set[tuple[str, str]]:
    """The resident portal's routes (its own function's Chalice app). The API's ``app`` module,
    when a test of this worker imported it already, is set aside meanwhile: both are ``app``."""
    api = sys.modules.pop("app", None)
    sys.path.insert(0, str(REPO / "functions" / "portal"))
    try:
        import app as portal

        return {(method, path) for path, views in portal.app.routes.items() for method in views}
    finally:
        sys.path.remove(str(REPO / "functions" / "portal"))
        del sys.modules["app"]
        if api is not None:
            sys.modules["app"] = api


def methods(resources: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    paths = resources["StaffApi"]["Properties"]["Body"]["paths"]
    return {
        (verb.upper(), path): operation
        for path, operations in paths.items()
        for verb, operation in operations.items()
    }


def stage(resources: dict[str, Any]) -> dict[str, Any]:
    (found,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    properties: dict[str, Any] = found["Properties"]
    return properties


def setting_path(path: str) -> str:
    """A method setting's resource path: "/", then the route with each / written ~1."""
    return "/" + path.replace("/", "~1")


def test_the_open_routes_are_the_webhook_openapi_unsubscribe_link_portal_and_console(
    open_routes: tuple[set[tuple[str, str]], set[tuple[str, str]]],
    portal_routes: set[tuple[str, str]],
) -> None:
    """A route added without ``staff_route`` must be added here on purpose."""
    every, console = open_routes
    assert {path for _, path in portal_routes} <= {"/assets/{name}"} | {
        path for _, path in portal_routes if path == "/portal" or path.startswith("/portal/")
    }
    assert console == CONSOLE_PAGES
    assert every - portal_routes - console == {
        WEBHOOK,
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/notices/unsubscribe"),
        ("POST", "/api/v1/notices/unsubscribe"),
    }


def test_every_staff_route_needs_a_cognito_access_token_and_the_open_ones_none(
    resources: dict[str, Any], open_routes: tuple[set[tuple[str, str]], set[tuple[str, str]]]
) -> None:
    open_routes, _ = open_routes
    routes = methods(resources)
    assert len(routes) > len(open_routes)
    for route, operation in routes.items():
        if route in open_routes:
            assert operation.get("security", [{"NONE": []}]) == [{"NONE": []}], route
        else:
            assert operation["security"] == [{AUTHORIZER: [ACCESS_TOKEN_SCOPE]}], route


def test_the_authorizer_is_the_staff_user_pool_on_aws(resources: dict[str, Any]) -> None:
    definition = resources["StaffApi"]["Properties"]["Body"]["securityDefinitions"][AUTHORIZER]
    authorizer = definition["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "cognito_user_pools"
    ((condition, on_aws, _locally),) = [arn["Fn::If"] for arn in authorizer["providerARNs"]]
    assert (condition, on_aws) == ("OnAws", {"Fn::GetAtt": ["StaffUserPool", "Arn"]})
    for name in ("StaffUserPool", "StaffUserPoolClient", "StaffSignInDomain"):
        assert resources[name].get("Condition") == "OnAws"  # every AWS stack, whatever AuthMode


def test_the_console_signs_staff_in_with_the_code_grant_back_to_its_own_pages(
    resources: dict[str, Any],
) -> None:
    client = resources["StaffUserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a public client: PKCE protects the code
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", ACCESS_TOKEN_SCOPE}
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["CallbackURLs"] == [{"Fn::Sub": "${ConsoleUrl}/dashboard/auth/callback"}]
    assert client["LogoutURLs"] == [{"Fn::Sub": "${ConsoleUrl}/dashboard/signed-out"}]
    domain = resources["StaffSignInDomain"]
    assert domain["Type"] == "AWS::Cognito::UserPoolDomain"
    assert domain["Properties"]["UserPoolId"] == {"Ref": "StaffUserPool"}
    api = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert api["CONSOLE_URL"] == {"Ref": "ConsoleUrl"}
    assert api["CONSOLE_SIGNING_SECRET_ID"] == {"Ref": "ConsoleSigningSecret"}
    on_cognito = api["COGNITO_DOMAIN"]["Fn::If"]
    assert on_cognito[0] == "UseCognito" and "${StaffSignInDomain}" in on_cognito[1]["Fn::Sub"]


def test_the_endpoint_is_regional(resources: dict[str, Any]) -> None:
    api = resources["StaffApi"]["Properties"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_every_request_is_access_logged_as_json(resources: dict[str, Any]) -> None:
    logging = stage(resources)["AccessLogSetting"]
    assert logging["DestinationArn"] == {"Fn::GetAtt": ["StaffApiAccessLogs", "Arn"]}
    assert resources["StaffApiAccessLogs"]["Type"] == "AWS::Logs::LogGroup"
    assert resources["StaffApiAccessLogs"]["Properties"]["RetentionInDays"]
    line = json.loads(re.sub(r"\$context\.[\w.]+", "x", logging["Format"]))
    assert {
        "requestId",
        "ip",
        "caller",
        "user",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
        "authorizerError",
    } <= set(line)


def test_execution_logs_and_a_budget_per_kind_of_caller(
    resources: dict[str, Any], open_routes: tuple[set[tuple[str, str]], set[tuple[str, str]]]
) -> None:
    every, console = open_routes
    settings = {(s["HttpMethod"], s["ResourcePath"]): s for s in stage(resources)["MethodSettings"]}
    budgets = {
        ("*", "/*"): STAFF_BUDGET,
        (WEBHOOK[0], setting_path(WEBHOOK[1])): WEBHOOK_BUDGET,
    }
    for method, path in every - {WEBHOOK} - console:  # the OpenAPI document, the portal
        budgets[(method, setting_path(path))] = PORTAL_BUDGET
    for method, path in console:  # staff's pages: staff's budget, though without the authorizer
        budgets[(method, setting_path(path))] = STAFF_BUDGET
    assert set(settings) == set(budgets)
    for key, (rate, burst) in budgets.items():
        setting = settings[key]
        assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (rate, burst)
        assert setting["LoggingLevel"] == "ERROR"
        assert setting["MetricsEnabled"] is True
        assert setting["DataTraceEnabled"] is False  # bodies hold residents' data


def test_a_web_acl_is_optional_and_guards_the_stage(resources: dict[str, Any]) -> None:
    association = resources["StaffApiWebAcl"]
    assert association["Condition"] == "ProtectApiWithWebAcl"
    assert association["Properties"]["WebACLArn"] == {"Ref": "WebAclArn"}
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${StaffApi}/stages/${StaffApiv1Stage}")


def test_no_cors_is_configured(resources: dict[str, Any]) -> None:
    """No page calls this API from another origin: no preflight route, no CORS header."""
    assert all(method != "OPTIONS" for method, _ in methods(resources))
    text = json.dumps(resources["StaffApi"])
    assert "Access-Control-Allow" not in text
    assert "x-amazon-apigateway-cors" not in text


def test_the_authorizers_refusal_is_our_401(resources: dict[str, Any]) -> None:
    responses = resources["StaffApi"]["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    refused = responses["UNAUTHORIZED"]
    assert refused["statusCode"] == "401"
    assert refused["responseParameters"] == {"gatewayresponse.header.WWW-Authenticate": "'Bearer'"}
    body = json.loads(refused["responseTemplates"]["application/json"])
    assert body["error"]["code"] == "unauthorized"


# --- secrets: in Secrets Manager, read only by the functions that need them ----------------------


def secret_readers(resources: dict[str, Any]) -> dict[str, list[Any]]:
    """Role -> the resources its statements let it read secrets of."""
    readers: dict[str, list[Any]] = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                actions = [actions] if isinstance(actions, str) else actions
                if any(a.startswith("secretsmanager:") or a == "*" for a in actions):
                    assert actions == ["secretsmanager:GetSecretValue"], name
                    targets = statement["Resource"]
                    readers.setdefault(name, []).extend(
                        targets if isinstance(targets, list) else [targets]
                    )
    return readers


def test_only_the_api_the_portal_the_sender_and_the_sandbox_processor_read_their_own_secrets(
    resources: dict[str, Any],
) -> None:
    readers = secret_readers(resources)
    assert readers == {
        "ApiFunctionRole": [
            {"Ref": "PaymentWebhookSecret"},
            {"Ref": "UnsubscribeSigningSecret"},
            {"Ref": "ConsoleSigningSecret"},
            {"Fn::If": ["UseLocalAuth", {"Ref": "LocalSigningKeySecret"}, {"Ref": "AWS::NoValue"}]},
        ],
        "PortalFunctionRole": [{"Ref": "PortalSessionSecret"}],
        "SandboxProcessorFunctionRole": [{"Ref": "PaymentWebhookSecret"}],
        "NotificationSenderFunctionRole": [{"Ref": "UnsubscribeSigningSecret"}],
    }


def test_no_secret_is_a_parameter_or_in_an_environment(resources: dict[str, Any]) -> None:
    template = load_template()
    assert not [n for n, p in template["Parameters"].items() if p.get("NoEcho")]
    for name in (
        "PaymentWebhookSecret",
        "LocalSigningKeySecret",
        "UnsubscribeSigningSecret",
        "PortalSessionSecret",
        "ConsoleSigningSecret",
    ):
        assert resources[name]["Type"] == "AWS::SecretsManager::Secret"
        assert "GenerateSecretString" in resources[name]["Properties"]
    assert resources["LocalSigningKeySecret"]["Condition"] == "UseLocalAuth"
    api = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert api["WEBHOOK_SECRET_ID"] == {"Ref": "PaymentWebhookSecret"}
    assert api["UNSUBSCRIBE_SECRET_ID"] == {"Ref": "UnsubscribeSigningSecret"}
    for resource in resources.values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        assert not {"WEBHOOK_SECRETS", "LOCAL_SIGNING_KEY"} & set(variables)


def test_the_binary_media_types_are_the_pages_assets_and_never_every_type(
    resources: dict[str, Any],
) -> None:
    """API Gateway returns these answers as bytes; it matches only the request's first Accept
    type, so the image types browsers put first are there. */* would make every answer binary."""
    binary = resources["StaffApi"]["Properties"]["Body"]["x-amazon-apigateway-binary-media-types"]
    assert sorted(binary) == [
        "application/pdf",
        "font/woff2",
        "image/avif",
        "image/png",
        "image/webp",
        "image/x-icon",
    ]
    assert not [t for t in binary if "*" in t or t.startswith("text/") or "json" in t]
