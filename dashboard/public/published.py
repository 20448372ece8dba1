"""What the public may see: published rows of public partnerships with small counts suppressed, when each
partnership's figures were last updated, and downloads of exactly what is shown with a licence and citation.

Everything the portal and the embeds show goes through :func:`public_rows`: the published layer only, public
partnerships only, and :func:`dashboard.public.suppression.suppress` applied before anything is computed from it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from dashboard.analytics.goals import evaluate_goals, goal_points
from dashboard.present.exports import csv_bytes, neutralise_formulas
from dashboard.present.indicator_texts import formula_in_words
from dashboard.public.suppression import shown_values, suppress, suppress_annual, suppression_text
from data_contracts import DATASET_INFO, DATASETS, DIMENSIONS, INDICATORS
from data_contracts.quarters import Quarter

PUBLIC = "public"
PUBLISH_ACTIONS = ("publish", "unpublish")
PRODUCT = "Partnership Impact Dashboard"

DOWNLOAD_COLUMNS = [
    "partnership_id",
    "partnership",
    "dataset",
    "indicator_id",
    "indicator",
    "unit",
    "year",
    "quarter",
    "period",
    "dimension",
    "category",
    "value",
    "value_shown",
    "suppression",
    "note",
]
"""Columns of every public download, in this order: one row per published observation, suppressed values blank with
the reason in ``value_shown`` and ``suppression``."""


def public_partnerships(partnerships: pd.DataFrame) -> pd.DataFrame:
    """The partnerships whose figures the public may see (visibility ``public``), sorted by name."""
    shown = partnerships[partnerships["visibility"] == PUBLIC]
    return shown.sort_values("name", ignore_index=True)


def dataset_of(indicator_ids: pd.Series) -> pd.Series:
    """The catalog dataset of each indicator id (blank for ids not in the catalog)."""
    lookup = {indicator_id: indicator.dataset for indicator_id, indicator in INDICATORS.items()}
    return indicator_ids.map(lookup).fillna("").astype(str)


def public_rows(published: pd.DataFrame, partnerships: pd.DataFrame, k: int) -> pd.DataFrame:
    """Published rows of public partnerships, suppressed for the public (see :mod:`dashboard.public.suppression`).

    ``published`` holds rows of every dataset of the published layer. Private partnerships, and ids missing from the
    partnerships table, are dropped before anything else happens."""
    visible = set(public_partnerships(partnerships)["partnership_id"])
    rows = published[published["partnership_id"].isin(visible)].reset_index(drop=True)
    return suppress(rows, k)


def split_by_dataset(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows of several datasets as one frame per dataset (every dataset present, possibly empty)."""
    datasets = dataset_of(rows["indicator_id"])
    return {dataset: rows[datasets == dataset].reset_index(drop=True) for dataset in DATASETS}


def last_updated(audit: pd.DataFrame, partnership_ids: Iterable[str]) -> dict[str, datetime | None]:
    """When each partnership's published figures last changed: the latest accepted publish or withdrawal that
    touched one of its quarters (None when the audit has none)."""
    wanted = set(partnership_ids)
    latest: dict[str, datetime | None] = dict.fromkeys(wanted)
    if audit.empty:
        return latest
    events = audit[
        audit["action"].isin(PUBLISH_ACTIONS)
        & (audit["outcome"] == "accepted")
        & audit["table"].fillna("").str.startswith("published/")
    ]
    for when, slices in zip(events["committed_at"], events["slices"], strict=True):
        try:
            touched = {str(text).rsplit(":", 1)[0] for text in json.loads(slices or "[]")}
        except (TypeError, ValueError):
            continue
        for partnership_id in touched & wanted:
            current = latest[partnership_id]
            stamp = pd.Timestamp(when).to_pydatetime()
            if current is None or stamp > current:
                latest[partnership_id] = stamp
    return latest


def updated_text(when: datetime | None) -> str:
    """A last-updated date for people: "27 November 2026", or "not recorded"."""
    return "not recorded" if when is None else f"{when:%-d %B %Y}"


def download_frame(rows: pd.DataFrame, partnerships: pd.DataFrame, k: int) -> pd.DataFrame:
    """Suppressed public rows (:func:`public_rows`) as a download: readable names beside the codes, the value shown
    to the public (blank when suppressed) and the reason, in :data:`DOWNLOAD_COLUMNS` order."""
    names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
    frame = rows.copy()
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in DOWNLOAD_COLUMNS})
    frame["partnership"] = frame["partnership_id"].map(names)
    frame["dataset"] = dataset_of(frame["indicator_id"])
    frame["indicator"] = frame["indicator_id"].map({i: ind.name for i, ind in INDICATORS.items()})
    frame["unit"] = frame["indicator_id"].map({i: ind.unit_label for i, ind in INDICATORS.items()})
    frame["period"] = [Quarter(int(y), int(q)).label for y, q in zip(frame["year"], frame["quarter"], strict=True)]
    frame["value_shown"] = shown_values(frame, k)
    frame["suppression"] = frame["suppression"].map(lambda reason: suppression_text(str(reason), k))
    if "note" not in frame:
        frame["note"] = ""
    frame["note"] = frame["note"].fillna("").astype(str)
    frame = frame.sort_values(["partnership", "dataset", "indicator_id", "year", "quarter", "dimension", "category"])
    return frame[DOWNLOAD_COLUMNS].reset_index(drop=True)


def citation(
    names: Iterable[str], *, published: datetime | None, retrieved: date, url: str | None, licence: str
) -> str:
    """The line people cite the figures with: who, what, as of when, where from, under which licence."""
    who = ", ".join(names) or "all public partnerships"
    as_of = f"published figures as of {published:%-d %B %Y}" if published else "published figures"
    where = f" {url}" if url else ""
    return (
        f"{PRODUCT}: {who}, {as_of}. Retrieved {retrieved:%-d %B %Y} from{where or ' the transparency portal'}. "
        f"Licence: {licence}."
    )


def about_frame(citation_line: str, licence: str, k: int, *, sample: bool) -> pd.DataFrame:
    """The "About" sheet of an Excel download: licence, citation, suppression rule and column meanings."""
    lines = [
        ("Licence", licence),
        ("Citation", citation_line),
        (
            "Privacy",
            f"Breakdown counts of people below {k} read '{suppression_text('small_count', k)}'; other cells are "
            "suppressed where a hidden count could be recovered by subtraction, and percentages or ratios computed "
            "from small groups are suppressed too. Suppressed values are blank in the value column.",
        ),
        ("Columns", ", ".join(DOWNLOAD_COLUMNS)),
    ]
    if sample:
        lines.append(("Data", "Synthetic sample data: invented figures for demonstration."))
    return pd.DataFrame(lines, columns=["Item", "Text"])


def download_bytes(frame: pd.DataFrame, fmt: str, *, about: pd.DataFrame) -> bytes:
    """A public download in ``csv``, ``xlsx`` (data sheet plus an About sheet) or ``parquet`` (licence and citation
    in the file's metadata). Text cells that a spreadsheet would run as a formula are neutralised."""
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            neutralise_formulas(frame).to_excel(writer, sheet_name="data", index=False)
            neutralise_formulas(about).to_excel(writer, sheet_name="About", index=False)
        return buffer.getvalue()
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        metadata = dict(table.schema.metadata or {})
        for item, text in zip(about["Item"], about["Text"], strict=True):
            metadata[f"impact.{str(item).lower()}".encode()] = str(text).encode()
        buffer = io.BytesIO()
        pq.write_table(table.replace_schema_metadata(metadata), buffer)
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}; expected csv, xlsx or parquet")


DOWNLOAD_FORMATS: Mapping[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
}
"""Format code → (label, MIME type) of the public downloads."""


def category_text(dimension: str, category: str) -> str:
    """ "Women (gender)" for a breakdown, "Total" for the headline."""
    if dimension == "total":
        return "Total"
    info = DIMENSIONS.get(dimension)
    if info is None:
        return f"{category} ({dimension})"
    return f"{info.categories.get(category, category)} ({info.label.lower()})"


@dataclass(frozen=True)
class PublicGoal:
    """A goal of a public partnership as the public may see it: its evaluated row (status from the true published
    values) and its annual points made safe (columns year, value, suppression; hidden values are NaN)."""

    row: Mapping[str, object]
    points: pd.DataFrame


def public_goals(
    goals: pd.DataFrame,
    published: pd.DataFrame,
    partnerships: pd.DataFrame,
    k: int,
    *,
    evaluated: pd.DataFrame | None = None,
) -> list[PublicGoal]:
    """Goals of public partnerships evaluated on the published layer, with their annual points suppressed where a
    small group could be seen (:func:`dashboard.public.suppression.suppress_annual`). ``published`` holds true rows.

    ``evaluated`` is ``goals.evaluate_goals`` of exactly these goals of public partnerships (in order) when the
    caller has it already; a goal's status and points depend only on its own partnership's rows."""
    visible = set(public_partnerships(partnerships)["partnership_id"])
    mine = goals[goals["partnership_id"].isin(visible)]
    rows = published[published["partnership_id"].isin(visible)]
    if mine.empty:
        return []
    if evaluated is None:
        evaluated = evaluate_goals(mine, rows)
    by_partnership = dict(tuple(rows.groupby("partnership_id", sort=False))) if not rows.empty else {}
    empty = rows.iloc[:0]
    result = []
    for goal, row in zip(mine.itertuples(index=False), evaluated.to_dict("records"), strict=True):
        quarterly = by_partnership.get(goal.partnership_id, empty)
        points = goal_points(pd.Series(goal._asdict()), quarterly)
        safe = suppress_annual(
            points,
            goal.indicator_id,
            goal.dimension,
            k,
            quarterly,
            partnership_id=goal.partnership_id,
            category=goal.category,
        )
        result.append(PublicGoal(row=row, points=safe))
    return result


def indicator_definitions() -> pd.DataFrame:
    """Every indicator of the catalog as the methodology page lists it: dataset, name, what it is in plain words
    (its formula, if it has one), unit, how quarters make a year, the breakdowns it may have, its framework
    references, and last the code that names it in the downloads."""
    rows = [
        {
            "Dataset": DATASET_INFO[indicator.dataset].name,
            "Indicator": indicator.short_name,
            "In words": formula_in_words(indicator),
            "Unit": indicator.unit_label,
            "Better when": "higher" if indicator.higher_is_better else "lower",
            "Year from quarters": indicator.year_rule_text,
            "Breakdowns": ", ".join(DIMENSIONS[d].label.lower() for d in indicator.breakdowns) or "none",
            "Definition": indicator.description,
            "Framework references": indicator.references_text,
            "Code in the downloads": indicator.id,
        }
        for indicator in INDICATORS.values()
    ]
    return pd.DataFrame(rows)


def suppression_rules(k: int) -> list[str]:
    """The privacy rule in plain words, one sentence per rule, for the methodology page and the docs."""
    return [
        f"Breakdown counts of people (by gender, age band, ethnicity, disadvantaged status or employment type) below "
        f"{k} are shown as \u201c{suppression_text('small_count', k)}\u201d. Totals are shown.",
        "Where one category of a breakdown is hidden, the next smallest is hidden too, so the hidden value cannot "
        "be worked out by subtracting the others from the total. The same holds across the quarters of a year, "
        "so a yearly sum cannot reveal a hidden quarter.",
        f"Percentages, rates, averages and pay ratios computed over fewer than {k} people, over a hidden count or "
        "over a group whose size is not reported are hidden as well; so are shares that imply fewer than "
        f"{k} people in a group or outside it.",
        "The store keeps the true values; hiding happens only on what the public sees, in charts, tables, downloads "
        "and embeds alike. Money, hours and counts of sites or organisations are not about individual people and "
        "are shown as reported.",
    ]


def public_table(rows: pd.DataFrame, dimension: str, k: int) -> pd.DataFrame:
    """Suppressed rows (:func:`dashboard.public.suppression.suppress`) of one indicator and one dimension as people read
    them: Quarter, then one column per category (vocabulary order) holding the value or why it is hidden."""
    part = rows[rows["dimension"] == dimension]
    if part.empty:
        return pd.DataFrame(columns=["Quarter"])
    vocabulary = DIMENSIONS.get(dimension)
    codes = [c for c in (vocabulary.categories if vocabulary else ()) if c in set(part["category"])]
    codes += sorted(set(part["category"]) - set(codes))
    labels = {code: vocabulary.category_label(code) if vocabulary else code for code in codes}
    part = part.assign(
        Quarter=[Quarter(int(y), int(q)).label for y, q in zip(part["year"], part["quarter"], strict=True)],
        _label=part["category"].map(labels),
        _text=shown_values(part, k),
    )
    wide = part.pivot_table(index=["year", "quarter", "Quarter"], columns="_label", values="_text", aggfunc="first")
    wide = wide.reindex(columns=[labels[code] for code in codes]).reset_index().drop(columns=["year", "quarter"])
    wide.columns.name = None
    return wide


def what_the_public_sees(rows: pd.DataFrame, indicator_id: str, dimension: str, k: int) -> tuple[pd.DataFrame, int]:
    """For staff looking at true values: the same quarters and categories of one indicator as the public would read
    them once published (:func:`public_table`), and how many of them are hidden.

    ``rows`` are one partnership's rows of every dataset (populations cross datasets)."""
    public = suppress(rows, k)
    part = public[(public["indicator_id"] == indicator_id) & (public["dimension"] == dimension)]
    return public_table(part, dimension, k), int((part["suppression"] != "").sum())
