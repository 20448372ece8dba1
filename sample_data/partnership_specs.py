"""The SYNTHETIC sample partnerships and goals: who they are and the knobs that shape their invented series.

Real organisation names (AT&T, Imago Foundation, PG&E, Green for All) illustrate the kinds of partnership the
dashboard serves; every figure generated from these specs is invented. The other organisations are fictional.
``generate.py`` turns these specs into the CSV files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from data_contracts import DATASETS, TOTAL

FIRST_YEAR = 2022
"""First reported year (a partnership may start later)."""


@dataclass(frozen=True)
class Population:
    """Who a count describes (workers, students, residents, business owners): shares that drift per year."""

    women: float = 0.45
    youth: float = 0.3
    over_50: float = 0.18
    marginalised: float = 0.2
    disadvantaged: float = 0.3
    direct: float = 0.7
    women_drift: float = 0.0
    disadvantaged_drift: float = 0.0

    def shares(self, dimension: str, years: float) -> dict[str, float]:
        """Share of each category of ``dimension``, ``years`` after 2022 Q1 (undisclosed kept small)."""
        women = min(max(self.women + self.women_drift * years, 0.02), 0.95)
        disadvantaged = min(max(self.disadvantaged + self.disadvantaged_drift * years, 0.0), 0.95)
        middle = max(1.0 - self.youth - self.over_50, 0.0)
        by_dimension = {
            "gender": {"woman": women * 0.965, "man": (1 - women) * 0.965, "non_binary": 0.012, "undisclosed": 0.023},
            "age_band": {"under_30": self.youth, "30_50": middle, "over_50": self.over_50, "undisclosed": 0.02},
            "ethnicity": {"marginalised": self.marginalised, "other": 1 - self.marginalised, "undisclosed": 0.04},
            "disadvantaged_status": {
                "disadvantaged": disadvantaged,
                "not_disadvantaged": 1 - disadvantaged,
                "undisclosed": 0.03,
            },
            "employment_type": {"direct": self.direct, "subcontractor": 1 - self.direct},
        }
        return by_dimension[dimension]


DEFAULT_POPULATIONS: dict[str, Population] = {
    "workforce": Population(),
    "enterprise": Population(women=0.5, youth=0.35, disadvantaged=0.5),
    "teachers": Population(women=0.72, youth=0.22, over_50=0.25, disadvantaged=0.35),
    "students": Population(women=0.5, youth=0.97, over_50=0.0, marginalised=0.3, disadvantaged=0.55),
    "schools": Population(disadvantaged=0.6),
    "trainees": Population(women=0.3, youth=0.6, over_50=0.05, marginalised=0.35, disadvantaged=0.55),
    "community": Population(women=0.54, youth=0.25, over_50=0.3, marginalised=0.3, disadvantaged=0.35),
    "owners": Population(women=0.55, marginalised=0.5, disadvantaged=0.45),
    "pre_apprentices": Population(women=0.2, youth=0.6, over_50=0.05, marginalised=0.5, disadvantaged=0.6, direct=0.45),
    "stakeholders": Population(women=0.62, youth=0.15, over_50=0.25, marginalised=0.3, disadvantaged=0.4),
}


PROGRAMME_INDICATORS: Mapping[str, tuple[str, ...]] = {
    "seasonal_work": ("seasonal_jobs",),
    "pre_apprenticeship": (
        "pre_apprenticeship_enrolments",
        "pre_apprenticeship_completions",
        "pre_apprenticeship_placements",
    ),
    "stakeholder_engagement": ("community_stakeholders_engaged",),
    "community_events": ("community_events_held", "community_event_attendance"),
    "resident_decisions": ("residents_in_decisions",),
}
"""Indicators of activities only some partnerships run: a partnership reports them only when it lists the programme
in ``PartnershipSpec.programmes`` (every other indicator of its focus datasets it reports every quarter)."""
PROGRAMME_OF: Mapping[str, str] = {i: programme for programme, ids in PROGRAMME_INDICATORS.items() for i in ids}


@dataclass(frozen=True)
class PartnershipSpec:
    """One partnership: its reference row and the knobs that shape its synthetic series.

    ``levels`` and ``trends`` override ``DEFAULT_LEVELS`` / ``DEFAULT_TRENDS`` of generate.py per indicator (trend =
    annual growth rate for amounts, points per year for rates; ``growth`` is the default growth of amounts).
    ``season`` multiplies activity by quarter (headcount, spend, volunteering, who is newly reached);
    ``school_season`` shapes learning hours. ``populations`` override who the counts describe. ``programmes`` names
    the activities of ``PROGRAMME_INDICATORS`` the partnership runs (and so reports); ``seasonal_profile`` spreads
    the year's seasonal starts over the quarters; ``decision_share`` is the share of engaged residents who also take
    part in decisions (``decision_drift`` points a year).
    """

    partnership_id: str
    name: str
    partners: tuple[str, ...]
    lead_sector: str
    focus: tuple[str, ...]
    country: str
    region: str
    start_date: str
    funding_usd: int
    visibility: str
    description: str
    due_days: int | None = None
    """Days after a quarter ends by which its figures are due; None: the IMPACT_DUE_DAYS setting."""
    first_year: int = FIRST_YEAR
    growth: float = 0.06
    levels: Mapping[str, float] = field(default_factory=dict)
    trends: Mapping[str, float] = field(default_factory=dict)
    populations: Mapping[str, Population] = field(default_factory=dict)
    season: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    school_season: tuple[float, float, float, float] = (1.1, 1.0, 0.7, 1.2)
    fte_ratio: float = 0.88
    board_seats: int = 12
    certification_rate: float = 0.7
    placement_rate: float = 0.55
    programmes: tuple[str, ...] = ()
    seasonal_profile: tuple[float, float, float, float] = (0.08, 0.62, 0.25, 0.05)
    pre_apprentice_completion_rate: float = 0.78
    pre_apprentice_placement_rate: float = 0.66
    decision_share: float = 0.2
    decision_drift: float = 0.0

    def reports(self, indicator_id: str) -> bool:
        """Whether the partnership reports the indicator (of its focus datasets): programme indicators only when it
        runs the programme."""
        programme = PROGRAMME_OF.get(indicator_id)
        return programme is None or programme in self.programmes

    def population(self, kind: str) -> Population:
        if kind in self.populations:
            return self.populations[kind]
        workforce = self.populations.get("workforce", DEFAULT_POPULATIONS["workforce"])
        if kind == "hires":
            return replace(workforce, youth=workforce.youth + 0.15, over_50=workforce.over_50 * 0.6)
        if kind == "departures":
            return replace(workforce, youth=workforce.youth + 0.08)
        if kind == "injuries":
            return replace(workforce, women=workforce.women * 0.5, direct=workforce.direct * 0.8)
        if kind == "seasonal":
            return replace(workforce, youth=workforce.youth + 0.2, over_50=workforce.over_50 * 0.6)
        return DEFAULT_POPULATIONS[kind]


# ---- the partnerships ---------------------------------------------------------------------------------------

WF, DV, ED, CC = DATASETS
US, EUNA = "US", "Europe and Northern America"

PARTNERSHIPS: list[PartnershipSpec] = [
    PartnershipSpec(
        "att-imago", "AT&T × Imago Foundation", ("AT&T", "Imago Foundation"), "business", (ED, WF, DV), US, EUNA,
        "2021-10-18", 12_500_000, "public",
        "Synthetic sample data. Trains teachers in innovative, project-based learning models and reaches students "
        "and community stakeholders in under-served school districts.",
        growth=0.05,
        levels={"workforce_headcount": 110, "supported_enterprise_jobs": 30, "recordable_injuries": 0.4,
                "living_wage_share": 86, "entry_wage_to_min_wage": 1.6, "teachers_trained": 520,
                "students_reached": 14_000, "schools_reached": 85, "learning_hours": 70_000,
                "green_skills_trainees": 160, "students_min_proficiency_share": 47,
                "community_stakeholders_engaged": 3_400},
        trends={"teachers_trained": 0.14, "students_reached": 0.0, "schools_reached": 0.08,
                "students_min_proficiency_share": 2.2, "community_stakeholders_engaged": 0.11},
        programmes=("stakeholder_engagement",),
        populations={"workforce": Population(women=0.62, youth=0.28, marginalised=0.35, disadvantaged=0.15,
                                             direct=0.55)},
    ),
    PartnershipSpec(
        "pge-green-for-all", "PG&E × Green for All", ("PG&E", "Green for All"), "business", (WF, DV, CC), US, EUNA,
        "2021-11-01", 38_000_000, "public",
        "Synthetic sample data. Builds an inclusive clean-energy workforce through pre-apprenticeship pathways and "
        "contracts with local and diverse-owned firms, counting direct employees and subcontractors.",
        growth=0.05,
        levels={"workforce_headcount": 820, "supported_enterprise_jobs": 240, "recordable_injuries": 9,
                "living_wage_share": 84, "local_supplier_spend": 2_400_000, "local_spend_share": 41,
                "sme_supplier_spend": 1_500_000, "diverse_owned_supplier_spend": 380_000,
                "local_enterprises_contracted": 60, "community_orgs_supported": 24, "community_investment": 450_000,
                "volunteer_hours": 3_200, "residents_engaged": 1_800, "open_spaces_stewarded": 4,
                "pre_apprenticeship_enrolments": 70},
        trends={"recordable_injuries": -0.15, "diverse_owned_supplier_spend": 0.15, "local_spend_share": -0.3,
                "pre_apprenticeship_enrolments": 0.14},
        programmes=("pre_apprenticeship",),
        populations={
            "workforce": Population(women=0.17, women_drift=0.008, youth=0.3, marginalised=0.38, disadvantaged=0.3,
                                    direct=0.45),
            "hires": Population(women=0.22, women_drift=0.035, youth=0.48, over_50=0.1, marginalised=0.45,
                                disadvantaged=0.42, direct=0.4),
            "owners": Population(women=0.45, marginalised=0.6, disadvantaged=0.4),
            "pre_apprentices": Population(women=0.18, women_drift=0.02, youth=0.62, over_50=0.04, marginalised=0.58,
                                          disadvantaged=0.64, direct=0.38),
        },
    ),
    PartnershipSpec(
        "urban-parks-commons", "Urban Parks Commons",
        ("Riverton Parks and Recreation Department", "Riverton Neighbourhood Alliance",
         "Commons Microenterprise Cooperative"),
        "government", (CC, WF), US, EUNA, "2021-12-01", 6_200_000, "public",
        "Synthetic sample data. A city parks department, neighbourhood groups and a microenterprise cooperative "
        "co-manage parks: residents steward green spaces, seasonal crews are hired locally and maintenance is "
        "contracted to local microenterprises.",
        due_days=45, growth=0.03, season=(0.8, 1.25, 1.3, 0.85),
        levels={"workforce_headcount": 140, "turnover_rate": 4.0, "supported_enterprise_jobs": 38,
                "recordable_injuries": 1.2, "local_supplier_spend": 210_000, "local_spend_share": 62,
                "sme_supplier_spend": 180_000, "diverse_owned_supplier_spend": 70_000,
                "local_enterprises_contracted": 28, "community_orgs_supported": 18, "community_investment": 60_000,
                "volunteer_hours": 5_200, "residents_engaged": 2_400, "open_spaces_stewarded": 14,
                "sites_with_engagement_share": 70, "seasonal_jobs": 64, "community_events_held": 11,
                "community_event_attendance": 160},
        trends={"supported_enterprise_jobs": 0.02, "local_enterprises_contracted": -0.02, "volunteer_hours": 0.10,
                "open_spaces_stewarded": 0.12, "residents_engaged": 0.04, "seasonal_jobs": 0.05,
                "community_events_held": 0.08, "community_event_attendance": 0.06},
        programmes=("seasonal_work", "community_events", "resident_decisions"),
        decision_share=0.14, decision_drift=0.015,
        populations={
            "workforce": Population(women=0.42, youth=0.4, over_50=0.15, marginalised=0.45, disadvantaged=0.45,
                                    direct=0.75),
            "community": Population(women=0.55, youth=0.22, over_50=0.32, marginalised=0.42, disadvantaged=0.32,
                                    disadvantaged_drift=0.045),
        },
    ),
    PartnershipSpec(
        "solar-skills-kenya", "Solar Skills Kenya",
        ("Jua Bright Energy Ltd", "Kisumu Technical Training Institute", "Lakeside Youth Enterprise Trust"),
        "business", (ED, WF, CC), "KE", "Sub-Saharan Africa", "2021-10-11", 9_800_000, "public",
        "Synthetic sample data. Trains young people as solar installers and technicians, places graduates with the "
        "lead company and its installer network, and supports small solar retail enterprises around Lake Victoria.",
        growth=0.12, school_season=(1.05, 1.0, 1.05, 0.8),
        levels={"workforce_headcount": 260, "turnover_rate": 3.8, "supported_enterprise_jobs": 150,
                "living_wage_share": 62, "entry_wage_to_min_wage": 1.35, "teachers_trained": 45,
                "students_reached": 2_400, "schools_reached": 8, "learning_hours": 36_000,
                "green_skills_trainees": 900, "local_supplier_spend": 180_000, "local_spend_share": 48,
                "sme_supplier_spend": 120_000, "diverse_owned_supplier_spend": 45_000,
                "local_enterprises_contracted": 35, "community_orgs_supported": 12, "community_investment": 40_000,
                "volunteer_hours": 600, "residents_engaged": 800, "open_spaces_stewarded": 2,
                "sites_with_engagement_share": 55},
        trends={"turnover_rate": 0.7, "green_skills_trainees": 0.18, "supported_enterprise_jobs": 0.2},
        populations={
            "workforce": Population(women=0.24, women_drift=0.01, youth=0.55, over_50=0.05, marginalised=0.3,
                                    disadvantaged=0.5, direct=0.6),
            "trainees": Population(women=0.32, youth=0.78, over_50=0.02, marginalised=0.35, disadvantaged=0.65),
        },
    ),
    PartnershipSpec(
        "women-in-energy-india", "Women in Energy India",
        ("Shakti Urja Collective", "Deccan Power Distribution Company", "Navodaya Skills Foundation"),
        "ngo", (DV, WF, ED), "IN", "Central and Southern Asia", "2021-11-15", 4_500_000, "public",
        "Synthetic sample data. Trains and mentors women as electricity line workers, meter technicians and "
        "energy-efficiency advisers, and works with a distribution company to hire and promote them.",
        growth=0.09, school_season=(1.0, 0.8, 1.1, 1.1),
        levels={"workforce_headcount": 240, "supported_enterprise_jobs": 90, "recordable_injuries": 1.2,
                "living_wage_share": 70, "women_share_management": 14, "women_share_governance": 42,
                "teachers_trained": 60, "students_reached": 1_500, "schools_reached": 12, "learning_hours": 24_000,
                "green_skills_trainees": 420},
        trends={"women_share_management": 0.0, "green_skills_trainees": 0.12},
        populations={
            "workforce": Population(women=0.22, women_drift=0.025, youth=0.42, over_50=0.08, marginalised=0.3,
                                    disadvantaged=0.4, direct=0.5),
            "hires": Population(women=0.42, women_drift=0.02, youth=0.6, over_50=0.04, marginalised=0.35,
                                disadvantaged=0.5, direct=0.45),
            "trainees": Population(women=0.78, women_drift=0.015, youth=0.62, over_50=0.03, marginalised=0.4,
                                   disadvantaged=0.6),
        },
    ),
    PartnershipSpec(
        "green-schools-brazil", "Green Schools Brazil",
        ("Fundação Semente Verde", "Rede Escolas Sustentáveis", "Prefeitura de Vale Claro"),
        "foundation", (ED, CC), "BR", "Latin America and the Caribbean", "2022-11-01", 3_100_000, "public",
        "Synthetic sample data. Turns public schools into green learning hubs with school gardens, climate "
        "curricula and teacher coaching, and involves families and neighbourhood associations in caring for school "
        "grounds. Reporting starts in 2023.",
        first_year=2023, growth=0.1, school_season=(0.7, 1.1, 1.05, 1.15),
        levels={"teachers_trained": 260, "students_reached": 9_000, "schools_reached": 30, "learning_hours": 52_000,
                "green_skills_trainees": 60, "completion_rate": 72, "employee_training_hours_avg": 9,
                "local_supplier_spend": 60_000, "sme_supplier_spend": 45_000, "diverse_owned_supplier_spend": 15_000,
                "local_enterprises_contracted": 14, "community_orgs_supported": 40, "community_investment": 35_000,
                "volunteer_hours": 1_400, "residents_engaged": 2_000, "open_spaces_stewarded": 18,
                "sites_with_engagement_share": 45, "community_stakeholders_engaged": 2_600,
                "community_events_held": 5, "community_event_attendance": 120},
        trends={"schools_reached": 0.15, "completion_rate": 3.0, "community_orgs_supported": -0.08,
                "community_stakeholders_engaged": 0.12},
        programmes=("stakeholder_engagement", "community_events"),
    ),
    PartnershipSpec(
        "circular-jobs-berlin", "Circular Jobs Berlin",
        ("Spreebogen District Office for Economic Development", "ReUse Werkstatt gGmbH",
         "KreisLauf Social Enterprise Network"),
        "government", (WF, DV), "DE", EUNA, "2022-02-01", 7_400_000, "private",
        "Synthetic sample data. Creates transitional jobs in repair, reuse and textile-recycling workshops for "
        "long-term unemployed people and refugees, with coaching into regular employment.",
        growth=0.02,
        levels={"workforce_headcount": 260, "turnover_rate": 6.0, "supported_enterprise_jobs": 70,
                "living_wage_share": 88, "entry_wage_to_min_wage": 1.1, "recordable_injuries": 1.5},
        trends={"workforce_headcount": -0.05, "turnover_rate": 0.6, "supported_enterprise_jobs": 0.01},
        programmes=("pre_apprenticeship",),
        populations={"workforce": Population(women=0.38, youth=0.3, over_50=0.22, marginalised=0.5,
                                             disadvantaged=0.45, disadvantaged_drift=0.035, direct=0.8)},
    ),
    PartnershipSpec(
        "coastal-livelihoods-philippines", "Coastal Livelihoods Philippines",
        ("Bayanihan Coastal Foundation", "Visayas Small Fisherfolk Federation", "Isla Verde Microfinance Cooperative"),
        "foundation", (CC, WF, DV), "PH", "Eastern and South-Eastern Asia", "2021-12-06", 15_600_000, "public",
        "Synthetic sample data. Supports fisherfolk households and coastal microenterprises through mangrove "
        "restoration work, seaweed and eco-tourism businesses and small loans, with women taking seats on "
        "community boards.",
        growth=0.07, board_seats=15,
        levels={"workforce_headcount": 220, "supported_enterprise_jobs": 320, "living_wage_share": 58,
                "women_share_governance": 33, "local_supplier_spend": 95_000, "local_spend_share": 66,
                "sme_supplier_spend": 80_000, "diverse_owned_supplier_spend": 40_000,
                "local_enterprises_contracted": 45, "community_orgs_supported": 30, "community_investment": 210_000,
                "volunteer_hours": 2_600, "residents_engaged": 3_000, "open_spaces_stewarded": 9,
                "sites_with_engagement_share": 50, "seasonal_jobs": 90},
        trends={"supported_enterprise_jobs": 0.14, "community_investment": 0.09, "women_share_governance": 2.8,
                "residents_engaged": -0.03},
        programmes=("seasonal_work", "resident_decisions"), seasonal_profile=(0.3, 0.1, 0.2, 0.4),
        decision_share=0.24,
        populations={
            "workforce": Population(women=0.46, youth=0.35, over_50=0.15, marginalised=0.4, disadvantaged=0.6,
                                    direct=0.65),
            "enterprise": Population(women=0.58, youth=0.3, disadvantaged=0.7),
            "community": Population(women=0.5, youth=0.3, over_50=0.25, marginalised=0.45, disadvantaged=0.6),
        },
    ),
]  # fmt: skip


# ---- goals --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalSpec:
    """A goal and the status it is meant to show: on_course, off_course or achieved (by the last complete year)."""

    partnership_id: str
    slug: str
    indicator_id: str
    target_year: int
    intent: str
    dimension: str = TOTAL
    category: str = TOTAL

    @property
    def goal_id(self) -> str:
        return f"{self.partnership_id}-{self.slug}-{self.target_year}"


G = GoalSpec
GOALS: list[GoalSpec] = [
    G("att-imago", "teachers", "teachers_trained", 2028, "on_course"),
    G("att-imago", "students", "students_reached", 2030, "off_course"),
    G("att-imago", "proficiency-disadvantaged", "students_min_proficiency_share", 2030, "on_course",
      "disadvantaged_status", "disadvantaged"),
    G("att-imago", "schools", "schools_reached", 2027, "achieved"),
    G("pge-green-for-all", "women-hires", "new_hires", 2030, "on_course", "gender", "woman"),
    G("pge-green-for-all", "injuries", "recordable_injuries", 2028, "on_course"),
    G("pge-green-for-all", "diverse-spend", "diverse_owned_supplier_spend", 2029, "on_course"),
    G("pge-green-for-all", "local-share", "local_spend_share", 2028, "off_course"),
    G("urban-parks-commons", "residents-disadvantaged", "residents_engaged", 2028, "on_course",
      "disadvantaged_status", "disadvantaged"),
    G("urban-parks-commons", "open-spaces", "open_spaces_stewarded", 2027, "achieved"),
    G("urban-parks-commons", "local-enterprises", "local_enterprises_contracted", 2029, "off_course"),
    G("urban-parks-commons", "volunteer-hours", "volunteer_hours", 2028, "on_course"),
    G("solar-skills-kenya", "trainees", "green_skills_trainees", 2028, "on_course"),
    G("solar-skills-kenya", "enterprise-jobs", "supported_enterprise_jobs", 2030, "on_course"),
    G("solar-skills-kenya", "turnover", "turnover_rate", 2027, "off_course"),
    G("solar-skills-kenya", "local-spend", "local_supplier_spend", 2027, "achieved"),
    G("women-in-energy-india", "women-workforce", "women_share_workforce", 2030, "on_course"),
    G("women-in-energy-india", "women-management", "women_share_management", 2028, "off_course"),
    G("women-in-energy-india", "women-certified", "trainees_certified", 2028, "on_course", "gender", "woman"),
    G("women-in-energy-india", "women-hires", "new_hires", 2027, "achieved", "gender", "woman"),
    G("green-schools-brazil", "schools", "schools_reached", 2028, "on_course"),
    G("green-schools-brazil", "completion", "completion_rate", 2027, "achieved"),
    G("green-schools-brazil", "community-orgs", "community_orgs_supported", 2029, "off_course"),
    G("circular-jobs-berlin", "headcount", "workforce_headcount", 2028, "off_course"),
    G("circular-jobs-berlin", "disadvantaged", "disadvantaged_share_workforce", 2028, "on_course"),
    G("circular-jobs-berlin", "departures", "departures", 2028, "off_course"),
    G("coastal-livelihoods-philippines", "enterprise-jobs", "supported_enterprise_jobs", 2030, "on_course"),
    G("coastal-livelihoods-philippines", "community-investment", "community_investment", 2027, "achieved"),
    G("coastal-livelihoods-philippines", "women-governance", "women_share_governance", 2030, "on_course"),
    G("coastal-livelihoods-philippines", "residents", "residents_engaged", 2029, "off_course"),
    G("att-imago", "stakeholders", "community_stakeholders_engaged", 2028, "on_course"),
    G("pge-green-for-all", "pre-apprentice-placements", "pre_apprenticeship_placements", 2029, "on_course"),
    G("urban-parks-commons", "residents-decisions", "residents_in_decisions", 2029, "on_course"),
    G("urban-parks-commons", "event-attendance", "community_event_attendance", 2027, "achieved"),
]  # fmt: skip
