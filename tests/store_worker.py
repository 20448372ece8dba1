"""A separate process that commits to a store (used by the concurrency and killed-process tests).

Usage: python -m tests.store_worker STORE PARTNERSHIP ROWS VALUE [REPEAT]
Commits ROWS rows (one indicator per row id) of VALUE for PARTNERSHIP 2024 Q1 to submitted/workforce, REPEAT times.
"""

from __future__ import annotations

import sys

import pandas as pd

from dashboard.storage.store import Store


def frame(partnership: str, rows: int, value: float) -> pd.DataFrame:
    """``rows`` distinct keys of one slice: headcount broken down into many notes-distinct rows is not allowed by the
    contract, but the store only checks shape, so distinct (indicator, dimension, category) keys are made up."""
    return pd.DataFrame(
        {
            "partnership_id": partnership,
            "year": 2024,
            "quarter": 1,
            "indicator_id": [f"indicator_{i:07d}" for i in range(rows)],
            "dimension": "total",
            "category": "total",
            "value": float(value),
            "note": None,
        }
    )


def main(argv: list[str]) -> int:
    root, partnership, rows, value = argv[0], argv[1], int(argv[2]), float(argv[3])
    repeat = int(argv[4]) if len(argv) > 4 else 1
    store = Store(root)
    for attempt in range(repeat):
        store.commit_indicators(frame(partnership, rows, value + attempt), "workforce", user=f"worker-{partnership}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
