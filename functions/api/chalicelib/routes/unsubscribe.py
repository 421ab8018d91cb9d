"""The unsubscribe link of every email: /api/v1/notices/unsubscribe?token=...

No staff token: the link's token is signed (civiq.notices.domain.unsubscribe). A GET (a person
following the link) shows a page, in both official languages, with a button that POSTs; a POST
(that button, or a mail client's one-click unsubscribe of RFC 8058, whose body is
``List-Unsubscribe=One-Click``) withdraws the customer's consent to email at once. Later messages
go by mail. Withdrawing twice changes nothing.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib import openapi
from chalicelib.http import (
    ANY_CONTENT_TYPE,
    correlation_id,
    error_response,
    from_domain_error,
    parse_query,
)
from chalicelib.notices_composition import catalogs, correspondence
from chalicelib.routes import deferred
from civiq.core.errors import DomainError
from civiq.core.language import Language
from civiq.platform.web import HTML, SECURITY_HEADERS

if TYPE_CHECKING:
    from civiq.notices.schemas import deliveries as schemas
else:
    schemas = deferred("civiq.notices.schemas.deliveries")

blueprint = Blueprint(__name__)
UNSUBSCRIBE = "/api/v1/notices/unsubscribe"
# Every page's security headers (a strict Content-Security-Policy, no framing, no referrer: the
# address holds the customer's token).
PAGE_HEADERS = {"Content-Type": HTML, **SECURITY_HEADERS}
ERRORS = {
    404: "The link is not one of ours (or its customer is gone).",
    503: "Unsubscribe links are not configured.",
}


def _operation(method: str, name: str, summary: str) -> openapi.Operation:
    return openapi.Operation(
        UNSUBSCRIBE,
        method,
        name,
        summary,
        "correspondence",
        role=None,
        produces="text/html",
        models=lambda: openapi.Models(query=schemas.UnsubscribeQuery),
        errors=ERRORS,
    )


openapi.register(_operation("GET", "unsubscribe_page", "The unsubscribe link's page"))
openapi.register(
    _operation("POST", "unsubscribe", "Withdraw the link's customer's consent to email")
)


def page(language: Language, key: str, token: str | None) -> str:
    """The page in ``language``, then in the other official language; with the button that
    withdraws the consent while ``token`` is given."""
    other = Language.FR if language is Language.EN else Language.EN

    def said(lang: Language, name: str) -> str:
        return escape(catalogs().message(lang, f"unsubscribe.{name}", {}))

    sections = "".join(
        f'<section lang="{lang.value}"><h1>{said(lang, "title")}</h1><p>{said(lang, key)}</p>'
        "</section>"
        for lang in (language, other)
    )
    button = ""
    if token is not None:
        labels = " / ".join(said(lang, "confirm") for lang in (language, other))
        button = (
            f'<form method="post" action="?token={escape(token)}">'
            f'<button type="submit">{labels}</button></form>'
        )
    title = " / ".join(said(lang, "title") for lang in (language, other))
    return (
        f'<!DOCTYPE html><html lang="{language.value}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no icon to fetch: a browser would ask for /favicon.ico, which no route serves
        '<link rel="icon" href="data:,">'
        f"<title>{title}</title></head><body><main>{sections}{button}</main></body></html>"
    )


def _answer(withdraw: bool) -> Response:
    request = blueprint.current_request
    services = correspondence()
    if services.unsubscribe is None:
        return error_response("not_configured", "unsubscribe links are not configured", None, 503)
    try:
        token = parse_query(request, schemas.UnsubscribeQuery).token
        if withdraw:
            customer = services.unsubscribe(token, correlation_id(request))
            body = page(customer.language, "done", None)
        else:
            body = page(services.unsubscribe.customer(token).language, "ask", token)
    except DomainError as error:
        return from_domain_error(error)
    return Response(body=body, status_code=200, headers=PAGE_HEADERS)


@blueprint.route(UNSUBSCRIBE, methods=["GET"], content_types=[ANY_CONTENT_TYPE])
def unsubscribe_page() -> Response:
    return _answer(withdraw=False)


@blueprint.route(UNSUBSCRIBE, methods=["POST"], content_types=[ANY_CONTENT_TYPE])
def unsubscribe() -> Response:
    return _answer(withdraw=True)
