"""The layers' import rules (docs/developing/architecture.md): imports point down, never up, and only
``dashboard/web/`` imports streamlit, so every computation is tested without it; and the architecture page names every
module in its layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SHARED = {"data_contracts", "dashboard.settings"}
"""What every layer may import: the contracts and the settings read from the environment."""
LAYERS: dict[str, set[str]] = {
    "storage": set(),
    "access": {"storage"},
    "intake": {"storage", "access"},
    "analytics": set(),
    "present": {"analytics"},
    "public": {"analytics", "present", "storage"},
    "queries": {"storage", "analytics", "present", "public"},
    "web": {"storage", "access", "intake", "analytics", "present", "public", "queries"},
}
"""Each layer of ``dashboard/`` and the layers below it that it may import (besides itself and :data:`SHARED`)."""


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, in full (``from dashboard.storage import store`` gives
    ``dashboard.storage.store``), imports inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def layer_of(module: str) -> str | None:
    """The layer of a ``dashboard`` module (``dashboard.storage.store`` → ``storage``), None for the entry points."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "dashboard" and parts[1] in LAYERS else None


def offending_imports(path: Path, layer: str) -> list[str]:
    """The imports of a file of ``layer`` that reach a layer it may not import."""
    allowed = LAYERS[layer] | {layer}
    wrong = []
    for module in sorted(imported_modules(path)):
        target = layer_of(module)
        if module.split(".")[0] == "dashboard" and target is None and module not in ("dashboard", *SHARED):
            if module.count(".") == 1:  # an entry point (app, cli): only the entry points import them
                wrong.append(module)
        elif target is not None and target not in allowed:
            wrong.append(module)
    return wrong


def test_only_the_web_layer_imports_streamlit() -> None:
    offenders = []
    for path in python_files("dashboard") + python_files("data_contracts"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("dashboard/web/") or relative == "dashboard/app.py":
            continue  # app.py names the st.App that `streamlit run` finds; it only hands over to the web layer
        if any(module.split(".")[0] == "streamlit" for module in imported_modules(path)):
            offenders.append(relative)
    assert offenders == []


@pytest.mark.parametrize("layer", list(LAYERS))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    offenders = {}
    for path in python_files(f"dashboard/{layer}"):
        wrong = offending_imports(path, layer)
        if wrong:
            offenders[path.relative_to(ROOT).as_posix()] = wrong
    assert offenders == {}


def test_every_module_of_dashboard_sits_in_a_layer_or_is_an_entry_point() -> None:
    entry_points = {"__init__.py", "__main__.py", "app.py", "cli.py", "settings.py"}
    loose = [p.name for p in (ROOT / "dashboard").glob("*.py") if p.name not in entry_points]
    folders = {p.name for p in (ROOT / "dashboard").iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert loose == [] and folders <= set(LAYERS)


def test_data_contracts_do_not_import_the_app() -> None:
    offenders = [
        p.name for p in python_files("data_contracts") if any(m.startswith("dashboard") for m in imported_modules(p))
    ]
    assert offenders == []


def test_the_rules_themselves_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text(
        "import streamlit as st\nfrom dashboard.web import blocks\nfrom dashboard.storage.store import Store\n"
        "def later():\n    from dashboard.queries import portfolio\n"
    )
    assert {"streamlit", "dashboard.web.blocks", "dashboard.storage.store", "dashboard.queries.portfolio"} <= (
        imported_modules(sample)
    )
    assert offending_imports(sample, "storage") == [
        "dashboard.queries",
        "dashboard.queries.portfolio",
        "dashboard.web",
        "dashboard.web.blocks",
    ]
    assert offending_imports(sample, "web") == []


ARCHITECTURE = ROOT / "docs" / "developing" / "architecture.md"


def documented_modules() -> dict[str, set[str]]:
    """The modules the architecture page lists under each folder: lines ``- `store.py`: ...`` below the
    folder's heading ``**`dashboard/storage/`**``."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Every module, by layer", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, set[str]] = {}
    folder = None
    for line in section.splitlines():
        header = re.match(r"\*\*`([\w/]+)/`\*\*$", line.strip())
        if header:
            folder = header.group(1)
            listed[folder] = set()
        item = re.match(r"- `([\w./]+)`", line.strip())
        if item and folder is not None:
            listed[folder].add(item.group(1))
    return listed


def test_the_architecture_page_lists_every_module_in_its_layer() -> None:
    folders = ["data_contracts", *(f"dashboard/{layer}" for layer in LAYERS)]
    actual = {
        folder: {p.name for p in (ROOT / folder).glob("*.py") if p.name != "__init__.py"}
        | ({"views/"} if folder == "dashboard/web" else set())
        for folder in folders
    }
    assert documented_modules() == actual
