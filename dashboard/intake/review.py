"""Review and publishing: what waits for a reviewer, and publishing, rejecting or withdrawing it. Pure functions over
the store (no streamlit), for the Review page and scripts.

A slice (one partnership's quarter of one dataset) is **pending** while its submitted rows differ from its published
rows: a new quarter, a corrected one, or one withdrawn from the public. Reviewers

- **publish** pending slices: the submitted rows replace the published ones in one transaction
  (:meth:`Store.publish`); with the four-eyes rule on, nobody publishes a slice they uploaded themselves;
- **reject** pending slices: the submitted rows go back to what is published, or are removed when nothing was
  published (:meth:`Store.revert_submitted`), with a reason;
- **unpublish** published slices: the public stops seeing them (:meth:`Store.unpublish`), with a reason; the
  submitted rows stay, so the slice is pending again (``first_time`` True, since nothing is published for it, and
  ``withdrawn`` True).

Every action is one Delta transaction on one table that carries its own audit record (action ``publish``,
``reject`` or ``unpublish``; the reason is the audit message). Anything refused
raises :class:`ReviewError` and writes nothing. Each action then does the same to the narratives and explanations of
the slices' partnership quarters, in a transaction of their own (:mod:`dashboard.intake.narratives`).

Each pending slice has a **fingerprint** (``fingerprint`` of :func:`pending_slices`: the SHA-256 of its canonical
submitted rows, :func:`dashboard.storage.slices.slice_fingerprints`). The Review page keeps the fingerprints of what
it showed and publishes (or rejects) with them, and the store refuses ("changed since you reviewed — review again")
when the rows it is about to copy have another: an upload made between the review and the click is never published
unseen.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from dashboard.intake.narratives import discard_quarter_texts, publish_quarter_texts, withdraw_quarter_texts
from dashboard.intake.upload_checks import missing_indicators, unassigned_people, value_jumps
from dashboard.intake.upload_preview import compare_rows
from dashboard.settings import UploadSettings
from dashboard.storage.layer_fingerprints import layer_fingerprints
from dashboard.storage.slices import Slice, slice_fingerprints
from dashboard.storage.store import CommitResult, Store, StoreError
from dashboard.storage.tables import Layer, indicator_table
from data_contracts import DATASETS, DIMENSIONS, INDICATORS, KEY_COLUMNS, SLICE_COLUMNS, TOTAL, Finding
from data_contracts.quarters import Quarter, quarter_numbers
from data_contracts.units import format_value

PENDING_COLUMNS: tuple[str, ...] = (
    "dataset",
    "partnership_id",
    "year",
    "quarter",
    "slice",
    "new",
    "changed",
    "removed",
    "unchanged",
    "first_time",
    "withdrawn",
    "warnings",
    "uploaded_by",
    "uploaded_at",
    "source_name",
    "commit_id",
    "fingerprint",
)
"""Columns of :func:`pending_slices`."""

DIFFERENCE_COLUMNS: tuple[str, ...] = (
    *KEY_COLUMNS,
    "value_published",
    "value_submitted",
    "note_published",
    "note_submitted",
    "status",
)
"""Columns of :func:`slice_differences`."""

STATUSES: tuple[str, ...] = ("new", "changed", "removed", "unchanged")
_SLICE_TEXT = r"^(?P<partnership_id>.+):(?P<year>\d{4})[Qq](?P<quarter>[1-4])$"


class ReviewError(RuntimeError):
    """A review action that cannot be done; the message says why. Nothing was written."""


# ---- reading ------------------------------------------------------------------------------------------------


def _empty_pending() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in PENDING_COLUMNS})
    return frame.astype(
        {
            "dataset": "string",
            "partnership_id": "string",
            "year": "int64",
            "quarter": "int64",
            "slice": "string",
            **{status: "int64" for status in STATUSES},
            "first_time": "bool",
            "withdrawn": "bool",
            "warnings": "int64",
            "uploaded_by": "string",
            "uploaded_at": "datetime64[us, UTC]",
            "source_name": "string",
            "commit_id": "string",
            "fingerprint": "string",
        }
    )


def _audit_by_slice(audit: pd.DataFrame) -> pd.DataFrame:
    """One row per (audit row, slice it names), with the slice split into partnership_id, year and quarter."""
    columns = [*SLICE_COLUMNS, *audit.columns]
    if audit.empty:
        keys = pd.DataFrame({"partnership_id": pd.Series(dtype="string"), "year": [], "quarter": []})
        return pd.concat([keys.astype({"year": "int64", "quarter": "int64"}), audit.iloc[0:0]], axis=1)[columns]
    named = audit.assign(slice_text=audit["slices"].fillna("[]").map(json.loads)).explode("slice_text")
    named = named.dropna(subset=["slice_text"])
    parts = named["slice_text"].astype("string").str.extract(_SLICE_TEXT)
    named = named.assign(
        partnership_id=parts["partnership_id"].astype("string"),
        year=pd.to_numeric(parts["year"]).astype("Int64"),
        quarter=pd.to_numeric(parts["quarter"]).astype("Int64"),
    ).dropna(subset=list(SLICE_COLUMNS))
    named = named.astype({"year": "int64", "quarter": "int64"})
    return named[columns]


def _latest(
    audit: pd.DataFrame, table: str, actions: Iterable[str] | None = None, *, exclude: Iterable[str] = ()
) -> pd.DataFrame:
    """The newest accepted audit row per slice among the rows of ``table`` (optionally only some actions)."""
    rows = audit[(audit["table"] == table) & (audit["outcome"] == "accepted")]
    if actions is not None:
        rows = rows[rows["action"].isin(list(actions))]
    rows = rows[~rows["action"].isin(list(exclude))]
    by_slice = _audit_by_slice(rows)
    return by_slice.sort_values("committed_at", kind="stable").drop_duplicates(list(SLICE_COLUMNS), keep="last")


def _warnings_by_slice(submitted: pd.DataFrame, keys: pd.DataFrame, change_factor: float) -> list[list[Finding]]:
    """The upload warnings (value jumps, indicators missing against the quarter before, unassigned people) of each
    slice in ``keys``, computed for all of them at once against the submitted layer; in the order of ``keys``."""
    numbered = keys[list(SLICE_COLUMNS)].reset_index(drop=True)
    numbered = numbered.assign(_ordinal=range(len(numbered)))
    incoming = submitted.merge(numbered, on=list(SLICE_COLUMNS), how="inner")
    # The checks report a finding against ``row_of[index]``; mapping every row to its slice's ordinal tells which
    # slice each finding belongs to.
    row_of = dict(enumerate(incoming.pop("_ordinal").tolist()))
    findings = [
        *value_jumps(incoming, submitted, change_factor, row_of),
        *missing_indicators(incoming, submitted, row_of),
        *unassigned_people(incoming, row_of),
    ]
    grouped: list[list[Finding]] = [[] for _ in range(len(numbered))]
    for finding in findings:
        if finding.row is not None:
            grouped[finding.row].append(dataclasses.replace(finding, row=None))
    return grouped


def _pending_of(
    dataset: str,
    submitted: pd.DataFrame,
    published: pd.DataFrame,
    audit_slices: dict[str, pd.DataFrame],
    change_factor: float,
) -> pd.DataFrame:
    if submitted.empty:
        return _empty_pending()
    compared = compare_rows(submitted, published)
    counts = (
        compared.groupby([*SLICE_COLUMNS, "status"])
        .size()
        .unstack("status", fill_value=0)
        .reindex(columns=list(STATUSES), fill_value=0)
        .reset_index()
    )
    counts.columns.name = None
    pending = counts[(counts["new"] + counts["changed"] + counts["removed"]) > 0]
    if pending.empty:
        return _empty_pending()
    published_keys = published[list(SLICE_COLUMNS)].drop_duplicates().assign(_published=True)
    pending = pending.merge(published_keys, on=list(SLICE_COLUMNS), how="left")
    pending["first_time"] = pending.pop("_published").isna()

    uploads = audit_slices["uploads"][[*SLICE_COLUMNS, "user", "committed_at", "source_name", "commit_id"]]
    pending = pending.merge(uploads, on=list(SLICE_COLUMNS), how="left").rename(
        columns={"user": "uploaded_by", "committed_at": "uploaded_at"}
    )
    releases = audit_slices["releases"][[*SLICE_COLUMNS, "action"]]
    pending = pending.merge(releases, on=list(SLICE_COLUMNS), how="left")
    pending["withdrawn"] = pending["first_time"] & (pending.pop("action") == "unpublish").fillna(False).astype(bool)

    warnings = _warnings_by_slice(submitted, pending, change_factor)
    pending["warnings"] = [len(found) for found in warnings]
    pending["dataset"] = dataset
    keys = [Slice(str(p), int(y), int(q)) for p, y, q in pending[list(SLICE_COLUMNS)].to_numpy()]
    pending["slice"] = [str(s) for s in keys]
    chosen = submitted.merge(pending[list(SLICE_COLUMNS)], on=list(SLICE_COLUMNS), how="inner")
    fingerprints = slice_fingerprints(chosen)
    pending["fingerprint"] = [fingerprints.get(s) for s in keys]
    return pending[list(PENDING_COLUMNS)].astype(_empty_pending().dtypes.to_dict())


def differing_partnerships(submitted: pd.DataFrame, published: pd.DataFrame) -> list[str]:
    """The partnerships with a slice whose submitted rows may differ from its published rows (fingerprints of
    :func:`layer_fingerprints`): a slice only submitted, or with other rows or another fingerprint."""
    if submitted.empty:
        return []
    joined = submitted.merge(published, on=list(SLICE_COLUMNS), how="left", suffixes=("", "_published"))
    same = (joined["rows"] == joined["rows_published"]) & (joined["fingerprint"] == joined["fingerprint_published"])
    differ = joined[~same.fillna(False).astype(bool)]
    return sorted(str(p) for p in differ["partnership_id"].unique())


def pending_slices(store: Store, dataset: str | None = None) -> pd.DataFrame:
    """Slices whose submitted rows differ from their published rows (or are not published at all), one row each.

    Columns (:data:`PENDING_COLUMNS`): ``dataset``, ``partnership_id``, ``year``, ``quarter``, ``slice``
    (``"id:2024Q1"``); ``new``/``changed``/``removed``/``unchanged`` rows of the submitted slice against the
    published one (``compare_rows`` semantics: new = submitted only, removed = published only, a value or note that
    differs = changed); ``first_time`` (nothing is published for the slice now, so every row is new);
    ``withdrawn`` (it was published and then withdrawn by unpublishing); ``warnings`` (how many upload warnings
    the slice raises against the submitted layer, see :func:`slice_warnings`); ``uploaded_by``, ``uploaded_at``,
    ``source_name`` and ``commit_id`` of the newest accepted commit to the submitted layer naming the slice, other
    than a reject (NA when no audit row names it); ``fingerprint``, the SHA-256 (hex) of the slice's submitted rows
    (:func:`dashboard.storage.slices.slice_fingerprints`), to publish or reject exactly what was reviewed. Slices
    only in the published layer are not pending: there is nothing to publish.

    The layers are compared by slice fingerprints first (:func:`layer_fingerprints`, kept in a derived table); only
    the partnerships with a slice that differs are read and compared row by row, in bulk. Sorted by dataset,
    partnership and quarter.
    """
    datasets = DATASETS if dataset is None else (dataset,)
    for name in datasets:
        indicator_table(name, "submitted")  # unknown dataset -> KeyError
    audit: pd.DataFrame | None = None  # read only when something differs
    change_factor = UploadSettings.from_env().change_factor
    frames = []
    for name in datasets:
        ids = differing_partnerships(
            layer_fingerprints(store, name, "submitted"), layer_fingerprints(store, name, "published")
        )
        if not ids:
            continue
        # the whole history of those partnerships: the warnings compare a quarter with the one before
        submitted = store.read_indicators(name, "submitted", partnership_ids=ids)
        if submitted.empty:
            continue
        published = store.read_indicators(name, "published", partnership_ids=ids)
        if audit is None:
            audit = store.read_audit()
        audit_slices = {
            "uploads": _latest(audit, indicator_table(name, "submitted"), exclude=("reject",)),
            "releases": _latest(audit, indicator_table(name, "published"), ("publish", "unpublish")),
        }
        frames.append(_pending_of(name, submitted, published, audit_slices, change_factor))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty_pending()
    pending = pd.concat(frames, ignore_index=True)
    order = pending["dataset"].map({d: i for i, d in enumerate(DATASETS)})
    return (
        pending.assign(_order=order).sort_values(["_order", *SLICE_COLUMNS], ignore_index=True).drop(columns=["_order"])
    )


def slices_summary(text: object, shown: int = 3, names: Mapping[str, str] | None = None) -> str:
    """An audit row's slices (a JSON list) for a table cell: the first few and how many more; with ``names``
    (partnership id to name) in words, "AT&T × Imago Foundation 2024 Q1"."""
    if not isinstance(text, str) or not text:
        return ""
    try:
        slices = [str(s) for s in json.loads(text)]
    except (ValueError, TypeError):
        return text
    more = len(slices) - shown
    words = [_slice_words(s, names) for s in slices[:shown]] if names is not None else slices[:shown]
    return ", ".join(words) + (f" and {more:,} more" if more > 0 else "")


def _slice_words(text: str, names: Mapping[str, str]) -> str:
    try:
        target = Slice.parse(text)
    except ValueError:
        return text
    return f"{names.get(target.partnership_id, target.partnership_id)} {target.year} Q{target.quarter}"


def _slice_rows(store: Store, dataset: str, target: Slice, layer: Layer, years: Sequence[int]) -> pd.DataFrame:
    """Rows of the slice's partnership in the given years (read with the partition filter pushed down)."""
    return store.read_indicators(dataset, layer, partnership_ids=[target.partnership_id], years=list(years))


def slice_differences(store: Store, dataset: str, slice: Slice) -> pd.DataFrame:
    """The rows of one slice that differ between the submitted and the published layer, for the review detail.

    Columns (:data:`DIFFERENCE_COLUMNS`): the key columns, ``value_published``, ``value_submitted``,
    ``note_published``, ``note_submitted`` and ``status`` (``new``: only submitted; ``changed``: value or note
    differs; ``removed``: only published). Unchanged rows are left out. Sorted by indicator, dimension, category.
    """
    submitted = _slice_rows(store, dataset, slice, "submitted", [slice.year])
    published = _slice_rows(store, dataset, slice, "published", [slice.year])
    submitted = submitted[submitted["quarter"] == slice.quarter]
    published = published[published["quarter"] == slice.quarter]
    if submitted.empty:
        compared = published.rename(columns={"value": "value_old", "note": "note_old"}).assign(
            value_new=float("nan"), note_new=pd.NA, status="removed"
        )
    else:
        compared = compare_rows(submitted, published)
    compared = compared[compared["status"] != "unchanged"].rename(
        columns={
            "value_old": "value_published",
            "value_new": "value_submitted",
            "note_old": "note_published",
            "note_new": "note_submitted",
        }
    )
    return compared[list(DIFFERENCE_COLUMNS)].sort_values(list(KEY_COLUMNS), ignore_index=True)


def slice_warnings(store: Store, dataset: str, slice: Slice) -> list[Finding]:
    """The upload warnings of one submitted slice against the submitted layer (the checks an upload gets: a value
    that moved more than the change factor against the quarter before, an indicator reported the quarter before but
    missing now, a breakdown that leaves people unassigned). Findings carry no file row (``row`` is None)."""
    rows = _slice_rows(store, dataset, slice, "submitted", [slice.year - 1, slice.year])
    keys = pd.DataFrame([{"partnership_id": slice.partnership_id, "year": slice.year, "quarter": slice.quarter}])
    if rows.empty:
        return []
    return _warnings_by_slice(rows, keys, UploadSettings.from_env().change_factor)[0]


# ---- the largest changes of a pending slice -------------------------------------------------------------------

CHANGE_ROW_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "dimension",
    "category",
    "indicator",
    "unit",
    "submitted",
    "before",
    "change",
    "relative",
    "year_ago",
    "year_change",
    "year_relative",
    "trend",
    "status",
)
"""Columns of :attr:`SliceChanges.rows`: the series, its name for people, its unit, the submitted value, the value it
is compared with (``before``) and a year earlier (``year_ago``), each difference and relative difference (``relative``:
the difference over the size of the earlier value; infinite from zero), the last quarters of the submitted layer
(``trend``, oldest first) and ``status`` (``changed``, ``unchanged``, ``new``: nothing to compare with, ``removed``:
published, not submitted)."""

CHANGE_TABLE_COLUMNS: tuple[str, ...] = (
    "Indicator",
    "Trend",
    "Submitted value",
    "Before",
    "Change",
    "Same quarter last year",
    "Change on a year",
)
"""Headers of :meth:`SliceChanges.table`, in plain words; ``Before`` is named for what it is there
(:attr:`SliceChanges.before_header`: "Published value" or "Previous quarter")."""

CHANGES_SHOWN = 8
TREND_QUARTERS = 8
_MINUS = "\u2212"


def series_name(indicator_id: str, dimension: str, category: str) -> str:
    """``"Headcount"``, ``"Headcount — women"``, ``"Headcount — gender undisclosed"``: an indicator's short name
    from the catalog and its category."""
    item = INDICATORS.get(indicator_id)
    name = item.short_name if item is not None else indicator_id
    if dimension == TOTAL:
        return name
    info = DIMENSIONS.get(dimension)
    if info is None:
        return f"{name} \u2014 {category}"
    label = info.categories.get(category, category)
    if category == "undisclosed":  # in every dimension: say which
        return f"{name} \u2014 {info.label.lower()} undisclosed"
    return f"{name} \u2014 {label[:1].lower()}{label[1:]}"


def _signed(text: str, value: float) -> str:
    return f"+{text}" if value > 0 else f"{_MINUS}{text}" if value < 0 else text


def change_text(difference: float, relative: float, unit: str) -> str:
    """A change as people read it: ``"+12 (+5.1 %)"``, ``"−2.3 points"`` for percentages, ``"no change"``; ``"–"``
    when there is nothing to compare with."""
    if pd.isna(difference):
        return "\u2013"
    if difference == 0:
        return "no change"
    if unit == "percent":
        return _signed(f"{abs(difference):,.1f} points", difference)
    amount = _signed(format_value(abs(float(difference)), unit), difference)
    if pd.isna(relative) or relative in (float("inf"), float("-inf")):
        return f"{amount} (from 0)"
    return f"{amount} ({_signed(f'{abs(relative) * 100:,.1f} %', relative)})"


@dataclasses.dataclass(frozen=True)
class SliceChanges:
    """What one pending slice changes, series by series, against what the public sees: the published value of the
    same quarter for a correction, otherwise the latest published quarter before it (``before``), and the published
    value of the same quarter a year earlier (``year_ago``)."""

    dataset: str
    slice: Slice
    before_quarter: Quarter | None
    correction: bool
    year_quarter: Quarter
    rows: pd.DataFrame
    """:data:`CHANGE_ROW_COLUMNS`, the largest relative change first (removed series first of all)."""

    @property
    def before_header(self) -> str:
        """The header of the ``Before`` column: ``"Published value"`` (a correction) or ``"Previous quarter"``."""
        return "Published value" if self.correction else "Previous quarter"

    @property
    def compared_text(self) -> str:
        """One sentence naming the quarters compared with."""
        year = f"the published {self.year_quarter.label}"
        if self.before_quarter is None:
            quarter = Quarter(self.slice.year, self.slice.quarter).label
            return f"Nothing of this partnership is published before {quarter}; compared with {year}."
        if self.correction:
            return f"A correction: compared with the published {self.before_quarter.label} and with {year}."
        return f"Compared with the published {self.before_quarter.label} (previous quarter) and with {year}."

    def table(self, shown: int = CHANGES_SHOWN) -> pd.DataFrame:
        """The first ``shown`` series in plain words (:data:`CHANGE_TABLE_COLUMNS`), values written with their unit."""
        top = self.rows.head(shown)
        return pd.DataFrame(
            {
                "Indicator": top["indicator"].astype(str),
                "Submitted value": [
                    "removed" if s == "removed" else format_value(v, u)
                    for v, u, s in zip(top["submitted"], top["unit"], top["status"], strict=True)
                ],
                "Before": [format_value(v, u) for v, u in zip(top["before"], top["unit"], strict=True)],
                "Change": [
                    "removed" if s == "removed" else change_text(d, r, u)
                    for d, r, u, s in zip(top["change"], top["relative"], top["unit"], top["status"], strict=True)
                ],
                "Same quarter last year": [
                    format_value(v, u) for v, u in zip(top["year_ago"], top["unit"], strict=True)
                ],
                "Change on a year": [
                    change_text(d, r, u)
                    for d, r, u in zip(top["year_change"], top["year_relative"], top["unit"], strict=True)
                ],
                "Trend": list(top["trend"]),
            },
            columns=list(CHANGE_TABLE_COLUMNS),
        ).rename(columns={"Before": self.before_header})

    def more_text(self, shown: int = CHANGES_SHOWN) -> str:
        """``"9 more indicators: 7 unchanged, 2 changed."``; empty when every series is in the table."""
        rest = self.rows.iloc[shown:]
        if rest.empty:
            return ""
        counts = rest["status"].value_counts()
        words = {"unchanged": "unchanged", "changed": "changed", "new": "with nothing to compare with"}
        parts = [f"{counts[s]:,} {w}" for s, w in words.items() if counts.get(s, 0)]
        noun = "indicator" if len(rest) == 1 else "indicators"
        return f"{len(rest):,} more {noun}: {', '.join(parts)}."


def _values_at(rows: pd.DataFrame, number: int | None) -> pd.Series:
    """The value of each series (indicator, dimension, category) in the quarter ``number``."""
    series = ["indicator_id", "dimension", "category"]
    if number is None or rows.empty:
        return pd.Series(dtype="float64", index=pd.MultiIndex.from_tuples([], names=series))
    chosen = rows[quarter_numbers(rows["year"], rows["quarter"]) == number]
    return chosen.set_index(series)["value"].astype("float64")


def _relative(difference: pd.Series, earlier: pd.Series) -> pd.Series:
    size = earlier.abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = difference / size
    return relative.where(~((size == 0) & (difference == 0)), 0.0)


def slice_changes(store: Store, dataset: str, slice: Slice, *, quarters: int = TREND_QUARTERS) -> SliceChanges:
    """Every series of a pending slice against the published layer (:class:`SliceChanges`), the largest relative
    change first: a series published but no longer submitted first of all, then by the size of the relative change
    against ``before`` (a series without a ``before`` value after those with one), then against a year earlier.
    ``trend`` holds the series' submitted values of the last ``quarters`` quarters up to this one (those it has)."""
    indicator_table(dataset, "submitted")  # unknown dataset -> KeyError
    series = ["indicator_id", "dimension", "category"]
    current = Quarter(slice.year, slice.quarter)
    first = Quarter.from_number(current.number - max(quarters, 5) + 1)
    years = list(range(first.year, current.year + 1))
    submitted = store.read_indicators(dataset, "submitted", partnership_ids=[slice.partnership_id], years=years)
    published = store.read_indicators(dataset, "published", partnership_ids=[slice.partnership_id])
    published_numbers = quarter_numbers(published["year"], published["quarter"])
    correction = bool((published_numbers == current.number).any())
    earlier = published_numbers[published_numbers < current.number]
    before_number = current.number if correction else (int(earlier.max()) if len(earlier) else None)

    now = _values_at(submitted, current.number)
    before = _values_at(published, before_number)
    year_ago = _values_at(published, current.year_earlier().number)
    keys = now.index if not correction else now.index.union(before.index)
    rows = pd.DataFrame(index=pd.MultiIndex.from_tuples(list(keys), names=series))
    rows["submitted"] = now.reindex(rows.index)
    rows["before"] = before.reindex(rows.index)
    rows["year_ago"] = year_ago.reindex(rows.index)
    rows["change"] = rows["submitted"] - rows["before"]
    rows["relative"] = _relative(rows["change"], rows["before"])
    rows["year_change"] = rows["submitted"] - rows["year_ago"]
    rows["year_relative"] = _relative(rows["year_change"], rows["year_ago"])
    rows = rows.reset_index()
    removed = rows["submitted"].isna()
    rows["status"] = np.select(
        [removed, rows["before"].isna(), rows["change"] == 0], ["removed", "new", "unchanged"], "changed"
    )

    numbers = quarter_numbers(submitted["year"], submitted["quarter"])
    recent = submitted[(numbers > current.number - quarters) & (numbers <= current.number)]
    recent = recent.assign(_number=quarter_numbers(recent["year"], recent["quarter"])).sort_values("_number")
    trends = recent.groupby(series, sort=False)["value"].agg(lambda v: [float(x) for x in v])
    rows["trend"] = [trends.get(tuple(key), []) for key in rows[series].itertuples(index=False, name=None)]
    rows["indicator"] = [series_name(*key) for key in rows[series].itertuples(index=False, name=None)]
    rows["unit"] = [INDICATORS[i].unit if i in INDICATORS else "count" for i in rows["indicator_id"]]

    order = pd.DataFrame(
        {
            "removed": removed.astype(int),
            "size": rows["relative"].abs().fillna(-1.0),
            "year_size": rows["year_relative"].abs().fillna(-1.0),
            "name": rows["indicator"],
        },
        index=rows.index,
    ).sort_values(["removed", "size", "year_size", "name"], ascending=[False, False, False, True], kind="stable")
    rows = rows.loc[order.index].reset_index(drop=True)[list(CHANGE_ROW_COLUMNS)]
    return SliceChanges(
        dataset=dataset,
        slice=slice,
        before_quarter=Quarter.from_number(before_number) if before_number is not None else None,
        correction=correction,
        year_quarter=current.year_earlier(),
        rows=rows,
    )


# ---- acting -------------------------------------------------------------------------------------------------


def _chosen(slices: Iterable[Slice]) -> list[Slice]:
    chosen = sorted(set(slices), key=lambda s: (s.partnership_id, s.year, s.quarter))
    if not chosen:
        raise ReviewError("Choose at least one quarter.")
    return chosen


def _named(text: str | None, what: str) -> str:
    if text is None or not str(text).strip():
        raise ReviewError(f"{what} is required.")
    return str(text).strip()


def _pending_rows(store: Store, dataset: str, slices: Sequence[Slice], verb: str) -> pd.DataFrame:
    """The pending rows of the chosen slices; ReviewError naming any slice that is not pending."""
    pending = pending_slices(store, dataset)
    chosen = pending[pending["slice"].isin([str(s) for s in slices])]
    missing = [str(s) for s in slices if str(s) not in set(chosen["slice"])]
    if missing:
        raise ReviewError(
            f"Not waiting for review in {dataset}: {', '.join(missing)} (nothing submitted, or the submitted figures "
            f"already equal the published ones). Nothing was {verb}."
        )
    return chosen


def _refused(error: StoreError) -> ReviewError:
    text = str(error)
    return ReviewError(f"{text[:1].upper()}{text[1:]}.")


def _same_person(first: object, second: str) -> bool:
    return isinstance(first, str) and first.strip().casefold() == second.strip().casefold()


def publish_slices(
    store: Store,
    dataset: str,
    slices: Sequence[Slice],
    *,
    user: str,
    four_eyes: bool,
    reviewed: Mapping[Slice, str] | None = None,
) -> CommitResult:
    """Publish pending slices of one dataset: their submitted rows replace the published ones in one transaction,
    audited as action ``publish`` with ``user`` and the slices.

    Refused (ReviewError, nothing written) when a slice is not pending, or when ``four_eyes`` is on and ``user``
    uploaded any of the slices (the newest upload naming it; compared without regard to case), or when ``reviewed``
    (each slice's ``fingerprint`` of :func:`pending_slices` as the reviewer saw it) is given and a slice's rows
    changed since ("changed since you reviewed — review again": checked by :meth:`Store.publish` on the very rows it
    copies). A slice whose uploader is unknown (no audit record) is not held back by the four-eyes rule.
    """
    user = _named(user, "The reviewer's name")
    chosen = _chosen(slices)
    pending = _pending_rows(store, dataset, chosen, "published")
    if four_eyes:
        own = [row.slice for row in pending.itertuples(index=False) if _same_person(row.uploaded_by, user)]
        if own:
            raise ReviewError(
                f"The four-eyes rule is on: {user} uploaded {', '.join(own)} and may not publish it. Ask another "
                "admin to publish. Nothing was published."
            )
    try:
        result = store.publish(dataset, chosen, user=user, reviewed=reviewed)
    except StoreError as error:
        raise _refused(error) from error
    publish_quarter_texts(store, chosen, user=user)  # the quarters' narratives and explanations go with them
    return result


def reject_slices(
    store: Store,
    dataset: str,
    slices: Sequence[Slice],
    *,
    user: str,
    reason: str,
    reviewed: Mapping[Slice, str] | None = None,
) -> CommitResult:
    """Reject pending slices of one dataset: in one transaction the submitted rows go back to what is published (a
    slice never published is removed from the submitted layer), audited as action ``reject`` with ``reason`` as the
    message. Refused (ReviewError, nothing written) without a reason, when a slice is not pending, or, as for
    :func:`publish_slices`, when ``reviewed`` is given and a slice changed since it was reviewed."""
    user = _named(user, "The reviewer's name")
    reason = _named(reason, "A reason for rejecting")
    chosen = _chosen(slices)
    _pending_rows(store, dataset, chosen, "rejected")
    try:
        result = store.revert_submitted(dataset, chosen, user=user, reason=reason, reviewed=reviewed)
    except StoreError as error:
        raise _refused(error) from error
    discard_quarter_texts(store, chosen, user=user, reason=reason)  # the quarters' pending texts are discarded too
    return result


def unpublish_slices(store: Store, dataset: str, slices: Sequence[Slice], *, user: str, reason: str) -> CommitResult:
    """Withdraw published slices of one dataset from the public in one transaction (the submitted rows stay, so the
    slices wait for review again), audited as action ``unpublish`` with ``reason`` as the message. Refused
    (ReviewError, nothing written) without a reason or when a slice is not published."""
    user = _named(user, "The reviewer's name")
    reason = _named(reason, "A reason for withdrawing")
    chosen = _chosen(slices)
    try:
        result = store.unpublish(dataset, chosen, user=user, reason=reason)
    except StoreError as error:
        raise _refused(error) from error
    withdraw_quarter_texts(store, chosen, user=user, reason=reason)  # the quarters' texts are withdrawn too
    return result
