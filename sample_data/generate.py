"""Generate the SYNTHETIC sample data of the Partnership Impact Dashboard.

Every figure written by this script is SYNTHETIC and illustrative. Real organisation names (AT&T, Imago Foundation,
PG&E, Green for All) appear only to illustrate the kinds of partnership the dashboard serves; their figures are
invented and say nothing about those organisations. The other partnerships and organisations are fictional.

The data is deterministic: one fixed seed, random streams derived from stable names, no network. It follows the
contracts in ``data_contracts`` (indicator catalog, vocabularies, pandera models): every partnership reports every
indicator of its focus datasets for every quarter (the indicators of a programme, such as pre-apprenticeship, only
when it runs that programme), with the total row and every breakdown the catalog allows.
Additive categories add up exactly to their total (largest-remainder rounding).

Run from the repository root::

    python sample_data/generate.py           # write the CSVs beside this file
    python sample_data/generate.py --check   # write them, validate them against the contracts, print a summary
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from data_contracts import DATASETS, DIMENSIONS, INDICATORS, TOTAL  # noqa: E402

if __package__:  # imported as sample_data.generate
    from .partnership_specs import FIRST_YEAR, GOALS, PARTNERSHIPS, GoalSpec, PartnershipSpec, Population
else:  # run as a script: this folder is on sys.path
    from partnership_specs import FIRST_YEAR, GOALS, PARTNERSHIPS, GoalSpec, PartnershipSpec, Population

SEED = 20_240_611
LAST_QUARTER = (2026, 3)
NOTE = "synthetic sample data"

Key = tuple[str, str, str]
"""(indicator_id, dimension, category)."""
Quarter = tuple[int, int]

NEW_THIS_YEAR_PROFILE = np.array([0.46, 0.24, 0.19, 0.11])
"""Quarter shares of "new this year" counts: people are counted in the first quarter they are reached."""
TENTHS = {"workforce_fte", "supported_enterprise_jobs", "net_jobs_created_supported", "volunteer_hours"}
"""Additive indicators written with one decimal; other additive ones are whole people, hours or dollars."""

# Quarterly level in 2022 (amounts), annual total in 2022 ("new this year" counts) or 2022 level (rates, stocks).
DEFAULT_LEVELS: dict[str, float] = {
    "workforce_headcount": 200, "turnover_rate": 4.5, "supported_enterprise_jobs": 60, "living_wage_share": 78,
    "entry_wage_to_min_wage": 1.25, "recordable_injuries": 2.0,
    "women_share_management": 30, "women_share_governance": 35, "disability_share_workforce": 4.5,
    "gender_pay_ratio": 0.9, "ethnic_pay_ratio": 0.88, "gender_promotion_ratio": 0.92,
    "teachers_trained": 300, "teachers_min_qualified_share": 78, "students_reached": 6000, "schools_reached": 40,
    "learning_hours": 30_000, "students_min_proficiency_share": 52, "completion_rate": 76,
    "green_skills_trainees": 200, "employee_training_hours_avg": 7.5,
    "local_supplier_spend": 400_000, "local_spend_share": 38, "sme_supplier_spend": 260_000,
    "diverse_owned_supplier_spend": 110_000, "local_enterprises_contracted": 30, "community_orgs_supported": 20,
    "community_investment": 120_000, "volunteer_hours": 2_000, "residents_engaged": 1_200,
    "open_spaces_stewarded": 10, "sites_with_engagement_share": 60,
    "seasonal_jobs": 40, "pre_apprenticeship_enrolments": 20, "community_stakeholders_engaged": 1_500,
    "community_events_held": 6, "community_event_attendance": 140,
}  # fmt: skip
# Programme indicators (partnership_specs.PROGRAMME_INDICATORS): seasonal jobs and community stakeholders are annual
# "new this year" counts; pre-apprenticeship enrolments and events are per quarter; event attendance is per event.
# Completions and placements follow enrolments, residents in decisions are a share of residents engaged.
# Annual change: growth rate for amounts and counts, absolute drift (points per year) for rates and ratios.
DEFAULT_TRENDS: dict[str, float] = {
    "turnover_rate": 0.0, "recordable_injuries": -0.03, "living_wage_share": 1.5, "entry_wage_to_min_wage": 0.02,
    "women_share_management": 0.8, "women_share_governance": 1.0, "disability_share_workforce": 0.2,
    "gender_pay_ratio": 0.01, "ethnic_pay_ratio": 0.01, "gender_promotion_ratio": 0.015,
    "teachers_min_qualified_share": 1.5, "students_min_proficiency_share": 1.2, "completion_rate": 1.0,
    "employee_training_hours_avg": 0.3, "local_spend_share": 1.0, "sites_with_engagement_share": 3.0,
}  # fmt: skip
RATE_NOISE = {"percent": 0.6, "ratio": 0.01, "hours": 0.25}

# A non-additive category's value is the total times a factor (plus noise): e.g. proficiency is lower among
# disadvantaged students. Indicator-specific factors override the generic ones.
CATEGORY_FACTORS: dict[str, dict[str, float]] = {
    "gender": {"woman": 1.02, "man": 0.98, "non_binary": 0.95, "undisclosed": 0.97},
    "age_band": {"under_30": 1.04, "30_50": 1.0, "over_50": 0.94, "undisclosed": 0.97},
    "ethnicity": {"marginalised": 0.95, "other": 1.03, "undisclosed": 0.98},
    "disadvantaged_status": {"disadvantaged": 0.9, "not_disadvantaged": 1.06, "undisclosed": 0.98},
    "employment_type": {"direct": 1.04, "subcontractor": 0.92},
}
INDICATOR_FACTORS: dict[tuple[str, str], dict[str, float]] = {
    ("living_wage_share", "employment_type"): {"direct": 1.08, "subcontractor": 0.85},
    ("women_share_workforce", "age_band"): {"under_30": 1.15, "30_50": 1.0, "over_50": 0.8, "undisclosed": 0.95},
    ("women_share_management", "age_band"): {"under_30": 1.2, "30_50": 1.0, "over_50": 0.85, "undisclosed": 0.9},
    ("disadvantaged_share_workforce", "ethnicity"): {"marginalised": 1.45, "other": 0.8, "undisclosed": 1.0},
    ("youth_share_workforce", "employment_type"): {"direct": 0.9, "subcontractor": 1.2},
    ("youth_share_workforce", "disadvantaged_status"): {"disadvantaged": 1.15, "not_disadvantaged": 0.92,
                                                        "undisclosed": 1.0},
}  # fmt: skip
FTE_FACTORS = {
    "gender": {"woman": 0.92, "man": 1.0, "non_binary": 0.95, "undisclosed": 0.97},
    "employment_type": {"direct": 0.97, "subcontractor": 0.82},
}


def all_quarters(first_year: int) -> list[Quarter]:
    return [(y, q) for y in range(first_year, LAST_QUARTER[0] + 1) for q in range(1, 5) if (y, q) <= LAST_QUARTER]


def categories(dimension: str) -> tuple[str, ...]:
    return tuple(DIMENSIONS[dimension].categories)


def rng_for(*names: str) -> np.random.Generator:
    """A random stream that depends only on the seed and the names, so tuning one series never shifts another."""
    return np.random.default_rng([SEED, zlib.crc32("/".join(names).encode("utf-8"))])


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split a whole ``total`` into whole parts proportional to ``weights`` that add up to it exactly."""
    w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    if total <= 0:
        return np.zeros(len(w), dtype=np.int64)
    if w.sum() <= 0:
        w = np.ones(len(w))
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - parts), kind="stable")
    parts[order[: total - int(parts.sum())]] += 1
    return parts


class SeriesBuilder:
    """Builds every series of one partnership, keyed by (indicator, dimension, category), one value per quarter."""

    def __init__(self, spec: PartnershipSpec) -> None:
        self.spec = spec
        self.quarters = all_quarters(spec.first_year)
        self.t = np.array([(y - FIRST_YEAR) + (q - 1) / 4 for y, q in self.quarters])
        self.qi = np.array([q - 1 for _, q in self.quarters])
        self.series: dict[Key, np.ndarray] = {}

    # ---- parameters and raw paths -------------------------------------------------------------------------
    def rng(self, name: str) -> np.random.Generator:
        return rng_for(self.spec.partnership_id, name)

    def level(self, indicator_id: str) -> float:
        return self.spec.levels.get(indicator_id, DEFAULT_LEVELS[indicator_id])

    def trend(self, indicator_id: str) -> float:
        if indicator_id in self.spec.trends:
            return self.spec.trends[indicator_id]
        return DEFAULT_TRENDS.get(indicator_id, self.spec.growth)

    def amounts(self, indicator_id: str, t: np.ndarray, season: np.ndarray | float, noise: float) -> np.ndarray:
        """Level x (1 + growth)^years x season x log-normal noise."""
        shock = self.rng(indicator_id).lognormal(0.0, noise, len(t))
        return self.level(indicator_id) * (1 + self.trend(indicator_id)) ** t * season * shock

    def rates(self, indicator_id: str) -> np.ndarray:
        """Level + drift x years + normal noise (rates, shares, ratios, averages)."""
        noise = RATE_NOISE[INDICATORS[indicator_id].unit]
        shock = self.rng(indicator_id).normal(0.0, noise, len(self.t))
        return self.level(indicator_id) + self.trend(indicator_id) * self.t + shock

    def new_this_year(self, indicator_id: str, profile: np.ndarray | None = None) -> np.ndarray:
        """Annual unique counts spread over quarters, most in the first quarter people are reached (or by the
        quarters' own ``profile``, such as seasonal starts)."""
        rng = self.rng(indicator_id)
        if profile is None:
            profile = NEW_THIS_YEAR_PROFILE * np.array(self.spec.season)
        out = np.zeros(len(self.quarters), dtype=np.int64)
        for year in sorted({y for y, _ in self.quarters}):
            annual = self.level(indicator_id) * (1 + self.trend(indicator_id)) ** (year - FIRST_YEAR)
            parts = largest_remainder(round(annual * rng.lognormal(0.0, 0.04)), profile * rng.lognormal(0, 0.1, 4))
            for i, (y, q) in enumerate(self.quarters):
                if y == year:
                    out[i] = parts[q - 1]
        return out

    def stock_count(self, indicator_id: str) -> np.ndarray:
        """Whole-number stock (schools, open spaces) that grows in steps."""
        values = np.rint(self.amounts(indicator_id, self.t, 1.0, 0.015)).astype(np.int64)
        return np.maximum.accumulate(values) if self.trend(indicator_id) >= 0 else values

    # ---- storing series ----------------------------------------------------------------------------------
    def split(
        self,
        indicator_id: str,
        totals: np.ndarray,
        t: np.ndarray,
        population: Population | None = None,
        weights: Callable[[str, int], np.ndarray] | None = None,
    ) -> dict[tuple[str, str], np.ndarray]:
        """Whole-unit totals and, for every allowed breakdown, categories adding up exactly to them."""
        rng = self.rng(f"{indicator_id}/split")
        noise = 0.015 if INDICATORS[indicator_id].year_rule == "last" else 0.06  # stocks change slowly
        parts: dict[tuple[str, str], np.ndarray] = {(TOTAL, TOTAL): np.asarray(totals, dtype=np.int64)}
        for dimension in INDICATORS[indicator_id].breakdowns:
            cats = categories(dimension)
            table = np.zeros((len(cats), len(totals)), dtype=np.int64)
            for i, total in enumerate(totals):
                if weights is not None:
                    base = weights(dimension, i)
                else:
                    assert population is not None
                    shares = population.shares(dimension, float(t[i]))
                    base = np.array([shares[c] for c in cats])
                table[:, i] = largest_remainder(int(total), base * rng.lognormal(0.0, noise, len(cats)))
            for c, category in enumerate(cats):
                parts[(dimension, category)] = table[c]
        return parts

    def put_units(self, indicator_id: str, parts: Mapping[tuple[str, str], np.ndarray]) -> None:
        unit = 0.1 if indicator_id in TENTHS else 1.0
        for (dimension, category), values in parts.items():
            self.series[(indicator_id, dimension, category)] = np.asarray(values, dtype=float) * unit

    def put_additive(self, indicator_id: str, totals: np.ndarray, population: Population | None = None) -> None:
        self.put_units(indicator_id, self.split(indicator_id, totals, self.t, population))

    def put_rate(self, indicator_id: str, totals: np.ndarray) -> None:
        """A non-additive indicator: the total and, per category, its own rate around the total."""
        unit = INDICATORS[indicator_id].unit
        digits, high = {"percent": (1, 100.0), "ratio": (2, 3.0), "hours": (1, 1e9)}[unit]
        rng = self.rng(f"{indicator_id}/split")
        self.series[(indicator_id, TOTAL, TOTAL)] = np.round(np.clip(totals, 0.0, high), digits)
        for dimension in INDICATORS[indicator_id].breakdowns:
            factors = INDICATOR_FACTORS.get((indicator_id, dimension), CATEGORY_FACTORS[dimension])
            for category in categories(dimension):
                noise = 0.06 if category in ("undisclosed", "non_binary") else 0.025
                values = totals * factors[category] * rng.lognormal(0.0, noise, len(totals))
                self.series[(indicator_id, dimension, category)] = np.round(np.clip(values, 0.0, high), digits)

    def put_ratio_of(self, indicator_id: str, numerator: str, denominator: str) -> None:
        """numerator / denominator x 100 of the same quarter, for the total and every allowed breakdown."""
        for dimension in (TOTAL, *INDICATORS[indicator_id].breakdowns):
            for category in categories(dimension):
                num = self.series[(numerator, dimension, category)]
                den = self.series[(denominator, dimension, category)]
                share = np.divide(num * 100, den, out=np.zeros_like(num), where=den > 0)
                self.series[(indicator_id, dimension, category)] = np.round(np.clip(share, 0.0, 100.0), 1)

    def share_of(self, indicator_id: str, dimension: str, category: str) -> np.ndarray:
        """Category as a percentage of the total row of an additive indicator."""
        part, total = self.series[(indicator_id, dimension, category)], self.series[(indicator_id, TOTAL, TOTAL)]
        return np.divide(part * 100, total, out=np.zeros_like(part), where=total > 0)


# ---- the four datasets --------------------------------------------------------------------------------------


def build_workforce(b: SeriesBuilder) -> None:
    spec = b.spec
    pre_t = np.concatenate([[b.t[0] - 0.25], b.t])  # one quarter before the first, for flows and net changes
    season = np.array(spec.season)[np.concatenate([[(b.qi[0] - 1) % 4], b.qi])]
    head = np.rint(b.amounts("workforce_headcount", pre_t, season, 0.015)).astype(np.int64)
    leave_rate = np.clip((b.level("turnover_rate") + b.trend("turnover_rate") * b.t) / 100, 0.005, 0.6)
    departures = b.rng("departures").binomial(head[:-1], leave_rate)
    some_hiring = np.rint(0.4 * head[:-1] * leave_rate)  # a little hiring every quarter, even while shrinking
    hires = np.maximum(head[1:] - head[:-1] + departures, some_hiring)
    departures = hires - (head[1:] - head[:-1])  # stock-flow identity: headcount change = hires - departures
    head = head[1:]
    b.put_additive("workforce_headcount", head, spec.population("workforce"))

    fte_tenths = np.rint(head * spec.fte_ratio * 10 * b.rng("fte").lognormal(0.0, 0.01, len(head)))

    def fte_weights(dimension: str, i: int) -> np.ndarray:
        factors = FTE_FACTORS[dimension]
        return np.array([b.series[("workforce_headcount", dimension, c)][i] * factors[c] for c in factors])

    b.put_units("workforce_fte", b.split("workforce_fte", fte_tenths.astype(np.int64), b.t, weights=fte_weights))
    b.put_additive("new_hires", hires, spec.population("hires"))
    b.put_ratio_of("new_hire_rate", "new_hires", "workforce_headcount")
    b.put_additive("departures", departures, spec.population("departures"))
    b.put_ratio_of("turnover_rate", "departures", "workforce_headcount")

    jobs = np.rint(b.amounts("supported_enterprise_jobs", pre_t, 1.0, 0.03) * 10).astype(np.int64)
    parts = b.split("supported_enterprise_jobs", jobs, pre_t, spec.population("enterprise"))
    b.put_units("supported_enterprise_jobs", {key: values[1:] for key, values in parts.items()})
    b.put_units("net_jobs_created_supported", {key: np.diff(values) for key, values in parts.items()})

    b.put_rate("living_wage_share", b.rates("living_wage_share"))
    b.put_rate("entry_wage_to_min_wage", b.rates("entry_wage_to_min_wage"))
    expected = b.level("recordable_injuries") * head / head[0] * (1 + b.trend("recordable_injuries")) ** b.t
    b.put_additive("recordable_injuries", b.rng("injuries").poisson(expected), spec.population("injuries"))
    if spec.reports("seasonal_jobs"):
        seasonal = b.new_this_year("seasonal_jobs", np.array(spec.seasonal_profile))
        b.put_additive("seasonal_jobs", seasonal, spec.population("seasonal"))
    if spec.reports("pre_apprenticeship_enrolments"):
        build_pre_apprenticeship(b)


def build_pre_apprenticeship(b: SeriesBuilder) -> None:
    """Enrolments each quarter; completions a quarter after enrolling; placements a quarter after completing."""
    spec = b.spec
    ext_t = np.concatenate([b.t[0] - np.array([0.5, 0.25]), b.t])  # two quarters before the first, for the lags
    enrolled = np.rint(b.amounts("pre_apprenticeship_enrolments", ext_t, 1.0, 0.06)).astype(np.int64)
    rng = b.rng("pre_apprenticeship")

    def share_of_last_quarter(values: np.ndarray, rate: float) -> np.ndarray:
        before = np.concatenate([[values[0]], values[:-1]])
        return np.minimum(np.rint(before * rate * rng.lognormal(0.0, 0.04, len(values))), before).astype(np.int64)

    completed = share_of_last_quarter(enrolled, spec.pre_apprentice_completion_rate)
    placed = share_of_last_quarter(completed, spec.pre_apprentice_placement_rate)
    population = spec.population("pre_apprentices")
    b.put_additive("pre_apprenticeship_enrolments", enrolled[2:], population)
    b.put_additive("pre_apprenticeship_completions", completed[2:], population)
    b.put_additive("pre_apprenticeship_placements", placed[2:], population)


def build_diversity(b: SeriesBuilder) -> None:
    """Workforce shares come from the headcount breakdowns of the same quarter, so the two datasets agree."""
    b.put_rate("women_share_workforce", b.share_of("workforce_headcount", "gender", "woman"))
    b.put_rate("women_share_management", b.rates("women_share_management"))
    seats = b.spec.board_seats
    b.put_rate("women_share_governance", np.rint(b.rates("women_share_governance") / 100 * seats) / seats * 100)
    b.put_rate("marginalized_share_workforce", b.share_of("workforce_headcount", "ethnicity", "marginalised"))
    disadvantaged = b.share_of("workforce_headcount", "disadvantaged_status", "disadvantaged")
    b.put_rate("disadvantaged_share_workforce", disadvantaged)
    b.put_rate("disability_share_workforce", b.rates("disability_share_workforce"))
    b.put_rate("youth_share_workforce", b.share_of("workforce_headcount", "age_band", "under_30"))
    hires = b.series[("new_hires", TOTAL, TOTAL)]
    target_hires = np.where(hires > 0, b.share_of("new_hires", "disadvantaged_status", "disadvantaged"), disadvantaged)
    b.put_rate("target_group_hire_share", target_hires)
    for ratio in ("gender_pay_ratio", "ethnic_pay_ratio", "gender_promotion_ratio"):
        b.put_rate(ratio, b.rates(ratio))


def build_education(b: SeriesBuilder) -> None:
    spec = b.spec
    b.put_additive("teachers_trained", b.new_this_year("teachers_trained"), spec.population("teachers"))
    b.put_rate("teachers_min_qualified_share", b.rates("teachers_min_qualified_share"))
    b.put_additive("students_reached", b.new_this_year("students_reached"), spec.population("students"))
    b.put_additive("schools_reached", b.stock_count("schools_reached"), spec.population("schools"))
    hours = np.rint(b.amounts("learning_hours", b.t, np.array(spec.school_season)[b.qi], 0.05)).astype(np.int64)
    b.put_additive("learning_hours", hours, spec.population("students"))
    b.put_rate("students_min_proficiency_share", b.rates("students_min_proficiency_share"))
    b.put_rate("completion_rate", b.rates("completion_rate"))
    trainees = b.new_this_year("green_skills_trainees")
    b.put_additive("green_skills_trainees", trainees, spec.population("trainees"))
    # Trainees certify over the following year and are placed in jobs a quarter after certifying.
    rng = b.rng("certified")
    history = np.concatenate([np.full(4, b.level("green_skills_trainees") / 4), trainees])
    pool = np.rint([history[i : i + 4].mean() for i in range(1, len(trainees) + 1)]).astype(np.int64)
    certified = rng.binomial(pool, spec.certification_rate)
    placed = rng.binomial(np.concatenate([[certified[0]], certified[:-1]]), spec.placement_rate)
    b.put_additive("trainees_certified", certified, spec.population("trainees"))
    b.put_additive("trainee_job_placements", placed, spec.population("trainees"))
    b.put_rate("employee_training_hours_avg", b.rates("employee_training_hours_avg"))
    if spec.reports("community_stakeholders_engaged"):
        stakeholders = b.new_this_year("community_stakeholders_engaged")
        b.put_additive("community_stakeholders_engaged", stakeholders, spec.population("stakeholders"))


def build_community_capacity(b: SeriesBuilder) -> None:
    season = np.array(b.spec.season)[b.qi]

    def dollars(indicator_id: str, noise: float = 0.08) -> np.ndarray:
        return np.rint(b.amounts(indicator_id, b.t, season, noise)).astype(np.int64)

    b.put_additive("local_supplier_spend", dollars("local_supplier_spend"))
    b.put_rate("local_spend_share", b.rates("local_spend_share"))
    b.put_additive("sme_supplier_spend", dollars("sme_supplier_spend"))
    b.put_additive("diverse_owned_supplier_spend", dollars("diverse_owned_supplier_spend"), b.spec.population("owners"))
    enterprises = b.new_this_year("local_enterprises_contracted")
    b.put_additive("local_enterprises_contracted", enterprises, b.spec.population("owners"))
    b.put_additive("community_orgs_supported", b.new_this_year("community_orgs_supported"))
    b.put_additive("community_investment", dollars("community_investment", 0.12))
    hours = np.rint(b.amounts("volunteer_hours", b.t, season**2, 0.07) * 10).astype(np.int64)
    b.put_additive("volunteer_hours", hours, b.spec.population("community"))
    b.put_additive("residents_engaged", b.new_this_year("residents_engaged"), b.spec.population("community"))
    b.put_additive("open_spaces_stewarded", b.stock_count("open_spaces_stewarded"))
    b.put_rate("sites_with_engagement_share", b.rates("sites_with_engagement_share"))
    if b.spec.reports("community_events_held"):
        events = b.rng("events").poisson(b.amounts("community_events_held", b.t, season, 0.05))
        attendance = np.rint(events * b.amounts("community_event_attendance", b.t, 1.0, 0.12)).astype(np.int64)
        b.put_additive("community_events_held", events)
        b.put_additive("community_event_attendance", attendance)
    if b.spec.reports("residents_in_decisions"):  # a share of the residents engaged, in the same groups
        engaged = b.series[("residents_engaged", TOTAL, TOTAL)].astype(np.int64)
        share = np.clip(b.spec.decision_share + b.spec.decision_drift * b.t, 0.0, 1.0)
        deciding = b.rng("residents_in_decisions").binomial(engaged, share)

        def engaged_in(dimension: str, i: int) -> np.ndarray:
            return np.array([b.series[("residents_engaged", dimension, c)][i] for c in categories(dimension)])

        b.put_units("residents_in_decisions", b.split("residents_in_decisions", deciding, b.t, weights=engaged_in))


BUILDERS: dict[str, Callable[[SeriesBuilder], None]] = {
    "workforce": build_workforce,
    "diversity": build_diversity,
    "education": build_education,
    "community_capacity": build_community_capacity,
}


def build_partnership(spec: PartnershipSpec) -> SeriesBuilder:
    builder = SeriesBuilder(spec)
    needed = set(spec.focus) | ({"workforce"} if "diversity" in spec.focus else set())
    for dataset in DATASETS:  # workforce first: diversity shares are derived from it
        if dataset in needed:
            BUILDERS[dataset](builder)
    return builder


# ---- output -------------------------------------------------------------------------------------------------


def format_value(indicator_id: str, value: float) -> str:
    indicator = INDICATORS[indicator_id]
    if indicator_id in TENTHS:
        text = f"{value:.1f}"
    elif indicator.whole_number or indicator.unit == "currency_usd":
        text = str(int(round(value)))
    elif indicator.unit == "ratio":
        text = f"{value:.2f}"
    else:
        text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def indicator_frame(builders: list[SeriesBuilder], dataset: str) -> pd.DataFrame:
    """Long layout, in catalog order: partnership, quarter, indicator, total first, then each breakdown."""
    rows = []
    for b in builders:
        if dataset not in b.spec.focus:
            continue
        for i, (year, quarter) in enumerate(b.quarters):
            for indicator in (x for x in INDICATORS.values() if x.dataset == dataset and b.spec.reports(x.id)):
                for dimension in (TOTAL, *indicator.breakdowns):
                    for category in categories(dimension):
                        value = b.series[(indicator.id, dimension, category)][i]
                        rows.append(
                            (b.spec.partnership_id, year, quarter, indicator.id, dimension, category,
                             format_value(indicator.id, value), NOTE)
                        )  # fmt: skip
    columns = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value", "note"]
    return pd.DataFrame(rows, columns=columns)


def partnerships_frame(specs: list[PartnershipSpec]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partnership_id": [s.partnership_id for s in specs],
            "name": [s.name for s in specs],
            "partner_organisations": ["; ".join(s.partners) for s in specs],
            "lead_sector": [s.lead_sector for s in specs],
            "focus_datasets": [";".join(s.focus) for s in specs],
            "country": [s.country for s in specs],
            "region": [s.region for s in specs],
            "start_date": [s.start_date for s in specs],
            "committed_funding_usd": [s.funding_usd for s in specs],
            "visibility": [s.visibility for s in specs],
            "description": [s.description for s in specs],
            "due_days": pd.array([s.due_days for s in specs], dtype="Int64"),
        }
    )


# ---- goals --------------------------------------------------------------------------------------------------

LAST_COMPLETE_YEAR = 2025
"""Latest complete year: the "current" value against which goal targets are set."""


def annual_value(b: SeriesBuilder, goal: GoalSpec, window: list[Quarter]) -> float:
    """The value of a goal's series over ``window`` (the four quarters of a year) by the indicator's year rule."""
    indicator = INDICATORS[goal.indicator_id]
    rows = [b.quarters.index(q) for q in window]

    def values(indicator_id: str) -> np.ndarray:
        allowed = INDICATORS[indicator_id].allows(goal.dimension)
        dimension, category = (goal.dimension, goal.category) if allowed else (TOTAL, TOTAL)
        return b.series[(indicator_id, dimension, category)][rows]

    if indicator.year_rule == "sum":
        return float(values(indicator.id).sum())
    if indicator.year_rule == "last":
        return float(values(indicator.id)[-1])
    assert indicator.recompute is not None
    rule, own = indicator.recompute, values(indicator.id)
    if rule.method == "ratio":
        return float(values(rule.numerator).sum() / values(rule.denominator)[-1] * rule.scale)
    if rule.method == "weighted_mean":
        return float((own * values(rule.denominator)).sum() / values(rule.denominator).sum())
    if rule.method == "per_last":
        return float((own * values(rule.denominator)).sum() / values(rule.denominator)[-1])
    numerator = values(rule.numerator)  # share_of_implied_total
    return float(numerator.sum() / (numerator * rule.scale / own).sum() * rule.scale)


def round_goal_value(indicator_id: str, value: float) -> float:
    """Three significant figures, then the indicator's own precision."""
    rounded = float(f"{value:.3g}")
    indicator = INDICATORS[indicator_id]
    if indicator.unit == "percent":
        return min(round(rounded, 1), 100.0)
    if indicator.whole_number or indicator.unit == "currency_usd":
        return float(round(rounded))
    return round(rounded, 2 if indicator.unit == "ratio" else 1)


def goals_frame(builders: list[SeriesBuilder], goals: list[GoalSpec]) -> pd.DataFrame:
    """Baseline = the first reported year's annual value; the target is set so the goal shows its intended status."""
    by_id = {b.spec.partnership_id: b for b in builders}
    rows = []
    for goal in goals:
        b, indicator = by_id[goal.partnership_id], INDICATORS[goal.indicator_id]
        base_year = b.quarters[0][0]
        base = float(format_value(goal.indicator_id, annual_value(b, goal, [(base_year, q) for q in range(1, 5)])))
        current = annual_value(b, goal, [(LAST_COMPLETE_YEAR, q) for q in range(1, 5)])
        if goal.intent == "on_course":  # required growth 80% of observed growth, and not reached by 2026 Q3
            observed = (current / base) ** (1 / (LAST_COMPLETE_YEAR - base_year)) - 1
            target = base * (1 + 0.8 * observed) ** (goal.target_year - base_year)
            latest = annual_value(b, goal, b.quarters[-4:])
            margin = 1.06 if indicator.higher_is_better else 0.94
            target = max(target, latest * margin) if indicator.higher_is_better else min(target, latest * margin)
        elif goal.intent == "off_course":
            target = base * (1.5 if indicator.higher_is_better else 0.6)
        else:
            target = base + 0.5 * (current - base)
        rows.append(
            (goal.goal_id, goal.partnership_id, goal.indicator_id, goal.dimension, goal.category, base_year,
             format_value(goal.indicator_id, base), goal.target_year,
             format_value(goal.indicator_id, round_goal_value(goal.indicator_id, target)))
        )  # fmt: skip
    columns = ["goal_id", "partnership_id", "indicator_id", "dimension", "category", "baseline_year",
               "baseline_value", "target_year", "target_value"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def generate(out_dir: Path = HERE) -> dict[str, pd.DataFrame]:
    """Build every table, write it to ``out_dir`` and return the tables by file name."""
    builders = [build_partnership(spec) for spec in PARTNERSHIPS]
    tables = {"partnerships.csv": partnerships_frame(PARTNERSHIPS), "goals.csv": goals_frame(builders, GOALS)}
    tables.update({f"{dataset}.csv": indicator_frame(builders, dataset) for dataset in DATASETS})
    for name, frame in tables.items():
        frame.to_csv(out_dir / name, index=False, lineterminator="\n", encoding="utf-8")
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write the CSVs to (default: beside me)")
    parser.add_argument("--check", action="store_true", help="validate the written files (see check.py)")
    args = parser.parse_args()
    tables = generate(args.out)
    for name, frame in tables.items():
        print(f"{name:24} {len(frame):>7} rows")
    if args.check:
        from check import run_checks  # sample_data/check.py, beside this file

        sys.exit(0 if run_checks(args.out) else 1)


if __name__ == "__main__":
    main()
