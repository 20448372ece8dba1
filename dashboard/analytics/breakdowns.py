"""Breakdowns: an indicator's values by the categories of one dimension (gender, age band, ...), categories in
the vocabulary's order (so colours and legends stay the same everywhere)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard.analytics.metrics import total_rows
from data_contracts import DIMENSIONS
from data_contracts.quarters import Quarter, quarter_numbers, quarters_of_numbers

BREAKDOWN_COLUMNS = ["period", "period_start", "year", "quarter", "category", "category_label", "value"]


def breakdown_rows(rows: pd.DataFrame, indicator_id: str, dimension: str) -> pd.DataFrame:
    """Quarterly values of one indicator by the categories of ``dimension`` (one partnership's rows).

    Columns :data:`BREAKDOWN_COLUMNS`; categories in vocabulary order (unknown ones after), then oldest quarter first.
    """
    part = rows[(rows["indicator_id"] == indicator_id) & (rows["dimension"] == dimension)]
    if part.empty:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    vocabulary = DIMENSIONS.get(dimension)
    order = {code: position for position, code in enumerate(vocabulary.categories if vocabulary else ())}
    result = pd.DataFrame(
        {
            "year": part["year"].astype("int64").to_numpy(),
            "quarter": part["quarter"].astype("int64").to_numpy(),
            "category": part["category"].astype(str).to_numpy(),
            "value": part["value"].astype("float64").to_numpy(),
        }
    )
    result["category_label"] = [vocabulary.category_label(c) if vocabulary else c for c in result["category"]]
    result["period"] = [Quarter(y, q).label for y, q in zip(result["year"], result["quarter"], strict=True)]
    result["period_start"] = [Quarter(y, q).start for y, q in zip(result["year"], result["quarter"], strict=True)]
    result["_order"] = [order.get(c, len(order)) for c in result["category"]]
    result = result.sort_values(["_order", "category", "year", "quarter"], kind="stable", ignore_index=True)
    return result[BREAKDOWN_COLUMNS]


PARTNERSHIP_BREAKDOWN_COLUMNS = ["period", "period_start", "category", "category_label", "value"]


def partnership_breakdown(frame: pd.DataFrame, indicator_id: str, dimension: str, partnership_id: str) -> pd.DataFrame:
    """One partnership's :func:`breakdown_rows` among every partnership's rows: period, period_start, category,
    category_label, value (the columns the explorer's chart and table need)."""
    mine = frame[frame["partnership_id"] == partnership_id]
    return breakdown_rows(mine, indicator_id, dimension)[PARTNERSHIP_BREAKDOWN_COLUMNS]


def partnerships_with_breakdown(
    frame: pd.DataFrame, indicator_id: str, dimension: str, partnerships: pd.DataFrame
) -> list[str]:
    """Ids of the partnerships that report the indicator by this dimension, in name order."""
    rows = frame[(frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension)]
    ids = set(rows["partnership_id"].astype(str))
    ordered = partnerships.sort_values("name")
    return [pid for pid in ordered["partnership_id"].astype(str) if pid in ids]


def latest_breakdown(
    frame: pd.DataFrame, indicator_id: str, dimension: str, partnerships: pd.DataFrame
) -> pd.DataFrame:
    """Each partnership's latest quarter reported by a dimension: Partnership, Quarter, Total and one column per
    category (vocabulary order, labels as headers). Numbers stay numbers; a category not reported is missing."""
    found = DIMENSIONS.get(dimension)
    labels = dict(found.categories) if found else {}
    rows = frame[(frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension)]
    totals = total_rows(frame)
    totals = totals[totals["indicator_id"] == indicator_id]
    names = partnerships.set_index("partnership_id")["name"].astype(str).to_dict()
    columns = ["Partnership", "Quarter", "Total", *labels.values()]
    if rows.empty:
        table = pd.DataFrame([], columns=columns)
    else:  # every partnership at once: its latest quarter, that quarter's total and categories
        keyed = _keyed(rows).assign(category=rows["category"].astype(str).to_numpy(dtype=object))
        order = pd.unique(keyed["pid"])  # first appearance, as the rows were gathered
        latest = keyed.groupby("pid", sort=False)["period"].max().loc[order]
        chosen = keyed[keyed["period"].to_numpy() == keyed["pid"].map(latest).to_numpy()]
        # of a category given twice in that quarter, the later row counts (as a dict of categories keeps)
        by_category = chosen.drop_duplicates(["pid", "category"], keep="last").pivot(
            index="pid", columns="category", values="value"
        )
        total_keyed = _keyed(totals).drop_duplicates(["pid", "period"], keep="first").set_index(["pid", "period"])
        total = total_keyed["value"].reindex(pd.MultiIndex.from_arrays([latest.index, latest.to_numpy()]))
        year, quarter = quarters_of_numbers(latest.to_numpy())
        quarters = {(int(y), int(q)) for y, q in zip(year, quarter, strict=True)}
        label_of = {period: Quarter(*period).label for period in quarters}
        data: dict[str, object] = {
            "Partnership": [names.get(str(p), str(p)) for p in order],
            "Quarter": [label_of[(int(y), int(q))] for y, q in zip(year, quarter, strict=True)],
            "Total": total.to_numpy(dtype=float),
        }
        for code, label in labels.items():
            data[label] = (
                by_category[code].reindex(order).to_numpy(dtype=float)
                if code in by_category.columns
                else np.full(len(order), math.nan)
            )
        table = pd.DataFrame(data, columns=columns)
    present = [label for code, label in labels.items() if table[label].notna().any()]
    return table[["Partnership", "Quarter", "Total", *present]].sort_values("Partnership", ignore_index=True)


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    """Partnership id (text), quarter as one number (:func:`~data_contracts.quarters.quarter_numbers`) and value of
    indicator rows."""
    return pd.DataFrame(
        {
            "pid": rows["partnership_id"].astype(str).to_numpy(dtype=object),
            "period": quarter_numbers(rows["year"], rows["quarter"]),
            "value": rows["value"].to_numpy(dtype=float),
        }
    )
