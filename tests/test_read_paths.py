"""The read paths that scale: only the rows and columns a view needs, one pass over a layer for the portfolio, and the
vectorised computations give the same frames as the old path (whole tables read, filtered and computed in pandas,
one goal and one series at a time) on the sample store. The old path is kept here as the reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from dashboard.analytics import breakdowns
from dashboard.analytics.annual import annual_series, annual_table, components
from dashboard.analytics.goals import (
    GOAL_RESULT_COLUMNS,
    evaluate_goals,
    growth_needed,
    partnership_progress,
    projection,
)
from dashboard.analytics.metrics import (
    latest_period,
    partnership_overview,
    periods_in,
    portfolio_kpis,
    quarterly_trend,
    total_rows,
)
from dashboard.analytics.progress import OFF_COURSE, STATUS_LABELS, aggregate, assess_series
from dashboard.present.chart_style import named_colours, partnership_colours
from dashboard.present.charts import trend_figure
from dashboard.public.published import public_goals, public_partnerships, public_rows
from dashboard.queries import compare, explorer, portfolio
from dashboard.storage import reads
from dashboard.storage.store import Store
from dashboard.storage.tables import indicator_table
from dashboard.web import figures, public_reads
from data_contracts import DATASET_INFO, DATASETS, INDICATORS, TOTAL
from data_contracts.quarters import Quarter
from tests.test_annual_and_goals import quarters as rows_of_quarters

K = 10

# ---- the old path, kept as the reference ----------------------------------------------------------------------------


def whole_tables(store: Store, layer: str) -> dict[str, pd.DataFrame]:
    return {d: store.read(indicator_table(d, layer)) for d in DATASETS}  # type: ignore[arg-type]


def every_row(store: Store, layer: str) -> pd.DataFrame:
    return pd.concat(list(whole_tables(store, layer).values()), ignore_index=True)


def reference_quarters(frame: pd.DataFrame, indicator_id: str, dimension: str, category: str) -> pd.DataFrame:
    rows = frame[
        (frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension) & (frame["category"] == category)
    ]
    if rows.empty:
        return pd.DataFrame(columns=["partnership_id", "year", 1, 2, 3, 4])
    table = rows.pivot_table(index=["partnership_id", "year"], columns="quarter", values="value", aggfunc="first")
    table = table.reindex(columns=[1, 2, 3, 4])
    table.columns = [1, 2, 3, 4]
    return table.reset_index()


def reference_annual(frame: pd.DataFrame, indicator_id: str, dimension: str = TOTAL, category: str = TOTAL):
    """The old ``annual.annual_series``: one pivot per series and component."""
    item = INDICATORS[indicator_id]
    spec = item.recompute
    if spec is None:
        table = reference_quarters(frame, indicator_id, dimension, category)
        table = table[table[[1, 2, 3, 4]].notna().all(axis=1)] if not table.empty else table
        values = table[[1, 2, 3, 4]].sum(axis=1) if item.year_rule == "sum" else table[4]
        result = pd.DataFrame({"partnership_id": table["partnership_id"], "year": table["year"], "value": values})
    elif spec.method == "ratio":
        numerator = reference_annual(frame, spec.numerator, dimension, category)
        denominator = reference_annual(frame, spec.denominator, dimension, category)
        joined = numerator.merge(denominator, on=["partnership_id", "year"], suffixes=("_n", "_d"))
        value = joined["value_n"] / joined["value_d"].replace(0, np.nan) * spec.scale
        result = pd.DataFrame({"partnership_id": joined["partnership_id"], "year": joined["year"], "value": value})
    else:
        values_id = indicator_id if spec.method != "share_of_implied_total" else spec.numerator
        weights_id = spec.denominator if spec.method != "share_of_implied_total" else indicator_id
        left = reference_quarters(frame, values_id, dimension, category)
        right = reference_quarters(frame, weights_id, dimension, category)
        if left.empty or right.empty:
            result = pd.DataFrame(columns=["partnership_id", "year", "value"])
        else:
            joined = left.merge(right, on=["partnership_id", "year"], suffixes=("_v", "_w"))
            joined = joined[joined[[f"{q}_{s}" for q in (1, 2, 3, 4) for s in ("v", "w")]].notna().all(axis=1)]
            v = joined[[f"{q}_v" for q in (1, 2, 3, 4)]].to_numpy(dtype=float)
            w = joined[[f"{q}_w" for q in (1, 2, 3, 4)]].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                if spec.method == "weighted_mean":
                    value = (v * w).sum(axis=1) / w.sum(axis=1)
                elif spec.method == "per_last":
                    value = (v * w).sum(axis=1) / w[:, 3]
                else:
                    implied = np.where(w > 0, v * spec.scale / w, np.nan)
                    value = v.sum(axis=1) / implied.sum(axis=1) * spec.scale
            value = np.where(np.isfinite(value), value, np.nan)
            result = pd.DataFrame({"partnership_id": joined["partnership_id"], "year": joined["year"], "value": value})
    result = result.dropna(subset=["value"])
    if result.empty:
        return pd.DataFrame(
            {
                "partnership_id": pd.Series(dtype="string"),
                "year": pd.Series(dtype="int64"),
                "value": pd.Series(dtype="float64"),
            }
        )
    return result.astype({"year": "int64", "value": "float64"}).sort_values(
        ["partnership_id", "year"], ignore_index=True
    )


def reference_goals(goals: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The old ``goals.evaluate_goals``: one goal at a time, each filtering the whole frame."""
    rows = []
    for _, goal in goals.iterrows():
        series = reference_annual(frame, goal["indicator_id"], goal["dimension"], goal["category"])
        points = series[series["partnership_id"] == goal["partnership_id"]][["year", "value"]]
        if int(goal["baseline_year"]) not in set(points["year"]):
            baseline = pd.DataFrame({"year": [int(goal["baseline_year"])], "value": [float(goal["baseline_value"])]})
            points = pd.concat([baseline, points], ignore_index=True)
        points = points.sort_values("year", ignore_index=True)
        result = assess_series(
            points["year"].tolist(),
            points["value"].tolist(),
            higher_is_better=INDICATORS[goal["indicator_id"]].higher_is_better,
            base_year=int(goal["baseline_year"]),
            target_year=int(goal["target_year"]),
            target=float(goal["target_value"]),
        )
        needed = None
        if result.status != "target_achieved":
            needed = growth_needed(
                result.current_value, float(goal["target_value"]), result.current_year, int(goal["target_year"])
            )
        rows.append(
            {
                **{c: goal[c] for c in GOAL_RESULT_COLUMNS[:9]},
                "higher_is_better": INDICATORS[goal["indicator_id"]].higher_is_better,
                "status": result.status,
                "status_label": STATUS_LABELS[result.status],
                "score": result.score,
                "progress_value": result.progress_value,
                "base_year_used": result.base_year,
                "base_value_used": result.base_value,
                "current_year": result.current_year,
                "current_value": result.current_value,
                "cagr_observed": result.cagr_observed,
                "cagr_required": result.cagr_required,
                "growth_needed": needed,
                "projection": projection(result, int(goal["target_year"])),
                "annual_points": len(points),
                "off_course": result.status in OFF_COURSE,
            }
        )
    return pd.DataFrame(rows, columns=GOAL_RESULT_COLUMNS)


def reference_progress(evaluated: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for partnership_id, group in evaluated.groupby("partnership_id", sort=True):
        combined = aggregate(group.itertuples(index=False))
        rows.append(
            {
                "partnership_id": partnership_id,
                "goals": len(group),
                "score": combined.score,
                "status": combined.status,
                "status_label": STATUS_LABELS[combined.status],
            }
        )
    return pd.DataFrame(rows, columns=["partnership_id", "goals", "score", "status", "status_label"])


def reference_overview_keys(frames: dict[str, pd.DataFrame]) -> tuple[dict, dict]:
    latest: dict[str, tuple[int, int]] = {}
    reported: dict[str, list[str]] = {}
    for dataset in DATASETS:
        frame = frames.get(dataset)
        if frame is None or frame.empty:
            continue
        keys = frame[["partnership_id", "year", "quarter"]].drop_duplicates()
        for pid, group in keys.groupby("partnership_id"):
            last = max(zip(group["year"], group["quarter"], strict=True))
            latest[str(pid)] = max(latest.get(str(pid), (0, 0)), (int(last[0]), int(last[1])))
            reported.setdefault(str(pid), []).append(DATASET_INFO[dataset].name)
    return latest, reported


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """The same rows, columns, dtypes and values (the index aside: filtered frames kept their old labels)."""
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True), check_exact=True)


# ---- annual values and goals, vectorised -----------------------------------------------------------------------------


def test_every_annual_series_of_the_sample_is_the_old_one(sample_store: Store) -> None:
    frame = every_row(sample_store, "submitted")
    series = frame[["indicator_id", "dimension", "category"]].drop_duplicates()
    table = annual_table(frame, list(series.itertuples(index=False, name=None)))
    for indicator_id, dimension, category in series.itertuples(index=False):
        expected = reference_annual(frame, indicator_id, dimension, category)
        same(annual_series(frame, indicator_id, dimension=dimension, category=category), expected)
        part = table[
            (table["indicator_id"] == indicator_id)
            & (table["dimension"] == dimension)
            & (table["category"] == category)
        ]
        same(part[["partnership_id", "year", "value"]].sort_values(["partnership_id", "year"]), expected)


def test_components_follow_the_year_rules() -> None:
    assert components("workforce_headcount") == ("workforce_headcount",)
    assert components("turnover_rate") == ("departures", "workforce_headcount")
    assert components("employee_training_hours_avg") == ("employee_training_hours_avg", "workforce_headcount")
    assert components("local_spend_share") == ("local_supplier_spend", "local_spend_share")


def test_goals_of_the_sample_are_the_old_ones(sample_store: Store) -> None:
    frame = every_row(sample_store, "submitted")
    goals = sample_store.read_goals()
    evaluated = evaluate_goals(goals, frame)
    same(evaluated, reference_goals(goals, frame))
    same(partnership_progress(evaluated), reference_progress(evaluated))
    # categorical keys (as a layer scan reads them) give the same goals
    coded = frame.astype({c: "category" for c in ("partnership_id", "indicator_id", "dimension", "category")})
    same(evaluate_goals(goals, coded), evaluated)


def test_one_partnerships_goals_on_its_own_rows_are_its_rows_of_the_portfolio(sample_store: Store) -> None:
    frame = every_row(sample_store, "submitted")
    goals = sample_store.read_goals()
    portfolio = evaluate_goals(goals, frame)
    for partnership_id in goals["partnership_id"].unique():
        own_goals = goals[goals["partnership_id"] == partnership_id].reset_index(drop=True)
        own_rows = frame[frame["partnership_id"] == partnership_id]
        mine = portfolio[portfolio["partnership_id"] == partnership_id].reset_index(drop=True)
        same(evaluate_goals(own_goals, own_rows), mine)
    for partnership_id in EDGE_GOALS["partnership_id"].unique():  # the edge cases too
        own_goals = EDGE_GOALS[EDGE_GOALS["partnership_id"] == partnership_id].reset_index(drop=True)
        all_of_them = evaluate_goals(EDGE_GOALS, EDGE_ROWS)
        mine = all_of_them[all_of_them["partnership_id"] == partnership_id].reset_index(drop=True)
        same(evaluate_goals(own_goals, EDGE_ROWS[EDGE_ROWS["partnership_id"] == partnership_id]), mine)


def quarters(pid: str, indicator: str, values: dict[tuple[int, int], float], dim=TOTAL, cat=TOTAL) -> list[dict]:  # noqa: ANN001
    return rows_of_quarters(indicator, values, pid, dim, cat)


def years(*spans: tuple[int, list[float]]) -> dict[tuple[int, int], float]:
    return {(year, q + 1): v for year, values in spans for q, v in enumerate(values)}


EDGE_ROWS = pd.DataFrame(
    quarters("a", "new_hires", years((2022, [10] * 4), (2023, [0] * 4), (2024, [12] * 4)))
    + quarters("a", "workforce_headcount", years((2022, [100] * 4), (2023, [90] * 4), (2024, [80, 80, 80, 70])))
    + quarters("a", "recordable_injuries", years((2022, [3] * 4), (2024, [1] * 4)))
    + quarters("b", "departures", years((2021, [4] * 4), (2023, [6] * 4), (2024, [5] * 4)))
    + quarters("b", "workforce_headcount", years((2021, [50] * 4), (2023, [60] * 4), (2024, [40] * 4)))
    + quarters("b", "new_hires", years((2023, [2, 3, 4, 5]), (2024, [1, 1, 1, 1])), dim="gender", cat="woman")
    + quarters("c", "new_hires", {(2024, 1): 1.0, (2024, 2): 2.0})
)
EDGE_GOALS = pd.DataFrame(
    [
        ("up", "a", "new_hires", TOTAL, TOTAL, 2022, 40.0, 2030, 100.0),
        ("zero-base", "a", "new_hires", TOTAL, TOTAL, 2023, 0.0, 2030, 10.0),
        ("zero-target", "a", "recordable_injuries", TOTAL, TOTAL, 2022, 12.0, 2028, 0.0),
        ("rate", "a", "new_hire_rate", TOTAL, TOTAL, 2022, 10.0, 2030, 20.0),
        ("turnover", "b", "turnover_rate", TOTAL, TOTAL, 2021, 30.0, 2030, 5.0),
        ("no-base-year", "b", "workforce_headcount", TOTAL, TOTAL, 2020, 45.0, 2030, 100.0),
        ("achieved", "b", "workforce_headcount", TOTAL, TOTAL, 2021, 50.0, 2026, 40.0),
        ("breakdown", "b", "new_hires", "gender", "woman", 2023, 14.0, 2030, 30.0),
        ("late-base", "b", "workforce_headcount", TOTAL, TOTAL, 2025, 40.0, 2030, 60.0),
        ("nothing", "c", "new_hires", TOTAL, TOTAL, 2024, 3.0, 2030, 9.0),
        ("twin", "a", "new_hires", TOTAL, TOTAL, 2022, 40.0, 2026, 45.0),
        ("unknown-partnership", "z", "new_hires", TOTAL, TOTAL, 2022, 1.0, 2030, 2.0),
    ],
    columns=GOAL_RESULT_COLUMNS[:9],
)


def test_goals_with_edge_cases_are_the_old_ones() -> None:
    evaluated = evaluate_goals(EDGE_GOALS, EDGE_ROWS)
    same(evaluated, reference_goals(EDGE_GOALS, EDGE_ROWS))
    assert set(evaluated["status"]) >= {"target_achieved", "not_available", "deterioration"}
    same(partnership_progress(evaluated), reference_progress(evaluated))
    same(evaluate_goals(EDGE_GOALS.iloc[[3, 0, 7]], EDGE_ROWS), reference_goals(EDGE_GOALS.iloc[[3, 0, 7]], EDGE_ROWS))
    empty = evaluate_goals(EDGE_GOALS.iloc[:0], EDGE_ROWS)
    same(empty, reference_goals(EDGE_GOALS.iloc[:0], EDGE_ROWS))


def test_a_goal_without_a_baseline_value_takes_the_one_goal_path() -> None:
    goals = EDGE_GOALS.copy()
    goals.loc[0, "baseline_value"] = math.nan
    same(evaluate_goals(goals, EDGE_ROWS), reference_goals(goals, EDGE_ROWS))


def test_a_goal_without_a_score_does_not_count_in_the_combined_status() -> None:
    """A goal whose status is not available has no score (NaN in a float column, or None): the combined score is the
    mean of the others, not NaN shown as deterioration."""
    evaluated = pd.DataFrame(
        {
            "partnership_id": ["a", "a", "b"],
            "score": [3.0, math.nan, math.nan],
            "status": ["substantial_progress", "not_available", "not_available"],
        }
    )
    combined = partnership_progress(evaluated).set_index("partnership_id")
    assert combined.loc["a", "score"] == 3.0 and combined.loc["a", "status"] == "substantial_progress"
    assert combined.loc["a", "goals"] == 2
    assert pd.isna(combined.loc["b", "score"]) and combined.loc["b", "status"] == "not_available"
    same(partnership_progress(evaluated), reference_progress(evaluated))
    as_objects = evaluated.astype({"score": object}).assign(score=lambda f: f["score"].where(f["score"].notna(), None))
    same(partnership_progress(as_objects), reference_progress(as_objects))


# ---- reads of only what a view needs -------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["submitted", "published"])
def test_filtered_reads_are_the_whole_tables_filtered(sample_store: Store, layer: str) -> None:
    whole = whole_tables(sample_store, layer)
    versions = reads.layer_versions(sample_store, layer)  # type: ignore[arg-type]
    for partnership_id in ("att-imago", "urban-parks-commons"):
        frames = reads.read_rows(sample_store, layer, versions, partnership_ids=[partnership_id])  # type: ignore[arg-type]
        for dataset in DATASETS:
            same(frames[dataset], whole[dataset][whole[dataset]["partnership_id"] == partnership_id])
    ids = ["workforce_headcount", "students_reached", "employee_training_hours_avg"]
    frames = reads.read_rows(sample_store, layer, versions, indicator_ids=ids)  # type: ignore[arg-type]
    for dataset in DATASETS:
        same(frames[dataset], whole[dataset][whole[dataset]["indicator_id"].isin(ids)])
    both = reads.read_rows(
        sample_store,
        layer,
        versions,
        partnership_ids=["att-imago"],
        indicator_ids=["new_hires"],  # type: ignore[arg-type]
    )
    frame = whole["workforce"]
    same(both["workforce"], frame[(frame["partnership_id"] == "att-imago") & (frame["indicator_id"] == "new_hires")])


@pytest.mark.parametrize("layer", ["submitted", "published"])
def test_total_row_counts_are_the_summarys(sample_store: Store, layer: str) -> None:
    versions = reads.layer_versions(sample_store, layer)
    counts = reads.total_row_counts(sample_store, layer, versions)
    frame = every_row(sample_store, layer)
    totals = frame[(frame["dimension"] == TOTAL) & (frame["category"] == TOTAL)]
    assert counts == {str(p): int(n) for p, n in totals["partnership_id"].value_counts().items()}
    assert counts == portfolio.layer_summary(sample_store, layer, versions, sample_store.read_goals()).total_rows


def test_the_layer_summary_gives_the_old_overview(sample_store: Store) -> None:
    frames = whole_tables(sample_store, "submitted")
    goals = sample_store.read_goals()
    partnerships = sample_store.read_partnerships()
    summary = portfolio.layer_summary(sample_store, "submitted", reads.layer_versions(sample_store, "submitted"), goals)
    assert summary.periods == periods_in(frames.values())
    assert summary.rows == sum(len(f) for f in frames.values())
    same(summary.goals, reference_goals(goals, pd.concat(list(frames.values()), ignore_index=True)))
    for period in summary.periods:
        assert portfolio.overview_kpis(summary.headline, set(partnerships["partnership_id"]), period) == portfolio_kpis(
            frames, period
        )
    chosen = partnerships[partnerships["region"] == partnerships["region"].iloc[0]]
    in_view = {d: f[f["partnership_id"].isin(set(chosen["partnership_id"]))] for d, f in frames.items()}
    assert portfolio.overview_kpis(summary.headline, set(chosen["partnership_id"]), latest_period(frames.values())) == (
        portfolio_kpis(in_view, latest_period(frames.values()))
    )
    trends = portfolio.overview_trends(summary.headline, chosen)
    for dataset in DATASETS:
        same(trends[dataset], quarterly_trend(in_view[dataset], DATASET_INFO[dataset].headline_indicator, chosen))
    same(partnership_overview(partnerships, summary.coverage_frames()), partnership_overview(partnerships, frames))
    latest, reported = reference_overview_keys(frames)
    table = portfolio.overview_table(summary, partnerships, summary.goals)
    assert dict(zip(table["partnership_id"], table["Latest quarter"], strict=True)) == {
        pid: Quarter(*latest[pid]).label if pid in latest else "no data yet" for pid in partnerships["partnership_id"]
    }
    assert dict(zip(table["partnership_id"], table["Data reported"], strict=True)) == {
        pid: ", ".join(reported.get(pid, [])) or "none" for pid in partnerships["partnership_id"]
    }
    counts = total_rows(pd.concat(list(frames.values()))).groupby("partnership_id").size().to_dict()
    assert summary.total_rows == {str(k): int(v) for k, v in counts.items()}


def test_the_public_summary_gives_what_public_rows_gave(sample_store: Store) -> None:
    partnerships = sample_store.read_partnerships()
    published = every_row(sample_store, "published")
    goals = sample_store.read_goals()
    public = public_rows(published, partnerships, K)  # the old path: every public row, suppressed
    ids = portfolio.public_ids(partnerships)
    summary = portfolio.layer_summary(
        sample_store, "published", reads.layer_versions(sample_store, "published"), goals, partnership_ids=ids, k=K
    )
    assert summary.periods == periods_in([public])
    assert summary.rows == len(public)
    for dataset in DATASETS:
        headline = public[
            public["indicator_id"].isin(portfolio.HEADLINE_INDICATORS)
            & (public["dimension"] == TOTAL)
            & (public["category"] == TOTAL)
            & (public["indicator_id"].map(lambda i: INDICATORS[i].dataset) == dataset)
        ]
        same(summary.headline[dataset], portfolio.canonical_headline(headline[portfolio.HEADLINE_COLUMNS]))
    visible = set(public_partnerships(partnerships)["partnership_id"])
    mine = goals[goals["partnership_id"].isin(visible)]
    same(summary.goals, reference_goals(mine, published[published["partnership_id"].isin(visible)]))
    same(
        pd.DataFrame([g.row for g in public_goals(goals, published, partnerships, K, evaluated=summary.goals)]),
        pd.DataFrame([g.row for g in public_goals(goals, published, partnerships, K)]),
    )


def test_public_rows_of_one_partnership_are_its_rows_among_all(sample_store: Store) -> None:
    partnerships = sample_store.read_partnerships()
    published = every_row(sample_store, "published")
    everything = public_rows(published, partnerships, K)
    versions = reads.layer_versions(sample_store, "published")
    for pid in portfolio.public_ids(partnerships):
        rows = reads.concat_rows(reads.read_rows(sample_store, "published", versions, partnership_ids=[pid]))
        same(public_rows(rows, partnerships, K), everything[everything["partnership_id"] == pid])


def test_public_goals_of_one_partnership_are_its_goals_among_all(sample_store: Store) -> None:
    partnerships = sample_store.read_partnerships()
    published = every_row(sample_store, "published")
    goals = sample_store.read_goals()
    everything = public_goals(goals, published, partnerships, K)
    for pid in portfolio.public_ids(partnerships):
        mine = [g for g in everything if g.row["partnership_id"] == pid]
        ours = public_reads.read_public_goals(sample_store, [pid])
        same(pd.DataFrame([g.row for g in ours]), pd.DataFrame([g.row for g in mine]))
        assert all(a.row.keys() == b.row.keys() for a, b in zip(ours, mine, strict=True))
        for a, b in zip(ours, mine, strict=True):
            same(a.points, b.points)


def test_the_explorer_reads_one_indicator_and_gives_the_old_results(sample_store: Store) -> None:
    from dashboard.analytics import comparison as cmp

    everything = every_row(sample_store, "submitted")
    partnerships = sample_store.read_partnerships().sort_values("name", ignore_index=True)
    versions = reads.layer_versions(sample_store, "submitted")
    for indicator_id in ("workforce_headcount", "employee_training_hours_avg", "women_share_workforce"):
        frame = reads.concat_rows(
            reads.read_rows(sample_store, "submitted", versions, indicator_ids=explorer.components_of([indicator_id]))
        )

        same(explorer.trend(frame, partnerships, indicator_id), quarterly_trend(everything, indicator_id, partnerships))
        same(
            explorer.latest(frame, partnerships, indicator_id),
            cmp.latest_values(everything, indicator_id, partnerships),
        )
        same(
            explorer.annual(frame, partnerships, indicator_id), cmp.annual_trend(everything, indicator_id, partnerships)
        )
        for dimension in INDICATORS[indicator_id].breakdowns:
            same(
                explorer.latest_breakdown(frame, partnerships, indicator_id, dimension),
                breakdowns.latest_breakdown(everything, indicator_id, dimension, partnerships),
            )
            reporters = breakdowns.partnerships_with_breakdown(everything, indicator_id, dimension, partnerships)
            assert explorer.reporters(frame, partnerships, indicator_id, dimension) == reporters
            for pid in reporters[:2]:
                same(
                    explorer.breakdown(frame, indicator_id, dimension, pid),
                    breakdowns.partnership_breakdown(everything, indicator_id, dimension, pid),
                )


def test_compare_reads_the_chosen_partnerships_and_gives_the_old_results(sample_store: Store) -> None:
    from dashboard.analytics import comparison as cmp

    everything = every_row(sample_store, "submitted")
    partnerships = sample_store.read_partnerships().sort_values("name", ignore_index=True)
    goals = evaluate_goals(sample_store.read_goals(), everything)
    chosen = ["pge-green-for-all", "att-imago", "solar-skills-kenya"]
    versions = reads.layer_versions(sample_store, "submitted")
    for indicator_id in ("new_hires", "local_supplier_spend", "turnover_rate"):
        needed = [indicator_id, cmp.PARTICIPANTS_INDICATOR]
        frame = reads.concat_rows(
            reads.read_rows(sample_store, "submitted", versions, partnership_ids=chosen, indicator_ids=needed)
        )
        for mode in ("none", "per_usd_million", "per_participant"):
            series, table = compare.compare_indicator(frame, partnerships, goals, indicator_id, chosen, mode)
            trend = quarterly_trend(everything, indicator_id, partnerships)
            trend = trend[trend["partnership_id"].isin(chosen)]
            same(series, cmp.normalise(trend, partnerships, everything, mode, INDICATORS[indicator_id]))
            same(table, cmp.comparison_table(everything, partnerships, goals, indicator_id, chosen, mode))
    assert cmp.default_partnerships_from_counts(
        portfolio.layer_summary(sample_store, "submitted", versions, sample_store.read_goals()).total_rows,
        partnerships,
    ) == cmp.default_partnerships(everything, partnerships)


def test_the_quarterly_trend_keeps_its_labels_and_dates() -> None:
    trend = quarterly_trend(EDGE_ROWS, "new_hires", pd.DataFrame({"partnership_id": ["a"], "name": ["A"]}))
    expected = [Quarter(int(y), int(q)).label for y, q in zip(trend["year"], trend["quarter"], strict=True)]
    assert trend["period"].tolist() == expected
    assert trend["period_start"].tolist() == [
        Quarter(int(y), int(q)).start for y, q in zip(trend["year"], trend["quarter"], strict=True)
    ]


def test_a_drawn_figure_writes_the_same_json(sample_store: Store) -> None:
    partnerships = sample_store.read_partnerships()
    rows = sample_store.read_indicators("workforce", "submitted", indicator_ids=["workforce_headcount"])
    trend = quarterly_trend(rows, "workforce_headcount", partnerships)
    names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
    colours = named_colours(names, partnership_colours(partnerships["partnership_id"]))
    figure = trend_figure(trend, INDICATORS["workforce_headcount"], source="Source: x.", colours=colours)
    expected = pio.to_json(figure.to_dict(), validate=False)
    drawn = figures.drawn_figure(("test", sample_store.root), lambda: figure)
    assert isinstance(drawn, figures.DrawnFigure)
    assert pio.to_json(drawn.to_dict(), validate=False) == expected
    assert pio.to_json(drawn.to_dict(), validate=False) == expected  # written twice from the same dict


def test_an_empty_layer_has_an_empty_summary(empty_store: Store) -> None:
    summary = portfolio.layer_summary(
        empty_store, "submitted", reads.layer_versions(empty_store, "submitted"), empty_store.read_goals()
    )
    assert summary.periods == [] and summary.coverage.empty and summary.goals.empty
    assert all(frame.empty for frame in summary.headline.values())
