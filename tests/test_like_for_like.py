"""Headline figures never mislead after a partial quarter: when one partnership has published a later quarter, the
overview opens on the quarter most partnerships reported, marks the later one partial, and every change is like for
like. Partnership lists count goals off course instead of averaging them away."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics.goals import status_counts
from dashboard.analytics.metrics import HEADLINE_KPIS, default_period
from dashboard.analytics.progress import STATUS_LABELS
from dashboard.queries import portal, portfolio
from dashboard.settings import default_quarter_coverage, setting_problems
from dashboard.storage import reads
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from data_contracts import TOTAL
from data_contracts.quarters import Quarter
from tests.conftest import app_as

K = 10
LATE = Quarter(2026, 4)
COVERED = Quarter(2026, 3)
SCORECARD = ["Partnership", "Off course", "On course", "Not assessable", "Average status"]


@pytest.fixture
def late_store(sample_store: Store) -> Store:
    """The sample store after att-imago alone submitted and published 2026 Q4 (its workforce figures): the other
    seven partnerships have reported up to 2026 Q3."""
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    sample_store.commit_indicators(rows[rows["quarter"] == 3].assign(quarter=4), "workforce", user="officer@x.org")
    sample_store.publish("workforce", [Slice("att-imago", 2026, 4)], user="admin@x.org")
    return sample_store


def staff_summary(store: Store) -> portfolio.LayerSummary:
    return portfolio.layer_summary(store, "submitted", reads.layer_versions(store, "submitted"), store.read_goals())


def public_summary(store: Store) -> portfolio.LayerSummary:
    ids = portfolio.public_ids(store.read_partnerships())
    versions = reads.layer_versions(store, "published")
    return portfolio.layer_summary(store, "published", versions, store.read_goals(), partnership_ids=ids, k=K)


def reference_kpis(store: Store, period: Quarter, ids: set[str]) -> dict[str, dict[str, object]]:
    """The KPI cards computed directly in pandas from every submitted row: the sum over the partnerships reporting
    the quarter, and the change over those reporting both it and the same quarter a year earlier."""
    rows = pd.concat([store.read_indicators(d, "submitted") for d in ("workforce", "education", "community_capacity")])
    rows = rows[(rows["dimension"] == TOTAL) & (rows["category"] == TOTAL) & rows["partnership_id"].isin(ids)]
    found = {}
    for indicator_id in HEADLINE_KPIS:
        mine = rows[(rows["indicator_id"] == indicator_id) & rows["value"].notna()]
        now = mine[(mine["year"] == period.year) & (mine["quarter"] == period.quarter)].set_index("partnership_id")
        before = mine[(mine["year"] == period.year - 1) & (mine["quarter"] == period.quarter)]
        before = before.set_index("partnership_id")
        both = sorted(set(now.index) & set(before.index))
        in_view = mine[mine["year"] * 4 + mine["quarter"] <= period.year * 4 + period.quarter]["partnership_id"]
        found[indicator_id] = {
            "value": float(now["value"].sum()) if len(now) else None,
            "partnerships": len(now),
            "partnerships_in_view": in_view.nunique(),
            "compared": len(both),
            "change_pct": 100 * (now.loc[both, "value"].sum() / before.loc[both, "value"].sum() - 1) if both else None,
        }
    return found


def test_one_partnerships_later_quarter_is_partial_and_not_opened_first(late_store: Store) -> None:
    summary = staff_summary(late_store)
    everyone = set(late_store.read_partnerships()["partnership_id"])
    assert summary.periods[-1] == LATE
    coverage = portfolio.overview_coverage(summary, everyone)
    assert coverage.in_view == 8 and coverage.count(LATE) == 1 and coverage.count(COVERED) == 8
    share = default_quarter_coverage()
    assert share == 0.75
    assert default_period(coverage, share) == COVERED
    assert coverage.option_text(LATE, share) == "2026 Q4 partial (1 of 8 reported)"
    assert coverage.option_text(COVERED, share) == "2026 Q3"
    public = public_summary(late_store)
    coverage = portfolio.overview_coverage(public, set(portfolio.public_ids(late_store.read_partnerships())))
    assert default_period(coverage, share) == COVERED
    assert coverage.option_text(LATE, share) == "2026 Q4 partial (1 of 7 reported)"


@pytest.mark.parametrize("period", [LATE, COVERED])
def test_kpis_change_like_for_like(late_store: Store, period: Quarter) -> None:
    summary = staff_summary(late_store)
    ids = set(late_store.read_partnerships()["partnership_id"])
    expected = reference_kpis(late_store, period, ids)
    for kpi in portfolio.overview_kpis(summary.headline, ids, period):
        want = expected[kpi.indicator_id]
        assert kpi.value == want["value"], kpi.indicator_id
        assert (kpi.partnerships, kpi.partnerships_in_view, kpi.compared) == (
            want["partnerships"],
            want["partnerships_in_view"],
            want["compared"],
        ), kpi.indicator_id
        if want["change_pct"] is None:
            assert kpi.change_pct is None
        else:
            assert kpi.change_pct == pytest.approx(want["change_pct"]), kpi.indicator_id
    headcount = portfolio.overview_kpis(summary.headline, ids, period)[0]
    if period == LATE:  # att-imago alone, against its own 2025 Q4: not one partnership against seven
        assert (headcount.partnerships, headcount.partnerships_in_view, headcount.compared) == (1, 7, 1)
        assert headcount.change_pct is not None and abs(headcount.change_pct) < 50


def scorecards_of(evaluated: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Off course, on course and not assessable per partnership, from ``status_counts`` of its goals."""
    found = {}
    for pid, goals in evaluated.groupby("partnership_id"):
        counts = status_counts(goals)
        found[str(pid)] = (
            counts["limited_progress"] + counts["deterioration"],
            counts["target_achieved"] + counts["substantial_progress"] + counts["moderate_progress"],
            counts["not_available"],
        )
    return found


def test_scorecards_count_each_partnerships_goal_results(late_store: Store) -> None:
    summary = staff_summary(late_store)
    partnerships = late_store.read_partnerships()
    table = portfolio.overview_table(summary, partnerships, summary.goals)
    assert list(table.columns[:5]) == SCORECARD
    expected = scorecards_of(summary.goals)
    assert sum(off for off, _, _ in expected.values()) > 0
    for row in table.itertuples(index=False):
        pid = row.partnership_id
        assert (row[1], row[2], row[3]) == expected.get(pid, (0, 0, 0)), pid
    assert table["Off course"].is_monotonic_decreasing
    assert set(table["Average status"]) <= set(STATUS_LABELS.values())
    # an average hides what the counts show: some partnership reads on course on average with a goal off course
    on_average = {STATUS_LABELS[s] for s in ("target_achieved", "substantial_progress", "moderate_progress")}
    assert ((table["Off course"] > 0) & table["Average status"].isin(on_average)).any()

    public = public_summary(late_store)
    shown = partnerships[partnerships["partnership_id"].isin(portfolio.public_ids(partnerships))]
    index = portal.portal_index(shown.sort_values("name"), public.coverage, public.goals, {})
    assert list(index.listing.columns[:5]) == SCORECARD
    names = dict(zip(partnerships["name"], partnerships["partnership_id"], strict=True))
    expected = scorecards_of(public.goals)
    for row in index.listing.itertuples(index=False):
        assert (row[1], row[2], row[3]) == expected.get(names[row[0]], (0, 0, 0)), row[0]
    assert index.listing["Off course"].is_monotonic_decreasing


def overview(store: Store, monkeypatch: pytest.MonkeyPatch, role: str, **params: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as(role)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize(("role", "in_view", "workforce"), [("viewer", 8, 7), ("anonymous", 7, 6)])
def test_the_overview_opens_on_the_covered_quarter_and_says_who_reported(
    late_store: Store, monkeypatch: pytest.MonkeyPatch, role: str, in_view: int, workforce: int
) -> None:
    """``in_view``: partnerships on the page (the public's are the public ones); ``workforce``: those of them that
    report workforce figures."""
    app = overview(late_store, monkeypatch, role)
    quarter = app.selectbox(key="public_period" if role == "anonymous" else "overview_period")
    assert quarter.value == "2026 Q3" and app.query_params["period"] == "2026 Q3"
    assert quarter.options[0] == f"2026 Q4 partial (1 of {in_view} reported)" and quarter.options[1] == "2026 Q3"
    captions = [c.value for c in app.caption]
    headcount = f"{workforce} of {workforce} partnerships reported; {workforce} compared with 2025 Q3"
    assert headcount in captions  # all that report workforce figures, each compared with a year earlier
    assert all(("like for like" in m.delta) for m in app.metric if m.delta)
    assert any(m.delta for m in app.metric)
    partnerships = app.dataframe[-1].value
    assert list(partnerships.columns[:5]) == SCORECARD
    assert partnerships["Off course"].is_monotonic_decreasing and partnerships["Off course"].sum() > 0

    app = overview(late_store, monkeypatch, role, period="2026 Q4")  # the plain label still opens it
    assert app.selectbox(key="public_period" if role == "anonymous" else "overview_period").value == "2026 Q4"
    assert any(f"Only 1 of {in_view} partnerships have reported 2026 Q4" in i.value for i in app.info)
    headcount = next(m for m in app.metric if m.label == "Headcount")
    assert f"1 of {workforce} partnerships reported; 1 compared with 2025 Q4" in [c.value for c in app.caption]
    assert headcount.delta.endswith("like for like vs 2025 Q4")
    assert not headcount.delta.startswith("-5")  # not −55 %: one partnership against seven


def test_the_portal_lists_scorecards(late_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_STORE", late_store.root)
    app = app_as("anonymous", page="portal").run()
    assert not app.exception
    listing = next(d.value for d in app.dataframe if list(d.value.columns[:2]) == SCORECARD[:2])
    assert list(listing.columns[:5]) == SCORECARD
    assert listing["Off course"].is_monotonic_decreasing and listing["Off course"].sum() > 0


@pytest.mark.parametrize("text", ["1.5", "-0.1", "nan", "inf", "most"])
def test_a_coverage_that_is_not_a_fraction_is_named(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("IMPACT_DEFAULT_QUARTER_COVERAGE", text)
    problems = setting_problems()
    assert (
        len(problems) == 1 and problems[0].startswith("IMPACT_DEFAULT_QUARTER_COVERAGE") and repr(text) in problems[0]
    )


@pytest.mark.parametrize(("text", "share"), [("", 0.75), ("0", 0.0), ("1", 1.0), (" 0.5 ", 0.5)])
def test_a_coverage_fraction_is_read(monkeypatch: pytest.MonkeyPatch, text: str, share: float) -> None:
    monkeypatch.setenv("IMPACT_DEFAULT_QUARTER_COVERAGE", text)
    assert setting_problems() == [] and default_quarter_coverage() == share
