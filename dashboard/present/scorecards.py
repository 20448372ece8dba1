"""Goal scorecards in partnership lists: how many goals are off course, on course and not assessable, as numbers that
sort, written as words ("2 off course") in the status colour, the average status only beside them."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from dashboard.analytics.goals import goal_scorecards
from dashboard.analytics.progress import STATUS_COLOURS, STATUS_LABELS

SCORECARD_HEADERS: dict[str, str] = {
    "off_course": "Off course",
    "on_course": "On course",
    "not_assessable": "Not assessable",
}
"""The scorecard columns of a partnership list, by ``goals.goal_scorecards`` column, in the order shown."""
SCORECARD_FORMATS: dict[str, str] = {
    "Off course": "%d off course",
    "On course": "%d on course",
    "Not assessable": "%d not assessable",
}
"""How each count reads (a printf format, as ``st.column_config.NumberColumn`` takes): "2 off course"."""
TEXT_COLOURS: dict[str, str] = {
    "Off course": STATUS_COLOURS["deterioration"],
    "On course": STATUS_COLOURS["target_achieved"],
    "Not assessable": "#5F5F5F",
}
"""Text colours of non-zero counts (each at least 4.5:1 on white; the grey of "not available" is darker here, as
text must be). The words beside each count say the same, so nothing is said by colour alone."""
AVERAGE_STATUS = "Average status"
SCORECARD_HELP: dict[str, str] = {
    "Off course": "Goals with limited progress or deterioration: at the current pace they miss their target.",
    "On course": "Goals with moderate or substantial progress, or with the target achieved.",
    "Not assessable": "Goals without enough complete years of data to assess progress yet.",
    AVERAGE_STATUS: "The average of the partnership's goal scores. An average can hide goals off course: read the "
    "counts beside it.",
}
"""What each column means, for its header's help."""


def with_scorecards(table: pd.DataFrame, evaluated: pd.DataFrame, average: pd.Series) -> pd.DataFrame:
    """A partnership list (with a ``Partnership`` name and a ``partnership_id`` column) with its goal scorecard
    (``goals.goal_scorecards`` of ``evaluated``, zero for a partnership without goals) and ``average`` (status labels
    by partnership id) as :data:`AVERAGE_STATUS`, right after the name; sorted with the most goals off course first,
    then by name."""
    cards = goal_scorecards(evaluated).set_index("partnership_id")
    counts = {
        header: table["partnership_id"].map(cards[column]).fillna(0).astype("int64")
        for column, header in SCORECARD_HEADERS.items()
    }
    status = table["partnership_id"].map(average).fillna(STATUS_LABELS["not_available"])
    rest = [c for c in table.columns if c != "Partnership"]
    shown = pd.concat(
        [table[["Partnership"]], pd.DataFrame(counts), status.rename(AVERAGE_STATUS), table[rest]], axis=1
    )
    return shown.sort_values(["Off course", "Partnership"], ascending=[False, True], ignore_index=True)


def count_text(count: int, header: str) -> str:
    """``"2 off course"``: a scorecard count as it reads (:data:`SCORECARD_FORMATS` for a table column)."""
    return SCORECARD_FORMATS[header] % count


def _count_colour(count: int, header: str) -> str:
    return f"color: {TEXT_COLOURS[header]}; font-weight: 600" if count > 0 else ""


STYLED_ROWS = 500
"""Up to this many partnerships a list colours its scorecard counts; a longer one shows them as words only (colouring
every cell of thousands of rows costs seconds, and the words say the same)."""


def scorecard_style(table: pd.DataFrame) -> Styler:
    """The list for ``st.dataframe``: non-zero scorecard counts in their colour (the words come from the column's
    :data:`SCORECARD_FORMATS`; the numbers underneath sort as numbers)."""
    styler = table.style
    for header in SCORECARD_FORMATS:
        if header in table.columns:
            styler = styler.map(_count_colour, subset=[header], header=header)
    return styler
