"""Reference tables go through read, check and commit like quarterly files."""

from __future__ import annotations

import pandas as pd

from dashboard.intake.reference_admin import check_reference_file, commit_reference
from dashboard.intake.seed import SAMPLE_DIR
from dashboard.present.exports import csv_bytes
from dashboard.storage.store import Store


def test_the_sample_partnerships_file_is_accepted_and_committed(sample_store: Store) -> None:
    data = (SAMPLE_DIR / "partnerships.csv").read_bytes()
    report = check_reference_file(sample_store, "partnerships", data, "partnerships.csv")
    assert report.accepted, report.findings[:3]
    before = sample_store.version("reference/partnerships")
    commit = commit_reference(sample_store, report, user="admin@example.org")
    assert commit.version == before + 1
    assert sample_store.read_audit().iloc[0][["user", "table"]].tolist() == [
        "admin@example.org",
        "reference/partnerships",
    ]


def test_a_partnership_still_in_use_cannot_be_dropped(sample_store: Store) -> None:
    rows = pd.read_csv(SAMPLE_DIR / "partnerships.csv", dtype=str, keep_default_na=False)
    report = check_reference_file(
        sample_store, "partnerships", csv_bytes(rows[rows["partnership_id"] != "att-imago"]), "p.csv"
    )
    assert not report.accepted
    assert [(f.rule, f.value) for f in report.errors] == [("partnership_in_use", "att-imago")]


def test_goals_must_point_at_known_partnerships_and_indicators(sample_store: Store) -> None:
    rows = pd.read_csv(SAMPLE_DIR / "goals.csv", dtype=str, keep_default_na=False).head(3)
    rows.loc[1, "partnership_id"] = "nobody"
    rows.loc[2, "indicator_id"] = "happiness"
    report = check_reference_file(sample_store, "goals", csv_bytes(rows), "goals.csv")
    assert [(f.row, f.rule) for f in report.errors] == [(3, "partnership_known"), (4, "unknown_indicator")]
    before = sample_store.versions()
    assert sample_store.versions() == before
