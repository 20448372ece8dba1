"""The public side — overview, portal, methodology, embeds and downloads — never shows a private partnership, an
unpublished quarter or a small count of people; an embed that cannot be shown says only "not available"."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Dataframe

from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import NOT_AVAILABLE
from dashboard.public.published import (
    DOWNLOAD_COLUMNS,
    about_frame,
    download_bytes,
    download_frame,
    last_updated,
    public_goals,
    public_rows,
)
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from data_contracts import DATASETS, INDICATORS
from tests.conftest import app_as

VIEWS = Path(__file__).resolve().parent.parent / "dashboard" / "web" / "views"
PRIVATE_ID, PRIVATE_NAME = "circular-jobs-berlin", "Circular Jobs Berlin"
UNPUBLISHED_VALUE, CHANGED_VALUE, SECRET_NOTE = 987654, 876543, "UNPUBLISHED-SECRET-NOTE"
SECRET_MILESTONE = "Internal milestone nobody outside may read"
FORBIDDEN = (
    PRIVATE_ID,
    PRIVATE_NAME,
    str(UNPUBLISHED_VALUE),
    "987,654",
    str(CHANGED_VALUE),
    "876,543",
    SECRET_NOTE,
    SECRET_MILESTONE,
)
K = 10


@pytest.fixture
def guarded_store(sample_store: Store) -> Store:
    """The sample store plus what the public must not see: a submitted, unpublished 2026 Q4 of att-imago (with a
    distinctive headcount and note) and an unpublished correction of pge-green-for-all's published 2026 Q3. The
    sample also holds a private partnership (Circular Jobs Berlin) whose quarters are published."""
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    future = rows[rows["quarter"] == 3].assign(quarter=4, note=SECRET_NOTE)
    headline = (future["indicator_id"] == "workforce_headcount") & (future["dimension"] == "total")
    future.loc[headline, "value"] = UNPUBLISHED_VALUE
    sample_store.commit_indicators(future, "workforce", user="officer@example.org")
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["pge-green-for-all"], years=[2026])
    corrected = rows[rows["quarter"] == 3].copy()
    headline = (corrected["indicator_id"] == "workforce_headcount") & (corrected["dimension"] == "total")
    corrected.loc[headline, "value"] = CHANGED_VALUE
    sample_store.commit_indicators(corrected, "workforce", user="officer@example.org")
    assert (sample_store.read_indicators("workforce", "published")["partnership_id"] == PRIVATE_ID).any()
    # an internal milestone of a public partnership; and a due quarter is a plan, not a figure: none is due in the
    # unpublished 2026 Q4, whose label must appear nowhere public
    milestones = sample_store.read_milestones()
    milestones["due_quarter"] = milestones["due_quarter"].replace("2026Q4", "2027Q1")
    secret = milestones.iloc[[0]].assign(
        milestone_id="att-imago-internal", title=SECRET_MILESTONE, visibility="internal"
    )
    everything = pd.concat([milestones, secret], ignore_index=True)
    sample_store.replace_reference("reference/milestones", everything, user="admin@example.org")
    return sample_store


def shown_text(app: AppTest) -> str:
    """Everything an AppTest run put on the page, as text: element messages (Plotly specs, Markdown, captions,
    widget labels and options, code) and the cells of every dataframe."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Block):
            parts.append(str(getattr(node, "proto", "")))
            for child in node.children.values():
                walk(child)
        elif isinstance(node, Dataframe):
            parts.append(node.value.to_csv(index=False))
        else:
            parts.append(str(getattr(node, "proto", "")))

    walk(app._tree)
    return "\n".join(parts)


def run_page(store: Store, monkeypatch: pytest.MonkeyPatch, page: str, **params: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    # the public view through the app (it links to other pages); the others by their URL, as a visitor opens them
    app = app_as("anonymous") if page == "public" else AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def assert_nothing_forbidden(text: str, where: str) -> None:
    for secret in FORBIDDEN:
        assert secret not in text, f"{secret!r} shown on {where}"
    assert "2026 Q4" not in text and "2026-Q4" not in text, f"an unpublished quarter shown on {where}"


def public_partnership_ids(store: Store) -> list[str]:
    partnerships = store.read_partnerships()
    return sorted(partnerships.loc[partnerships["visibility"] == "public", "partnership_id"])


def test_every_public_page_leaves_out_private_and_unpublished_figures(
    guarded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    overview = run_page(guarded_store, monkeypatch, "public")
    assert_nothing_forbidden(shown_text(overview), "the public overview")
    methodology = run_page(guarded_store, monkeypatch, "methodology")
    assert_nothing_forbidden(shown_text(methodology), "the methodology")
    for partnership_id in [*public_partnership_ids(guarded_store), PRIVATE_ID]:
        portal = run_page(guarded_store, monkeypatch, "portal", partnership=partnership_id)
        text = shown_text(portal)
        assert_nothing_forbidden(text, f"the portal page of {partnership_id}")
        if partnership_id == PRIVATE_ID:  # asked for by URL: the portal opens a public partnership instead
            assert portal.selectbox[0].value != PRIVATE_ID


def test_the_portal_shows_the_published_value_not_the_submitted_correction(
    guarded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = run_page(
        guarded_store, monkeypatch, "portal", partnership="pge-green-for-all", indicator="workforce_headcount"
    )
    assert portal.selectbox[0].value == "pge-green-for-all"
    published = guarded_store.read_indicators("workforce", "published", partnership_ids=["pge-green-for-all"])
    headline = published[
        (published["indicator_id"] == "workforce_headcount")
        & (published["dimension"] == "total")
        & (published["year"] == 2026)
        & (published["quarter"] == 3)
    ]
    expected = f"{int(headline['value'].iloc[0]):,}"
    tables = [frame.value for frame in portal.dataframe]
    assert any(expected in table.to_csv() for table in tables)


def embed_requests(store: Store) -> list[dict[str, str]]:
    """One trend, one breakdown and one goal-progress embed per public partnership, and a comparison of them all."""
    published = pd.concat([store.read_indicators(d, "published") for d in DATASETS], ignore_index=True)
    goals = store.read_goals()
    requests: list[dict[str, str]] = []
    ids = public_partnership_ids(store)
    for partnership_id in ids:
        mine = published[published["partnership_id"] == partnership_id]
        first = str(mine["indicator_id"].iloc[0])
        requests.append({"partnership": partnership_id, "indicator": first, "view": "trend"})
        broken = mine[mine["dimension"] != "total"]
        if not broken.empty:
            row = broken.iloc[0]
            requests.append(
                {
                    "partnership": partnership_id,
                    "indicator": str(row["indicator_id"]),
                    "view": "breakdown",
                    "breakdown": str(row["dimension"]),
                }
            )
        for goal in goals[goals["partnership_id"] == partnership_id].itertuples():
            requests.append(
                {
                    "partnership": partnership_id,
                    "indicator": goal.indicator_id,
                    "view": "progress",
                    "goal": goal.goal_id,
                }
            )
    requests.append({"partnership": ",".join(ids), "indicator": "workforce_headcount", "view": "compare"})
    return requests


def test_every_embed_view_leaves_out_private_and_unpublished_figures(
    guarded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = 0
    for params in embed_requests(guarded_store):
        app = run_page(guarded_store, monkeypatch, "embed_chart", **params)
        text = shown_text(app)
        assert_nothing_forbidden(text, f"the embed {params}")
        shown += NOT_AVAILABLE not in text
    assert shown >= 10  # most of them show a chart


NEUTRAL_CASES = [
    {"partnership": PRIVATE_ID, "indicator": "new_hires"},
    {"partnership": PRIVATE_ID, "indicator": "women_share_workforce", "view": "breakdown", "breakdown": "age_band"},
    {"partnership": "no-such-partnership", "indicator": "new_hires"},
    {"partnership": "att-imago", "indicator": "workforce_headcount", "period": "2026-Q4"},
    {"partnership": "att-imago", "indicator": "workforce_headcount", "period": "2026-Q3..2026-Q4"},
    {"partnership": "att-imago", "indicator": "workforce_headcount", "view": "pie"},
    {"partnership": "att-imago", "indicator": "no_such_indicator"},
    {"partnership": "att-imago", "indicator": "local_supplier_spend"},
    {"partnership": f"att-imago,{PRIVATE_ID}", "indicator": "new_hires", "view": "compare"},
    {"partnership": "att-imago", "indicator": "teachers_trained", "view": "progress", "goal": "no-such-goal"},
    {"partnership": "<img src=x onerror=alert(1)>", "indicator": "new_hires"},
    {},
]


def test_anything_an_embed_cannot_show_gets_the_same_neutral_message(
    guarded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = [shown_text(run_page(guarded_store, monkeypatch, "embed_chart", **params)) for params in NEUTRAL_CASES]
    assert NOT_AVAILABLE in pages[0]
    for params, text in zip(NEUTRAL_CASES, pages, strict=True):
        assert text == pages[0], f"{params} answers differently from a private partnership"
        assert_nothing_forbidden(text, f"the embed {params}")


def test_an_embed_shows_one_chart_with_its_table_source_and_link(
    guarded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_page(guarded_store, monkeypatch, "embed_chart", partnership="att-imago", indicator="students_reached")
    charts = app.get("plotly_chart")
    assert len(charts) == 1
    assert [tab.label for tab in app.tabs] == ["Chart", "Table"]
    spec = charts[0].proto.spec
    assert "Students reached per quarter" in spec and "Source:" not in spec  # the source is printed under it
    table = app.dataframe[0].value
    assert list(table.columns) == ["Quarter", "Students reached (number)"]
    assert table["Quarter"].iloc[-1] == "2026 Q3"
    footer = app.caption[-1].value
    source = "Source: AT&T × Imago Foundation, education dataset · synthetic sample data."
    assert footer.startswith(markdown_literal(source))  # names from data, shown as text
    assert re.search(r"Last updated \d{1,2} [A-Z][a-z]+ \d{4}\\. Licence CC BY 4.0\. ", footer), footer
    assert footer.endswith(
        "[Full view](http://localhost:8501/portal?partnership=att-imago&dataset=education&indicator=students_reached"
        "&view=trend&breakdown=total)"
    )
    assert not app.get("title") and not app.get("header") and not app.get("selectbox")


def test_a_dark_embed_has_a_dark_chart(guarded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    light = run_page(guarded_store, monkeypatch, "embed_chart", partnership="att-imago", indicator="students_reached")
    dark = run_page(
        guarded_store, monkeypatch, "embed_chart", partnership="att-imago", indicator="students_reached", theme="dark"
    )
    assert '"paper_bgcolor":"#0E1117"' in dark.get("plotly_chart")[0].proto.spec.replace(" ", "")
    assert "#0E1117" not in light.get("plotly_chart")[0].proto.spec


def test_the_embed_button_gives_the_snippet_of_the_view(guarded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    portal = run_page(
        guarded_store,
        monkeypatch,
        "portal",
        partnership="att-imago",
        dataset="workforce",
        indicator="workforce_headcount",
        breakdown="gender",
    )
    snippets = [code.value for code in portal.code if code.value.startswith("<iframe")]
    assert snippets, "no embed snippet on the portal"
    wanted = "partnership=att-imago&amp;indicator=workforce_headcount&amp;view=breakdown&amp;breakdown=gender"
    assert any(wanted in snippet for snippet in snippets)
    assert all('width="600" height="400"' in snippet for snippet in snippets)


def public_download(store: Store) -> pd.DataFrame:
    published = pd.concat([store.read_indicators(d, "published") for d in DATASETS], ignore_index=True)
    partnerships = store.read_partnerships()
    return download_frame(public_rows(published, partnerships, K), partnerships, K)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_downloads_hold_only_public_published_and_safe_values(guarded_store: Store, fmt: str) -> None:
    frame = public_download(guarded_store)
    if fmt == "xlsx":  # the same frame as the other formats; every 4th row keeps Excel's slow writer to a few seconds
        frame = frame.iloc[::4].reset_index(drop=True)
    about = about_frame("Cite this", "CC BY 4.0", K, sample=True)
    data = download_bytes(frame, fmt, about=about)
    if fmt == "csv":
        back = pd.read_csv(io.BytesIO(data), keep_default_na=False)
        text = data.decode("utf-8")
    elif fmt == "xlsx":
        back = pd.read_excel(io.BytesIO(data), sheet_name="data")
        sheet = pd.read_excel(io.BytesIO(data), sheet_name="About")
        assert "CC BY 4.0" in sheet.to_csv() and "Cite this" in sheet.to_csv()
        text = back.to_csv(index=False)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        assert table.schema.metadata[b"impact.licence"] == b"CC BY 4.0"
        back = table.to_pandas()
        text = back.to_csv(index=False)
    assert list(back.columns) == DOWNLOAD_COLUMNS
    assert len(back) == len(frame) > 1000
    assert_nothing_forbidden(text, f"the {fmt} download")
    people = back["indicator_id"].map(lambda i: bool(INDICATORS[i].disclosure and INDICATORS[i].disclosure.people))
    shown = pd.to_numeric(back["value"], errors="coerce")
    breakdowns = people & (back["dimension"] != "total")
    assert (shown[breakdowns & shown.notna()].abs() >= K).all()
    hidden = breakdowns & shown.isna()
    assert hidden.sum() > 100
    assert set(back.loc[hidden, "value_shown"]) <= {"fewer than 10", "suppressed"}


def test_last_updated_follows_publishing(guarded_store: Store) -> None:
    before = last_updated(guarded_store.read_audit(), ["att-imago", "pge-green-for-all"])
    assert before["att-imago"] is not None
    guarded_store.publish("workforce", [Slice("pge-green-for-all", 2026, 3)], user="admin@example.org")
    after = last_updated(guarded_store.read_audit(), ["att-imago", "pge-green-for-all"])
    assert after["pge-green-for-all"] > before["pge-green-for-all"]
    assert after["att-imago"] == before["att-imago"]


def test_public_goals_hide_small_annual_values(sample_store: Store) -> None:
    published = pd.concat([sample_store.read_indicators(d, "published") for d in DATASETS], ignore_index=True)
    goals = sample_store.read_goals()
    partnerships = sample_store.read_partnerships()
    result = public_goals(goals, published, partnerships, K)
    assert {goal.row["partnership_id"] for goal in result} <= set(public_partnership_ids(sample_store))
    for goal in result:
        indicator = INDICATORS[str(goal.row["indicator_id"])]
        if goal.row["dimension"] != "total" and indicator.disclosure and indicator.disclosure.people:
            shown = goal.points["value"].dropna()
            assert (shown.abs() >= K).all()


def test_staff_see_true_values_with_what_the_public_sees(guarded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_STORE", guarded_store.root)
    app = app_as("viewer", page="partnership")
    app.query_params.update(
        {"partnership": "att-imago", "dataset": "workforce", "indicator": "new_hires", "breakdown": "gender"}
    )
    app.run()
    assert not app.exception
    true_values = next(  # the breakdown chart's table: true values
        frame.value for frame in app.dataframe if "Women (number)" in frame.value.columns
    )
    assert (true_values.drop(columns=["Quarter"]).to_numpy(dtype=float) < K).any()
    [expander] = [e for e in app.expander if e.label.startswith("What the public sees")]
    public = expander.dataframe[0].value
    assert list(public["Quarter"]) == list(true_values["Quarter"])
    assert list(public.columns) == ["Quarter", "Women", "Men", "Non-binary", "Undisclosed"]
    assert (public.drop(columns=["Quarter"]) == "fewer than 10").any().any()
    hidden = int(expander.label.split("(")[1].split()[0])
    assert hidden == int(public.drop(columns=["Quarter"]).isin(["fewer than 10", "suppressed"]).sum().sum())
    private = app_as("viewer", page="partnership")
    private.query_params.update({"partnership": PRIVATE_ID, "dataset": "workforce", "indicator": "new_hires"})
    private.run()
    assert any("private: the public sees none" in caption.value for caption in private.caption)


def test_staff_charts_of_a_public_partnership_offer_an_embed_and_private_ones_do_not(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    snippets = {}
    for partnership_id in ("att-imago", PRIVATE_ID):
        app = app_as("viewer", page="partnership")
        app.query_params["partnership"] = partnership_id
        app.run()
        assert not app.exception
        snippets[partnership_id] = [code.value for code in app.code if code.value.startswith("<iframe")]
    assert len(snippets["att-imago"]) >= 2  # goals and the trend
    assert all("partnership=att-imago&amp;" in snippet for snippet in snippets["att-imago"])
    assert snippets[PRIVATE_ID] == []


def full_view_params(app: AppTest) -> dict[str, str]:
    """The parameters of the "Full view" link at the end of an embed's footer."""
    link = re.search(r"\[Full view\]\((http[^)]+)\)$", app.caption[-1].value)
    assert link, app.caption[-1].value
    return {key: values[-1] for key, values in parse_qs(urlsplit(link.group(1)).query).items()}


def test_the_full_view_of_a_compare_embed_opens_the_portal_on_the_same_comparison(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = "att-imago,pge-green-for-all"
    embed = run_page(  # an earlier quarter than the latest, so the period is not the portal's default by chance
        sample_store,
        monkeypatch,
        "embed_chart",
        partnership=ids,
        indicator="women_share_workforce",
        view="compare",
        period="2026-Q2",
    )
    params = full_view_params(embed)
    assert params == {
        "partnership": "att-imago",
        "dataset": "diversity",
        "indicator": "women_share_workforce",
        "view": "compare",
        "breakdown": "total",
        "compare": "pge-green-for-all",
        "period": "2026-Q2",
    }
    portal = run_page(sample_store, monkeypatch, "portal", **params)
    assert portal.selectbox(key="portal_partnership").value == "att-imago"
    assert portal.selectbox(key="portal_dataset").value == "diversity"
    assert portal.selectbox(key="portal_indicator").value == "women_share_workforce"
    assert portal.selectbox(key="portal_breakdown").value == "total"
    assert portal.multiselect(key="portal_compare").value == ["pge-green-for-all"]
    assert portal.selectbox(key="portal_period").value == "2026-Q2"
    compare = next(e for e in portal.expander if e.label == "Compare with other public partnerships")
    assert compare.proto.expanded
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in portal.get("plotly_chart")]
    assert "Women in workforce by partnership, 2026 Q2" in titles
    assert {key: portal.query_params[key] for key in params} == params  # the portal's own URL keeps the view


def chart_subtitles(app: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["layout"]["title"]["subtitle"]["text"] for chart in app.get("plotly_chart")]


def test_the_full_view_keeps_the_breakdown_and_quarters_of_an_embed(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    embed = run_page(
        sample_store,
        monkeypatch,
        "embed_chart",
        partnership="att-imago",
        indicator="new_hires",
        view="breakdown",
        breakdown="gender",
        period="2025-Q1..2026-Q2",
    )
    params = full_view_params(embed)
    assert (params["view"], params["breakdown"], params["period"]) == ("breakdown", "gender", "2025-Q1..2026-Q2")
    portal = run_page(sample_store, monkeypatch, "portal", **params)
    assert portal.selectbox(key="portal_indicator").value == "new_hires"
    assert portal.selectbox(key="portal_breakdown").value == "gender"
    assert not portal.multiselect(key="portal_compare").value
    subtitles = chart_subtitles(portal)
    assert any(text.endswith("2025 Q1 – 2026 Q2") for text in subtitles), subtitles
    assert any(c.value == "Quarters 2025 Q1 – 2026 Q2, as the link asked." for c in portal.caption)
    portal.button(key="portal_every_quarter").click().run()
    assert "period" not in portal.query_params
    subtitles = chart_subtitles(portal)
    assert not any(text.endswith("2025 Q1 – 2026 Q2") for text in subtitles), subtitles
