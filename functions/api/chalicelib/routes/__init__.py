"""The API's routes: one blueprint module per resource group, registered by app.py.

A route module imports its schemas and the modules its views call through :func:`deferred`, so
importing the app (the cold start) loads none of them: the first request of a route group loads
what that group uses, and its pydantic models are built when first used (``defer_build``). Under
type checking the same names are the modules themselves::

    if TYPE_CHECKING:
        from civiq.accounts.schemas import accounts as schemas
    else:
        schemas = deferred("civiq.accounts.schemas.accounts")
"""

from __future__ import annotations

import importlib
from typing import Any


class Deferred:
    """A module imported at the first attribute read (``schemas.AccountResponse``).

    Only for shared modules (``civiq``): the local stack takes a function's own modules
    (``chalicelib``) out of ``sys.modules`` once its entry module is imported, so those are
    imported with the app.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"


def deferred(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first read."""
    return Deferred(name)
