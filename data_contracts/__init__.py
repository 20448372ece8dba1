"""Data contracts of the Partnership Impact Dashboard: indicator catalog, vocabularies, column declarations, rules
and pandera models.

Everything that decides whether a table is acceptable lives here, with no dependency on the app or the store.
"""

from data_contracts.catalog import DATASET_INFO, INDICATORS, Indicator, indicator, indicators_of
from data_contracts.column_specs import ColumnSpec, arrow_schema
from data_contracts.findings import Finding, findings_frame, summarise_findings
from data_contracts.indicator_models import (
    DATASET_MODELS,
    CommunityCapacityModel,
    DiversityModel,
    EducationModel,
    IndicatorModel,
    ValidationResult,
    WorkforceModel,
    validate_indicators,
)
from data_contracts.indicator_row import (
    FIGURE_COLUMNS,
    INDICATOR_COLUMN_SPECS,
    INDICATOR_COLUMNS,
    KEY_COLUMNS,
    SERIES_COLUMNS,
    SLICE_COLUMNS,
)
from data_contracts.reference_models import (
    GOAL_COLUMN_SPECS,
    GOAL_COLUMNS,
    MILESTONE_COLUMN_SPECS,
    MILESTONE_COLUMNS,
    PARTNERSHIP_COLUMN_SPECS,
    PARTNERSHIP_COLUMNS,
    GoalModel,
    MilestoneModel,
    PartnershipModel,
    split_list,
    validate_goals,
    validate_milestones,
    validate_partnerships,
)
from data_contracts.rules import findings_from_schema_errors
from data_contracts.vocabularies import DATASETS, DIMENSIONS, TOTAL

__all__ = [
    "DATASET_INFO",
    "DATASET_MODELS",
    "DATASETS",
    "DIMENSIONS",
    "FIGURE_COLUMNS",
    "GOAL_COLUMN_SPECS",
    "GOAL_COLUMNS",
    "INDICATOR_COLUMN_SPECS",
    "INDICATOR_COLUMNS",
    "INDICATORS",
    "KEY_COLUMNS",
    "MILESTONE_COLUMNS",
    "MILESTONE_COLUMN_SPECS",
    "PARTNERSHIP_COLUMN_SPECS",
    "PARTNERSHIP_COLUMNS",
    "SERIES_COLUMNS",
    "SLICE_COLUMNS",
    "TOTAL",
    "ColumnSpec",
    "CommunityCapacityModel",
    "DiversityModel",
    "EducationModel",
    "Finding",
    "GoalModel",
    "Indicator",
    "IndicatorModel",
    "MilestoneModel",
    "PartnershipModel",
    "ValidationResult",
    "WorkforceModel",
    "arrow_schema",
    "findings_frame",
    "findings_from_schema_errors",
    "indicator",
    "indicators_of",
    "split_list",
    "summarise_findings",
    "validate_goals",
    "validate_indicators",
    "validate_milestones",
    "validate_partnerships",
]
