"""The Chalice edge of :mod:`civiq.platform.web`, for every function that serves pages (the
resident portal, the staff console in the API): a Chalice request as a :class:`PageRequest`,
a :class:`PageResponse` as a Chalice response (each cookie its own ``Set-Cookie`` header)."""

from __future__ import annotations

from typing import Any

from chalice import Response
from chalice.app import Request

from civiq.platform.web import PageRequest, PageResponse, page_request


def page_of(request: Request) -> PageRequest:
    return page_request(request.to_original_event(), request.raw_body)


def respond(answer: PageResponse) -> Response:
    headers: dict[str, Any] = dict(answer.headers)
    if answer.cookies:
        headers["Set-Cookie"] = answer.cookies
    return Response(body=answer.body, status_code=answer.status, headers=headers)
