"""Direct vs subcontracted workers: the headline split of a partnership's workforce, on small frames and on the
Partnership page (AppTest)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.analytics.employment_split import (
    DIRECT,
    SUBCONTRACTED,
    change_text,
    employment_split,
    employment_split_caption,
    employment_split_text,
    headline_workforce_indicator,
)
from dashboard.intake.ingest import read_plain_csv
from dashboard.intake.seed import SAMPLE_DIR
from dashboard.storage.store import Store
from data_contracts.quarters import Quarter
from tests.conftest import indicator_rows
from tests.test_partnership_page import open_partnership

HEAD = "workforce_headcount"


def split_rows(partnership: str, year: int, quarter: int, direct: float | None, sub: float | None, **extra) -> list:
    """The total and the employment-type rows of one quarter (a category left out when None)."""
    rows = [
        dict(
            partnership_id=partnership, year=year, quarter=quarter, indicator_id=HEAD, value=(direct or 0) + (sub or 0)
        )
    ]
    for category, value in ((DIRECT, direct), (SUBCONTRACTED, sub)):
        if value is not None:
            rows.append(
                dict(
                    partnership_id=partnership,
                    year=year,
                    quarter=quarter,
                    indicator_id=extra.get("indicator_id", HEAD),
                    dimension="employment_type",
                    category=category,
                    value=value,
                )
            )
    return rows


def frame(*quarters: list) -> pd.DataFrame:
    """Typed rows, as the store returns them."""
    rows = indicator_rows(*(row for rows in quarters for row in rows))
    return rows.astype({"year": "int64", "quarter": "int64", "value": "float64"})


def test_the_headline_indicator_is_the_workforce_headcount() -> None:
    assert headline_workforce_indicator() == HEAD
    assert (DIRECT, SUBCONTRACTED) == ("direct", "subcontractor")


def test_the_latest_quarter_with_both_categories_against_the_quarter_before() -> None:
    rows = frame(
        split_rows("utility", 2026, 2, 40, 50),
        split_rows("utility", 2026, 3, 45, 55),
        split_rows("utility", 2026, 4, 47, None),  # only direct: the split is not known this quarter
        split_rows("other", 2026, 4, 1, 1),  # another partnership never counts
    )
    split = employment_split(rows, "utility")
    assert split is not None
    assert split.period == Quarter(2026, 3) and split.previous_period == Quarter(2026, 2)
    assert (split.direct, split.subcontracted) == (45.0, 55.0)
    assert (split.direct_change, split.subcontracted_change) == (5.0, 5.0)
    assert split.subcontracted_share == pytest.approx(55.0)
    assert split.share_change == pytest.approx(55.0 - 50 / 90 * 100)
    assert employment_split_text(split) == "45 direct · 55 subcontracted (55.0% subcontracted)"
    caption = employment_split_caption(split)
    assert caption.startswith("45 direct · 55 subcontracted (55.0% subcontracted): headcount in 2026 Q3")
    assert "Changes are against 2026 Q2." in caption


def test_a_chosen_quarter_across_a_year_boundary_and_without_a_quarter_before() -> None:
    rows = frame(split_rows("utility", 2025, 4, 30, 10), split_rows("utility", 2026, 1, 28, 14))
    split = employment_split(rows, "utility", period=Quarter(2026, 1))
    assert split.previous_period == Quarter(2025, 4)
    assert (split.direct_change, split.subcontracted_change) == (-2.0, 4.0)
    first = employment_split(rows, "utility", period=Quarter(2025, 4))
    assert not first.has_previous and first.direct_change is None and first.share_change is None
    assert "2025 Q3 has no split by employment type to compare with" in employment_split_caption(first)
    assert employment_split(rows, "utility", period=Quarter(2026, 2)) is None  # nothing reported then


@pytest.mark.parametrize(
    ("rows", "kwargs"),
    [
        (frame(split_rows("utility", 2026, 3, 45, None)), {}),  # one category: the split is unknown
        (frame(split_rows("utility", 2026, 3, 45, 55)), {"partnership_id": "someone-else"}),
        (frame(split_rows("utility", 2026, 3, 45, 55)), {"indicator_id": "schools_reached"}),  # no such breakdown
        (frame(split_rows("utility", 2026, 3, 45, 55)), {"indicator_id": "no_such_indicator"}),
        (indicator_rows(dict(partnership_id="utility", year=2026, quarter=3, indicator_id=HEAD, value=100)), {}),
        (indicator_rows(), {}),
    ],
)
def test_no_headline_when_the_split_is_not_reported(rows: pd.DataFrame, kwargs: dict) -> None:
    partnership = kwargs.pop("partnership_id", "utility")
    assert employment_split(rows, partnership, **kwargs) is None


def test_another_indicator_with_the_breakdown_and_an_empty_workforce() -> None:
    rows = frame(
        split_rows("utility", 2026, 3, 3, 5, indicator_id="pre_apprenticeship_placements"),
        split_rows("utility", 2026, 2, 0, 0),
        split_rows("utility", 2026, 3, 0, 0),
    )
    placements = employment_split(rows, "utility", indicator_id="pre_apprenticeship_placements")
    assert (placements.direct, placements.subcontracted, placements.has_previous) == (3.0, 5.0, False)
    empty = employment_split(rows, "utility")
    assert empty.subcontracted_share is None and empty.share_change is None
    assert employment_split_text(empty) == "0 direct · 0 subcontracted"


def test_changes_as_signed_texts() -> None:
    before = Quarter(2026, 2)
    assert change_text(12.0, "count", before) == "+12 vs 2026 Q2"
    assert change_text(-1234.0, "count", before) == "-1,234 vs 2026 Q2"
    assert change_text(0.0, "count", before) == "+0 vs 2026 Q2"
    assert change_text(-3.46, "points", before) == "-3.5 points vs 2026 Q2"
    assert change_text(None, "count", before) is None


def sample_split(partnership: str, year: int, quarter: int) -> tuple[float, float]:
    rows = read_plain_csv(SAMPLE_DIR / "workforce.csv")
    part = rows[
        (rows["partnership_id"] == partnership)
        & (rows["indicator_id"] == HEAD)
        & (rows["dimension"] == "employment_type")
        & (rows["year"] == str(year))
        & (rows["quarter"] == str(quarter))
    ]
    values = dict(zip(part["category"], part["value"].astype(float), strict=True))
    return values[DIRECT], values[SUBCONTRACTED]


def test_the_utility_partnership_page_headlines_direct_and_subcontracted_workers(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    direct, sub = sample_split("pge-green-for-all", 2026, 3)
    direct_before, sub_before = sample_split("pge-green-for-all", 2026, 2)
    app = open_partnership(monkeypatch, sample_store, partnership="pge-green-for-all")
    assert not app.exception
    assert "Direct and subcontracted workers, 2026 Q3" in [s.value for s in app.subheader]
    cards = {m.label: m for m in app.metric}
    assert cards["Direct employees"].value == f"{direct:,.0f}"
    assert cards["Subcontracted workers"].value == f"{sub:,.0f}"
    share = sub / (direct + sub) * 100
    assert cards["Share subcontracted"].value == f"{share:.1f}%"
    assert share > 50  # the utility works mostly through subcontractors
    assert cards["Direct employees"].delta == f"{direct - direct_before:+,.0f} vs 2026 Q2"
    assert cards["Subcontracted workers"].delta == f"{sub - sub_before:+,.0f} vs 2026 Q2"
    share_before = sub_before / (direct_before + sub_before) * 100
    assert cards["Share subcontracted"].delta == f"{share - share_before:+.1f} points vs 2026 Q2"
    captions = " ".join(c.value for c in app.caption)
    assert f"{direct:,.0f} direct · {sub:,.0f} subcontracted ({share:.1f}% subcontracted)" in captions
    assert not math.isnan(share)

    # a partnership without a workforce dataset has no such headline
    app = open_partnership(monkeypatch, sample_store, partnership="green-schools-brazil")
    assert not app.exception
    assert not [m for m in app.metric if m.label in ("Direct employees", "Subcontracted workers")]
    assert not [s for s in app.subheader if s.value.startswith("Direct and subcontracted")]
