"""The blocks pages share: a chart with its table, CSV download and embed button; the trend of one indicator across
partnerships (lines, or their spread); the goal status chart; the sample-data badge, source lines and findings
tables; the app's public address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analytics.progress import STATUS_LABELS
from dashboard.analytics.trend_distribution import (
    TrendDistribution,
    distribution_table,
    shows_spread,
    trend_distribution,
)
from dashboard.present.chart_style import PLOTLY_CONFIG, named_colours
from dashboard.present.chart_summary import chart_summary
from dashboard.present.charts import spread_figure, trend_figure
from dashboard.present.exports import csv_bytes
from dashboard.present.goal_charts import status_summary_figure
from dashboard.present.image_export import MIME_TYPES, ImageFormat, export_figure, unavailable_reason
from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import EmbedRequest, embed_snippet, embed_url
from dashboard.public.published import PRODUCT
from dashboard.settings import data_licence, public_url
from dashboard.storage.store import Store
from dashboard.web.figures import DrawnTrend, drawn_trend
from dashboard.web.table_reads import is_sample
from data_contracts import Indicator, findings_frame

SAMPLE_NOTE = "synthetic sample data"
"""What a source line says of the bundled sample data."""

DEFERRED_ROWS = 2_000
"""A chart's table with more rows than this is written as CSV when someone downloads it, not on every run."""


FINDINGS_SHOWN = ("What to do", "Row", "Column", "Value", "Severity", "Rule")
"""The columns of a findings table on a page: the plain message first, the rule's code last."""
FINDINGS_DOWNLOADED = ("Row", "Column", "Value", "Rule", "What to do", "Severity")
"""The columns of a findings CSV, in the order the reports have always had (scripts read them)."""


def findings_table(findings: list, *, download: bool = False) -> pd.DataFrame:
    """Findings as a table with readable headers: for a page the message first and the rule's code last
    (:data:`FINDINGS_SHOWN`); for a CSV download the report's own order (:data:`FINDINGS_DOWNLOADED`)."""
    frame = findings_frame(findings).rename(
        columns={
            "row": "Row",
            "column": "Column",
            "value": "Value",
            "rule": "Rule",
            "message": "What to do",
            "severity": "Severity",
        }
    )
    return frame[list(FINDINGS_DOWNLOADED if download else FINDINGS_SHOWN)]


def blanks_for_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """A log table for showing: missing cells blank. Whole-number columns become text, so a column of versions with
    gaps is one type for the browser (numbers and blanks in one column cannot be sent)."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_integer_dtype(shown[column]) or pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(
                lambda v: "" if pd.isna(v) else f"{int(v)}" if float(v).is_integer() else str(v)
            )
        else:
            shown[column] = shown[column].astype(object).where(shown[column].notna(), "")
    return shown


def source_note(store: Store, partnerships: int | Sequence[str], dataset: str | None = None) -> str:
    """The source line under a chart: the partnerships (named when there are three or fewer), the dataset, and
    whether it is sample data."""
    what = f"{dataset.replace('_', ' ')} dataset" if dataset else "partnership data"
    sample = f" · {SAMPLE_NOTE}" if is_sample(store) else ""
    if isinstance(partnerships, int):
        who = f"{partnerships} partnership{'' if partnerships == 1 else 's'}"
    elif len(partnerships) <= 3:
        who = ", ".join(partnerships)
    else:
        who = f"{len(partnerships)} partnerships"
    return f"Source: {who}, {what}{sample}."


def sample_badge(store: Store) -> None:
    """A badge saying the figures are invented, while the store shows the sample data."""
    if is_sample(store):
        st.badge(
            "Synthetic sample data",
            icon=":material/science:",
            color="orange",
            help="These figures are invented for demonstration. Real data replaces them once officers upload it.",
        )


def deferred_csv(table: pd.DataFrame) -> bytes | Callable[[], bytes]:
    """What a download button of ``table`` as CSV takes (``data=``): the bytes, or for a table of more than
    :data:`DEFERRED_ROWS` rows a function that makes them on the click, not on every run (thousands of rows of text
    to make safe)."""
    return partial(csv_bytes, table) if len(table) > DEFERRED_ROWS else csv_bytes(table)


def chart_image(figure: go.Figure, fmt: ImageFormat) -> bytes:
    """The chart as an image file with its title, source line and the footer naming the dashboard, today's date and
    the data licence; made when someone clicks a Download image button (:func:`image_button`), not on page load."""
    return export_figure(figure, site_name=PRODUCT, licence=data_licence(), made_on=datetime.now(UTC).date(), fmt=fmt)


def image_button(figure: go.Figure, fmt: ImageFormat, *, key: str, file_name: str, reason: str | None) -> None:
    """A visible "Download image (PNG)" or "(SVG)" button whose image is made on the click (a callable ``data``),
    never on page load; when ``reason`` says no image can be made here (no kaleido or Chromium on the server), it is
    greyed out and its help says why."""
    st.download_button(
        f"Download image ({fmt.upper()})",
        data=b"" if reason else partial(chart_image, figure, fmt),
        file_name=f"{file_name.rsplit('.', 1)[0]}.{fmt}",
        mime=MIME_TYPES[fmt],
        key=f"{key}-{fmt}",
        icon=":material/image:",
        disabled=reason is not None,
        on_click="ignore",
        help=reason
        or (
            "This chart as a PNG picture, with its title, source, date and licence."
            if fmt == "png"
            else "This chart as an SVG drawing (sharp at any size, for print and slides), with its title, source, "
            "date and licence."
        ),
    )


def chart_block(
    figure: go.Figure,
    table: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    alt: str,
    column_config: Mapping[str, object] | None = None,
    embed: EmbedRequest | None = None,
    embed_title: str = "",
    everything: tuple[str, pd.DataFrame | Callable[[], pd.DataFrame], str] | None = None,
) -> None:
    """A chart with a Table view of exactly the same numbers and a CSV download of them; with ``embed`` (charts of
    public partnerships) also an Embed button that gives the iframe snippet of this view; with ``everything``
    (label, table or what makes it on the click, file name) a second download of the fuller data a summary chart
    stands for. Under the chart, its
    text summary (:func:`chart_summary`), also the chart's ``aria-label`` after ``alt``; beside the CSV download,
    the chart as a PNG and an SVG image (:func:`image_button`)."""
    summary = chart_summary(figure, table)
    reason = unavailable_reason()
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.plotly_chart(figure, config=PLOTLY_CONFIG, key=f"{key}-chart", alt=f"{alt} {summary}")
        st.caption(markdown_literal(summary))
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=dict(column_config or {}), key=f"{key}-table")
    with st.container(horizontal=True, wrap=True, gap="small"):  # a row of buttons their own width, wrapped on phones
        st.download_button(
            "Download CSV",
            data=deferred_csv(table),
            file_name=file_name,
            mime="text/csv",
            key=f"{key}-csv",
            icon=":material/download:",
            help="The numbers shown in this chart, as a CSV file.",
        )
        for fmt in ("png", "svg"):
            image_button(figure, fmt, key=key, file_name=file_name, reason=reason)
        if everything is not None:
            label, full, full_name = everything
            st.download_button(
                label,
                data=deferred_csv(full) if isinstance(full, pd.DataFrame) else partial(_csv_when_asked, full),
                file_name=full_name,
                mime="text/csv",
                key=f"{key}-csv-all",
                icon=":material/download:",
                help="Every partnership's own values behind this chart, as a CSV file.",
            )
        if embed is not None:
            embed_popover(embed, embed_title or alt, key=key)


def trend_block(
    trend: pd.DataFrame | None,
    indicator: Indicator,
    *,
    draw_key: tuple[object, ...],
    source: str,
    colours: Mapping[str, str],
    key: str,
    file_name: str,
    value_header: str,
    period_header: str = "Quarter",
    title: str | None = None,
    annual: bool = False,
    distribution: TrendDistribution | None = None,
    everyone: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """A trend of one indicator across partnerships (``metrics.quarterly_trend`` columns) with its table: a line per
    partnership up to ``trend_distribution.MAX_TREND_LINES`` of them, beyond that their spread (median, middle half
    and the largest named), whose table holds the chart's numbers and a second download every partnership's values.
    Everything is made once per ``draw_key`` (everything it shows) and shared by every session. ``colours`` are the
    partnerships' own colours by id (``table_reads.read_partnership_colours``).

    Given its spread already worked out (``distribution``, with ``trend`` None), only the spread is drawn and
    ``everyone`` makes every partnership's rows when that download is clicked."""

    def values_of(rows: pd.DataFrame) -> pd.DataFrame:
        return rows[["partnership", "period", "value"]].rename(
            columns={"partnership": "Partnership", "period": period_header, "value": value_header}
        )

    def draw() -> DrawnTrend:
        if trend is None:
            assert distribution is not None, "a trend block needs the trend or its spread"
            figure = spread_figure(distribution, indicator, source=source, title=title, colours=dict(colours))
            table = distribution_table(distribution, period_header=period_header, unit_label=indicator.unit_label)
            if annual:
                figure.update_xaxes(tickformat="%Y", hoverformat="%Y", ticklabelmode="instant")
            return DrawnTrend(figure, table, None, True, distribution.partnerships)
        everyone = values_of(trend)
        spread = shows_spread(trend)
        if spread:
            distribution_ = trend_distribution(trend)
            figure = spread_figure(distribution_, indicator, source=source, title=title, colours=dict(colours))
            table = distribution_table(distribution_, period_header=period_header, unit_label=indicator.unit_label)
        else:
            names = dict(zip(trend["partnership_id"].astype(str), trend["partnership"].astype(str), strict=False))
            figure = trend_figure(trend, indicator, source=source, colours=named_colours(names, colours), title=title)
            table = everyone
        if annual:
            figure.update_xaxes(tickformat="%Y", hoverformat="%Y", ticklabelmode="instant")
        return DrawnTrend(figure, table, everyone, spread, int(trend["partnership_id"].nunique()))

    drawn = drawn_trend((*draw_key, period_header, value_header, hash(frozenset(colours.items()))), draw)
    figure, table, spread = drawn.figure, drawn.table, drawn.spread
    full: pd.DataFrame | Callable[[], pd.DataFrame] | None = drawn.everyone
    if full is None and everyone is not None:
        full = partial(_values_when_asked, everyone, values_of)
    what = indicator.short_name.lower()
    chart_block(
        figure,
        table,
        key=key,
        file_name=file_name.replace("_by_partnership", "_spread") if spread else file_name,
        alt=(
            f"Chart of {what}: median and middle half of {drawn.partnerships:,} partnerships per "
            f"{period_header.lower()}, with the largest named."
            if spread
            else f"Line chart of {what} per {period_header.lower()} for each partnership."
        ),
        everything=("Download every partnership (CSV)", full, file_name) if spread and full is not None else None,
    )


def _csv_when_asked(rows: Callable[[], pd.DataFrame]) -> bytes:
    return csv_bytes(rows())


def _values_when_asked(
    rows: Callable[[], pd.DataFrame], values_of: Callable[[pd.DataFrame], pd.DataFrame]
) -> pd.DataFrame:
    return values_of(rows())


def status_chart(store: Store, counts: Mapping[str, int], *, partnerships: int, key: str) -> None:
    """Goals per progress status: a bar per status, coloured and labelled with its name and count, and its table."""
    table = pd.DataFrame({"Status": list(STATUS_LABELS.values()), "Goals": [counts.get(s, 0) for s in STATUS_LABELS]})
    figure = status_summary_figure(counts, title="Goals by progress status", source=source_note(store, partnerships))
    chart_block(
        figure, table, key=key, file_name="goals_by_status.csv", alt="Bar chart of the number of goals per status."
    )


def app_base_url() -> str:
    """The app's public address: ``IMPACT_PUBLIC_URL`` when set, else the scheme, host and base path the visitor
    opened."""
    configured = public_url()
    if configured:
        return configured
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser context (tests, bare mode)
        parts = urlsplit("")
    base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"
    return f"{origin}/{base_path}" if base_path else origin


def embed_popover(request: EmbedRequest, title: str, *, key: str) -> None:
    """The Embed button: the iframe snippet of this view, ready to paste, and the plain link."""
    base = app_base_url()
    with st.popover("Embed", icon=":material/code:", help="Put this chart on your own web page."):
        st.markdown("Paste this into your web page. The chart shows published figures only and follows new quarters.")
        st.code(embed_snippet(base, request, title), language="html", wrap_lines=True)
        st.caption("Or link to the chart on its own:")
        st.code(embed_url(base, request), language=None, wrap_lines=True)
