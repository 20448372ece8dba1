"""CSV downloads never start a spreadsheet formula."""

from __future__ import annotations

import io

import pandas as pd

from dashboard.exports import csv_bytes


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    frame = pd.DataFrame(
        {"name": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "plain", None], "value": [-1.5, 2, 3, 4, 5, 6]}
    )
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False)
    assert back["name"].tolist() == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "plain", ""]
    assert back["value"].tolist() == [-1.5, 2, 3, 4, 5, 6]
