"""User pages speak plainly: indicators by their names with formulas in words, no shell commands for staff, and
the upload findings' plain message before the rule's code (the CSV report keeps its columns)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present.exports import csv_bytes
from dashboard.present.indicator_texts import formula_in_words, indicator_metadata
from dashboard.storage.store import Store
from data_contracts import INDICATORS, Finding
from tests.conftest import app_as
from tests.test_upload_page import frame_with, open_upload_page, quarter_rows

VIEWS = Path(__file__).resolve().parent.parent / "dashboard" / "web" / "views"
AN_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def test_every_formula_is_in_words_under_the_indicators_name() -> None:
    for indicator in INDICATORS.values():
        words = formula_in_words(indicator)
        assert words.startswith(indicator.short_name), words
        assert not AN_ID.search(words), words  # no indicator id such as new_hires
        assert "≥" not in words
    assert formula_in_words(INDICATORS["new_hire_rate"]) == "New hire rate = new hires ÷ period-end headcount × 100"
    assert (
        formula_in_words(INDICATORS["women_share_workforce"])
        == "Women in workforce = workforce who are women ÷ all workforce × 100"
    )
    local = formula_in_words(INDICATORS["local_spend_share"])
    assert local == "Local share of spend = local ÷ total procurement spend × 100"
    assert (
        formula_in_words(INDICATORS["employee_training_hours_avg"])
        == "Training hours per worker = annual hours ÷ year-end headcount"
    )
    assert formula_in_words(INDICATORS["workforce_headcount"]).startswith("Headcount: people working")
    metadata = dict(indicator_metadata(INDICATORS["turnover_rate"]))
    assert metadata["Indicator"] == "Turnover rate"
    assert metadata["In words"] == "Turnover rate = departures ÷ period-end headcount × 100"


def test_the_methodology_names_indicators_and_puts_formulas_in_words(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = AppTest.from_file(str(VIEWS / "methodology.py"), default_timeout=120).run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "Indicator" in d.value.columns)
    assert list(table["Indicator"]) == [i.short_name for i in INDICATORS.values()]
    formulas = [i.name for i in INDICATORS.values() if "÷" in i.name or AN_ID.search(i.name)]
    assert "new_hires ÷ period-end headcount × 100" in formulas
    for column in ("Indicator", "In words"):
        assert not set(table[column]) & set(formulas), column
        assert not any(AN_ID.search(text) for text in table[column]), column
    assert "Women in workforce = workforce who are women ÷ all workforce × 100" in set(table["In words"])
    assert list(table.columns)[-1] == "Code in the downloads"  # the ids only where the downloads use them


def test_the_sign_in_page_sends_staff_to_an_administrator(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = AppTest.from_file(str(VIEWS / "sign_in.py"), default_timeout=120).run()
    assert not app.exception
    texts = " ".join(e.value for e in [*app.markdown, *app.caption, *app.info, *app.warning])
    assert "Ask an administrator" in texts
    assert "python -m" not in texts and "--role" not in texts


def test_upload_findings_show_the_message_first_and_the_rule_last(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_upload_page(monkeypatch, sample_store)
    rows = quarter_rows(sample_store).reset_index(drop=True)
    rows.loc[0, "value"] = -1
    app.file_uploader[0].set_value(("bad.csv", csv_bytes(rows), "text/csv")).run()
    assert not app.exception
    errors = frame_with(app, "What to do", "error")
    columns = list(errors.columns)
    assert columns[0] == "What to do" and columns[-1] == "Rule"
    assert "value_not_negative" in set(errors["Rule"])
    summary = frame_with(app, "Findings")
    assert list(summary.columns)[0] == "For example" and list(summary.columns)[-1] == "Rule"
    assert summary.iloc[0]["For example"] == errors.iloc[0]["What to do"]


def test_the_findings_csv_keeps_its_columns() -> None:
    from dashboard.web.blocks import findings_table

    findings = [Finding(2, "value", "-1", "value_not_negative", "Must not be negative.")]
    download = pd.read_csv(pd.io.common.BytesIO(csv_bytes(findings_table(findings, download=True))))
    assert list(download.columns) == ["Row", "Column", "Value", "Rule", "What to do", "Severity"]
    assert download.iloc[0].tolist() == [2, "value", -1, "value_not_negative", "Must not be negative.", "error"]


def visible_texts(app: AppTest) -> list[str]:
    """Every heading, caption, text and Markdown block of a page, and the help of its metrics."""
    kinds = (app.title, app.header, app.subheader, app.caption, app.markdown, app.text)
    texts = [e.value for kind in kinds for e in kind]
    return texts + [str(m.proto.help) for m in app.metric]


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("indicator", {"indicator": "new_hire_rate"}),
        ("partnership", {"partnership": "pge-green-for-all", "dataset": "workforce", "indicator": "turnover_rate"}),
        ("compare", {"p": "pge-green-for-all,att-imago", "i": "new_hire_rate"}),
        ("overview", {}),
    ],
)
def test_analytics_pages_name_indicators_and_never_show_a_formula_string(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, page: str, query: dict[str, str]
) -> None:
    """The catalog's names of some rates are formulas over indicator ids ("new_hires ÷ period-end headcount × 100"):
    pages show the indicator's short name and the formula in words, never those strings."""
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin").run()
    app.query_params.clear()
    app.query_params.update(query)
    app.switch_page(f"web/views/{page}.py").run()
    assert not app.exception
    shown = "\n".join(visible_texts(app)).replace("\\", "")  # Markdown made literal: "period\\-end" is "period-end"
    formulas = [i.name for i in INDICATORS.values() if AN_ID.search(i.name)]
    assert formulas
    for formula in formulas:
        assert formula not in shown, (page, formula)
