"""Public view: published figures of public partnerships, for visitors who are not signed in."""

from dashboard.web.views.portfolio import render_portfolio

render_portfolio(public=True)
