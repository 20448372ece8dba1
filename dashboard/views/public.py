"""Public view: published figures of public partnerships, for visitors who are not signed in."""

from dashboard.portfolio_page import render_portfolio

render_portfolio(public=True)
