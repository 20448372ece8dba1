"""Pandera contracts of the four quarterly indicator datasets, in the long layout, and the one entry point that
applies them.

The columns come from :data:`~data_contracts.indicator_row.INDICATOR_ROW` and the checks from
:func:`~data_contracts.indicator_rules.indicator_rules`. ``note`` is optional; a blank ``dimension``/``category``
pair means the total row. :func:`validate_indicators` reads the raw table, applies the dataset's model and returns the
typed frame with every finding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pandera.pandas as pa

from data_contracts import clock
from data_contracts.column_specs import blank_pair_means_total, empty_frame, number_dtypes
from data_contracts.columns import prepare_frame
from data_contracts.findings import Finding, sort_findings
from data_contracts.indicator_row import INDICATOR_COLUMN_SPECS, INDICATOR_COLUMNS, TEMPLATE_CONTEXT_COLUMNS
from data_contracts.indicator_rules import indicator_rules
from data_contracts.rules import RuleContext, contract_model, findings_from_schema_errors, schema_in_context
from data_contracts.vocabularies import DATASETS

IndicatorModel = contract_model(
    "IndicatorModel",
    """Columns and types of the long layout shared by the four indicator datasets.

    The rules live on the four dataset models below, each with its own copy of the checks.
    """,
    columns=INDICATOR_COLUMN_SPECS,
)


def _dataset_model(dataset: str, class_name: str, doc: str) -> type[pa.DataFrameModel]:
    """The contract of one dataset: the shared columns plus every rule, the dataset's own membership rule included."""
    return contract_model(class_name, doc, rules=indicator_rules(dataset).values(), base=IndicatorModel)


WorkforceModel = _dataset_model(
    "workforce", "WorkforceModel", "Workforce indicators: headcount, hiring, turnover, wages, safety."
)
DiversityModel = _dataset_model(
    "diversity",
    "DiversityModel",
    "Diversity indicators: shares of women, marginalised, disadvantaged, disabled and young people; pay equity.",
)
EducationModel = _dataset_model(
    "education",
    "EducationModel",
    "Education indicators: teachers, students, trainees, learning hours, credentials, placements.",
)
CommunityCapacityModel = _dataset_model(
    "community_capacity",
    "CommunityCapacityModel",
    "Community capacity indicators: local and diverse supplier spend, enterprises, volunteers, residents.",
)


DATASET_MODELS: Mapping[str, type[pa.DataFrameModel]] = {
    "workforce": WorkforceModel,
    "diversity": DiversityModel,
    "education": EducationModel,
    "community_capacity": CommunityCapacityModel,
}
assert tuple(DATASET_MODELS) == DATASETS


def indicator_schema(dataset: str, *, partnership_ids: Collection[str] | None, today: date) -> pa.DataFrameSchema:
    """The dataset's pandera schema with the checks that depend on context: known partnerships and the clock.

    ``partnership_ids=None`` skips the partnership check (only for callers that check it elsewhere).
    """
    if dataset not in DATASET_MODELS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    context = RuleContext(today=today, partnership_ids=partnership_ids)
    return schema_in_context(DATASET_MODELS[dataset], indicator_rules(dataset).values(), context)


@dataclass
class ValidationResult:
    """The typed frame (columns of :data:`INDICATOR_COLUMNS`) and every finding; ``ok`` when there is no error."""

    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_indicators(
    raw: pd.DataFrame,
    dataset: str,
    *,
    partnership_ids: Collection[str] | None,
    today: date | None = None,
    row_numbers: Mapping[object, int] | None = None,
) -> ValidationResult:
    """Check a raw indicator table against the dataset's contract and return the typed frame and every finding.

    ``raw`` may hold text cells (as read from CSV) or typed ones (Parquet). ``today`` is the clock used for the
    future-quarter rule (default: the real date). ``row_numbers`` maps index labels to file rows when they are not
    position + 2. The context columns of a pre-filled template (:data:`TEMPLATE_CONTEXT_COLUMNS`) are ignored.
    The returned frame has the :data:`INDICATOR_COLUMNS` typed as stored when ``ok`` and keeps the raw
    table's index, so its rows can be traced back to the file.
    """
    what = f"{dataset} file" if dataset in DATASETS else "indicator file"
    schema = indicator_schema(dataset, partnership_ids=partnership_ids, today=today or clock.today())
    raw = raw.reset_index(drop=True) if row_numbers is None else raw
    prepared = prepare_frame(
        raw, INDICATOR_COLUMN_SPECS, what=what, row_numbers=row_numbers, ignored=TEMPLATE_CONTEXT_COLUMNS
    )
    if not prepared.readable:
        return ValidationResult(frame=empty_frame(INDICATOR_COLUMN_SPECS), findings=sort_findings(prepared.findings))
    frame = blank_pair_means_total(prepared.frame)
    findings = list(prepared.findings)
    holder = {"frame": frame}
    rules = indicator_rules(dataset, holder)
    try:
        validated = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        flagged = {(f.row, f.column) for f in findings}
        found = findings_from_schema_errors(errors, frame, rules, row_numbers=row_numbers)
        # a cell too long to be an id is explained by its length alone, not also as an unknown id
        flagged |= {(f.row, f.column) for f in found if f.rule.endswith("_too_long")}
        for finding in found:
            if (finding.row, finding.column) not in flagged or finding.rule.endswith("_too_long"):
                findings.append(finding)
        validated = frame
    if any(f.severity == "error" for f in findings):
        return ValidationResult(frame=validated, findings=sort_findings(findings))
    typed = validated.astype(number_dtypes(INDICATOR_COLUMN_SPECS))
    return ValidationResult(frame=typed[list(INDICATOR_COLUMNS)], findings=sort_findings(findings))
