"""What went out to customers: an account's correspondence
(/api/v1/utility/accounts/{id}/correspondence) and the daily print files
(/api/v1/notices/print-files).

Every notification's delivery is listed on its account: the channel it took (email, SMS or mail),
the address, what it said, the provider's message id, and why it went by mail when it was meant
otherwise. In every environment: on the local stack, what would have gone out.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.http import Reply, json_response, staff_route
from chalicelib.notices_composition import correspondence
from chalicelib.routes import deferred
from civiq.core.staff import Role

if TYPE_CHECKING:
    from civiq.core import schemas as common
    from civiq.notices.schemas import deliveries as schemas
else:
    common = deferred("civiq.core.schemas")
    schemas = deferred("civiq.notices.schemas.deliveries")

blueprint = Blueprint(__name__)
CORRESPONDENCE = "/api/v1/utility/accounts/{id}/correspondence"
PRINT_FILES = "/api/v1/notices/print-files"
TAG = "correspondence"


@staff_route(blueprint, CORRESPONDENCE, "GET", Role.CLERK, tag=TAG)
def account_correspondence(id: str, query: common.PageQuery) -> Reply[schemas.CorrespondencePage]:
    """The account's notifications as delivered, the latest first: channel, address, message,
    provider id, fallback reason, print file."""
    page = correspondence().correspondence(id, query.limit, query.cursor)
    items = [schemas.DeliveryOut.of(d) for d in page.items]
    return json_response(schemas.CorrespondencePage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, PRINT_FILES, "GET", Role.CLERK, tag=TAG)
def list_print_files(query: common.PageQuery) -> Reply[schemas.PrintFilePage]:
    """The daily print files for the mail house, the latest day first."""
    page = correspondence().print_files.listing(query.limit, query.cursor)
    items = [schemas.PrintFileOut.of(f) for f in page.items]
    return json_response(schemas.PrintFilePage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, PRINT_FILES + "/{day}", "GET", Role.CLERK, tag=TAG)
def get_print_file(day: date) -> Reply[schemas.PrintFileDetailsOut]:
    """One day's print file: short-lived links to its PDFs and manifest, and every letter in it
    (part, pages, to whom)."""
    details = correspondence().show_print_file(day)
    return json_response(schemas.PrintFileDetailsOut.of_details(details))
