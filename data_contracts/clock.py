"""The one clock of the product: today's date, which the ``IMPACT_TODAY`` setting can fix (tests, rehearsals).

Every rule that depends on the date asks here: the future-quarter check of the contracts, the reporting calendar
(due, overdue), and the lateness of milestones. ``IMPACT_TODAY`` takes an ISO date (``2026-11-15``); unset or blank
means the real date.
"""

from __future__ import annotations

import os
from datetime import date

TODAY_SETTING = "IMPACT_TODAY"


def fixed_today() -> date | None:
    """The date ``IMPACT_TODAY`` fixes, or None when unset or blank; a value that is not an ISO date is an error."""
    text = (os.environ.get(TODAY_SETTING) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{TODAY_SETTING} must be a date written 2026-11-15; found {text!r}") from None


def today() -> date:
    """Today's date: ``IMPACT_TODAY`` when set, else the system's date."""
    return fixed_today() or date.today()
