"""The staff console on the local stack, over HTTP as a browser's cookie jar sees it: the
local sign-in, its session, a page, and signing out."""

from __future__ import annotations

import re

import requests


def test_a_clerk_signs_in_locally_and_sees_the_dashboard(api_url: str) -> None:
    browser = requests.Session()
    home = f"{api_url}/dashboard/utilities"
    to_sign_in = browser.get(home, allow_redirects=True)
    assert to_sign_in.url.startswith(f"{api_url}/dashboard/local-sign-in?next=")
    csrf = re.search(r'name="csrf" value="([^"]+)"', to_sign_in.text)
    assert csrf, to_sign_in.text
    signed_in = browser.post(
        f"{api_url}/dashboard/local-sign-in",
        data={"csrf": csrf[1], "role": "clerk", "next": "/dashboard/utilities"},
    )
    assert signed_in.status_code == 200 and signed_in.url == home
    assert "Utility billing" in signed_in.text
    assert {"civiq_staff", "civiq_csrf"} <= set(browser.cookies.keys())

    token = re.search(r'name="csrf" value="([^"]+)"', signed_in.text)
    assert token
    out = browser.post(f"{api_url}/dashboard/sign-out", data={"csrf": token[1]})
    assert out.url == f"{api_url}/dashboard/signed-out"
    assert "civiq_staff" not in browser.cookies
    assert browser.get(home, allow_redirects=False).status_code == 303
