"""Indicator presets (the overview's KPI cards, the Compare page's defaults, the headcount used per participant, ...)
name indicators of the catalog: a renamed or removed indicator fails here, not on a page."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from data_contracts import DATASET_INFO, INDICATORS

ROOT = Path(__file__).resolve().parent.parent
PRESET_NAME = re.compile(r"(^|_)(KPIS|INDICATORS?)$")
"""Module-level constants that hold indicator ids: ``HEADLINE_KPIS``, ``DEFAULT_INDICATORS``, ``..._INDICATOR``."""


def presets() -> dict[str, tuple[str, ...]]:
    """Every preset of ``dashboard/`` by ``module.NAME``: literal values read from the source (pages are scripts and
    are not imported), computed ones from the imported module."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            target = node.target if isinstance(node, ast.AnnAssign) else target
            if not isinstance(target, ast.Name) or not PRESET_NAME.search(target.id) or node.value is None:
                continue
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                if "/web/views/" in path.as_posix():
                    raise AssertionError(f"{module}.{target.id}: a page's preset must be a literal") from None
                value = getattr(importlib.import_module(module), target.id)
            ids = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, tuple | list) else ()
            if ids and all(isinstance(i, str) for i in ids):  # MAX_INDICATORS and the like are not presets
                found[f"{module}.{target.id}"] = ids
    return found


def test_every_preset_names_catalog_indicators() -> None:
    unknown = {name: [i for i in ids if i not in INDICATORS] for name, ids in presets().items()}
    assert {name: ids for name, ids in unknown.items() if ids} == {}


def test_the_presets_are_found() -> None:
    names = {name.rsplit(".", 1)[1] for name in presets()}
    assert {"HEADLINE_KPIS", "DEFAULT_INDICATORS", "PARTICIPANTS_INDICATOR", "HEADLINE_INDICATORS"} <= names


def test_each_dataset_headline_is_an_indicator_of_that_dataset() -> None:
    assert all(INDICATORS[info.headline_indicator].dataset == dataset for dataset, info in DATASET_INFO.items())
