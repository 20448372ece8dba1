"""Portfolio overview for staff: every accepted upload, private partnerships included."""

from dashboard.portfolio_page import render_portfolio

render_portfolio(public=False)
