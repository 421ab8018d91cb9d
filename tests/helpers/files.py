"""The repository's own files that tests read: the root, and the sample events in events/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"


def load_event(relative: str) -> dict[str, Any]:
    """A sample event from events/ (the same files document each function's input)."""
    return json.loads((EVENTS / relative).read_text())
