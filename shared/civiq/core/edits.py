"""Edits keep what they do not name: a service's optional argument set to KEEP leaves its field as
it is, where None would clear it (a field that may be empty needs both meanings)."""

from __future__ import annotations

from enum import Enum
from typing import Final


class Keep(Enum):
    """The value of an edit's argument that the request did not name."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
