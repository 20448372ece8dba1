"""CSV downloads never start a spreadsheet formula, and numbers stay numbers."""

from __future__ import annotations

import io

import pandas as pd

from dashboard.present.exports import csv_bytes


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("x")', "+1+1", "-2+A1", "@SUM(A1)", "plain", None, "-1.5", "+3"],
            "value": [-1.5, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False, dtype=str)
    assert back["name"].tolist() == ['\'=HYPERLINK("x")', "'+1+1", "'-2+A1", "'@SUM(A1)", "plain", "", "-1.5", "+3"]
    assert back["value"].astype(float).tolist() == [-1.5, 2, 3, 4, 5, 6, 7, 8]
