"""An indicator in words: its label in pickers, its unit, year rule and breakdowns, its definition and framework
references."""

from __future__ import annotations

import re

import pandas as pd

from data_contracts import DATASET_INFO, DIMENSIONS, INDICATORS, Indicator
from data_contracts.catalog import FRAMEWORKS
from data_contracts.units import UNITS

_YEAR_RULE_WORDS = {"sum": "Sum", "last": "Last", "recompute": "Recompute"}
"""The catalog's year rule codes as the metadata tab names them."""


NONE_VERIFIED = "none verified"


def indicator_label(indicator_id: str) -> str:
    """``"Workforce · Headcount"``: the dataset and the short name, as pickers show an indicator."""
    item = INDICATORS[indicator_id]
    return f"{DATASET_INFO[item.dataset].name} · {item.short_name}"


_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
"""An indicator id written into a text (``new_hires``)."""
_GROUP_ENDS = re.compile(r"\s(?:who|with|held|at|per|completing|meeting|from|aged|paid)\b")
"""Where the group a percentage counts ends and what its members share begins (``workforce`` | ``who are women``)."""
_SYMBOLS = {"≥": "at least", "≤": "at most"}
_FORMULA_IN_BRACKETS = re.compile(r"\(([^()]*÷[^()]*)\)")


def _lower_first(text: str) -> str:
    """``"People hired"`` as ``"people hired"``; ``"FTE in …"`` stays."""
    return text if text[1:2].isupper() else f"{text[:1].lower()}{text[1:]}"


def _in_words(text: str) -> str:
    """``text`` with the indicator ids in it written as the indicators' short names and ≥/≤ as words."""
    text = _ID.sub(lambda m: INDICATORS[m[0]].short_name.lower() if m[0] in INDICATORS else m[0], text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    return text


def formula_in_words(indicator: Indicator) -> str:
    """What the indicator is, in plain words, with its formula where it has one:
    ``"Women in workforce = workforce who are women ÷ all workforce × 100"``,
    ``"New hire rate = new hires ÷ period-end headcount × 100"``, ``"Headcount: people working on partnership
    activities, quarter end"``. Never an indicator id."""
    name = _in_words(indicator.name).strip()
    if name.startswith("% "):
        rest = name[2:].strip()
        if rest.startswith("of "):
            counted = rest[3:]
            end = _GROUP_ENDS.search(counted)
            whole = counted[: end.start()] if end else counted
            return f"{indicator.short_name} = {counted} ÷ all {whole} × 100"
        return f"{indicator.short_name} = people {rest} ÷ all people counted × 100"
    bracketed = _FORMULA_IN_BRACKETS.search(name)
    if bracketed:
        name = bracketed[1].strip()
    if "÷" in name:
        scaled = " × 100" if indicator.unit == "percent" and "× 100" not in name else ""
        return f"{indicator.short_name} = {_lower_first(name)}{scaled}"
    return f"{indicator.short_name}: {_lower_first(name)}"


def annual_title(indicator: Indicator) -> str:
    """A plain sentence for an annual chart of the indicator, by its year rule."""
    if indicator.year_rule == "sum":
        return f"{indicator.short_name} per year"
    if indicator.year_rule == "last":
        return f"{indicator.short_name} at year end"
    return f"{indicator.short_name} per year (recomputed from annual figures)"


def _breakdowns_text(indicator: Indicator) -> str:
    if not indicator.breakdowns:
        return "None: reported as a total only"
    parts = []
    for code in indicator.breakdowns:
        dimension = DIMENSIONS[code]
        parts.append(f"{dimension.label} ({', '.join(dimension.categories.values())})")
    return "; ".join(parts)


def indicator_metadata(indicator: Indicator) -> list[tuple[str, str]]:
    """The indicator's definition as (field, text) pairs, in plain words, for a metadata tab."""
    rule = f"{_YEAR_RULE_WORDS[indicator.year_rule]}: {indicator.year_rule_text}"
    pairs = [
        ("Indicator", indicator.short_name),
        ("In words", formula_in_words(indicator)),
        ("Id", indicator.id),
        ("Dataset", DATASET_INFO[indicator.dataset].name),
        ("Description", indicator.description),
        ("Unit", UNITS[indicator.unit].words),
        ("Direction", "Higher is better" if indicator.higher_is_better else "Lower is better"),
        ("Year rule", rule),
    ]
    if indicator.recompute is not None:
        spec = indicator.recompute
        pairs.append(
            (
                "Recomputed from",
                f"{INDICATORS[spec.numerator].short_name} and {INDICATORS[spec.denominator].short_name} "
                f"({spec.method.replace('_', ' ')})",
            )
        )
    pairs += [
        (
            "Whole numbers",
            "Yes: values are whole numbers" if indicator.whole_number else "No: decimals are allowed",
        ),
        (
            "Sign",
            "May be negative (a net change)" if indicator.signed else "Never negative",
        ),
        (
            "Additive",
            "Yes: breakdown categories add up to at most the total, and partnerships can be summed"
            if indicator.additive
            else "No: a rate, share, ratio or average; categories and partnerships do not add up",
        ),
        ("Breakdowns", _breakdowns_text(indicator)),
    ]
    if indicator.breakdowns and indicator.breakdown_of == "owners":
        pairs.append(("Breakdowns describe", "The owners of the supplier firms, not people served"))
    return pairs


def _by_framework(indicator: Indicator) -> list[tuple[str, list]]:
    """Each framework's label (GRI, IRIS+, SDG, WEF, ESRS, in that order) with the indicator's references to it."""
    return [(label, list(indicator.references_for(code))) for code, label in FRAMEWORKS.items()]


def reference_rows(indicator: Indicator) -> pd.DataFrame:
    """Framework references grouped by framework in the order GRI, IRIS+, SDG, WEF, ESRS, one row per reference:
    Framework, Reference, Note. A framework without a verified reference has one row saying so."""
    rows = []
    for label, found in _by_framework(indicator):
        if not found:
            rows.append({"Framework": label, "Reference": NONE_VERIFIED, "Note": ""})
        for reference in found:
            rows.append({"Framework": label, "Reference": f"{label} {reference.code}", "Note": reference.note or ""})
    return pd.DataFrame(rows, columns=["Framework", "Reference", "Note"])


def references_by_framework(indicator: Indicator) -> pd.DataFrame:
    """The indicator's framework references, one row per framework (GRI, IRIS+, SDG, WEF, ESRS): Framework,
    References (codes with their notes, or "none listed")."""
    rows = []
    for label, found in _by_framework(indicator):
        text = "; ".join(f"{r.code} ({r.note})" if r.note else r.code for r in found) or "none listed"
        rows.append((label, text))
    return pd.DataFrame(rows, columns=["Framework", "References"])
