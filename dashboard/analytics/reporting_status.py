"""The reporting calendar: which (partnership, dataset, quarter) is expected, when it is due and where it stands.

Each partnership reports each of its focus datasets every quarter from its start: the first quarter that begins on or
after its ``start_date`` (a partnership that starts on 1 November first reports the next January's quarter). A
quarter's figures are due ``due_days`` after the quarter ends (the partnership's own ``due_days``, else the
``IMPACT_DUE_DAYS`` setting): with 30 days, 2026 Q3 (ending 30 September) is due on 30 October.

The status of each expected slice (:data:`STATUSES`), first match wins:

- ``published``: the published layer holds it and the submitted rows are the same (or there are none);
- ``changed_since_published``: published, but the submitted slice differs: a correction waits for review;
- ``submitted``: accepted into the submitted layer, not published yet;
- ``not_due``: nothing submitted and the quarter has not ended, or it is before the partnership's start;
- ``due``: nothing submitted, the quarter has ended and today is on or before its due date;
- ``overdue``: nothing submitted after the due date.

Pure pandas and numpy over frames (no store): the layers' slices come as the per-slice fingerprints of
``dashboard.storage.layer_fingerprints.layer_fingerprints``, the times as the audit of ``Store.read_audit``.
Everything is vectorised over integer keys, so 5,000 partnerships × 30 quarters × 4 datasets take well under a second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts import DATASETS, SLICE_COLUMNS, split_list
from data_contracts.quarters import Quarter, quarter_numbers, quarters_of_numbers

STATUSES: tuple[str, ...] = ("not_due", "due", "overdue", "submitted", "published", "changed_since_published")
"""Every status of an expected (partnership, dataset, quarter), in the order of the reporting cycle."""
REPORTED: tuple[str, ...] = ("submitted", "published", "changed_since_published")
"""The statuses of a quarter that has been reported (its figures were accepted)."""
WAITING: tuple[str, ...] = ("submitted", "changed_since_published")
"""The statuses of a slice that waits for an administrator's review."""

STATUS_COLUMNS: tuple[str, ...] = (
    "partnership_id",
    "dataset",
    "year",
    "quarter",
    "status",
    "due_date",
    "submitted_at",
    "published_at",
)
"""Columns of :func:`reporting_status`."""
SLICE_KEY_COLUMNS: tuple[str, ...] = ("dataset", *SLICE_COLUMNS)
"""What names one slice of one dataset: dataset, partnership_id, year, quarter."""

_DATASET_CODES = {name: code for code, name in enumerate(DATASETS)}
_QUARTER_BITS = 16  # quarter numbers (year * 4 + quarter - 1) stay below 2**16 until the year 16384


def quarter_end(numbers: object) -> np.ndarray:
    """The last day of each quarter (by :attr:`Quarter.number`), as ``datetime64[D]``."""
    following = np.asarray(numbers, dtype=np.int64) + 1  # the next quarter's first month, counted from 1970-01
    months = following * 3 - 1970 * 12
    return months.astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")


def first_expected_quarter(start_dates: pd.Series) -> np.ndarray:
    """:attr:`Quarter.number` of the first quarter each partnership reports: the first that begins on or after its
    start date. A missing start date counts as expected from the first quarter of the year 2000."""
    starts = pd.to_datetime(start_dates, errors="coerce")
    years = starts.dt.year.fillna(2000).to_numpy(dtype=np.int64)
    months = starts.dt.month.fillna(1).to_numpy(dtype=np.int64)
    days = starts.dt.day.fillna(1).to_numpy(dtype=np.int64)
    number = quarter_numbers(years, (months - 1) // 3 + 1)
    on_first_day = ((months - 1) % 3 == 0) & (days == 1)
    return number + np.where(on_first_day, 0, 1)


def _key(partnership_codes: np.ndarray, dataset_codes: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """One int64 per (partnership, dataset, quarter)."""
    pair = partnership_codes.astype(np.int64) * len(DATASETS) + dataset_codes.astype(np.int64)
    return (pair << _QUARTER_BITS) | numbers.astype(np.int64)


def _slice_keys(frame: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """The keys of a frame of slices (dataset, partnership_id, year, quarter); -1 where the partnership or dataset
    is not known."""
    if frame.empty:
        return np.empty(0, dtype=np.int64)
    partnership = pd.Categorical(frame["partnership_id"].astype(object), categories=ids).codes.astype(np.int64)
    dataset = pd.Categorical(frame["dataset"].astype(object), categories=list(DATASETS)).codes.astype(np.int64)
    numbers = quarter_numbers(frame["year"], frame["quarter"])
    keys = _key(partnership, dataset, numbers)
    return np.where((partnership >= 0) & (dataset >= 0), keys, -1)


def _lookup(keys: np.ndarray, frame: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """For each key, the position of its row in ``frame`` (-1 where it has none); the frame's keys are unique."""
    found = _slice_keys(frame, ids)
    if not len(found):
        return np.full(len(keys), -1, dtype=np.int64)
    index = pd.Index(found)
    if not index.is_unique:
        keep = ~index.duplicated(keep="last")
        index = pd.Index(found[keep])
        positions = np.flatnonzero(keep)
        hit = index.get_indexer(keys)
        return np.where(hit >= 0, positions[np.maximum(hit, 0)], -1)
    return index.get_indexer(keys)


def expected_reporting(
    partnerships: pd.DataFrame,
    *,
    through: Quarter,
    quarters: Sequence[Quarter] | None = None,
    default_due_days: int = 30,
) -> pd.DataFrame:
    """One row per expected (partnership, focus dataset, quarter): ``partnership``, ``dataset_code``, ``number``
    (the quarter), ``first`` (the partnership's first expected quarter) and ``due_days``.

    Without ``quarters``: every quarter from each partnership's first expected quarter through ``through``. With
    ``quarters``: exactly those for every partnership (a quarter before its start is kept, and is not due)."""
    focus = partnerships["focus_datasets"].map(lambda cell: [d for d in split_list(cell) if d in _DATASET_CODES])
    counts = focus.map(len).to_numpy(dtype=np.int64)
    partnership = np.repeat(np.arange(len(partnerships), dtype=np.int64), counts)
    dataset = np.fromiter((_DATASET_CODES[d] for cell in focus for d in cell), dtype=np.int64, count=counts.sum())
    first = first_expected_quarter(partnerships["start_date"])[partnership]
    if "due_days" in partnerships.columns:
        own = pd.to_numeric(partnerships["due_days"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    else:  # a table written before the column existed
        own = np.full(len(partnerships), np.nan)
    days = np.where(np.isnan(own), default_due_days, own).astype(np.int64)[partnership]
    if quarters is None:
        lengths = np.clip(through.number - first + 1, 0, None)
        rows = np.repeat(np.arange(len(partnership)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        numbers = first[rows] + offsets
    else:
        wanted = np.array(sorted({q.number for q in quarters}), dtype=np.int64)
        rows = np.repeat(np.arange(len(partnership)), len(wanted))
        numbers = np.tile(wanted, len(partnership))
    return pd.DataFrame(
        {
            "partnership": partnership[rows],
            "dataset_code": dataset[rows],
            "number": numbers,
            "first": first[rows],
            "due_days": days[rows],
        }
    )


def _parse_slices(texts: pd.Series) -> pd.DataFrame:
    """``"id:2024Q1"`` texts as partnership_id, year and quarter (rows that are not a slice dropped)."""
    parts = texts.astype(str).str.rpartition(":")
    period = parts[2].str.upper()
    ok = (parts[1] == ":") & period.str.fullmatch(r"\d{4}Q[1-4]")
    period = period[ok]
    return pd.DataFrame(
        {
            "partnership_id": parts[0][ok],
            "year": period.str[:4].astype(np.int64),
            "quarter": period.str[5:].astype(np.int64),
        }
    )


def audit_slices(audit: pd.DataFrame) -> pd.DataFrame:
    """One row per (audit row, slice it names): the audit's columns and partnership_id, year, quarter."""
    if audit.empty:
        empty = audit.iloc[0:0].copy()
        return empty.assign(
            partnership_id=pd.Series(dtype="string"),
            year=pd.Series(dtype=np.int64),
            quarter=pd.Series(dtype=np.int64),
        )
    at_once = _slices_at_once(audit)
    if at_once is not None:
        return at_once
    lists = audit["slices"].map(lambda text: json.loads(text) if isinstance(text, str) and text else [])
    exploded = audit.drop(columns=["slices"]).assign(slice_text=lists).explode("slice_text")
    exploded = exploded.dropna(subset=["slice_text"]).reset_index(drop=True)
    parsed = _parse_slices(exploded["slice_text"])
    exploded = exploded.loc[parsed.index].drop(columns=["slice_text"])
    return exploded.assign(
        partnership_id=parsed["partnership_id"].to_numpy(),
        year=parsed["year"].to_numpy(),
        quarter=parsed["quarter"].to_numpy(),
    ).reset_index(drop=True)


_PLAIN_LIST = r'^\[("[^"\\\x00-\x1f]*"(, "[^"\\\x00-\x1f]*")*)?\]$'
"""A JSON list of texts as ``json.dumps`` writes it, each text without quotes, backslashes or control characters:
its items are the text between ``", "`` (Arrow's RE2; ``$`` there is the end of the text)."""


def _slices_at_once(audit: pd.DataFrame) -> pd.DataFrame | None:
    """:func:`audit_slices` worked out over Arrow arrays (a seed's commits name hundreds of thousands of slices) when
    every row's slices are a plain list (:data:`_PLAIN_LIST`), blank or missing, and every item that is not a slice
    in ASCII is ASCII (so it is no slice either); None otherwise, and the one-by-one way decides."""
    try:
        texts = pa.array(audit["slices"], type=pa.string(), from_pandas=True)  # a missing text: null
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        return None
    blank = pc.or_kleene(pc.is_null(texts), pc.is_in(texts, pa.array(["", "[]"])))
    if not pc.all(pc.or_kleene(blank, pc.match_substring_regex(texts, _PLAIN_LIST))).as_py():
        return None
    inner = pc.if_else(blank, pa.scalar(None, pa.string()), pc.utf8_slice_codeunits(texts, 2, -2))
    lists = pc.split_pattern(inner, '", "')
    items, parents = pc.list_flatten(lists), pc.list_parent_indices(lists)
    ok = pc.match_substring_regex(items, r":[0-9]{4}[Qq][1-4]$")  # the last colon's, as no period holds one
    if not pc.all(pc.or_(ok, pc.string_is_ascii(items))).as_py():
        return None  # a text in other scripts: its digits may be digits to Python
    slices = items.filter(ok)
    rows = audit.drop(columns=["slices"]).take(parents.filter(ok).to_numpy()).reset_index(drop=True)
    return rows.assign(
        partnership_id=pd.Series(pc.utf8_slice_codeunits(slices, 0, -7), dtype="str"),
        year=pc.cast(pc.utf8_slice_codeunits(slices, -6, -2), pa.int64()).to_numpy(),
        quarter=pc.cast(pc.utf8_slice_codeunits(slices, -1), pa.int64()).to_numpy(),
    )


def slice_times(audit: pd.DataFrame) -> pd.DataFrame:
    """When each slice was last submitted and last published, from the audit (``Store.read_audit``): dataset,
    partnership_id, year, quarter, ``submitted_at`` (the newest accepted commit to the submitted layer naming it,
    other than a reviewer's reject) and ``published_at`` (the newest accepted publish naming it)."""
    columns = [*SLICE_KEY_COLUMNS, "submitted_at", "published_at"]
    accepted = audit[audit["outcome"].astype(str).eq("accepted") & audit["table"].notna()]
    layer = accepted["table"].astype(str).str.partition("/")
    accepted = accepted.assign(_layer=layer[0], dataset=layer[2])
    kinds = {
        "submitted_at": accepted[(accepted["_layer"] == "submitted") & (accepted["action"] != "reject")],
        "published_at": accepted[(accepted["_layer"] == "published") & (accepted["action"] == "publish")],
    }
    merged: pd.DataFrame | None = None
    for name, rows in kinds.items():
        named = audit_slices(rows[["dataset", "committed_at", "slices"]])
        latest = (
            named.sort_values("committed_at", kind="stable")
            .drop_duplicates(list(SLICE_KEY_COLUMNS), keep="last")
            .rename(columns={"committed_at": name})[[*SLICE_KEY_COLUMNS, name]]
        )
        latest = latest.astype({"dataset": "string", "partnership_id": "string", "year": np.int64, "quarter": np.int64})
        merged = latest if merged is None else merged.merge(latest, on=list(SLICE_KEY_COLUMNS), how="outer")
    assert merged is not None
    return merged[columns].reset_index(drop=True)


def reporting_status(
    partnerships: pd.DataFrame,
    submitted: pd.DataFrame,
    published: pd.DataFrame,
    times: pd.DataFrame | None = None,
    *,
    today: date,
    default_due_days: int,
    quarters: Sequence[Quarter] | None = None,
) -> pd.DataFrame:
    """The status of every expected (partnership, dataset, quarter) (:data:`STATUS_COLUMNS`), through the quarter
    of ``today``; with ``quarters``, of exactly those quarters.

    ``submitted`` and ``published``: one row per slice of each layer with ``dataset``, ``partnership_id``, ``year``,
    ``quarter``, ``rows`` and ``fingerprint`` (``layer_fingerprints`` of each dataset, with its dataset); two slices
    with equal rows and fingerprint hold the same figures. ``times``: :func:`slice_times` of the audit (the
    submission's and publication's times are given only for a slice its layer holds now). ``due_date`` is the
    quarter's last day plus the due days (a ``datetime64`` day); ``partnership_id`` and ``dataset`` are
    categoricals, ``status`` a categorical of :data:`STATUSES`; sorted by partnership (table order), dataset and
    quarter."""
    expected = expected_reporting(
        partnerships, through=Quarter.of(today), quarters=quarters, default_due_days=default_due_days
    )
    ids = pd.Index(partnerships["partnership_id"].astype(str))
    partnership = expected["partnership"].to_numpy()
    dataset = expected["dataset_code"].to_numpy()
    numbers = expected["number"].to_numpy()
    keys = _key(partnership, dataset, numbers)

    at_submitted = _lookup(keys, submitted, ids)
    at_published = _lookup(keys, published, ids)
    in_submitted, in_published = at_submitted >= 0, at_published >= 0
    same = np.zeros(len(keys), dtype=bool)
    both = in_submitted & in_published
    if both.any():
        sub_rows = submitted.iloc[at_submitted[both]]
        pub_rows = published.iloc[at_published[both]]
        same[both] = (_plain(sub_rows["rows"]) == _plain(pub_rows["rows"])) & (
            _plain(sub_rows["fingerprint"]) == _plain(pub_rows["fingerprint"])
        )

    ends = quarter_end(numbers)
    due_dates = ends + expected["due_days"].to_numpy().astype("timedelta64[D]")
    day = np.datetime64(today, "D")
    ended = ends < day
    before_start = numbers < expected["first"].to_numpy()
    choices = [
        in_published & (~in_submitted | same),
        in_published,
        in_submitted,
        before_start | ~ended,
        day <= due_dates,
    ]
    codes = np.select(choices, [4, 5, 3, 0, 1], default=2)

    years, quarter_of_year = quarters_of_numbers(numbers)
    frame = pd.DataFrame(
        {
            "partnership_id": pd.Categorical.from_codes(partnership, categories=ids.unique())
            if ids.is_unique
            else pd.Categorical(ids.to_numpy()[partnership]),
            "dataset": pd.Categorical.from_codes(dataset, categories=list(DATASETS)),
            "year": years,
            "quarter": quarter_of_year,
            "status": pd.Categorical.from_codes(codes, categories=list(STATUSES)),
            "due_date": pd.to_datetime(due_dates),
        }
    )
    at_times = _lookup(keys, times, ids) if times is not None else np.full(len(keys), -1)
    for name, present in (("submitted_at", in_submitted), ("published_at", in_published)):
        micros = np.full(len(keys), np.iinfo(np.int64).min, dtype=np.int64)  # NaT
        hit = present & (at_times >= 0)
        if hit.any():
            assert times is not None
            known = pd.DatetimeIndex(pd.to_datetime(times[name], utc=True)).as_unit("us").asi8
            micros[hit] = known[at_times[hit]]
        frame[name] = pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize("UTC")
    return frame[list(STATUS_COLUMNS)]


def _plain(column: pd.Series) -> np.ndarray:
    """A column's values as a plain numpy array to compare: numbers as they are (missing as 0), else as text."""
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(
            dtype="uint64" if pd.api.types.is_unsigned_integer_dtype(column) else "int64", na_value=0
        )
    return column.astype(str).to_numpy()


# ---- summaries ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterSummary:
    """How many partnerships a quarter expects figures from, how many reported all their expected datasets, and
    how many are overdue with at least one."""

    quarter: Quarter
    expected: int
    reported: int
    overdue: int
    due: int


def quarter_summary(status: pd.DataFrame, quarter: Quarter) -> QuarterSummary:
    """The partnerships expected to report ``quarter`` (rows of :func:`reporting_status` made without ``quarters``,
    so every row is expected), those that reported every expected dataset, those overdue with one or more, and those
    with one still due."""
    rows = status[(status["year"] == quarter.year) & (status["quarter"] == quarter.quarter)]
    if rows.empty:
        return QuarterSummary(quarter, 0, 0, 0, 0)
    flags = pd.DataFrame(
        {
            "partnership_id": rows["partnership_id"].astype(str).to_numpy(),
            "reported": rows["status"].isin(REPORTED).to_numpy(),
            "overdue": (rows["status"] == "overdue").to_numpy(),
            "due": (rows["status"] == "due").to_numpy(),
        }
    )
    grouped = flags.groupby("partnership_id", sort=False)
    reported, overdue, due = grouped["reported"].all(), grouped["overdue"].any(), grouped["due"].any()
    return QuarterSummary(quarter, len(reported), int(reported.sum()), int(overdue.sum()), int(due.sum()))


def pairs_with_status(status: pd.DataFrame, statuses: Sequence[str]) -> pd.DataFrame:
    """The rows of each (partnership, dataset) that has at least one row in one of ``statuses`` (the rows of
    :func:`reporting_status`, categoricals kept)."""
    partnership = pd.Categorical(status["partnership_id"]).codes.astype(np.int64)
    dataset = pd.Categorical(status["dataset"], categories=list(DATASETS)).codes.astype(np.int64)
    pairs = partnership * len(DATASETS) + dataset
    return status[np.isin(pairs, pairs[status["status"].isin(list(statuses)).to_numpy()])]


def officers_by_partnership(users: pd.DataFrame) -> dict[str, list[str]]:
    """The e-mails of the enabled officer accounts assigned to each partnership (accounts as ``list_users`` gives
    them: email, role, partnerships separated by semicolons, disabled), sorted."""
    found: dict[str, list[str]] = {}
    officers = users[(users["role"].astype(str) == "officer") & ~users["disabled"].astype(bool)]
    for email, assigned in zip(officers["email"].astype(str), officers["partnerships"].fillna(""), strict=True):
        for partnership_id in split_list(assigned):
            found.setdefault(partnership_id, []).append(email)
    return {key: sorted(set(emails)) for key, emails in found.items()}


def with_officers(status: pd.DataFrame, officers: dict[str, list[str]]) -> pd.DataFrame:
    """``status`` with an ``officers`` column: the list of e-mails of each row's partnership's officers."""
    ids = status["partnership_id"].astype(str)
    return status.assign(officers=ids.map(lambda p: list(officers.get(p, []))))


def in_quarters(status: pd.DataFrame, first: Quarter, last: Quarter) -> pd.DataFrame:
    """The rows of quarters ``first`` to ``last`` (inclusive)."""
    numbers = quarter_numbers(status["year"], status["quarter"])
    return status[(numbers >= first.number) & (numbers <= last.number)]


# ---- uploads and their review -------------------------------------------------------------------------------------

REVIEW_STATES: tuple[str, ...] = (
    "waiting for review",
    "returned by a reviewer",
    "replaced by a later upload",
    "published",
    "rejected by the checks",
    "unchanged",
)
"""What became of an upload: its quarters still wait for review; a reviewer rejected (returned) them; a later upload
replaced them; they are published; the file had errors; or it changed nothing."""


def upload_review_states(uploads: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """Each upload (audit rows of action ``upload``: committed_at, outcome, dataset, slices, ...) with a
    ``review_state`` (:data:`REVIEW_STATES`) from the current status of its quarters (:func:`reporting_status`).

    For an accepted upload, per quarter: published since the upload → published; still the submitted figures and
    waiting → waiting for review; submitted again later → replaced by a later upload; else (a reviewer rejected
    it, or it was withdrawn) → returned by a reviewer. The upload's state is its quarters' first in that order:
    waiting, returned, replaced, published."""
    frame = uploads.reset_index(drop=True).assign(_upload=lambda f: np.arange(len(f)))
    states = pd.Series("unchanged", index=frame.index, dtype=object)
    states[frame["outcome"].astype(str) == "rejected"] = "rejected by the checks"
    accepted = frame[frame["outcome"].astype(str) == "accepted"]
    if not accepted.empty:
        named = audit_slices(accepted[["_upload", "dataset", "committed_at", "slices"]])
        current = status[[*SLICE_KEY_COLUMNS, "status", "submitted_at", "published_at"]].astype(
            {"dataset": "string", "partnership_id": "string"}
        )
        named = named.astype({"dataset": "string", "partnership_id": "string"}).merge(
            current, on=list(SLICE_KEY_COLUMNS), how="left"
        )
        uploaded = pd.to_datetime(named["committed_at"], utc=True)
        published = pd.to_datetime(named["published_at"], utc=True) >= uploaded
        waiting = named["status"].isin(WAITING) & (pd.to_datetime(named["submitted_at"], utc=True) <= uploaded)
        replaced = pd.to_datetime(named["submitted_at"], utc=True) > uploaded
        order = np.select(
            [waiting.fillna(False), published.fillna(False), replaced.fillna(False)], [0, 3, 2], default=1
        )
        named = named.assign(_order=order)
        first = named.groupby("_upload")["_order"].min()
        names = {0: "waiting for review", 1: "returned by a reviewer", 2: "replaced by a later upload", 3: "published"}
        states.loc[first.index] = first.map(names).to_numpy()
        no_slices = accepted.index.difference(first.index)
        states.loc[no_slices] = "published"
    return frame.drop(columns=["_upload"]).assign(review_state=states)
