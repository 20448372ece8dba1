"""Portfolio overview for staff: every accepted upload, private partnerships included."""

from dashboard.web.views.portfolio import render_portfolio

render_portfolio(public=False)
