"""The reporting status for people: each status's word, symbol and colours, the summary sentence of a quarter, the
status grid of partnerships × quarters, the overdue list, and the records of ``python -m dashboard status --json``.

Colours are colour-blind safe (Okabe–Ito hues, one darkened) and never the only sign: every cell also carries a
symbol and a word. Each coloured cell stands out from the white page by at least 3:1 and its text by at least 4.5:1;
``not_due`` is left uncoloured (light grey), since nothing is asked yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.reporting_status import STATUS_COLUMNS, STATUSES, QuarterSummary
from data_contracts import DATASET_INFO
from data_contracts.quarters import Quarter, quarter_numbers, quarters_of_numbers


@dataclass(frozen=True)
class StatusStyle:
    """How a status is shown: its word, symbol, fill and text colours, and what it means."""

    word: str
    symbol: str
    fill: str
    text: str
    meaning: str

    @property
    def cell(self) -> str:
        """The text of a grid cell: symbol and word."""
        return f"{self.symbol} {self.word}"


STATUS_STYLES: dict[str, StatusStyle] = {
    "not_due": StatusStyle(
        "not due", "·", "#F0F0F0", "#333333", "the quarter has not ended, or it is before the partnership's start"
    ),
    "due": StatusStyle("due", "○", "#0072B2", "#FFFFFF", "the quarter has ended; still within the due days"),
    "overdue": StatusStyle("overdue", "!", "#D55E00", "#000000", "nothing submitted by the due date"),
    "submitted": StatusStyle(
        "submitted", "↑", "#CC79A7", "#000000", "accepted, waiting for review by an administrator"
    ),
    "published": StatusStyle("published", "✓", "#009E73", "#000000", "reviewed and published"),
    "changed_since_published": StatusStyle(
        "changed", "✎", "#8A6100", "#FFFFFF", "published, and a correction waits for review"
    ),
}
"""Every status of :data:`STATUSES` and how it is shown."""
assert tuple(STATUS_STYLES) == STATUSES

RECORD_FIELDS: tuple[str, ...] = (*STATUS_COLUMNS, "officers")
"""The fields of each object of ``python -m dashboard status --json``."""


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#RRGGBB`` colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def summary_sentence(summary: QuarterSummary) -> str:
    """ "6 of 8 partnerships have reported 2026 Q3; 2 overdue" (and how many are still due)."""
    label = summary.quarter.label
    if summary.expected == 0:
        return f"No partnership is expected to report {label}."
    noun = "partnership has" if summary.expected == 1 else "partnerships have"
    text = f"{summary.reported:,} of {summary.expected:,} {noun} reported {label}; {summary.overdue:,} overdue"
    if summary.due:
        text += f", {summary.due:,} still within the due days"
    return text + "."


def legend_frame() -> pd.DataFrame:
    """One row per status: its cell (symbol and word), name and meaning."""
    return pd.DataFrame(
        {
            "Cell": [style.cell for style in STATUS_STYLES.values()],
            "Status": list(STATUS_STYLES),
            "Meaning": [style.meaning for style in STATUS_STYLES.values()],
        }
    )


def cell_colours(value: object) -> str:
    """The CSS of a grid cell from its text (a status's :attr:`StatusStyle.cell`); blank for anything else."""
    for style in STATUS_STYLES.values():
        if value == style.cell:
            return f"background-color: {style.fill}; color: {style.text}"
    return ""


def status_grid(status: pd.DataFrame, names: dict[str, str], quarters: list[Quarter], ids: list[str]) -> pd.DataFrame:
    """The partnerships ``ids`` (rows, in that order, by name) × ``quarters`` (columns "2026 Q3", oldest first) of
    one dataset's status rows; each cell a status's symbol and word, blank where the quarter is not expected."""
    numbers = quarter_numbers(status["year"], status["quarter"])
    wanted = {q.number: q.label for q in quarters}
    inside = np.isin(numbers, list(wanted))
    rows = status[inside]
    cells = {key: style.cell for key, style in STATUS_STYLES.items()}
    frame = pd.DataFrame(
        {
            "partnership_id": rows["partnership_id"].astype(str).to_numpy(),
            "quarter": [wanted[n] for n in numbers[inside]],
            "cell": rows["status"].astype(str).map(cells).to_numpy(),
        }
    )
    grid = frame.pivot_table(index="partnership_id", columns="quarter", values="cell", aggfunc="first")
    grid = grid.reindex(index=ids, columns=[q.label for q in quarters]).fillna("")
    grid.columns.name = None
    grid.insert(0, "Partnership", [names.get(p, p) for p in ids])
    return grid.reset_index(drop=True)


def _coded(values: object, label: Callable[[object], str]) -> tuple[np.ndarray, list[str]]:
    """Many values as codes into their distinct values' labels (``label`` worked out once per distinct value: a
    status frame has 600,000 rows of a few thousand partnerships and quarters)."""
    distinct, inverse = np.unique(np.asarray(values), return_inverse=True)
    return inverse.reshape(-1), [label(value) for value in distinct]


def overdue_frame(
    status: pd.DataFrame, names: dict[str, str], officers: dict[str, list[str]], today: object
) -> pd.DataFrame:
    """The overdue rows for reminders, most overdue first: partnership (id and name), dataset, quarter, due date,
    days overdue, and the officers assigned with their e-mails (how many, and their e-mails separated by
    semicolons). Text columns are categoricals."""
    rows = status[status["status"] == "overdue"]
    ids = pd.Categorical(rows["partnership_id"])
    ids = ids.remove_unused_categories()
    datasets = pd.Categorical(rows["dataset"]).remove_unused_categories()
    id_texts = [str(p) for p in ids.categories]
    due_days = pd.to_datetime(rows["due_date"]).to_numpy().astype("datetime64[D]")
    due_codes, due_texts = _coded(due_days, str)
    quarter_codes, quarter_texts = _coded(
        quarter_numbers(rows["year"], rows["quarter"]), lambda n: Quarter.from_number(int(n)).label
    )
    days = (np.datetime64(pd.Timestamp(today).date(), "D") - due_days).astype(np.int64)
    partnership_names = [names.get(p, p) for p in id_texts]
    name_rank = np.argsort(np.argsort(np.array(partnership_names, dtype=object), kind="stable"))
    order = np.lexsort((datasets.codes, name_rank[ids.codes], -days))
    codes = ids.codes[order]

    def text(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
        """Each code's label, as a categorical (no string per row)."""
        remap, distinct = pd.factorize(pd.Index(labels, dtype=object))
        return pd.Categorical.from_codes(remap[codes], categories=distinct)

    return pd.DataFrame(
        {
            "partnership_id": text(codes, id_texts),
            "partnership": text(codes, partnership_names),
            "dataset": text(datasets.codes[order], [str(d) for d in datasets.categories]),
            "quarter": text(quarter_codes[order], quarter_texts),
            "due_date": text(due_codes[order], due_texts),
            "days_overdue": days[order],
            "officers": np.array([len(officers.get(p, [])) for p in id_texts], dtype=np.int64)[codes],
            "officer_emails": text(codes, ["; ".join(officers.get(p, [])) for p in id_texts]),
        }
    )


def _iso_dates(column: pd.Series) -> list[str | None]:
    values = pd.to_datetime(column)
    text = values.dt.strftime("%Y-%m-%d")
    return [None if pd.isna(v) else str(v) for v in text]


def _iso_times(column: pd.Series) -> list[str | None]:
    values = pd.to_datetime(column, utc=True)
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [None if pd.isna(v) else str(v) for v in text]


def status_records(status: pd.DataFrame, officers: dict[str, list[str]]) -> list[dict[str, object]]:
    """The rows as the objects of ``status --json`` (:data:`RECORD_FIELDS`): dates as ISO strings (``due_date`` a
    day, ``submitted_at``/``published_at`` UTC times) or null, ``officers`` the e-mails of the partnership's
    officers."""
    ids = status["partnership_id"].astype(str).tolist()
    columns = {
        "partnership_id": ids,
        "dataset": status["dataset"].astype(str).tolist(),
        "year": [int(v) for v in status["year"]],
        "quarter": [int(v) for v in status["quarter"]],
        "status": status["status"].astype(str).tolist(),
        "due_date": _iso_dates(status["due_date"]),
        "submitted_at": _iso_times(status["submitted_at"]),
        "published_at": _iso_times(status["published_at"]),
        "officers": [list(officers.get(p, [])) for p in ids],
    }
    return [dict(zip(RECORD_FIELDS, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def status_table(status: pd.DataFrame, names: dict[str, str], officers: dict[str, list[str]]) -> pd.DataFrame:
    """The rows for people: partnership, dataset, quarter, status (symbol and word), due date, submitted, published
    (UTC, to the minute; blank when none) and officers."""
    ids = status["partnership_id"].astype(str)

    def minutes(column: pd.Series) -> list[str]:
        text = pd.to_datetime(column, utc=True).dt.strftime("%Y-%m-%d %H:%M")
        return ["" if pd.isna(v) else str(v) for v in text]

    return pd.DataFrame(
        {
            "Partnership": ids.map(lambda p: names.get(p, p)).to_numpy(),
            "Dataset": status["dataset"].astype(str).map(lambda d: DATASET_INFO[d].name if d in DATASET_INFO else d),
            "Quarter": [f"{y} Q{q}" for y, q in zip(status["year"], status["quarter"], strict=True)],
            "Status": status["status"].astype(str).map(lambda s: STATUS_STYLES[s].cell).to_numpy(),
            "Due date": [v or "" for v in _iso_dates(status["due_date"])],
            "Submitted (UTC)": minutes(status["submitted_at"]),
            "Published (UTC)": minutes(status["published_at"]),
            "Officers": ids.map(lambda p: ", ".join(officers.get(p, []))).to_numpy(),
        }
    ).reset_index(drop=True)


def quarter_range(last: Quarter, count: int) -> list[Quarter]:
    """``count`` quarters ending with ``last``, oldest first."""
    years, quarters = quarters_of_numbers(np.arange(last.number - count + 1, last.number + 1))
    return [Quarter(int(y), int(q)) for y, q in zip(years, quarters, strict=True)]
