"""The one-way import rule of the architecture: nothing below the pages imports streamlit, and the contracts do
not import the app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_EDGE = {"dashboard/app.py", "dashboard/ui.py", "dashboard/portfolio_page.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_only_pages_and_the_app_edge_import_streamlit() -> None:
    offenders = []
    for path in python_files("dashboard") + python_files("data_contracts"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("dashboard/views/") or relative in STREAMLIT_EDGE:
            continue
        if "streamlit" in imported_modules(path):
            offenders.append(relative)
    assert offenders == []


def test_data_contracts_do_not_import_the_app() -> None:
    offenders = [p.name for p in python_files("data_contracts") if "dashboard" in imported_modules(p)]
    assert offenders == []


def test_the_rule_itself_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import streamlit as st\nfrom dashboard.store import Store\n")
    assert {"streamlit", "dashboard"} <= imported_modules(sample)
