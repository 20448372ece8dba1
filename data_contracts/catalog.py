"""The indicator catalog: every indicator the data contracts accept, with its rules and framework references.

Loaded from ``indicators.yaml`` beside this file and checked at import, so a broken catalog fails loudly at start-up
rather than quietly at validation time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import yaml

from data_contracts.units import UNITS, UnitCode
from data_contracts.vocabularies import BREAKDOWN_DIMENSIONS, DATASETS, categories_of

CATALOG_FILE = Path(__file__).with_name("indicators.yaml")

YearRule = Literal["sum", "last", "recompute"]
RecomputeMethod = Literal["ratio", "weighted_mean", "per_last", "share_of_implied_total"]

YEAR_RULES: tuple[str, ...] = ("sum", "last", "recompute")
RECOMPUTE_METHODS: tuple[str, ...] = ("ratio", "weighted_mean", "per_last", "share_of_implied_total")
FRAMEWORKS: Mapping[str, str] = MappingProxyType(
    {"gri": "GRI", "iris": "IRIS+", "sdg": "SDG", "wef": "WEF", "esrs": "ESRS"}
)


@dataclass(frozen=True)
class Reference:
    """One framework code an indicator refers to, with a qualifier such as "aligned" or "related"."""

    framework: str
    code: str
    note: str | None = None

    def __str__(self) -> str:
        text = f"{FRAMEWORKS[self.framework]} {self.code}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Recompute:
    """How a rate, share or ratio becomes an annual value from annual components."""

    method: RecomputeMethod
    numerator: str
    denominator: str
    scale: float


@dataclass(frozen=True)
class DisclosureCell:
    """One breakdown cell of a population: the group a share is the share of (``share_of``)."""

    dimension: str
    category: str


@dataclass(frozen=True)
class DisclosureGroups:
    """The groups a ratio compares (``groups``), each of which needs at least k people."""

    dimension: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Disclosure:
    """How public outputs protect small groups of people behind an indicator (``disclosure`` in the catalog).

    ``people``: the indicator counts people, so breakdown values below k are suppressed. Otherwise the value is a
    percent, ratio or average over people: ``population`` is the people-count indicator whose cell is the group it is
    computed over (``None``: the group size is not reported), ``numerator`` a count cell it is computed from,
    ``share`` says it is a share of the population (``share_of``: the share of that group) and ``groups`` the groups a
    ratio compares."""

    people: bool = False
    population: str | None = None
    numerator: str | None = None
    share: bool = False
    share_of: DisclosureCell | None = None
    groups: DisclosureGroups | None = None


DISCLOSURE_FIELDS: tuple[str, ...] = ("people", "population", "numerator", "share", "share_of", "groups")


@dataclass(frozen=True)
class Indicator:
    id: str
    dataset: str
    name: str
    short_name: str
    description: str
    unit: UnitCode
    higher_is_better: bool
    year_rule: YearRule
    whole_number: bool
    signed: bool
    additive: bool
    breakdowns: tuple[str, ...]
    references: tuple[Reference, ...]
    references_text: str
    recompute: Recompute | None = None
    year_rule_text: str = ""
    breakdown_of: str = "people"
    disclosure: Disclosure | None = None

    @property
    def unit_label(self) -> str:
        return UNITS[self.unit].label

    def references_for(self, framework: str) -> tuple[Reference, ...]:
        return tuple(r for r in self.references if r.framework == framework)

    def allows(self, dimension: str) -> bool:
        return dimension == "total" or dimension in self.breakdowns


@dataclass(frozen=True)
class DatasetInfo:
    id: str
    name: str
    description: str
    colour: str
    headline_indicator: str


_YEAR_RULE_TEXT = {
    "sum": "Sum of the four quarters (a flow).",
    "last": "Value at the end of the last quarter of the year (a stock).",
}


def _dimension_and_category(where: str, field: str, dimension: object, category: object) -> None:
    if dimension not in BREAKDOWN_DIMENSIONS:
        raise ValueError(f"{where}: disclosure {field} has unknown dimension {dimension!r}")
    if category not in categories_of(str(dimension)):
        raise ValueError(f"{where}: disclosure {field} has unknown category {category!r} of {dimension}")


def _disclosure(where: str, entry: dict) -> Disclosure | None:
    """The ``disclosure`` block of an entry, checked on its own (ids of other indicators are checked by ``_load``)."""
    if "disclosure" not in entry:
        return None
    spec = entry["disclosure"]
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: disclosure must be a mapping of {DISCLOSURE_FIELDS}")
    unknown = set(spec) - set(DISCLOSURE_FIELDS)
    if unknown:
        raise ValueError(f"{where}: disclosure has unknown fields {sorted(unknown)}; expected {DISCLOSURE_FIELDS}")
    for flag in ("people", "share"):
        if flag in spec and not isinstance(spec[flag], bool):
            raise ValueError(f"{where}: disclosure {flag} must be true or false")
    if spec.get("people"):
        others = sorted(k for k in spec if k != "people")
        if others:
            raise ValueError(f"{where}: disclosure people: true takes no other fields; found {others}")
        if entry.get("unit") != "count":
            raise ValueError(f"{where}: disclosure people: true is only for counts")
        return Disclosure(people=True)
    if "population" not in spec:
        raise ValueError(f"{where}: disclosure needs people: true or a population (null when not reported)")
    population = spec["population"]
    numerator = spec.get("numerator")
    share_of_spec = spec.get("share_of")
    groups_spec = spec.get("groups")
    share = bool(spec.get("share", False))
    if population is None:
        if numerator is not None or share or share_of_spec is not None or groups_spec is not None:
            raise ValueError(f"{where}: disclosure with population: null takes no numerator, share or groups")
        return Disclosure()
    for field, value in (("population", population), ("numerator", numerator)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{where}: disclosure {field} must be an indicator id; found {value!r}")
    share_of = None
    if share_of_spec is not None:
        if not isinstance(share_of_spec, dict) or set(share_of_spec) != {"dimension", "category"}:
            raise ValueError(f"{where}: disclosure share_of must be {{dimension, category}}")
        if spec.get("share") is False:
            raise ValueError(f"{where}: disclosure share_of implies share: true")
        _dimension_and_category(where, "share_of", share_of_spec["dimension"], share_of_spec["category"])
        share_of = DisclosureCell(dimension=share_of_spec["dimension"], category=share_of_spec["category"])
        share = True
    groups = None
    if groups_spec is not None:
        if not isinstance(groups_spec, dict) or set(groups_spec) != {"dimension", "categories"}:
            raise ValueError(f"{where}: disclosure groups must be {{dimension, categories}}")
        categories = groups_spec["categories"]
        if not isinstance(categories, list) or len(categories) < 2 or len(set(categories)) != len(categories):
            raise ValueError(f"{where}: disclosure groups needs two or more different categories")
        for category in categories:
            _dimension_and_category(where, "groups", groups_spec["dimension"], category)
        groups = DisclosureGroups(dimension=groups_spec["dimension"], categories=tuple(categories))
    if share and groups is not None:
        raise ValueError(f"{where}: disclosure is either a share or a comparison of groups, not both")
    if share and entry.get("unit") not in ("percent", "ratio"):
        raise ValueError(f"{where}: disclosure share is only for percentages and ratios")
    return Disclosure(population=population, numerator=numerator, share=share, share_of=share_of, groups=groups)


def _check_disclosure(path: Path, item: Indicator, indicators: Mapping[str, Indicator]) -> None:
    """Cross-checks of a disclosure block: the indicators it names are people counts that break down as needed."""
    disclosure = item.disclosure
    if disclosure is None or disclosure.people:
        return
    where = f"{path.name}: indicator {item.id!r}"
    for field, other_id in (("population", disclosure.population), ("numerator", disclosure.numerator)):
        if other_id is None:
            continue
        other = indicators.get(other_id)
        if other is None:
            raise ValueError(f"{where}: disclosure {field} names unknown indicator {other_id!r}")
        if other.disclosure is None or not other.disclosure.people:
            raise ValueError(f"{where}: disclosure {field} {other_id!r} must be a count of people (people: true)")
    population = indicators[disclosure.population] if disclosure.population else None
    for field, cell in (("share_of", disclosure.share_of), ("groups", disclosure.groups)):
        if cell is not None and population is not None and cell.dimension not in population.breakdowns:
            raise ValueError(
                f"{where}: disclosure {field} dimension {cell.dimension!r} is not a breakdown of {population.id!r}"
            )


def _indicator(entry: dict) -> Indicator:
    where = f"{CATALOG_FILE.name}: indicator {entry.get('id', '?')!r}"
    required = {
        "id",
        "dataset",
        "name",
        "short_name",
        "description",
        "unit",
        "higher_is_better",
        "year_rule",
        "whole_number",
        "signed",
        "additive",
        "breakdowns",
        "references",
    }
    missing = required - set(entry)
    if missing:
        raise ValueError(f"{where}: missing fields {sorted(missing)}")
    if entry["dataset"] not in DATASETS:
        raise ValueError(f"{where}: unknown dataset {entry['dataset']!r}")
    if entry["unit"] not in UNITS:
        raise ValueError(f"{where}: unknown unit {entry['unit']!r}")
    if entry["year_rule"] not in YEAR_RULES:
        raise ValueError(f"{where}: unknown year rule {entry['year_rule']!r}")
    unknown_dims = set(entry["breakdowns"]) - set(BREAKDOWN_DIMENSIONS)
    if unknown_dims:
        raise ValueError(f"{where}: unknown breakdowns {sorted(unknown_dims)}")
    if entry["additive"] and not UNITS[entry["unit"]].adds_up:
        raise ValueError(f"{where}: only counts, hours and currency can be additive")
    if entry["whole_number"] and entry["unit"] != "count":
        raise ValueError(f"{where}: only counts can require whole numbers")
    recompute = None
    if entry["year_rule"] == "recompute":
        spec = entry.get("recompute") or {}
        if spec.get("method") not in RECOMPUTE_METHODS:
            raise ValueError(f"{where}: recompute needs a method among {RECOMPUTE_METHODS}")
        recompute = Recompute(
            method=spec["method"],
            numerator=str(spec["numerator"]),
            denominator=str(spec["denominator"]),
            scale=float(spec.get("scale", 1)),
        )
    elif "recompute" in entry:
        raise ValueError(f"{where}: 'recompute' is only for year_rule recompute")
    references = []
    for framework, items in (entry["references"] or {}).items():
        if framework not in FRAMEWORKS:
            raise ValueError(f"{where}: unknown framework {framework!r}")
        for item in items or []:
            references.append(Reference(framework=framework, code=str(item["code"]), note=item.get("note")))
    return Indicator(
        id=str(entry["id"]),
        dataset=str(entry["dataset"]),
        name=str(entry["name"]),
        short_name=str(entry["short_name"]),
        description=str(entry["description"]),
        unit=entry["unit"],
        higher_is_better=bool(entry["higher_is_better"]),
        year_rule=entry["year_rule"],
        whole_number=bool(entry["whole_number"]),
        signed=bool(entry["signed"]),
        additive=bool(entry["additive"]),
        breakdowns=tuple(entry["breakdowns"]),
        references=tuple(references),
        references_text=str(entry.get("references_text", "")),
        recompute=recompute,
        year_rule_text=str(entry.get("year_rule_text") or _YEAR_RULE_TEXT.get(entry["year_rule"], "")),
        breakdown_of=str(entry.get("breakdown_of", "people")),
        disclosure=_disclosure(where, entry),
    )


def _load(path: Path) -> tuple[Mapping[str, Indicator], Mapping[str, DatasetInfo]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    datasets = {d["id"]: DatasetInfo(**d) for d in data["datasets"]}
    if tuple(datasets) != DATASETS:
        raise ValueError(f"{path.name}: datasets must be {DATASETS} in that order")
    indicators: dict[str, Indicator] = {}
    for entry in data["indicators"]:
        indicator = _indicator(entry)
        if indicator.id in indicators:
            raise ValueError(f"{path.name}: indicator {indicator.id!r} is listed twice")
        indicators[indicator.id] = indicator
    for indicator in indicators.values():
        if indicator.recompute:
            for part in (indicator.recompute.numerator, indicator.recompute.denominator):
                if part not in indicators:
                    raise ValueError(f"{path.name}: {indicator.id} recomputes from unknown indicator {part!r}")
        _check_disclosure(path, indicator, indicators)
    for info in datasets.values():
        headline = indicators.get(info.headline_indicator)
        if headline is None or headline.dataset != info.id:
            raise ValueError(f"{path.name}: dataset {info.id} has an invalid headline indicator")
    return MappingProxyType(indicators), MappingProxyType(datasets)


INDICATORS, DATASET_INFO = _load(CATALOG_FILE)
"""All indicators by id (catalog order) and the four datasets' display information by id."""


def indicator(indicator_id: str) -> Indicator:
    """The catalog entry of an indicator id; ``KeyError`` naming the id when it is unknown."""
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}") from None


def indicators_of(dataset: str) -> tuple[Indicator, ...]:
    """The indicators of one dataset, in catalog order."""
    if dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    return tuple(i for i in INDICATORS.values() if i.dataset == dataset)
