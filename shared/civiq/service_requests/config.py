"""Settings of the functions that serve service requests (the API's staff routes, the portal):
what CommonSettings holds (the tables, the event bus, the municipality's time zone)."""

from __future__ import annotations

from civiq.core.settings import CommonSettings


class ServiceRequestSettings(CommonSettings):
    """Service requests need nothing of their own; a billing dispute's hold on a collection
    case is collections' (its settings are the function's that builds its casework)."""
