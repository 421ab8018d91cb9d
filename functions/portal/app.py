"""The resident portal (Chalice): server-rendered, bilingual pages on the same API Gateway as
the staff API, in a function of its own so that a resident's page never pays the staff API's
cold start (it imports the portal's wiring and the templates, nothing else).

A resident looks up their account (number and postal code): the portal then keeps the
account in a signed session cookie (HttpOnly, SameSite=Lax, sliding expiry) and shows its
pages. Every form carries a CSRF token; every page the strict CSP of
:mod:`civiq.platform.web`. Every journey works without JavaScript.
"""

from __future__ import annotations

import portal_account  # noqa: F401 - each module registers its pages on the app
import portal_arrangement  # noqa: F401
import portal_lookup  # noqa: F401
import portal_payments  # noqa: F401
import portal_preferences  # noqa: F401
import portal_requests  # noqa: F401
from portal_site import app, clear

__all__ = ["app", "clear"]
