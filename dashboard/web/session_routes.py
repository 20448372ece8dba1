"""The two HTTP routes that carry a signed-in session across reloads and tabs, beside the Streamlit app.

A Streamlit page cannot set an HttpOnly cookie: it runs over a websocket. So after a local sign-in the page posts a
one-time hand-off code (``sessions.issue_handoff``) to ``POST /session/establish``. The route redeems it for a
session token, sets that token as the ``impact_session`` cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and
sends the browser back to the page it was on. ``POST /session/end`` ends the session and clears the cookie.

Both routes accept a request only from the app's own pages (its Origin, or else its Referer, must be this host), so
another site cannot sign a visitor in to an account of the attacker's choosing.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard.access.sessions import SESSION_COOKIE, end_session, redeem_handoff
from dashboard.settings import session_max_hours
from dashboard.storage.store import Store

ESTABLISH_PATH = "/session/establish"
END_PATH = "/session/end"
SIGNED_IN_PARAMETER = "signed_in"
"""Added to the page's address after a sign-in, so the page says "Signed in as …" once (then drops it)."""


def safe_next(target: str | None) -> str:
    """The page to return to: a path on this site (``/…``, not ``//host``), query kept; anything else is ``/``."""
    text = (target or "").strip()
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return "/"
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def with_parameter(path: str, name: str, value: str) -> str:
    """``path`` with one more query parameter."""
    return f"{path}{'&' if '?' in path else '?'}{urlencode({name: value})}"


def same_origin(request: Request) -> bool:
    """True when the request comes from a page of this host (Origin, else Referer); browsers send one of them with
    every form post."""
    host = request.headers.get("host", "")
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if not host or not source or source == "null":
        return False
    return urlsplit(source).netloc == host


def served_over_https(request: Request) -> bool:
    """True when the browser talks HTTPS to us (directly, or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _refused() -> Response:
    return PlainTextResponse("This request must come from the dashboard's own pages.", status_code=403)


async def establish(request: Request) -> Response:
    """Redeem a hand-off code: set the session cookie and go back to the page (303)."""
    if not same_origin(request):
        return _refused()
    form = await request.form()
    code = str(form.get("code") or "")
    target = safe_next(str(form.get("next") or "/"))
    token = await run_in_threadpool(redeem_handoff, Store.from_env(), code) if code else None
    if token is None:  # expired or used: the page asks to sign in again
        return RedirectResponse(target, status_code=303)
    response = RedirectResponse(with_parameter(target, SIGNED_IN_PARAMETER, "1"), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(session_max_hours() * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=served_over_https(request),
    )
    return response


async def end(request: Request) -> Response:
    """End the cookie's session (if any), clear the cookie and go to the start page (303)."""
    if not same_origin(request):
        return _refused()
    form = await request.form()
    await run_in_threadpool(end_session, Store.from_env(), request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=served_over_https(request)
    )
    return response


SESSION_ROUTES = [
    Route(ESTABLISH_PATH, establish, methods=["POST"]),
    Route(END_PATH, end, methods=["POST"]),
]
"""Mounted beside the Streamlit app by ``dashboard/app.py``."""
