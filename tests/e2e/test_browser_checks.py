"""The page tests' own checks, in the system's Chromium: axe names every WCAG violation of a
page that has them (rule, impact, element), and a screenshot is the whole page."""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.helpers.browser import (
    SCREENSHOTS,
    VIEWPORTS,
    assert_accessible,
    system_chromium,
    violations,
)

pytestmark = pytest.mark.e2e
FLAWED = (
    "<!DOCTYPE html><html><head></head><body>"
    '<img src="data:,"><a href="/next"></a><input type="text">'
    "</body></html>"
)


def test_the_browser_is_the_systems_chromium(page: Page) -> None:
    """Launched from its executable path (no browser Playwright downloaded)."""
    installed = subprocess.run(
        [system_chromium(), "--version"], capture_output=True, text=True, check=True
    ).stdout  # "Chromium 156.0.8078.129 built on Debian ..."
    assert page.context.browser is not None
    assert installed.split()[1] == page.context.browser.version


def test_axe_names_each_violation_with_its_rule_impact_and_element(page: Page) -> None:
    page.set_content(FLAWED)
    found = violations(page)
    rules = {line.split(" ")[0] for line in found}
    assert {"html-has-lang", "document-title", "image-alt", "link-name", "label"} <= rules
    assert "image-alt (critical) at img: Images must have alternative text" in found
    with pytest.raises(AssertionError, match=r"axe found \d+ WCAG violations") as failure:
        assert_accessible(page)
    assert "link-name (serious) at a" in str(failure.value)


def test_a_screenshot_is_the_whole_page_at_the_viewports_width(
    page: Page, shoot: Callable[[Page, str], Path]
) -> None:
    page.set_viewport_size(VIEWPORTS["mobile"])
    page.set_content('<html lang="en"><body><div style="height:2000px">tall</div></body></html>')
    path = shoot(page, "mobile")
    assert path.parent == SCREENSHOTS
    assert path.name.endswith("_whole_page_at_the_viewports_width-chromium-mobile.png")
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the PNG's IHDR
    assert width == VIEWPORTS["mobile"]["width"]
    assert height > VIEWPORTS["mobile"]["height"]
