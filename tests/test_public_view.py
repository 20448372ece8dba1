"""The public overview shows published figures of public partnerships only."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.storage.store import Store
from tests.conftest import app_as

PUBLIC = str(Path(__file__).resolve().parent.parent / "dashboard" / "web" / "views" / "public.py")


def test_the_public_view_leaves_out_private_partnerships(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("anonymous").run()  # through the app: visitors land on the public view
    assert not app.exception
    assert app.title[0].value == "Partnership impact"
    listed = set(app.dataframe[-1].value["Partnership"])
    assert "Circular Jobs Berlin" not in listed  # the private sample partnership
    assert len(listed) == 7
    links = [link.proto.page for link in app.get("page_link")]
    assert links == ["portal"]  # a public page only, never a staff one


def test_the_public_view_reads_only_the_published_layer(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(quarter=4)
    sample_store.commit_indicators(rows, "workforce", user="officer")  # submitted, not published
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("anonymous").run()  # through the app: visitors land on the public view
    assert app.selectbox[0].value == "2026 Q3"  # 2026 Q4 exists only in the submitted layer
