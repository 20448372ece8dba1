"""Text from uploads and reference tables is shown as text: never as Markdown, HTML or a Plotly template that runs.

Real parts only: the sample store gets a partnerships table of hostile names through the admin's reference path
(check, then commit), a quarter with hostile notes uploaded under a hostile file name by a user with a hostile
e-mail address, and every staff page runs in AppTest against it. What each page sends to the browser is checked:

- every Markdown source (text, captions, headings, alert bodies, metric labels, values and help, expander and tab
  labels, widget labels and help, page links, ``st.table`` cells) shows the hostile text only escaped;
- every Plotly spec carries it only as entities (``&lt;img …&gt;``), never as a tag Plotly would draw.

Each check is also run against the raw text (``test_the_checks_catch_raw_text``): without the escaping the same
assertions fail, so these tests fail when a page puts data text into Markdown or a figure unescaped.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from dashboard.access.accounts import add_user
from dashboard.analytics.goals import GoalPath
from dashboard.analytics.metrics import quarterly_trend
from dashboard.analytics.milestones import with_displayed_state
from dashboard.intake.ingest import ingest_file
from dashboard.intake.reference_admin import check_reference_file, commit_reference
from dashboard.intake.seed import SAMPLE_DIR
from dashboard.present.chart_style import base_layout
from dashboard.present.charts import breakdown_figure, ranking_figure, small_multiples_figure, trend_figure
from dashboard.present.exports import csv_bytes, frame_bytes, xlsx_bytes
from dashboard.present.goal_charts import goal_progress_figure, status_summary_figure
from dashboard.present.roadmap_charts import roadmap_figure
from dashboard.present.text_safety import WORD_JOINER, markdown_literal, plotly_literal
from dashboard.storage.store import Store
from data_contracts import indicator
from tests.conftest import TODAY, app_as
from tests.test_metrics import PARTNERSHIPS, WORKFORCE

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "**bold** [click](javascript:alert(1))",
    "![t](http://tracker.example/p.png)",
    "<b>Acme</b> & Co",
    "# heading",
    '=HYPERLINK("http://x","y")',
    "$x^2$",
    ":red[alert]",
]
"""One hostile name per sample partnership (in id order)."""

PARTNERS = "<b>Acme</b> & Co; **Beta** [x](javascript:alert(1)); :material/skull: www.example.com"
DESCRIPTION = "![t](http://tracker.example/p.png)\n# heading\n:red[alert] $x^2$"
NOTE = "**bold** [click](javascript:alert(1)) <img src=x onerror=alert(1)>"
FILE_NAME = "![t](http://tracker.example/p.png) <b>q4</b>.csv"
USER = "**boss**_[x](javascript:alert(1))@example.org"

# ---- what counts as "runs" ---------------------------------------------------------------------------------------

LIVE_MARKDOWN = ["![", "[click](", "[x](", "**bold**", "**boss**", "**Beta**", ":red[", "$x^2$", "<img", "<b>",
                 "# heading", "javascript:", "=HYPERLINK(", ":material/skull"]  # fmt: skip
"""Tokens of the hostile texts that do something in Markdown unless one of their characters is escaped."""

AUTOLINK = re.compile(r"https?://|www\.|[\w.+-]@[\w-]+\.\w")
"""Bare URLs and e-mail addresses, which GitHub-flavoured Markdown turns into links after escapes are resolved (a
backslash cannot stop them; markdown_literal puts an invisible word joiner in them)."""


def live_markdown(source: str) -> list[str]:
    """What in a Markdown source would render as Markdown: hostile tokens outside backslash escapes, and bare
    URLs or e-mail addresses in the text the escapes resolve to."""
    outside_escapes = re.sub(r"\\.", "\0", source, flags=re.DOTALL)
    found = [token for token in LIVE_MARKDOWN if token in outside_escapes]
    resolved = re.sub(r"\\(.)", r"\1", source, flags=re.DOTALL)
    return found + AUTOLINK.findall(resolved)


RAW_TAGS = ("<img", "<b>", "</b>", "<a ", "<a>")


def strings(value: object) -> Iterator[str]:
    """Every string inside a JSON-like value (dict keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def live_plotly(figure_json: object) -> list[str]:
    """Strings of a figure in which Plotly would read a tag that came from data (the figures' own markup is only
    ``<br>`` and ``<extra>``)."""
    return [text for text in strings(figure_json) if any(tag in text for tag in RAW_TAGS)]


def plotly_shown(text: str) -> str:
    """What Plotly draws for a text: line breaks as spaces, entities decoded."""
    return html.unescape(text.replace("<br>", " "))


def markdown_shown(source: str) -> str:
    """What a reader sees of escaped Markdown: the escaped characters, without the invisible word joiners."""
    return re.sub(r"\\(.)", r"\1", source).replace(WORD_JOINER, "")


def test_the_checks_catch_raw_text() -> None:
    """The page checks below are not vacuous: raw hostile text fails them, escaped text passes, and what a reader
    sees of the escaped text is the text itself."""
    for text in [*HOSTILE, PARTNERS, DESCRIPTION, NOTE, FILE_NAME, USER]:
        assert live_markdown(text), text
        assert not live_markdown(markdown_literal(text)), markdown_literal(text)
        assert markdown_shown(markdown_literal(text)) == " ".join(text.split())
    for text in ("<img src=x onerror=alert(1)>", "<b>Acme</b> & Co", NOTE):
        assert live_plotly({"name": text})
        assert not live_plotly({"name": plotly_literal(text)})
        assert plotly_shown(plotly_literal(text)) == text
    assert plotly_shown(plotly_literal("%{y} &amp; <br>")) == "%{y} &amp; <br>"


def test_markdown_literal_and_plotly_literal() -> None:
    assert markdown_literal("**bold** [click](javascript:alert(1))") == (
        rf"\*\*bold\*\* \[click\]\(javascript\:{WORD_JOINER}alert\(1\)\)"
    )
    assert markdown_literal("Acme &amp; Co") == r"Acme \&amp; Co"  # an entity would be decoded by Markdown
    assert markdown_literal("PG&E × Green for All") == "PG&E × Green for All"  # a lone & needs nothing
    assert markdown_literal("a\n\n# b\n  - c") == r"a \# b \- c"  # no heading, list or paragraph from data
    assert markdown_literal(None) == markdown_literal(float("nan")) == markdown_literal(pd.NA) == ""
    assert plotly_literal("<b>Acme</b> & Co %{y}") == "&lt;b&gt;Acme&lt;/b&gt; &amp; Co %&#123;y}"
    assert plotly_literal(None) == ""


# ---- (a) every figure builder --------------------------------------------------------------------------------------

NAMES = ["<img src=x onerror=alert(1)>", "<b>Acme</b> & Co", "%{y} <a href='javascript:alert(1)'>x</a>"]


def hostile_partnerships() -> pd.DataFrame:
    return PARTNERSHIPS.assign(name=NAMES[: len(PARTNERSHIPS)])


def figures() -> dict[str, go.Figure]:
    """One figure of every builder, with hostile names, labels, titles and source lines."""
    headcount = indicator("workforce_headcount")
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", hostile_partnerships())
    source = f"Source: {', '.join(NAMES)} · sample"
    breakdown = pd.DataFrame(
        {
            "period": ["2024 Q1", "2024 Q1"],
            "period_start": pd.to_datetime(["2024-01-01", "2024-01-01"]),
            "category": ["woman", "other"],
            "category_label": ["Women", NAMES[0]],
            "value": [3.0, 4.0],
        }
    )
    ranked = pd.DataFrame({"partnership": NAMES, "value": [3.0, 2.0, 1.0]})
    milestones = pd.DataFrame(
        {
            "milestone_id": ["a", "b", "c"],
            "partnership_id": "p",
            "title": NAMES,
            "due_quarter": ["2026Q1", "2026Q4", "2027Q2"],
            "state": ["done", "planned", "in_progress"],
            "linked": NAMES[0],
            "note": NOTE,
            "visibility": "public",
        }
    )
    panels = pd.concat([trend.assign(partnership=name) for name in NAMES], ignore_index=True)
    return {
        "trend": trend_figure(trend, headcount, source=source, title=f"Headcount of {NAMES[1]}"),
        "breakdown": breakdown_figure(
            breakdown, headcount, dimension_label="Gender", mode="stacked", source=source, title=f"By {NAMES[0]}"
        ),
        "small multiples": small_multiples_figure(panels, headcount, source=source),
        "ranking": ranking_figure(
            ranked, value_label=f"{NAMES[2]} (%)", unit="count", title=NAMES[1], subtitle=NAMES[0], source=source
        ),
        "goal": goal_progress_figure(
            pd.DataFrame({"year": [2022, 2023], "value": [10.0, 12.0]}),
            indicator=headcount,
            path=GoalPath(2022, 10.0, 2026, 20.0, current_year=2023, current_value=12.0, projection=15.0),
            status="limited_progress",
            source=source,
        ),
        "status": status_summary_figure({"deterioration": 2}, title=NAMES[1], source=source),
        "roadmap": roadmap_figure(with_displayed_state(milestones, TODAY), name=NAMES[1], today=TODAY, source=source),
        "base layout": go.Figure(layout=base_layout(NAMES[0], NAMES[1], source, legend_items=2)),
    }


@pytest.mark.parametrize("name", list(figures()))
def test_figures_carry_data_text_only_as_entities(name: str) -> None:
    figure = figures()[name]
    spec = json.loads(figure.to_json())
    assert not live_plotly(spec)
    shown = " ".join(plotly_shown(text) for text in strings(spec))
    assert "<img src=x onerror=alert(1)>" in shown  # drawn literally, not dropped


def test_names_are_drawn_as_typed_in_legends_ticks_titles_and_hover() -> None:
    drawn = figures()
    trend = drawn["trend"]
    assert [plotly_shown(trace.name) for trace in trend.data] == sorted(NAMES[:2])
    assert all(trace.hovertemplate.startswith("%{fullData.name}: ") for trace in trend.data)  # the name is data
    assert plotly_shown(trend.layout.title.text) == f"Headcount of {NAMES[1]}"
    assert NAMES[0] in plotly_shown(trend.layout.annotations[0].text)
    ranking = drawn["ranking"]
    bars = ranking.data[0]
    assert [plotly_shown(y) for y in bars.y] == NAMES
    assert list(ranking.layout.yaxis.tickvals) == list(bars.y)
    assert [plotly_shown(text) for text in ranking.layout.yaxis.ticktext] == NAMES
    # the value label is text in the template: its %{ cannot become a placeholder, its % stays one %
    assert "%{y}<br>%&#123;y} &lt;a" in bars.hovertemplate and "(%): %{x:,}" in bars.hovertemplate
    assert plotly_shown(ranking.layout.title.subtitle.text) == NAMES[0]
    panels = drawn["small multiples"]
    assert sorted(plotly_shown(a.text) for a in panels.layout.annotations[1:]) == sorted(NAMES)


# ---- the hostile store ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_root(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store with hostile partnership names, partners and descriptions and hostile milestone titles and
    notes (committed through the admin's reference path) and a pending workforce quarter of att-imago with hostile
    notes, uploaded under a hostile file name by a user with a hostile e-mail address."""
    root = tmp_path_factory.mktemp("hostile") / "store"
    shutil.copytree(_seeded_template, root)
    store = Store(root)
    rows = pd.read_csv(SAMPLE_DIR / "partnerships.csv", dtype=str, keep_default_na=False)
    rows = rows.sort_values("partnership_id", ignore_index=True)
    rows = rows.assign(name=HOSTILE, partner_organisations=PARTNERS, description=DESCRIPTION)
    data = rows.to_csv(index=False).encode()  # raw, as an admin's spreadsheet would save it
    report = check_reference_file(store, "partnerships", data, "<img src=x onerror=alert(1)>.csv")
    assert report.accepted, report.findings[:3]
    commit_reference(store, report, user=USER)
    milestones = pd.read_csv(SAMPLE_DIR / "milestones.csv", dtype=str, keep_default_na=False)
    milestones = milestones.assign(title=[HOSTILE[i % len(HOSTILE)] for i in range(len(milestones))], note=NOTE)
    report = check_reference_file(store, "milestones", milestones.to_csv(index=False).encode(), FILE_NAME)
    assert report.accepted, report.findings[:3]
    commit_reference(store, report, user=USER)
    quarter = store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    quarter = quarter[quarter["quarter"] == 3].assign(quarter=4, note=NOTE)
    report, commit = ingest_file(
        store, quarter.to_csv(index=False).encode(), FILE_NAME, dataset="workforce", user=USER, today=TODAY
    )
    assert report.accepted and commit is not None, report.errors[:3]
    return root


@pytest.fixture
def hostile_store(hostile_root: Path, tmp_path: Path) -> Store:
    """A private copy of the hostile store, for tests that write."""
    root = tmp_path / "hostile-store"
    shutil.copytree(hostile_root, root)
    return Store(root)


NAME_OF = dict(zip(sorted(pd.read_csv(SAMPLE_DIR / "partnerships.csv")["partnership_id"]), HOSTILE, strict=True))

# ---- what a page sends to the browser ------------------------------------------------------------------------------

PLAIN_ELEMENTS = {"text", "code", "dataframe", "arrow_data_frame", "table", "json", "plotly_chart"}
"""Elements shown as plain text (or checked on their own: st.table cells, Plotly specs)."""
MARKDOWN_FIELDS = {"body", "label", "help", "text", "placeholder", "caption"}
MARKDOWN_OPTIONS = {"radio", "segmented_control", "pills"}
"""Elements whose options are Markdown too (selectbox and multiselect options are plain text: checked in a real
browser with Streamlit 1.67, where they are rendered as text nodes)."""


def nodes(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def markdown_sources(app: AppTest, block: str = "main") -> list[str]:
    """Every Markdown source a block of the page (``main`` or ``sidebar``) sends: element bodies and labels, help
    texts, block labels (expanders, tabs), page links, progress texts, options of radios, and the cells of static
    tables."""
    sources: list[str] = []

    def collect(value: object, key: str | None, kind: str) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                collect(item, name, kind)
        elif isinstance(value, list):
            for item in value:
                collect(item, key, kind)
        elif isinstance(value, str) and (key in MARKDOWN_FIELDS or (key == "options" and kind in MARKDOWN_OPTIONS)):
            sources.append(value)

    for node in nodes(getattr(app, block)):
        kind = str(getattr(node, "type", ""))
        proto = getattr(node, "proto", None)
        if proto is None or kind in PLAIN_ELEMENTS:
            continue
        collect(MessageToDict(proto, preserving_proto_field_name=True), None, kind)
    for table in getattr(app, block).table:
        sources += [str(cell) for cell in table.value.to_numpy().ravel()]
        sources += [str(column) for column in table.value.columns]
    return sources


def plotly_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


OWN_LINK = re.compile(r" \[Full view\]\(http://localhost:8501/portal\?[A-Za-z0-9_=&,%.-]+\)$")
"""The embed's link back to the full view: the product's own address and URL-encoded ids, not data text."""


def assert_shown_as_text(app: AppTest, *, expect: list[str] = (), charts: list[str] = ()) -> list[str]:
    """No exception; nothing from data is live in Markdown or in a figure; the ``expect`` texts are on the page in
    Markdown (escaped) and the ``charts`` texts in some figure (as entities). Returns the Markdown sources."""
    assert not app.exception, app.exception
    sources = [OWN_LINK.sub("", source) for source in markdown_sources(app)]
    live = {source: found for source in sources if (found := live_markdown(source))}
    assert not live, live
    for text in expect:
        assert any(markdown_literal(text) in source for source in sources), (text, sources)
    specs = plotly_specs(app)
    for spec in specs:
        assert not live_plotly(spec), live_plotly(spec)[:3]
    drawn = " ".join(plotly_shown(text) for spec in specs for text in strings(spec))
    for text in charts:
        assert text in drawn, text
    return sources


def open_page(monkeypatch: pytest.MonkeyPatch, root: Path, page: str, email: str = USER, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", str(root))
    app = app_as("admin", email=email)
    app.switch_page(f"web/views/{page}.py")  # through the app, so page links resolve
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


# ---- (b) every staff page ------------------------------------------------------------------------------------------


def test_the_sidebar_names_the_user_escaped(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    app = open_page(monkeypatch, hostile_root, "goals")
    live = {source: found for source in markdown_sources(app, "sidebar") if (found := live_markdown(source))}
    assert not live, live


def test_overview(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    app = open_page(monkeypatch, hostile_root, "overview")
    assert_shown_as_text(app, charts=HOSTILE)  # every partnership is a line in the trends


@pytest.mark.parametrize("partnership_id", ["att-imago", "circular-jobs-berlin", "urban-parks-commons"])
def test_partnership(monkeypatch: pytest.MonkeyPatch, hostile_root: Path, partnership_id: str) -> None:
    name = NAME_OF[partnership_id]
    app = open_page(monkeypatch, hostile_root, "partnership", partnership=partnership_id)
    assert_shown_as_text(app, expect=[name], charts=[name])
    assert app.header[0].value == markdown_literal(name)
    assert markdown_shown(app.header[0].value) == name
    assert " ".join(DESCRIPTION.split()) not in " ".join(m.value for m in app.markdown)  # description is st.text
    assert any(t.value == DESCRIPTION for t in app.text)


def test_partnership_with_a_breakdown(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    app = open_page(
        monkeypatch, hostile_root, "partnership", partnership="att-imago", indicator="new_hires", breakdown="gender"
    )
    assert_shown_as_text(app, expect=[NAME_OF["att-imago"]], charts=[NAME_OF["att-imago"]])


def test_compare(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    ids = ",".join(sorted(NAME_OF))
    app = open_page(monkeypatch, hostile_root, "compare", p=ids, i="new_hires,learning_hours", norm="per_participant")
    sources = assert_shown_as_text(app, charts=HOSTILE)
    # the side-by-side table (st.table renders Markdown in its cells) shows every name escaped
    assert {markdown_literal(name) for name in HOSTILE} <= set(sources)
    # a partnership with no headcount is named, escaped, in the normalisation note
    assert any("No headcount to divide by for" in c.value for c in app.caption)
    # normalised hover templates take the name as data, never into the template
    for spec in plotly_specs(app):
        for trace in spec["data"]:
            for name in HOSTILE:
                assert plotly_literal(name) not in trace.get("hovertemplate", "")


def test_indicator_explorer(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    for view in ("quarterly", "annual"):
        app = open_page(
            monkeypatch,
            hostile_root,
            "indicator",
            indicator="new_hires",
            view=view,
            dimension="gender",
            partnership="pge-green-for-all",
        )
        name = NAME_OF[app.selectbox(key="explorer_partnership").value]
        latest = next(d.value for d in app.dataframe if "Latest quarter" in d.value.columns)
        assert len(latest) > 1
        assert_shown_as_text(app, charts=[name, *latest["Partnership"]])
        titles = [plotly_shown(spec["layout"]["title"]["text"]) for spec in plotly_specs(app)]
        assert any(title.endswith(f": {name}") for title in titles), titles  # the breakdown's title


def test_goals(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    app = open_page(monkeypatch, hostile_root, "goals")
    assert_shown_as_text(app)
    table = next(d.value for d in app.dataframe if "Partnership" in d.value.columns)
    assert set(table["Partnership"]) <= set(HOSTILE)  # plain text in the table


def test_review_with_the_four_eyes_rule(monkeypatch: pytest.MonkeyPatch, hostile_store: Store) -> None:
    monkeypatch.setenv("IMPACT_FOUR_EYES", "1")
    app = open_page(monkeypatch, Path(hostile_store.root), "review")
    assert_shown_as_text(app)
    app.multiselect(key="review_choice").select("workforce|att-imago:2026Q4").run()
    assert_shown_as_text(app)
    next(b for b in app.button if b.label.startswith("Publish")).click().run()
    # the uploader may not publish: the refusal names them, escaped
    assert_shown_as_text(app, expect=[USER])
    assert "four-eyes rule is on" in markdown_shown(app.error[0].value)
    notes = [d.value for d in app.dataframe if "Submitted note" in d.value.columns]
    assert notes and set(notes[0]["Submitted note"]) == {NOTE}  # plain text in the table


def test_review_flash_after_withdrawing(monkeypatch: pytest.MonkeyPatch, hostile_store: Store) -> None:
    app = open_page(monkeypatch, Path(hostile_store.root), "review", email="reviewer@example.org")
    app.selectbox(key="withdraw_dataset").select("workforce").run()
    app.selectbox(key="withdraw_partnership").select("att-imago").run()
    app.selectbox(key="withdraw_slice").select("att-imago:2026Q3").run()
    app.text_input(key="withdraw_reason").input(NOTE).run()
    app.button(key="withdraw").click().run()
    assert_shown_as_text(app)
    assert "Withdrew" in app.success[0].value
    assert hostile_store.read_audit().iloc[0][["action", "message"]].tolist() == ["unpublish", NOTE]


def test_reference(monkeypatch: pytest.MonkeyPatch, hostile_store: Store) -> None:
    app = open_page(monkeypatch, Path(hostile_store.root), "reference")
    assert_shown_as_text(app)
    data = hostile_store.read_partnerships().astype(object).to_csv(index=False).encode()
    app.file_uploader[0].set_value(("<b>again</b> **x**.csv", data, "text/csv")).run()
    assert_shown_as_text(app)
    app.button(key="ref-commit").click().run()
    assert_shown_as_text(app)
    assert "Committed" in app.success[-1].value


def test_upload_and_its_history(monkeypatch: pytest.MonkeyPatch, hostile_store: Store) -> None:
    app = open_page(monkeypatch, Path(hostile_store.root), "upload")
    assert_shown_as_text(app, expect=[USER])  # "Signed in as …"
    rows = hostile_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(note=NOTE)  # a corrected quarter: the notes change
    app.file_uploader[0].set_value((FILE_NAME, rows.to_csv(index=False).encode(), "text/csv")).run()
    assert_shown_as_text(app, expect=[FILE_NAME])  # "<file name>: CSV, …"
    next(b for b in app.button if b.label.startswith("Commit")).click().run()
    sources = assert_shown_as_text(app)
    assert f"Open {markdown_literal(NAME_OF['att-imago'])}" in sources  # the page link to the partnership
    history = next(d.value for d in app.dataframe if "File" in d.value.columns)
    assert FILE_NAME in set(history["File"])  # plain text in the table


def test_upload_of_an_officer_names_their_partnerships_escaped(
    monkeypatch: pytest.MonkeyPatch, hostile_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_STORE", hostile_store.root)
    add_user(hostile_store, "second-admin@example.org", "admin", actor="tests")  # so the hostile admin may be demoted
    app = app_as("officer", email=USER, partnerships=("att-imago", "circular-jobs-berlin"))
    app.switch_page("web/views/upload.py").run()
    assert_shown_as_text(app, expect=[USER, NAME_OF["att-imago"], NAME_OF["circular-jobs-berlin"]])


# ---- (c) downloads -------------------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+A1", "@SUM(A1)", "\tTAB", "\rCR"]


def formula_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Partnership": [*FORMULAS, "-1.5", "+3", "plain", None],
            "Value": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            "=HEADER()": pd.Categorical(["=1+1"] * 10),
        }
    )


def test_csv_downloads_start_formula_cells_with_an_apostrophe() -> None:
    back = pd.read_csv(io.BytesIO(csv_bytes(formula_frame())), keep_default_na=False, dtype=str)
    assert list(back.columns) == ["Partnership", "Value", "'=HEADER()"]
    assert back["Partnership"].tolist() == [*("'" + text for text in FORMULAS), "-1.5", "+3", "plain", ""]
    assert set(back["'=HEADER()"]) == {"'=1+1"}
    assert back["Value"].astype(float).tolist() == [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert csv_bytes(formula_frame()) == frame_bytes(formula_frame(), "csv")


def test_a_line_break_inside_a_cell_cannot_start_a_row_with_a_formula() -> None:
    frame = pd.DataFrame({"Partnership": ["Acme\r=HYPERLINK(1)", "Beta\n@SUM(A1)"], "Value": [1, 2]})
    # pandas alone (LF endings) leaves a lone CR unquoted: a spreadsheet would start a row at "=HYPERLINK(1)"
    assert "Acme\r=HYPERLINK(1)," in frame.to_csv(index=False)
    data = csv_bytes(frame).decode("utf-8")
    assert '"Acme\r=HYPERLINK(1)"' in data and '"Beta\n@SUM(A1)"' in data
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows == [["Partnership", "Value"], ["Acme\r=HYPERLINK(1)", "1"], ["Beta\n@SUM(A1)", "2"]]


def test_excel_downloads_keep_formula_text_as_text() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(formula_frame(), "data")))["data"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == ["Partnership", "Value", "'=HEADER()"]
    expected = [*("'" + text.replace("\r", "\n") for text in FORMULAS), "-1.5", "+3", "plain", None]
    assert [row[0] for row in cells[1:]] == expected  # (XML reads a CR back as LF)
    assert [row[1] for row in cells[1:]] == [1, -2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula at all


def test_every_download_in_the_dashboard_goes_through_exports() -> None:
    """No page writes CSV or Excel itself: ``to_csv``/``to_excel`` appear only in dashboard/present/exports.py (and in
    modules that neutralise formulas first)."""
    root = Path(__file__).resolve().parent.parent / "dashboard"
    writers = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if re.search(r"\.to_(csv|excel)\(", path.read_text(encoding="utf-8"))
    }
    unsafe = {
        name
        for name in writers
        if name != "exports.py" and "neutralise_formulas(" not in (root / name).read_text(encoding="utf-8")
    }
    assert not unsafe, unsafe


# ---- (d) the public side: overview, portal, methodology and embeds ------------------------------------------------


def open_public_page(monkeypatch: pytest.MonkeyPatch, root: Path, page: str, **query: str) -> AppTest:
    """A public page as an anonymous visitor opens it by its URL."""
    monkeypatch.setenv("IMPACT_STORE", str(root))
    app = app_as("anonymous", page=None if page == "public" else page)  # the public view is the visitor's default
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


PUBLIC_IDS = [pid for pid in NAME_OF if pid != "circular-jobs-berlin"]


def test_the_public_overview(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    app = open_public_page(monkeypatch, hostile_root, "public")
    assert_shown_as_text(app, charts=[NAME_OF["att-imago"]])


@pytest.mark.parametrize("partnership_id", ["att-imago", "pge-green-for-all", "urban-parks-commons"])
def test_the_portal(monkeypatch: pytest.MonkeyPatch, hostile_root: Path, partnership_id: str) -> None:
    app = open_public_page(monkeypatch, hostile_root, "portal", partnership=partnership_id)
    sources = assert_shown_as_text(app, expect=[NAME_OF[partnership_id]], charts=[NAME_OF[partnership_id]])
    assert sources
    snippets = [code.value for code in app.code if code.value.startswith("<iframe")]
    assert snippets and all("<img" not in snippet.split('title="', 1)[1] for snippet in snippets)


def test_the_methodology(monkeypatch: pytest.MonkeyPatch, hostile_root: Path) -> None:
    assert_shown_as_text(open_public_page(monkeypatch, hostile_root, "methodology"))


@pytest.mark.parametrize(
    "query",
    [
        {"partnership": "att-imago", "indicator": "students_reached"},
        {"partnership": "pge-green-for-all", "indicator": "workforce_headcount", "view": "breakdown"},
        {"partnership": "att-imago", "indicator": "teachers_trained", "view": "progress"},
        {"partnership": "att-imago,pge-green-for-all,urban-parks-commons", "indicator": "new_hires", "view": "compare"},
    ],
)
def test_embeds(monkeypatch: pytest.MonkeyPatch, hostile_root: Path, query: dict[str, str]) -> None:
    app = open_public_page(monkeypatch, hostile_root, "embed_chart", **query)
    first = query["partnership"].split(",")[0]
    assert len(app.get("plotly_chart")) == 1
    drawn = [NAME_OF[first]] if query.get("view", "trend") in ("trend", "compare") else []  # trace or bar names
    assert_shown_as_text(app, expect=[NAME_OF[first]], charts=drawn)  # the source line under the chart names it
