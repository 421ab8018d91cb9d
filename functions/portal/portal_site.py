"""The resident portal's site: its Chalice app, what its pages are built from (settings, the
portal's and other features' services, each built at the first page that needs it), and what
every page does alike (the session of a looked-up account, rendering in the negotiated language,
CSRF tokens, form errors). The pages themselves are in the ``portal_*`` modules, by concern;
``app.py`` registers them."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from civiq.core.errors import InvalidInput
from civiq.platform.chalice_web import page_of, respond
from civiq.platform.web import (
    CsrfTokens,
    PageRequest,
    PageResponse,
    Pages,
    Signer,
    cookie,
    expires,
    negotiate_language,
    redirect,
)

if TYPE_CHECKING:
    from civiq.collections.services.casework import Casework
    from civiq.portal.config import PortalSettings
    from civiq.portal.services.payment_arrangement import ArrangePayments
    from civiq.portal.wiring import AutopayServices, PortalServices
    from civiq.service_requests.wiring import ServiceRequestServices

app = Chalice(app_name="civiq-portal")
FORM = ["application/x-www-form-urlencoded"]
SESSION_COOKIE = "civiq_portal"
ASSETS = {"site.css": "text/css; charset=utf-8"}


@cache
def settings() -> PortalSettings:
    from civiq.portal.config import PortalSettings

    return PortalSettings()  # read from the environment


@cache
def services() -> PortalServices:
    from civiq.portal.wiring import portal_services

    return portal_services(settings(), Signer(signing_key(), "portal-email"))


@cache
def collection_work() -> Casework:
    """Collections' casework, built at the first page that holds a collection case (a billing
    dispute, a payment arrangement): the other pages never import collections' services."""
    from civiq.collections.wiring import casework

    return casework(settings())


@cache
def service_requests() -> ServiceRequestServices:
    """A resident's service requests; a billing dispute pauses the account's collection case."""
    from civiq.service_requests.wiring import service_request_services

    return service_request_services(settings(), collection_work)


@cache
def arrangements() -> ArrangePayments:
    """Collections' arrangement use case under the portal's pages, on the same policy."""
    from civiq.collections.wiring import arrangement_services
    from civiq.portal.wiring import arrange_payments

    make = arrangement_services(collection_work(), settings()).make
    return arrange_payments(settings(), make)


@cache
def autopay() -> AutopayServices:
    """Autopay's agreement and the account's flag: built on the first autopay page only, with
    what billing needs of an account (the flag is an account change billing checks)."""
    from civiq.billing.wiring import billing_requirements
    from civiq.portal.wiring import autopay_services

    return autopay_services(settings(), billing_requirements(settings()))


@cache
def signing_key() -> bytes:
    from civiq.platform.secrets import secret

    config = settings()
    value = secret(config.portal_session_secret_id, config.aws_region, config.aws_endpoint_url)
    return value.current().encode()


def sessions() -> Signer:
    return Signer(signing_key(), "portal-session")


def csrf_tokens() -> CsrfTokens:
    return CsrfTokens(signing_key())


@cache
def pages() -> Pages:
    return Pages(services().templates, csrf_tokens(), settings().municipality_name, "/portal")


def clear() -> None:
    """Forget everything built (tests start each app from its environment)."""
    settings.cache_clear()
    services.cache_clear()
    service_requests.cache_clear()
    collection_work.cache_clear()
    arrangements.cache_clear()
    autopay.cache_clear()
    signing_key.cache_clear()
    pages.cache_clear()


def current() -> PageRequest:
    return page_of(app.current_request)


def render(
    request: PageRequest,
    template: str,
    context: dict[str, object],
    status: int = 200,
    cookies: list[str] | None = None,
) -> PageResponse:
    return pages().render(request, template, context, status, cookies or [])


def message_page(request: PageRequest, key: str, status: int) -> PageResponse:
    return pages().message(request, key, status)


def notice_of(request: PageRequest, notices: dict[str, str]) -> str | None:
    """The notice a redirect asked for (``?<flag>=1``, the first of ``notices`` found)."""
    key = next((notices[flag] for flag in notices if request.query.get(flag) == "1"), None)
    if key is None:
        return None
    return services().templates.catalogs.message(negotiate_language(request), key, {})


def field_errors(
    request: PageRequest,
    invalid: InvalidInput,
    fields: tuple[str, ...],
    summary_only: tuple[str, ...] = (),
    **params: object,
) -> list[dict[str, Any]]:
    """The form's refused fields, in the form's order, each worded from the catalog
    (``portal.error.<field>``), then the refusals of what the form has no input for
    (``summary_only``: in the error summary, linking nowhere)."""
    catalogs = services().templates.catalogs
    language = negotiate_language(request)
    refused = {e.field for e in invalid.errors}
    return [
        {
            "field": field if field in fields else None,
            "message": catalogs.message(language, f"portal.error.{field}", params),
        }
        for field in (*fields, *summary_only)
        if field in refused
    ]


def by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in errors if e["field"]}


def form_page(
    request: PageRequest,
    account_id: str,
    template: str,
    errors: list[dict[str, Any]],
    status: int = 200,
    **context: object,
) -> PageResponse:
    """A form of a looked-up account's: the account, the form's ``context``, and its errors
    (the summary's, and each field's)."""
    return render(
        request,
        template,
        {
            "account": services().overview(account_id),
            "section": "account",
            **context,
            "errors": errors,
            "field_errors": by_field(errors),
        },
        status,
    )


def session_account(request: PageRequest) -> str | None:
    from civiq.core.clock import SystemClock

    found = sessions().verify(request.cookies.get(SESSION_COOKIE), SystemClock().now())
    account_id = found.get("account") if found else None
    return account_id if isinstance(account_id, str) else None


def session_cookie(request: PageRequest, account_id: str) -> str:
    from civiq.core.clock import SystemClock

    minutes = settings().portal_session_minutes
    token = sessions().sign({"account": account_id}, expires(SystemClock().now(), minutes))
    return cookie(SESSION_COOKIE, token, secure=request.secure, max_age=minutes * 60)


def signed_in(view: Any) -> Any:
    """A page of a looked-up account: without a live session, back to the lookup; with one,
    the session's expiry slides forward."""

    def page_of_account(**params: str) -> Response:
        request = current()
        account_id = session_account(request)
        if account_id is None:
            return respond(redirect(request.link("/portal", expired="1")))
        answer: PageResponse = view(request, account_id, **params)
        answer.cookies.append(session_cookie(request, account_id))
        return respond(answer)

    page_of_account.__name__ = view.__name__
    return page_of_account


def form_of_account(view: Any) -> Any:
    """A form posted from a looked-up account's page: refused without its CSRF token."""

    def posted(request: PageRequest, account_id: str, **params: str) -> PageResponse:
        if not csrf_tokens().valid(request):
            return message_page(request, "web.forbidden", 403)
        answer: PageResponse = view(request, account_id, **params)
        return answer

    posted.__name__ = view.__name__
    return posted
