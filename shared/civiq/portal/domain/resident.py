"""Who acts on the portal: the resident who looked the account up (its history entries, the
arrangements they make, the changes they ask for name them so)."""

from __future__ import annotations

from civiq.core.events import Actor

RESIDENT = Actor("resident", "resident")
