"""The session routes beside the pages, against a real `streamlit run` server: only the app's own pages may set or
clear the cookie, a hand-off code works once, and the way back stays on this site."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from dashboard.access.sessions import SESSION_COOKIE, issue_handoff, resolve_session, start_session
from dashboard.storage.store import Store
from dashboard.web.session_routes import safe_next, with_parameter
from tests.browser import add_browser_account, streamlit_server


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/goals?filter=off", "/goals?filter=off"),
        ("/", "/"),
        ("", "/"),
        (None, "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("goals", "/"),
    ],
)
def test_the_way_back_stays_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_a_parameter_is_added_to_the_way_back() -> None:
    assert with_parameter("/goals", "signed_in", "1") == "/goals?signed_in=1"
    assert with_parameter("/goals?filter=off", "signed_in", "1") == "/goals?filter=off&signed_in=1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - keep the 303 to look at it
        return None


def _post(url: str, path: str, fields: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        url + path, data=urllib.parse.urlencode(fields).encode(), headers=headers, method="POST"
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers)


def test_the_routes_set_the_cookie_once_and_only_for_the_apps_own_pages(sample_store: Store, tmp_path: Path) -> None:
    email, _ = add_browser_account(Path(sample_store.root))
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url:
        own = {"Origin": url}
        code = issue_handoff(sample_store, start_session(sample_store, email))

        for headers in ({}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}):
            status, _ = _post(url, "/session/establish", {"code": code, "next": "/goals"}, headers)
            assert status == 403, headers  # another site cannot sign a visitor in, and the code is not spent

        status, answer = _post(url, "/session/establish", {"code": code, "next": "//evil.example/"}, own)
        assert status == 303 and answer["location"] == "/?signed_in=1"
        cookie = SimpleCookie(answer["set-cookie"])[SESSION_COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "strict" and cookie["path"] == "/"
        assert not cookie["secure"]  # plain HTTP on loopback; over HTTPS it is Secure
        assert int(cookie["max-age"]) == 12 * 3600
        token = cookie.value
        identity = resolve_session(sample_store, token)
        assert identity is not None and identity.email == email

        status, answer = _post(url, "/session/establish", {"code": code, "next": "/goals"}, own)
        assert status == 303 and answer["location"] == "/goals" and "set-cookie" not in answer  # used once

        status, answer = _post(url, "/session/end", {"next": "/goals"}, {**own, "Cookie": f"{SESSION_COOKIE}={token}"})
        assert status == 303 and answer["location"] == "/goals"
        assert 'impact_session=""' in answer["set-cookie"] or "Max-Age=0" in answer["set-cookie"]
        assert resolve_session(sample_store, token) is None  # the record is ended, not just the cookie
