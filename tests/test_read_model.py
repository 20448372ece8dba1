"""The read model: the derived summary tables give the numbers of ``portfolio.layer_summary`` over the whole layer,
after any sequence of commits, publishes, withdrawals, reverts, restores, visibility and goal changes, and a derived
table is never used for versions it does not reflect."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

from dashboard.analytics.trend_distribution import trend_distribution
from dashboard.public.published import public_partnerships
from dashboard.queries import portfolio, read_model
from dashboard.queries.portfolio_figures import figure_kpis, figure_trend, figure_trend_size
from dashboard.storage import derived
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE, indicator_table
from data_contracts import DATASETS, INDICATORS, TOTAL
from data_contracts.quarters import Quarter
from tests.read_model_checks import assert_same_explorer, assert_same_goals_of_each_indicator, assert_same_summary

K = 10
USER = "read-model-test"
EVERY_INDICATOR = list(INDICATORS)


def _k(variant: derived.Variant) -> int | None:
    return K if variant == "public" else None


def from_source(store: Store, variant: derived.Variant) -> portfolio.LayerSummary:
    """Today's path: the whole layer read and summarised (of the public partnerships, suppressed, for the public)."""
    sources = read_model.current_sources(store, variant, _k(variant))
    return read_model.compute_summary(store, variant, sources, read_model.members_at(store, variant, sources))


def from_read_model(store: Store, variant: derived.Variant) -> portfolio.LayerSummary:
    return read_model.summary_at(store, variant, read_model.current_sources(store, variant, _k(variant)))


def assert_figures_are_the_source_figures(
    store: Store, variant: derived.Variant, source: portfolio.LayerSummary
) -> None:
    """The kept portfolio figures give the KPI cards of every quarter (``metrics.portfolio_kpis``) and each
    dataset's trend spread (``trend_distribution`` of ``metrics.quarterly_trend``) over the whole layer's rows."""
    sources = read_model.current_sources(store, variant, _k(variant))
    figures = read_model.figures_at(store, variant, sources, store.version(PARTNERSHIPS_TABLE))
    partnerships = store.read(PARTNERSHIPS_TABLE)
    if variant == "public":
        partnerships = public_partnerships(partnerships)
    ids = set(partnerships["partnership_id"])
    periods = source.periods
    after = [Quarter.from_number(periods[-1].number + 1)] if periods else []  # a quarter nobody reported yet
    for period in [*periods[:1], *periods[len(periods) // 2 :][:1], *periods[-2:], *after]:
        assert figure_kpis(figures, period) == portfolio.overview_kpis(source.headline, ids, period), period
    trends = portfolio.overview_trends(source.headline, partnerships)
    for dataset in DATASETS:
        expected, kept = trend_distribution(trends[dataset]), figure_trend(figures, dataset)
        assert figure_trend_size(figures, dataset) == trends[dataset]["partnership_id"].nunique()
        pd.testing.assert_frame_equal(kept.bands, expected.bands.reset_index(drop=True), check_dtype=False)
        pd.testing.assert_frame_equal(kept.named, expected.named.reset_index(drop=True), check_dtype=False)
        assert (kept.named_order, kept.ranked_in) == (expected.named_order, expected.ranked_in)


# ---- random changes -------------------------------------------------------------------------------------------------


def _slices(store: Store, dataset: str, layer: str) -> list[Slice]:
    rows = store.read(indicator_table(dataset, layer), columns=["partnership_id", "year", "quarter"])
    keys = rows.drop_duplicates().itertuples(index=False)
    return sorted((Slice(str(p), int(y), int(q)) for p, y, q in keys), key=str)


def _random_slice(store: Store, rng: random.Random) -> tuple[str, Slice, pd.DataFrame] | None:
    """A dataset, one of its submitted slices and that slice's rows, chosen at random (None: the dataset is empty)."""
    dataset = rng.choice(DATASETS)
    slices = _slices(store, dataset, "submitted")
    if not slices:  # restored to a version without rows
        return None
    chosen = rng.choice(slices)
    rows = store.read(indicator_table(dataset, "submitted"))
    part = rows[
        (rows["partnership_id"] == chosen.partnership_id)
        & (rows["year"] == chosen.year)
        & (rows["quarter"] == chosen.quarter)
    ].copy()
    return dataset, chosen, part


def _commit_changed_slice(store: Store, rng: random.Random) -> str:
    found = _random_slice(store, rng)
    if found is None:
        return "nothing to commit again"
    dataset, chosen, part = found
    if rng.random() < 0.3:  # the same rows a year later: a new quarter
        part["year"] = part["year"] + 1
    part["value"] = (part["value"] * rng.choice([0.5, 0.9, 1.1, 3.0])).round(0)
    store.commit_indicators(part.reset_index(drop=True), dataset, user=USER)
    return f"commit {dataset} {chosen}"


def _commit_without_a_breakdown(store: Store, rng: random.Random) -> str:
    """A slice committed again (half the time a year later: a new latest quarter) without the rows of one breakdown
    of one of its indicators, whose latest quarter by that dimension is then older than by the others."""
    found = _random_slice(store, rng)
    if found is None:
        return "nothing to commit again"
    dataset, chosen, part = found
    broken = part[part["dimension"] != TOTAL]
    pairs = sorted(set(zip(broken["indicator_id"].astype(str), broken["dimension"].astype(str), strict=True)))
    if not pairs:
        return f"nothing to leave out of {dataset} {chosen}"
    indicator, dimension = rng.choice(pairs)
    part = part[(part["indicator_id"] != indicator) | (part["dimension"] != dimension)]
    if rng.random() < 0.5:
        part["year"] = part["year"] + 1
    store.commit_indicators(part.reset_index(drop=True), dataset, user=USER)
    return f"commit {dataset} {chosen} without the {dimension} breakdowns of {indicator}"


def _publish(store: Store, rng: random.Random) -> str:
    dataset = rng.choice(DATASETS)
    chosen = rng.sample(_slices(store, dataset, "submitted"), 2)
    store.publish(dataset, chosen, user=USER)
    return f"publish {dataset} {chosen}"


def _withdraw(store: Store, rng: random.Random) -> str:
    dataset = rng.choice(DATASETS)
    chosen = rng.choice(_slices(store, dataset, "published"))
    store.unpublish(dataset, [chosen], user=USER, reason="checking the read model")
    return f"withdraw {dataset} {chosen}"


def _flip_visibility(store: Store, rng: random.Random) -> str:
    partnerships = store.read(PARTNERSHIPS_TABLE)
    at = rng.randrange(len(partnerships))
    partnerships.loc[at, "visibility"] = "private" if partnerships.loc[at, "visibility"] == "public" else "public"
    store.replace_reference(PARTNERSHIPS_TABLE, partnerships, user=USER)
    return f"visibility {partnerships.loc[at, 'partnership_id']}"


def _change_goal(store: Store, rng: random.Random) -> str:
    goals = store.read(GOALS_TABLE)
    at = rng.randrange(len(goals))
    goals.loc[at, "target_value"] = float(goals.loc[at, "target_value"]) * rng.choice([0.5, 2.0])
    if rng.random() < 0.3:
        goals = goals.drop(index=rng.randrange(len(goals))).reset_index(drop=True)
    store.replace_reference(GOALS_TABLE, goals, user=USER)
    return f"goal {goals.loc[min(at, len(goals) - 1), 'goal_id']}"


def _restore(store: Store, rng: random.Random) -> str:
    dataset = rng.choice(DATASETS)
    layer = rng.choice(["submitted", "published"])
    table = indicator_table(dataset, layer)
    version = store.version(table)
    store.restore(table, max(0, version - rng.randint(1, 3)), user=USER)
    return f"restore {table}"


CHANGES = [
    _commit_changed_slice,
    _commit_without_a_breakdown,
    _publish,
    _withdraw,
    _flip_visibility,
    _change_goal,
    _restore,
]


@pytest.mark.parametrize("seed", [2])
def test_the_read_model_gives_the_source_numbers_after_random_changes(sample_store: Store, seed: int) -> None:
    rng = random.Random(seed)
    read_model.refresh_all(sample_store, k=K)
    done = []
    for step in range(10):
        done.append(rng.choice(CHANGES)(sample_store, rng))
        if rng.random() < 0.5:  # the writer keeps the tables (as the app and the CLI do), or the next reader does
            read_model.refresh_all(sample_store, k=K)
        for variant in derived.VARIANTS:
            state_before = derived.read_state(sample_store, variant)
            source = from_source(sample_store, variant)
            assert_same_summary(from_read_model(sample_store, variant), source), done
            if variant == derived.VARIANTS[step % len(derived.VARIANTS)]:  # each variant every third change
                assert_figures_are_the_source_figures(sample_store, variant, source)
            if variant == "submitted":  # the explorer's rows: a few indicators each time, every one in turn
                left_out = [done[-1].rsplit(" ", 1)[1]] if " breakdowns of " in done[-1] else []
                assert_same_explorer(sample_store, [*left_out, *EVERY_INDICATOR[step * 6 : step * 6 + 6]])
                assert_same_goals_of_each_indicator(sample_store, source)
            state = derived.read_state(sample_store, variant)
            assert state is not None and state.sources == read_model.current_sources(sample_store, variant, _k(variant))
            assert state_before is None or state.version >= state_before.version, (step, done)


def test_one_commit_recomputes_only_its_partnership(sample_store: Store) -> None:
    read_model.refresh_all(sample_store, k=K)
    rows = sample_store.read(indicator_table("workforce", "submitted"))
    part = rows[(rows["partnership_id"] == "pge-green-for-all") & (rows["year"] == 2026) & (rows["quarter"] == 3)]
    part = part.assign(value=part["value"] + 1).reset_index(drop=True)
    sample_store.commit_indicators(part, "workforce", user=USER)

    done = read_model.refresh_all(sample_store, k=K)

    assert done["submitted"].how == "parts" and done["submitted"].partnerships == 1
    assert done["published"].how == "current"  # no published table changed
    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))


def test_a_restore_rebuilds_the_variant_whole(sample_store: Store) -> None:
    read_model.refresh_all(sample_store, k=K)
    table = indicator_table("education", "published")
    sample_store.restore(table, sample_store.version(table) - 1, user=USER)

    done = read_model.refresh_all(sample_store, k=K)

    assert done["published"].how == "whole" and done["public"].how == "whole"
    assert done["submitted"].how == "current"
    for variant in ("published", "public"):
        assert_same_summary(from_read_model(sample_store, variant), from_source(sample_store, variant))


def test_a_derived_table_is_never_read_for_versions_it_does_not_reflect(sample_store: Store) -> None:
    read_model.refresh_all(sample_store, k=K)
    old = read_model.current_sources(sample_store, "submitted")
    rows = sample_store.read(indicator_table("diversity", "submitted"))
    part = rows[(rows["partnership_id"] == "att-imago") & (rows["year"] == 2026) & (rows["quarter"] == 3)]
    sample_store.commit_indicators(part.assign(value=part["value"] * 2).reset_index(drop=True), "diversity", user=USER)

    # the derived table is now behind; a reader asking for the old versions gets the old numbers from the source
    older = read_model.summary_at(sample_store, "submitted", old)
    expected = read_model.compute_summary(sample_store, "submitted", old)
    assert_same_summary(older, expected)
    state = derived.read_state(sample_store, "submitted")
    assert state is not None and state.sources == old  # asking for old versions does not move the table

    # the current versions bring it forward first
    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))
    assert derived.read_state(sample_store, "submitted").sources != old


def test_a_write_on_top_of_another_version_is_not_trusted(sample_store: Store) -> None:
    read_model.refresh_all(sample_store, k=K)
    state = derived.read_state(sample_store, "submitted")
    assert state is not None
    # a refresh that raced another: built on a version that is no longer the one before it
    derived.write_summary_rows(
        sample_store, "submitted", derived.SUMMARY_SCHEMA.empty_table(), state.sources, partnership_ids=[], base=0
    )
    derived.write_summary_rows(
        sample_store,
        "submitted",
        derived.SUMMARY_SCHEMA.empty_table(),
        state.sources,
        partnership_ids=[],
        base=state.version,
    )
    assert derived.read_state(sample_store, "submitted") is None
    # the next read rebuilds it whole and gives the source numbers
    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))
    assert derived.read_state(sample_store, "submitted") is not None


def test_rows_of_a_partnership_not_being_replaced_are_refused(sample_store: Store) -> None:
    rows = pa.table({"section": ["summary"], "part": ["member"], "partnership_id": ["att-imago"]})
    rows = pa.Table.from_arrays(
        [
            rows.column(n) if n in rows.column_names else pa.nulls(1, f.type)
            for n, f in zip(derived.SUMMARY_SCHEMA.names, derived.SUMMARY_SCHEMA, strict=True)
        ],
        schema=derived.SUMMARY_SCHEMA,
    )
    sources = read_model.current_sources(sample_store, "submitted")
    with pytest.raises(ValueError, match="not being replaced"):
        derived.write_summary_rows(
            sample_store, "submitted", rows, sources, partnership_ids=["pge-green-for-all"], base=0
        )


def test_the_command_line_keeps_the_read_model_and_rebuilds_it_on_request(
    sample_store: Store, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from dashboard.cli import main

    read_model.refresh_all(sample_store, k=K)
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(year=2025)  # 2025 Q3 reported again with this year's figures
    path = tmp_path / "att-imago-2025Q3.csv"
    rows.to_csv(path, index=False)

    assert main(["ingest", str(path), "--dataset", "workforce", "--store", sample_store.root, "--json"]) == 0
    json.loads(capsys.readouterr().out)  # the JSON output stays one object
    state = derived.read_state(sample_store, "submitted")
    assert state is not None and state.sources == read_model.current_sources(sample_store, "submitted")

    assert main(["optimize", "--store", sample_store.root, "--rebuild-derived", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [d["variant"] for d in payload["derived"]] == list(derived.VARIANTS)
    assert all(d["partnerships"] > 0 for d in payload["derived"])
    for variant in derived.VARIANTS:
        assert_same_summary(from_read_model(sample_store, variant), from_source(sample_store, variant))

    assert main(["optimize", "--store", sample_store.root, "--rebuild-derived"]) == 0
    assert "Rebuilt the public read model from the source tables: 7 partnerships." in capsys.readouterr().out


def test_a_derived_table_with_other_columns_is_rebuilt(sample_store: Store) -> None:
    from deltalake import CommitProperties, write_deltalake

    sources = read_model.current_sources(sample_store, "submitted")
    uri = derived.derived_uri(sample_store, derived.summary_table_name("submitted"))
    stamp = CommitProperties(custom_metadata={derived.SOURCES_KEY: sources.to_json(), derived.BASE_KEY: "whole"})
    older = pa.table({"part": ["goal"], "partnership_id": ["att-imago"], "record": ["{}"], "bucket": [1]})  # a layout
    write_deltalake(
        uri, older, mode="overwrite", schema_mode="overwrite", partition_by=["bucket"], commit_properties=stamp
    )
    assert derived.read_state(sample_store, "submitted") is None

    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))
    assert derived.read_state(sample_store, "submitted") is not None


def test_a_compaction_of_a_derived_table_keeps_it_trusted(sample_store: Store) -> None:
    from deltalake import DeltaTable

    read_model.refresh_all(sample_store, k=K)
    uri = derived.derived_uri(sample_store, derived.summary_table_name("submitted"))
    rows = sample_store.read(indicator_table("workforce", "submitted"))
    for quarter in (2, 3):  # two partial writes: two small files in a bucket
        part = rows[(rows["partnership_id"] == "att-imago") & (rows["year"] == 2026) & (rows["quarter"] == quarter)]
        sample_store.commit_indicators(
            part.assign(value=part["value"] + 1).reset_index(drop=True), "workforce", user=USER
        )
        read_model.refresh_all(sample_store, k=K)
    before = derived.read_state(sample_store, "submitted")
    DeltaTable(uri).optimize.z_order(["partnership_id"])  # rewrites every file: a commit that changes no row
    assert DeltaTable(uri).history(1)[0]["operation"] == "OPTIMIZE"
    after = derived.read_state(sample_store, "submitted")
    assert after is not None and before is not None and after.sources == before.sources

    part = rows[(rows["partnership_id"] == "solar-skills-kenya") & (rows["year"] == 2026) & (rows["quarter"] == 3)]
    sample_store.commit_indicators(part.assign(value=part["value"] + 1).reset_index(drop=True), "workforce", user=USER)
    assert read_model.refresh(sample_store, "submitted").how == "parts"  # written on top of the compaction
    assert derived.read_state(sample_store, "submitted") is not None
    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))


def test_a_summary_of_an_older_layout_is_built_whole_with_the_explorer_rows(sample_store: Store) -> None:
    """A summary written before the explorer's rows were kept (its stamp names no layout) is not trusted: the next
    refresh builds it whole, so the explorer never reads an explorer section that was never written."""
    read_model.refresh_all(sample_store, k=K)
    state = derived.read_state(sample_store, "submitted")
    assert state is not None
    name = derived.summary_table_name("submitted")
    rows = derived.read_summary_rows(sample_store, "submitted", state.version)
    older = rows.filter(pc.not_equal(rows["part"], derived.EXPLORER_SECTION))
    stamp = json.loads(state.sources.to_json())
    del stamp["layout"]  # as the older program wrote it
    derived.write_rows(sample_store, name, derived.SUMMARY_SCHEMA, older, json.dumps(stamp, sort_keys=True))
    behind = derived.read_state(sample_store, "submitted")
    assert behind is not None and behind.sources.layout == 1
    sources = read_model.current_sources(sample_store, "submitted")
    assert behind.sources != sources

    assert read_model.refresh(sample_store, "submitted").how == "whole"
    assert_same_explorer(sample_store, ["new_hires", "new_hire_rate", "gender_pay_ratio"])


def test_the_explorer_reads_the_source_when_the_read_model_is_behind_a_version(sample_store: Store) -> None:
    """Sources the derived table does not reflect (an older version of the layer) are served from the source rows,
    never from the kept rows."""
    read_model.refresh_all(sample_store, k=K)
    older = read_model.current_sources(sample_store, "submitted")
    _commit_changed_slice(sample_store, random.Random(5))
    read_model.refresh_all(sample_store, k=K)
    assert read_model.explorer_rows_at(sample_store, "submitted", older, ["new_hires"]) is None
    then = read_model.compute_summary(sample_store, "submitted", older).goals  # the goals then, from the source
    for indicator_id in sorted(set(then["indicator_id"].astype(str))):
        expected = then[then["indicator_id"] == indicator_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(read_model.goals_at(sample_store, "submitted", older, indicator_id), expected)
    with pytest.raises(ValueError, match="keeps no explorer rows"):
        read_model.explorer_rows_at(sample_store, "public", older, ["new_hires"])


def test_the_explorer_keeps_each_breakdown_from_its_own_latest_quarter(sample_store: Store) -> None:
    """A partnership's newest quarter without one breakdown of an indicator it breaks down by several dimensions:
    the explorer still shows that breakdown from the quarter it was last reported in."""
    read_model.refresh_all(sample_store, k=K)
    rows = sample_store.read(indicator_table("workforce", "submitted"))
    broken = rows[rows["dimension"] != TOTAL]
    dimensions = broken.groupby(["partnership_id", "indicator_id"])["dimension"].nunique()
    partnership, indicator = dimensions[dimensions >= 2].index[0]
    mine = rows[rows["partnership_id"] == partnership]
    year, quarter = mine[["year", "quarter"]].drop_duplicates().sort_values(["year", "quarter"]).iloc[-1]
    newest = mine[(mine["year"] == year) & (mine["quarter"] == quarter)]
    left_out = sorted(set(broken.loc[broken["indicator_id"] == indicator, "dimension"].astype(str)))[0]
    newest = newest[(newest["indicator_id"] != indicator) | (newest["dimension"] != left_out)]
    sample_store.commit_indicators(newest.assign(year=year + 1).reset_index(drop=True), "workforce", user=USER)
    read_model.refresh_all(sample_store, k=K)

    assert_same_explorer(sample_store, [indicator])
    kept = read_model.explorer_rows_at(
        sample_store, "submitted", read_model.current_sources(sample_store, "submitted"), [indicator]
    )
    assert kept is not None
    theirs = kept[(kept["partnership_id"] == partnership) & (kept["dimension"] == left_out)]
    assert set(theirs["year"]) == {year}  # the breakdown from the year before, not dropped


def test_a_whole_build_that_fails_in_a_part_commits_nothing(sample_store: Store) -> None:
    """A whole table written part by part is one commit: a part that fails to be made leaves the table as it was."""
    read_model.refresh_all(sample_store, k=K)
    state = derived.read_state(sample_store, "submitted")
    assert state is not None
    rows = derived.read_summary_rows(sample_store, "submitted", state.version)

    def parts():  # noqa: ANN202 - a generator of tables
        yield rows.slice(0, 100)
        raise RuntimeError("the second part could not be made")

    with pytest.raises(Exception, match="the second part could not be made"):
        derived.write_summary_rows(sample_store, "submitted", parts(), state.sources)
    assert derived.read_state(sample_store, "submitted") == state  # no version written, the stamp still trusted
    assert DeltaTable(derived.derived_uri(sample_store, derived.summary_table_name("submitted"))).version() == (
        state.version
    )
    assert read_model.refresh(sample_store, "submitted", whole=True).how == "whole"  # and the next build works
    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))


def _three_parts(rows: pa.Table) -> list[pa.Table]:
    third = rows.num_rows // 3
    return [rows.slice(0, third), rows.slice(third, third), rows.slice(2 * third)]


def test_a_whole_build_in_parts_is_trusted_only_when_nothing_came_between_its_parts(sample_store: Store) -> None:
    read_model.refresh_all(sample_store, k=K)
    state = derived.read_state(sample_store, "submitted")
    assert state is not None
    name = derived.summary_table_name("submitted")
    rows = derived.read_summary_rows(sample_store, "submitted", state.version)
    parts = _three_parts(rows)

    version = derived.write_summary_rows(sample_store, "submitted", iter(parts), state.sources)
    assert version == state.version + 3  # one commit per part
    assert derived.read_state(sample_store, "submitted") == derived.DerivedState(version, state.sources)
    assert derived.read_summary_rows(sample_store, "submitted", version).num_rows == rows.num_rows
    assert_same_summary(from_read_model(sample_store, "submitted"), from_source(sample_store, "submitted"))

    def raced() -> Iterator[pa.Table]:  # another writer's commit lands between two parts of the build
        yield parts[0]
        yield parts[1]
        derived.write_rows(sample_store, name, derived.SUMMARY_SCHEMA, parts[0].slice(0, 0), "{}", partnership_ids=[])
        yield parts[2]

    derived.write_summary_rows(sample_store, "submitted", raced(), state.sources)
    assert derived.read_state(sample_store, "submitted") is None  # never trusted

    def cut_short() -> Iterator[pa.Table]:  # the process dies after the build's first commits
        yield parts[0]
        yield parts[1]
        yield parts[2]
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        derived.write_summary_rows(sample_store, "submitted", cut_short(), state.sources)
    assert derived.read_state(sample_store, "submitted") is None
    sources = read_model.current_sources(sample_store, "submitted")
    assert_same_summary(  # the page computes from the source meanwhile, and the next refresh builds it whole
        read_model.summary_at(sample_store, "submitted", sources), from_source(sample_store, "submitted")
    )
    assert derived.read_state(sample_store, "submitted") is not None
