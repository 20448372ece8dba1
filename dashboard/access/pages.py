"""Every page of the app in one registry: its URL path, the view that draws it, its title and icon, who may open it,
whether the menu lists it and how a refusal names it; and the decisions made from it (pure; no streamlit).

The web layer builds the navigation from :data:`PAGES`, each view checks access with its own entry, and page links
point at an entry's view.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.access.roles import ROLES, STAFF_ROLES, Identity


@dataclass(frozen=True)
class Page:
    """One page: ``path`` is its URL path (``/overview``) and its key; ``view`` the script that draws it, relative
    to ``dashboard/app.py`` (what ``st.page_link`` takes); ``title`` and ``icon`` as the menu shows them; ``roles``
    the roles that may open it; ``named`` how the access-denied message names it; ``in_menu`` False for a page
    reached by its URL only."""

    path: str
    view: str
    title: str
    icon: str
    roles: tuple[str, ...]
    named: str
    in_menu: bool = True

    @property
    def public(self) -> bool:
        """True when a visitor who has not signed in may open it."""
        return "anonymous" in self.roles


PUBLIC = Page(
    path="public",
    view="web/views/public.py",
    title="Public view",
    icon=":material/public:",
    roles=ROLES,
    named="the public portal",
)
PORTAL = Page(
    path="portal",
    view="web/views/portal.py",
    title="Partnerships",
    icon=":material/travel_explore:",
    roles=ROLES,
    named="the public partnership pages",
)
METHODOLOGY = Page(
    path="methodology",
    view="web/views/methodology.py",
    title="Methodology",
    icon=":material/menu_book:",
    roles=ROLES,
    named="the methodology",
)
EMBED = Page(
    path="embed",
    view="web/views/embed_chart.py",
    title="Embedded chart",
    icon=":material/code:",
    roles=ROLES,
    named="embedded charts",
    in_menu=False,  # reached by its URL only (an iframe on a partner's site)
)
OVERVIEW = Page(
    path="overview",
    view="web/views/overview.py",
    title="Overview",
    icon=":material/dashboard:",
    roles=STAFF_ROLES,
    named="the Overview",
)
PARTNERSHIP = Page(
    path="partnership",
    view="web/views/partnership.py",
    title="Partnership",
    icon=":material/handshake:",
    roles=STAFF_ROLES,
    named="the Partnership page",
)
COMPARE = Page(
    path="compare",
    view="web/views/compare.py",
    title="Compare",
    icon=":material/compare_arrows:",
    roles=STAFF_ROLES,
    named="Compare",
)
INDICATOR = Page(
    path="indicator",
    view="web/views/indicator.py",
    title="Indicator explorer",
    icon=":material/query_stats:",
    roles=STAFF_ROLES,
    named="the Indicator explorer",
)
GOALS = Page(
    path="goals",
    view="web/views/goals.py",
    title="Goals",
    icon=":material/flag:",
    roles=STAFF_ROLES,
    named="Goals",
)
HOME = Page(
    path="home",
    view="web/views/home.py",
    title="My reporting",
    icon=":material/home:",
    roles=("officer", "admin"),
    named="My reporting (the officers' home)",
)
UPLOAD = Page(
    path="upload",
    view="web/views/upload.py",
    title="Upload",
    icon=":material/upload_file:",
    roles=("officer", "admin"),
    named="Upload",
)
REPORTING_STATUS = Page(
    path="reporting_status",
    view="web/views/reporting_status.py",
    title="Reporting status",
    icon=":material/event_available:",
    roles=("officer", "admin"),
    named="Reporting status",
)
REVIEW = Page(
    path="review",
    view="web/views/review.py",
    title="Review and publish",
    icon=":material/fact_check:",
    roles=("admin",),
    named="Review and publish",
)
REFERENCE = Page(
    path="reference",
    view="web/views/reference.py",
    title="Reference data",
    icon=":material/table_edit:",
    roles=("admin",),
    named="the reference tables",
)
SIGN_IN = Page(
    path="sign_in",
    view="web/views/sign_in.py",
    title="Sign in",
    icon=":material/login:",
    roles=("anonymous",),
    named="Sign in",
)

PAGES: dict[str, Page] = {
    page.path: page
    for page in (
        PUBLIC,
        PORTAL,
        METHODOLOGY,
        EMBED,
        OVERVIEW,
        PARTNERSHIP,
        COMPARE,
        INDICATOR,
        GOALS,
        HOME,
        UPLOAD,
        REPORTING_STATUS,
        REVIEW,
        REFERENCE,
        SIGN_IN,
    )
}
"""Every page by its path: the pages anyone may open, then the staff pages, then those of fewer roles."""


def pages_for(identity: Identity) -> list[str]:
    """The paths of the pages this person may open, in :data:`PAGES` order."""
    return [path for path, page in PAGES.items() if identity.role in page.roles]


def _needed(page: Page) -> str:
    roles = [r for r in page.roles if r != "anonymous"]
    if roles == ["admin"]:
        return "an admin account"
    if roles == ["officer", "admin"]:
        return "an officer or admin account"
    return "a staff account (viewer, officer or admin)"


def access_denied_message(path: str, identity: Identity) -> str:
    """Plain words for the page at ``path`` that this person may not open: what it needs and how to get it."""
    page = PAGES.get(path)
    if page is None:
        return f"There is no page called {path!r}. Use the menu to find your way."
    title = page.named
    if page == SIGN_IN:
        return f"You are already signed in as {identity.label}. Sign out first to use another account."
    needed = _needed(page)
    if identity.role == "anonymous":
        return f"{title[0].upper()}{title[1:]} needs {needed}. Sign in to open it; the public portal needs no account."
    if page == UPLOAD and identity.role == "viewer":
        return (
            f"Upload needs {needed}: your account ({identity.label}) is a viewer. Ask an admin to make you an officer "
            "of the partnerships you report for."
        )
    return (
        f"{title[0].upper()}{title[1:]} needs {needed}: your account ({identity.label}) is {_article(identity.role)} "
        f"{identity.role}. Ask an admin if you need it."
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
