"""Controlled vocabularies: breakdown dimensions and categories, sectors, regions, countries, visibility.

Loaded from ``vocabularies.yaml`` beside this file and checked at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabularies.yaml")

TOTAL = "total"
"""Code of the headline row: dimension ``total`` with category ``total``."""

DATASETS: tuple[str, ...] = ("workforce", "diversity", "education", "community_capacity")
"""The four quarterly indicator datasets, in display order."""


@dataclass(frozen=True)
class Dimension:
    """A breakdown dimension with its categories (code -> label, in display order)."""

    code: str
    label: str
    categories: Mapping[str, str]

    def category_label(self, code: str) -> str:
        return self.categories.get(code, code)


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    required = {"dimensions", "sectors", "regions", "visibility", "countries"}
    missing = required - set(data)
    if missing:
        raise ValueError(f"{path.name}: missing sections {sorted(missing)}")
    if TOTAL not in data["dimensions"] or list(data["dimensions"][TOTAL]["categories"]) != [TOTAL]:
        raise ValueError(f"{path.name}: dimension 'total' must hold exactly the category 'total'")
    for code, spec in data["dimensions"].items():
        if not all(isinstance(category, str) for category in spec["categories"]):
            raise ValueError(f"{path.name}: categories of {code} must be quoted text (YAML reads 30_50 as a number)")
    return data


_RAW = _load(VOCABULARY_FILE)

DIMENSIONS: Mapping[str, Dimension] = MappingProxyType(
    {
        code: Dimension(
            code=code,
            label=str(spec["label"]),
            categories=MappingProxyType({str(k): str(v) for k, v in spec["categories"].items()}),
        )
        for code, spec in _RAW["dimensions"].items()
    }
)
"""Every dimension, ``total`` first."""

BREAKDOWN_DIMENSIONS: tuple[str, ...] = tuple(code for code in DIMENSIONS if code != TOTAL)
"""Dimensions other than ``total``."""

SECTORS: Mapping[str, str] = MappingProxyType({str(k): str(v) for k, v in _RAW["sectors"].items()})
REGIONS: tuple[str, ...] = tuple(str(r) for r in _RAW["regions"])
VISIBILITY: Mapping[str, str] = MappingProxyType({str(k): str(v) for k, v in _RAW["visibility"].items()})
COUNTRIES: frozenset[str] = frozenset(str(_RAW["countries"]).split())

if len(COUNTRIES) != 249:
    raise ValueError(f"{VOCABULARY_FILE.name}: expected the 249 ISO 3166-1 alpha-2 codes, found {len(COUNTRIES)}")


def categories_of(dimension: str) -> tuple[str, ...]:
    """Category codes of a dimension (empty for an unknown dimension)."""
    found = DIMENSIONS.get(dimension)
    return tuple(found.categories) if found else ()
