"""Small-cell suppression: the public never sees, or can work out, a breakdown of fewer than k people.

Hand-made frames pin every rule; an attacker who knows every sum a visitor knows (categories add up to the total,
quarters add up to the year, rates and shares times their populations) tries to undo the suppression on those
frames and on the whole sample data, and must fail.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import settings
from dashboard.public.suppression import (
    COMPLEMENTARY,
    GROUP_NOT_REPORTED,
    REASONS,
    SMALL_COUNT,
    SMALL_GROUP,
    public_marker,
    shown_values,
    suppress,
    suppress_annual,
    suppression_text,
)
from data_contracts import INDICATORS

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
DATASET_FILES = ("workforce", "diversity", "education", "community_capacity")
KEYS = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category"]
K = 10

PEOPLE = {i for i, item in INDICATORS.items() if item.disclosure and item.disclosure.people}
SUMMED = {i for i in PEOPLE if INDICATORS[i].year_rule == "sum"}


def row(indicator_id, dimension, category, value, *, pid="p1", year=2024, quarter=1, note="n") -> dict:
    return {
        "partnership_id": pid,
        "year": year,
        "quarter": quarter,
        "indicator_id": indicator_id,
        "dimension": dimension,
        "category": category,
        "value": value,
        "note": note,
    }


def breakdown(indicator_id, dimension, values: dict[str, float], *, total=True, **where) -> list[dict]:
    """A total row (the sum of the categories unless ``total`` is a number) and one row per category."""
    rows = []
    if total is not False:
        rows.append(row(indicator_id, "total", "total", sum(values.values()) if total is True else total, **where))
    rows += [row(indicator_id, dimension, category, value, **where) for category, value in values.items()]
    return rows


def frame(*groups: list[dict] | dict) -> pd.DataFrame:
    rows = []
    for group in groups:
        rows += group if isinstance(group, list) else [group]
    return pd.DataFrame(rows)


def status(result: pd.DataFrame, indicator_id: str, dimension: str, **where) -> dict:
    """category -> suppression code of the rows matching."""
    chosen = result[(result["indicator_id"] == indicator_id) & (result["dimension"] == dimension)]
    for column, value in where.items():
        chosen = chosen[chosen[column] == value]
    return dict(zip(chosen["category"], chosen["suppression"], strict=True))


def by(result: pd.DataFrame, *columns: str, of: str = "suppression") -> dict:
    """(values of ``columns``) -> the ``of`` column, for every row."""
    return dict(zip(result[list(columns)].itertuples(index=False, name=None), result[of], strict=True))


def sample_rows() -> pd.DataFrame:
    return pd.concat([pd.read_csv(SAMPLE / f"{name}.csv") for name in DATASET_FILES], ignore_index=True)


# --- the attacker ---------------------------------------------------------------------------------------------------


def attack(public: pd.DataFrame, true: pd.DataFrame, *, derived: bool = True) -> pd.DataFrame:
    """The hidden people counts a visitor can work out from ``public`` (rows after suppression), as rows of ``true``.

    The visitor knows every shown value and, stronger than any real visitor, every annual sum of every series and
    which breakdowns are complete. Equations (each exact on the true data):

    - the categories of a complete dimension add up to the quarter's total, which is shown, or (when no total row
      exists) is the same unknown for every dimension of the quarter;
    - the quarters of a flow (year rule ``sum``) add up to the annual sum;
    - with ``derived``: a shown rate times its shown population is its numerator cell; a shown share of a group
      times its population is the group's cell, on the total row and, summed over a complete dimension, on
      breakdown rows (counted only when the rounding leaves no doubt: within 0.5 of the true count).

    Any equation with exactly one unknown is solved; solved cells join the known ones, until nothing changes."""
    cells = true[true["indicator_id"].isin(PEOPLE)][[*KEYS, "value"]].copy()
    cells = cells.merge(public[[*KEYS, "suppression"]], on=KEYS, how="left", validate="one_to_one")
    cells["known"] = cells["suppression"].eq("")
    quarter_keys = ["partnership_id", "year", "quarter", "indicator_id"]
    breakdowns = cells[cells["dimension"] != "total"]
    sums = breakdowns.groupby([*quarter_keys, "dimension"], as_index=False)["value"].sum()
    totals = cells[cells["dimension"] == "total"][[*quarter_keys, "value"]].rename(columns={"value": "total"})
    # a quarter without a total row: the total is an unknown cell, as large as the largest dimension
    implied = sums.groupby(quarter_keys, as_index=False)["value"].max().rename(columns={"value": "total"})
    implied = implied.merge(totals[quarter_keys], how="left", on=quarter_keys, indicator=True)
    implied = implied[implied["_merge"] == "left_only"].drop(columns="_merge")
    if not implied.empty:
        extra = implied.rename(columns={"total": "value"}).assign(
            dimension="total", category="total", suppression="", known=False
        )
        cells = pd.concat([cells, extra], ignore_index=True)
        totals = pd.concat([totals, implied], ignore_index=True)
    cells = cells.reset_index(drop=True)
    cells["cell"] = np.arange(len(cells))
    cell_of = {tuple(key): i for i, key in enumerate(cells[KEYS].itertuples(index=False, name=None))}

    members = []  # (equation, cell)
    complete = sums.merge(totals, on=quarter_keys)
    complete = complete[np.isclose(complete["value"], complete["total"])]
    for eq, group in enumerate(complete[[*quarter_keys, "dimension"]].itertuples(index=False, name=None)):
        pid, year, quarter, ind, dim = group
        members.append((("dim", eq), cell_of[(pid, year, quarter, ind, "total", "total")]))
    dim_members = breakdowns.merge(complete[[*quarter_keys, "dimension"]], on=[*quarter_keys, "dimension"])
    eq_index = {g: eq for eq, g in enumerate(complete[[*quarter_keys, "dimension"]].itertuples(index=False, name=None))}
    for key in dim_members[KEYS].itertuples(index=False, name=None):
        members.append((("dim", eq_index[key[:5]]), cell_of[key]))
    flows = cells[cells["indicator_id"].isin(SUMMED)]
    year_keys = ["partnership_id", "year", "indicator_id", "dimension", "category"]
    complete_year = flows.groupby(year_keys)["quarter"].transform("nunique") == 4  # only whole years are published
    for key in flows[complete_year][KEYS].itertuples(index=False, name=None):
        pid, year, quarter, ind, dim, cat = key
        members.append((("year", pid, year, ind, dim, cat), cell_of[key]))
    if members:
        membership = pd.DataFrame(members, columns=["equation", "cell"])
        membership["equation"] = pd.factorize(membership["equation"])[0]
    else:
        membership = pd.DataFrame({"equation": [], "cell": []}, dtype="int64")

    products = _products(public, true, cells, cell_of) if derived else []  # (input cells, target cell)
    known = cells["known"].to_numpy().copy()
    hidden_at_start = ~known & cells["value"].notna().to_numpy()
    while True:
        before = int(known.sum())
        unknown = ~known[membership["cell"].to_numpy()]
        count = pd.Series(unknown).groupby(membership["equation"].to_numpy()).transform("sum").to_numpy()
        known[membership["cell"].to_numpy()[unknown & (count == 1)]] = True
        for inputs, target in products:
            if all(known[i] for i in inputs):
                known[target] = True
        if int(known.sum()) == before:
            break
    recovered = cells[hidden_at_start & known]
    return recovered[recovered["dimension"] != "total"][[*KEYS, "value"]]


def _products(
    public: pd.DataFrame, true: pd.DataFrame, cells: pd.DataFrame, cell_of: dict
) -> list[tuple[list[int], int]]:
    """Rates and shares: (population cells, target cell) pairs whose product pins the target's true count."""
    found = []
    value_of = dict(zip(true[KEYS].itertuples(index=False, name=None), true["value"], strict=True))
    value_of.update(zip(cells[KEYS].itertuples(index=False, name=None), cells["value"], strict=True))
    shown = public[public["suppression"].eq("")][KEYS].copy()
    shown["value"] = [value_of[key] for key in shown.itertuples(index=False, name=None)]
    by_dimension: dict[tuple, list[tuple]] = {}
    for cell in cell_of:
        by_dimension.setdefault(cell[:5], []).append(cell)
    for item in INDICATORS.values():
        disclosure = item.disclosure
        if disclosure is None or disclosure.people or disclosure.population is None:
            continue
        mine = shown[shown["indicator_id"] == item.id]
        for r in mine.itertuples(index=False):
            keys = (r.partnership_id, r.year, r.quarter)
            population = (*keys, disclosure.population, r.dimension, r.category)
            if population not in cell_of:
                continue
            size = value_of[population]
            if disclosure.numerator:
                target = (*keys, disclosure.numerator, r.dimension, r.category)
                if target in cell_of and abs(r.value * size / 100 - value_of[target]) < 0.5:
                    found.append(([cell_of[population]], cell_of[target]))
            if disclosure.share_of and r.dimension == "total":
                target = (*keys, disclosure.population, disclosure.share_of.dimension, disclosure.share_of.category)
                if target in cell_of and abs(r.value * size / 100 - value_of[target]) < 0.5:
                    found.append(([cell_of[population]], cell_of[target]))
        if disclosure.share_of is None or mine.empty:
            continue
        group = disclosure.share_of
        for (pid, year, quarter, dim), rows in mine[mine["dimension"] != "total"].groupby(
            ["partnership_id", "year", "quarter", "dimension"]
        ):
            keys = (pid, year, quarter)
            target = (*keys, disclosure.population, group.dimension, group.category)
            total = (*keys, disclosure.population, "total", "total")
            populations = by_dimension.get((*keys, disclosure.population, dim), [])
            if target not in cell_of or total not in cell_of or not populations:
                continue
            if set(rows["category"]) != {c[5] for c in populations}:
                continue  # some share of the dimension is hidden
            if sum(value_of[c] for c in populations) != value_of[total]:
                continue  # the dimension does not cover everyone
            estimate = sum(v * value_of[(*keys, disclosure.population, dim, c)] / 100 for c, v in zip(
                rows["category"], rows["value"], strict=True
            ))  # fmt: skip
            if abs(estimate - value_of[target]) < 0.5:
                found.append(([cell_of[c] for c in populations], cell_of[target]))
    return found


def naive(rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """A suppression that hides only the small counts themselves (no complements)."""
    result = suppress(rows, k)
    result["suppression"] = np.where(result["suppression"] == SMALL_COUNT, SMALL_COUNT, "")
    return result


# --- the threshold ---------------------------------------------------------------------------------------------------


def test_min_cell_count_defaults_to_10_and_never_goes_below_5(monkeypatch) -> None:
    monkeypatch.delenv("IMPACT_MIN_CELL_COUNT", raising=False)
    assert settings.min_cell_count() == 10
    monkeypatch.setenv("IMPACT_MIN_CELL_COUNT", "2")
    assert settings.min_cell_count() == 5
    monkeypatch.setenv("IMPACT_MIN_CELL_COUNT", "15")
    assert settings.min_cell_count() == 15


def test_k_is_explicit_and_must_be_a_positive_number() -> None:
    rows = frame(breakdown("workforce_headcount", "gender", {"woman": 6, "man": 4, "undisclosed": 3}))
    assert status(suppress(rows, 5), "workforce_headcount", "gender") == {
        "woman": "",
        "man": SMALL_COUNT,
        "undisclosed": SMALL_COUNT,
    }
    assert set(status(suppress(rows, 10), "workforce_headcount", "gender").values()) == {SMALL_COUNT}
    for bad in (0, -3, "10", None, True):
        with pytest.raises(ValueError, match="k must be"):
            suppress(rows, bad)


# --- rule 1: primary ------------------------------------------------------------------------------------------------


def test_primary_small_counts_hidden_totals_and_counts_of_k_shown() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 3, "man": 10, "non_binary": 0, "undisclosed": 12}),
        breakdown("workforce_headcount", "gender", {"woman": 3}, pid="tiny"),
        breakdown("net_jobs_created_supported", "gender", {"woman": -4, "man": -20, "non_binary": 0}),
    )
    result = suppress(rows, K)
    assert status(result, "workforce_headcount", "gender", partnership_id="p1") == {
        "woman": SMALL_COUNT,
        "man": "",
        "non_binary": SMALL_COUNT,
        "undisclosed": "",
    }
    assert status(result, "workforce_headcount", "total", partnership_id="tiny") == {"total": ""}
    assert status(result, "net_jobs_created_supported", "gender") == {
        "woman": SMALL_COUNT,
        "man": "",
        "non_binary": SMALL_COUNT,
    }
    texts = by(result.assign(text=shown_values(result, K)), "partnership_id", "indicator_id", "category", of="text")
    assert texts[("p1", "workforce_headcount", "woman")] == "fewer than 10"
    assert texts[("p1", "workforce_headcount", "man")] == "10"
    assert texts[("p1", "workforce_headcount", "non_binary")] == "fewer than 10"
    assert texts[("tiny", "workforce_headcount", "total")] == "3"
    assert texts[("p1", "net_jobs_created_supported", "woman")] == "fewer than 10"
    assert texts[("p1", "net_jobs_created_supported", "man")] == "-20"
    hidden = result["suppression"] != ""
    assert result.loc[hidden, "value"].isna().all() and (result.loc[hidden, "note"] == "").all()
    assert result.loc[~hidden, "value"].notna().all() and (result.loc[~hidden, "note"] == "n").all()


def test_texts_of_every_reason() -> None:
    assert suppression_text("", K) == ""
    assert suppression_text(SMALL_COUNT, K) == "fewer than 10"
    assert suppression_text(SMALL_COUNT, 5) == "fewer than 5"
    assert suppression_text(COMPLEMENTARY, K) == "suppressed"
    assert suppression_text(SMALL_GROUP, K) == "suppressed (small group)"
    assert suppression_text(GROUP_NOT_REPORTED, K) == "suppressed (group size not reported)"
    assert REASONS == (SMALL_COUNT, COMPLEMENTARY, SMALL_GROUP, GROUP_NOT_REPORTED)
    with pytest.raises(ValueError, match="unknown suppression reason 'tiny'"):
        suppression_text("tiny", K)


def test_shown_values_format_numbers_as_people_read_them() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 1234, "man": 4}, total=1250),
        row("women_share_workforce", "total", "total", 98.7),  # the women's cell is hidden
        row("women_share_workforce", "total", "total", 45.3, pid="p2"),
        breakdown("workforce_headcount", "gender", {"woman": 453, "man": 547}, pid="p2"),
        row("women_share_workforce", "total", "total", 45.3, pid="p3"),
        row("learning_hours", "total", "total", 12500),
    )
    texts = list(shown_values(suppress(rows, K), K))
    assert texts == [
        "1,250",
        "suppressed",
        "fewer than 10",
        "suppressed (small group)",
        "45.3%",
        "1,000",
        "453",
        "547",
        "suppressed (group size not reported)",
        "12,500 h",
    ]
    # rows not yet suppressed are suppressed first, never shown raw
    assert list(shown_values(rows, K)) == texts


# --- rule 2: complementary within a dimension ---------------------------------------------------------------------


def test_a_single_small_count_takes_the_next_smallest_category_with_it() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 3, "man": 40, "non_binary": 12, "undisclosed": 15})
    )
    assert status(suppress(rows, K), "workforce_headcount", "gender") == {
        "woman": SMALL_COUNT,
        "man": "",
        "non_binary": COMPLEMENTARY,
        "undisclosed": "",
    }
    assert attack(naive(rows, K), rows).shape[0] == 1  # woman = total - the others
    assert attack(suppress(rows, K), rows).empty


def test_ties_go_to_the_first_category_code() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 3, "undisclosed": 12, "non_binary": 12})
    )
    assert status(suppress(rows, K), "workforce_headcount", "gender")["non_binary"] == COMPLEMENTARY
    assert status(suppress(rows, K), "workforce_headcount", "gender")["undisclosed"] == ""


def test_complement_without_a_total_row_and_only_for_people() -> None:
    rows = frame(
        breakdown("workforce_headcount", "age_band", {"under_30": 4, "30_50": 50, "over_50": 20}, total=False),
        breakdown("learning_hours", "gender", {"woman": 3, "man": 40}),
    )
    result = suppress(rows, K)
    assert status(result, "workforce_headcount", "age_band") == {
        "under_30": SMALL_COUNT,
        "30_50": "",
        "over_50": COMPLEMENTARY,
    }
    assert set(status(result, "learning_hours", "gender").values()) == {""}


def test_two_small_counts_need_no_complement() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 3, "man": 40, "non_binary": 2, "undisclosed": 15})
    )
    assert status(suppress(rows, K), "workforce_headcount", "gender") == {
        "woman": SMALL_COUNT,
        "man": "",
        "non_binary": SMALL_COUNT,
        "undisclosed": "",
    }
    assert attack(suppress(rows, K), rows).empty


def test_a_lone_category_has_nothing_to_hide_with() -> None:
    rows = frame(breakdown("workforce_headcount", "gender", {"woman": 3}, total=20))
    assert status(suppress(rows, K), "workforce_headcount", "gender") == {"woman": SMALL_COUNT}


# --- rule 3: complementary across quarters ------------------------------------------------------------------------


def quarters(indicator_id: str, category: str, values: list[float], **where) -> list[dict]:
    return [row(indicator_id, "gender", category, value, quarter=q, **where) for q, value in enumerate(values, 1)] + [
        row(indicator_id, "total", "total", value + 100, quarter=q, **where) for q, value in enumerate(values, 1)
    ]


def test_a_single_small_quarter_of_a_flow_takes_another_quarter_with_it() -> None:
    rows = frame(quarters("new_hires", "woman", [3, 20, 15, 30]))
    result = suppress(rows, K)
    woman = result[result["dimension"] == "gender"]
    assert dict(zip(woman["quarter"], woman["suppression"], strict=True)) == {
        1: SMALL_COUNT,
        2: "",
        3: COMPLEMENTARY,
        4: "",
    }
    assert (result.loc[result["dimension"] == "total", "suppression"] == "").all()
    # the annual-sum attack: 68 women hired in the year, 20 + 30 shown -> Q1 + Q3 = 18, either could be anything
    lone = rows[rows["dimension"] == "gender"]  # no total: only the year equation can help
    assert attack(naive(lone, K), lone)["quarter"].tolist() == [1]
    assert attack(suppress(lone, K), lone).empty


def test_stocks_have_no_quarter_complement() -> None:
    rows = frame(quarters("workforce_headcount", "woman", [3, 20, 15, 30]))
    woman = suppress(rows, K).query("dimension == 'gender'")
    assert woman["suppression"].tolist() == [SMALL_COUNT, "", "", ""]


def test_quarter_complements_and_dimension_complements_reach_a_fixed_point() -> None:
    # Q1: women 3 -> men Q1 hidden beside them. Across quarters women Q2 (30) and men Q3 (55) go too; each leaves its
    # quarter with one hidden cell, so men Q2 and women Q3 follow: a second round of rule 2.
    values = {
        1: {"woman": 3, "man": 50},
        2: {"woman": 30, "man": 60},
        3: {"woman": 40, "man": 55},
        4: {"woman": 45, "man": 70},
    }
    rows = frame(*[breakdown("new_hires", "gender", cells, quarter=q) for q, cells in values.items()])
    result = suppress(rows, K)
    gender = result[result["dimension"] == "gender"]
    assert by(gender, "quarter", "category") == {
        (1, "woman"): SMALL_COUNT,
        (1, "man"): COMPLEMENTARY,
        (2, "woman"): COMPLEMENTARY,
        (2, "man"): COMPLEMENTARY,
        (3, "woman"): COMPLEMENTARY,
        (3, "man"): COMPLEMENTARY,
        (4, "woman"): "",
        (4, "man"): "",
    }
    assert attack(suppress(rows, K), rows).empty
    # one round only (rules 2 and 3 once) would leave men Q2 and women Q3 shown, and women Q1 recoverable
    one_round = result.copy()
    for q, c in ((2, "man"), (3, "woman")):
        one_round.loc[(one_round["quarter"] == q) & (one_round["category"] == c), "suppression"] = ""
    assert not attack(one_round, rows).empty


# --- rule 5: derived values ---------------------------------------------------------------------------------------


def test_a_rate_whose_numerator_is_hidden_is_hidden() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 50, "man": 50}),
        breakdown("departures", "gender", {"woman": 3, "man": 12}),
        breakdown("turnover_rate", "gender", {"woman": 6.0, "man": 24.0}, total=15.0),
    )
    result = suppress(rows, K)
    assert status(result, "departures", "gender") == {"woman": SMALL_COUNT, "man": COMPLEMENTARY}
    assert status(result, "turnover_rate", "gender") == {"woman": SMALL_GROUP, "man": SMALL_GROUP}
    assert status(result, "turnover_rate", "total") == {"total": ""}
    assert not attack(naive(rows, K), rows).empty
    assert attack(result, rows).empty


def test_shares_implying_fewer_than_k_people_inside_or_outside_the_group_are_hidden() -> None:
    headcount = breakdown("workforce_headcount", "employment_type", {"direct": 100, "subcontractor": 100})
    rows = frame(
        headcount,
        row("living_wage_share", "total", "total", 50.0),
        row("living_wage_share", "employment_type", "direct", 3.0),  # 3 people earn a living wage
        row("living_wage_share", "employment_type", "subcontractor", 95.0),  # 5 people do not
    )
    result = suppress(rows, K)
    assert status(result, "living_wage_share", "employment_type") == {
        "direct": SMALL_GROUP,
        "subcontractor": SMALL_GROUP,
    }
    assert status(result, "living_wage_share", "total") == {"total": ""}
    rows.loc[rows["category"] == "subcontractor", "value"] = [100, 90.0]  # 10 people outside: shown
    assert status(suppress(rows, K), "living_wage_share", "employment_type")["subcontractor"] == ""


def test_share_of_a_hidden_group_is_hidden() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 60, "non_binary": 4}),
        breakdown("workforce_headcount", "employment_type", {"direct": 54, "subcontractor": 50}, total=False),
        breakdown("women_share_workforce", "employment_type", {"direct": 50.0, "subcontractor": 26.0}, total=38.5),
        breakdown("women_share_workforce", "employment_type", {"direct": 40.0}, total=40.0, pid="p2"),
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 60}, pid="p2"),
        breakdown("workforce_headcount", "employment_type", {"direct": 100}, total=False, pid="p2"),
    )
    result = suppress(rows, K)
    # women (40) are the complement of 4 non-binary people: their share would give them away, in total and summed
    # over employment types (27 + 13 = 40)
    assert status(result, "workforce_headcount", "gender", partnership_id="p1")["woman"] == COMPLEMENTARY
    assert status(result, "women_share_workforce", "total", partnership_id="p1") == {"total": SMALL_GROUP}
    assert set(status(result, "women_share_workforce", "employment_type", partnership_id="p1").values()) == {
        SMALL_GROUP
    }
    assert status(result, "women_share_workforce", "total", partnership_id="p2") == {"total": ""}
    assert status(result, "women_share_workforce", "employment_type", partnership_id="p2") == {"direct": ""}
    naive_public = suppress(rows, K)
    naive_public.loc[naive_public["indicator_id"] == "women_share_workforce", "suppression"] = ""
    assert not attack(naive_public, rows).empty
    assert attack(result, rows).empty


def test_pay_ratios_need_k_people_in_each_group() -> None:
    rows = frame(
        row("gender_pay_ratio", "total", "total", 0.92, pid="eight_men"),
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 8, "undisclosed": 2}, pid="eight_men"),
        row("gender_pay_ratio", "total", "total", 0.95, pid="hidden_men"),
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 12, "non_binary": 3}, pid="hidden_men"),
        row("gender_pay_ratio", "total", "total", 0.97, pid="fine"),
        row("gender_pay_ratio", "employment_type", "direct", 0.96, pid="fine"),
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 12}, pid="fine"),
        breakdown("workforce_headcount", "employment_type", {"direct": 52}, total=False, pid="fine"),
        row("gender_pay_ratio", "total", "total", 0.9, pid="no_men_row"),
        breakdown("workforce_headcount", "gender", {"woman": 40}, pid="no_men_row"),
    )
    result = suppress(rows, K)
    ratio = result[result["indicator_id"] == "gender_pay_ratio"]
    assert by(ratio, "partnership_id", "dimension") == {
        ("eight_men", "total"): SMALL_GROUP,
        ("hidden_men", "total"): SMALL_GROUP,  # 12 men, but their cell hides 3 non-binary people
        ("fine", "total"): "",
        ("fine", "employment_type"): GROUP_NOT_REPORTED,  # no women x direct cross-tabulation
        ("no_men_row", "total"): GROUP_NOT_REPORTED,
    }


def test_population_small_hidden_missing_or_not_reported() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 40, "man": 30, "non_binary": 4, "undisclosed": 12}),
        breakdown("employee_training_hours_avg", "gender", {"woman": 20.0, "man": 21.0, "non_binary": 18.0}, total=20),
        row("employee_training_hours_avg", "gender", "undisclosed", 19.0),
        row("entry_wage_to_min_wage", "total", "total", 1.4),  # population present (total 86)
        row("women_share_workforce", "total", "total", 50.0, pid="no_headcount"),
        breakdown("women_share_management", "age_band", {"under_30": 40.0, "30_50": 45.0}, total=44.0),
    )
    result = suppress(rows, K)
    assert status(result, "employee_training_hours_avg", "gender") == {
        "woman": "",
        "man": "",
        "non_binary": SMALL_GROUP,  # 4 people
        "undisclosed": SMALL_GROUP,  # 12 people, but hidden beside the 4
    }
    assert status(result, "employee_training_hours_avg", "total") == {"total": ""}
    assert status(result, "entry_wage_to_min_wage", "total") == {"total": ""}
    assert status(result, "women_share_workforce", "total") == {"total": GROUP_NOT_REPORTED}
    assert status(result, "women_share_management", "age_band") == {
        "under_30": GROUP_NOT_REPORTED,
        "30_50": GROUP_NOT_REPORTED,
    }
    assert status(result, "women_share_management", "total") == {"total": ""}


def test_populations_cross_datasets_and_stay_within_partnership_and_quarter() -> None:
    rows = frame(
        breakdown("students_reached", "gender", {"woman": 300, "man": 280}, quarter=1),
        breakdown("students_reached", "gender", {"woman": 300, "man": 5}, year=2025),
        breakdown("completion_rate", "gender", {"woman": 80.0, "man": 75.0}, total=78.0, quarter=1),
        breakdown("completion_rate", "gender", {"woman": 80.0, "man": 75.0}, total=78.0, year=2025),
        breakdown("completion_rate", "gender", {"woman": 80.0}, total=78.0, quarter=1, pid="p2"),
    )
    result = suppress(rows, K)
    assert status(result, "completion_rate", "gender", year=2024, partnership_id="p1") == {"woman": "", "man": ""}
    assert status(result, "completion_rate", "gender", year=2025) == {"woman": SMALL_GROUP, "man": SMALL_GROUP}
    assert status(result, "completion_rate", "gender", partnership_id="p2") == {"woman": GROUP_NOT_REPORTED}


def test_indicators_without_disclosure_and_unknown_ones_are_untouched() -> None:
    rows = frame(
        breakdown("learning_hours", "gender", {"woman": 3, "man": 400}),
        breakdown("diverse_owned_supplier_spend", "gender", {"woman": 2, "man": 5000}),
        row("schools_reached", "disadvantaged_status", "disadvantaged", 2),
        row("sites_with_engagement_share", "total", "total", 4.0),
        row("mystery_indicator", "gender", "woman", 1),
    )
    result = suppress(rows, K)
    assert (result["suppression"] == "").all()
    pd.testing.assert_series_equal(result["value"], rows["value"].astype(float))


# --- frames as callers pass them --------------------------------------------------------------------------------


def test_input_is_not_mutated_and_index_order_and_columns_are_kept() -> None:
    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 3, "man": 40, "non_binary": 12}),
        breakdown("new_hires", "gender", {"woman": 20, "man": 2}),
    )
    rows["source"] = [f"s{i}" for i in range(len(rows))]
    rows = rows.sample(frac=1, random_state=3)
    rows.index = [f"r{i}" for i in range(len(rows))][::-1]
    before = rows.copy(deep=True)
    result = suppress(rows, K)
    pd.testing.assert_frame_equal(rows, before)
    assert list(result.index) == list(rows.index)
    assert list(result.columns) == [*rows.columns, "suppression"]
    assert list(result["source"]) == list(rows["source"])
    women = rows["category"] == "woman"
    assert result.loc[women, "suppression"].tolist() == [
        SMALL_COUNT if ind == "workforce_headcount" else COMPLEMENTARY for ind in rows.loc[women, "indicator_id"]
    ]


def test_empty_frames_nan_values_and_string_dtypes() -> None:
    empty = frame(breakdown("workforce_headcount", "gender", {"woman": 3})).iloc[0:0]
    result = suppress(empty, K)
    assert result.empty and "suppression" in result
    assert "suppression" in suppress(pd.DataFrame(), K)
    assert shown_values(result, K).empty and public_marker(empty, K).empty

    rows = frame(
        breakdown("workforce_headcount", "gender", {"woman": 3, "man": np.nan, "non_binary": 40, "undisclosed": 20}),
    )
    result = suppress(rows, K)
    assert status(result, "workforce_headcount", "gender") == {
        "woman": SMALL_COUNT,
        "man": "",  # a missing value stays missing, never picked as a complement
        "non_binary": "",
        "undisclosed": COMPLEMENTARY,
    }
    strings = rows.astype({c: "string" for c in ("partnership_id", "indicator_id", "dimension", "category", "note")})
    categorical = rows.astype(
        {c: "category" for c in ("partnership_id", "indicator_id", "dimension", "category", "note")}
    )
    for variant in (strings, categorical):
        assert suppress(variant, K)["suppression"].tolist() == result["suppression"].tolist()
    assert str(result["suppression"].dtype) in ("str", "string", "object")


def test_public_marker_marks_true_values_the_public_does_not_see() -> None:
    rows = frame(breakdown("workforce_headcount", "gender", {"woman": 3, "man": 40, "non_binary": 12}))
    rows.index = [10, 11, 12, 13]
    marker = public_marker(rows, K)
    assert list(marker.index) == [10, 11, 12, 13]
    assert marker.tolist() == ["", "fewer than 10", "", "suppressed"]


# --- annual points --------------------------------------------------------------------------------------------------


def points(values: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"year": list(values), "value": list(values.values())})


def test_annual_totals_and_indicators_without_disclosure_are_unchanged() -> None:
    for indicator_id, dimension in (("new_hires", "total"), ("learning_hours", "gender")):
        safe = suppress_annual(points({2023: 3.0, 2024: 30.0}), indicator_id, dimension, K)
        assert safe["suppression"].tolist() == ["", ""] and safe["value"].tolist() == [3.0, 30.0]


def test_annual_people_counts_below_k_are_hidden() -> None:
    safe = suppress_annual(points({2023: 3.0, 2024: 30.0, 2025: -4.0}), "net_jobs_created_supported", "gender", K)
    assert safe["suppression"].tolist() == [SMALL_COUNT, "", SMALL_COUNT]
    assert safe["value"].isna().tolist() == [True, False, True]


def test_the_year_end_value_of_a_stock_follows_its_last_quarter() -> None:
    quarterly = frame(
        *[breakdown("workforce_headcount", "gender", {"woman": 40, "man": 3 if q == 4 else 30, "non_binary": 12},
                    year=2024, quarter=q) for q in (1, 2, 3, 4)],
        *[breakdown("workforce_headcount", "gender", {"woman": 40, "man": 30, "non_binary": 12},
                    year=2025, quarter=q) for q in (1, 2, 3, 4)],
    )  # fmt: skip
    safe = suppress_annual(points({2024: 12.0, 2025: 12.0}), "workforce_headcount", "gender", K, quarterly,
                           partnership_id="p1", category="non_binary")  # fmt: skip
    # 2024 Q4: 3 men -> 12 non-binary hidden beside them; the annual value is that very cell
    assert safe["suppression"].tolist() == [COMPLEMENTARY, ""]


def test_annual_derived_values_follow_their_quarters() -> None:
    def quarter_rows(year: int, q: int, men: int) -> list[dict]:
        return breakdown("workforce_headcount", "gender", {"woman": 40, "man": men}, year=year, quarter=q) + breakdown(
            "living_wage_share", "gender", {"woman": 60.0, "man": 50.0}, total=55.0, year=year, quarter=q
        )

    quarterly = frame(*[quarter_rows(2024, q, 8 if q == 2 else 30) for q in (1, 2, 3, 4)])
    quarterly = pd.concat([quarterly, frame(*[quarter_rows(2025, q, 30) for q in (1, 2, 3, 4)])], ignore_index=True)
    annual = points({2024: 50.0, 2025: 50.0, 2026: 50.0})
    safe = suppress_annual(annual, "living_wage_share", "gender", K, quarterly, partnership_id="p1", category="man")
    assert safe["suppression"].tolist() == [SMALL_GROUP, "", GROUP_NOT_REPORTED]  # no quarter of 2026 to check
    assert safe["value"].isna().tolist() == [True, False, True]
    without = suppress_annual(annual, "living_wage_share", "gender", K)
    assert set(without["suppression"]) == {GROUP_NOT_REPORTED}
    total = suppress_annual(annual, "living_wage_share", "total", K, quarterly, partnership_id="p1")
    assert total["suppression"].tolist() == ["", "", ""]
    unreported = suppress_annual(annual, "women_share_governance", "age_band", K, quarterly, category="under_30")
    assert set(unreported["suppression"]) == {GROUP_NOT_REPORTED}
    with_columns = annual.assign(partnership_id="p1", category="man")
    assert suppress_annual(with_columns, "living_wage_share", "gender", K, quarterly)["suppression"].tolist() == [
        SMALL_GROUP,
        "",
        GROUP_NOT_REPORTED,
    ]


# --- the sample data ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = sample_rows()
    started = time.perf_counter()
    public = suppress(rows, K)
    print(f"suppress() on {len(rows):,} sample rows: {time.perf_counter() - started:.3f} s")
    return rows, public


def test_sample_shows_no_people_breakdown_below_k(sample) -> None:
    rows, public = sample
    people = public["indicator_id"].isin(PEOPLE) & (public["dimension"] != "total")
    shown = public[people & (public["suppression"] == "")]
    assert (shown["value"].abs() >= K).all()
    assert (public.loc[public["suppression"] != "", "value"].isna()).all()
    assert (public.loc[public["dimension"] == "total"].query("indicator_id in @PEOPLE")["suppression"] == "").all()
    counts = public["suppression"].value_counts()
    assert set(counts.index) == {"", *REASONS}


def test_the_attacker_recovers_nothing_from_the_sample(sample) -> None:
    rows, public = sample
    assert attack(public, rows).empty


def test_the_attacker_does_recover_from_a_naive_suppression_of_the_sample(sample) -> None:
    rows, _ = sample
    recovered = attack(naive(rows, K), rows, derived=False)
    assert len(recovered) > 100
    assert (recovered["value"].abs() < K).any()


def test_suppress_is_deterministic_and_fast_enough_to_run_on_every_render(sample) -> None:
    rows, public = sample
    started = time.perf_counter()
    again = suppress(rows.iloc[::-1], K).loc[rows.index]
    print(f"again in reverse order: {time.perf_counter() - started:.3f} s")
    pd.testing.assert_series_equal(again["suppression"], public["suppression"])
