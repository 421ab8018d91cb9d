"""A real browser for the page tests: Debian's Chromium driven by Playwright (`make browser`
installs it; `playwright install` cannot download browsers here), axe-core's WCAG 2.1 A/AA
rules, and full-page screenshots kept for CI under build/screenshots."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from tests.helpers.files import REPO

CHROMIUM = (
    Path("/usr/lib/chromium/chromium"),
    Path("/usr/bin/chromium"),
)  # the binary, its wrapper
SCREENSHOTS = REPO / "build" / "screenshots"
# The two sizes every page is looked at in: a phone held upright and a laptop.
VIEWPORTS = {"mobile": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


def system_chromium() -> str:
    """The installed Chromium's executable (the binary first: the wrapper prints a warning)."""
    for path in CHROMIUM:
        if path.exists():
            return str(path)
    raise RuntimeError("Chromium is not installed: run `make browser`")


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on ``page`` as it is now, one line per element:
    rule id, impact, the element's selector, and what the rule wants."""
    results = Axe().run(page, options=AXE_OPTIONS)
    found: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}) at {' '.join(map(str, node['target']))}: {rule['help']}"
        for rule in found
        for node in rule["nodes"]
    ]


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert not found, f"axe found {len(found)} WCAG violations on {page.url}:\n" + "\n".join(found)


def screenshot(page: Page, test: str, viewport: str) -> Path:
    """Save ``page`` whole as build/screenshots/<test>-<viewport>.png (a CI artifact)."""
    name = re.sub(r"[^\w.]+", "-", f"{test}-{viewport}").strip("-")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def watched_page(context: BrowserContext, errors: list[str]) -> Page:
    """A new page of ``context`` whose console errors (a resource its own CSP refused, a
    failed load) land in ``errors``."""
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    return page
