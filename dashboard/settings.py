"""Settings read from the environment, each with a default. docs/running/settings.md lists every one (tested)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from data_contracts.clock import fixed_today
from data_contracts.reference_models import MAX_DUE_DAYS, MIN_DUE_DAYS


def _finite(name: str, default: float) -> tuple[float, str]:
    """The setting as a finite number (``default`` when unset or blank), with the text it was read from."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default, str(default)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number; found {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; found {text!r}")
    return value, text


def _number(name: str, default: float) -> float:
    value, text = _finite(name, default)
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0; found {text!r}")
    return value


SETTINGS_DOC: dict[str, str] = {
    "IMPACT_STORE": "Store root: a folder or an object-store URI (default: .impact_store/ in the repository).",
    "IMPACT_MAX_UPLOAD_MB": "Largest upload accepted, in MB (default 50).",
    "IMPACT_MAX_UPLOAD_ROWS": "Most data rows accepted in one upload (default 1,000,000).",
    "IMPACT_MAX_UPLOAD_COLUMNS": "Most columns accepted in one upload (default 64).",
    "IMPACT_MAX_UPLOAD_CELLS": "Most cells (rows × columns, as an Excel sheet declares them) accepted in one upload "
    "(default 10,000,000).",
    "IMPACT_MAX_UPLOAD_DECODED_MB": "Largest size of an upload once unpacked, in MB: a Parquet file's decoded columns "
    "or an Excel workbook's unzipped parts (default 256).",
    "IMPACT_CHANGE_FACTOR": "A value that moves more than this factor against the previous quarter is a warning "
    "(default 3).",
    "IMPACT_FOUR_EYES": "When 1 or true, nobody may publish a quarter they uploaded themselves (default off).",
    "IMPACT_MAX_FAILED_SIGNINS": "Failed sign-ins in a row after which a local account is locked (default 5).",
    "IMPACT_LOCKOUT_MINUTES": "How long a locked account stays locked, in minutes (default 15).",
    "IMPACT_SESSION_MINUTES": "A signed-in session ends after this many minutes without activity (default 30).",
    "IMPACT_SESSION_MAX_HOURS": "A signed-in session ends this many hours after sign-in, active or not; the "
    "browser's cookie lasts as long (default 12).",
    "IMPACT_DATABASE_URL": "The accounts database (accounts, sessions, sign-in events) as a SQLAlchemy URL, e.g. "
    "postgresql+psycopg://user:password@host/db; replicas must share one (default: SQLite, accounts.sqlite3 in a "
    "local store's folder, or .impact_accounts.sqlite3 in the working folder for an object-store root).",
    "IMPACT_MIN_CELL_COUNT": "Smallest breakdown count of people shown in public outputs; smaller ones read "
    '"fewer than k" (default 10, never below 5).',
    "IMPACT_DATA_LICENCE": "Licence named on public downloads, embeds and chart images (default CC BY 4.0).",
    "IMPACT_PUBLIC_URL": "Public address of the app, used in embed snippets and citations (default: the address "
    "the visitor opened).",
    "IMPACT_DEFAULT_QUARTER_COVERAGE": "Share of the partnerships in view (a fraction from 0 to 1) that must have "
    "reported a quarter for the overview to open on it; later quarters stay selectable, marked partial "
    "(default 0.75).",
    "IMPACT_TODAY": "Fixes the date the product takes as today, written 2026-11-15: the future-quarter check, the "
    "reporting calendar (due, overdue) and late milestones follow it (default: the system's date; for tests and "
    "rehearsals).",
    "IMPACT_DUE_DAYS": "Days after a quarter ends by which its figures are due; a partnership's own due_days in the "
    "reference table overrides it (default 30).",
}
"""Every environment variable the product reads, with what it does."""


@dataclass(frozen=True)
class UploadSettings:
    """Limits and thresholds of uploads."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000
    change_factor: float = 3.0
    max_columns: int = 64
    max_cells: int = 10_000_000
    max_decoded_bytes: int = 256 * 1024 * 1024

    @classmethod
    def from_env(cls) -> UploadSettings:
        return cls(
            max_bytes=int(_number("IMPACT_MAX_UPLOAD_MB", 50) * 1024 * 1024),
            max_rows=int(_number("IMPACT_MAX_UPLOAD_ROWS", 1_000_000)),
            change_factor=_number("IMPACT_CHANGE_FACTOR", 3.0),
            max_columns=max(1, int(_number("IMPACT_MAX_UPLOAD_COLUMNS", 64))),
            max_cells=max(1, int(_number("IMPACT_MAX_UPLOAD_CELLS", 10_000_000))),
            max_decoded_bytes=int(_number("IMPACT_MAX_UPLOAD_DECODED_MB", 256) * 1024 * 1024),
        )


_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})


def four_eyes_required() -> bool:
    """``IMPACT_FOUR_EYES``: True when the uploader of a quarter may not publish it (default False).

    ``1``/``true`` (also ``yes``/``on``, any case) turn it on; blank, ``0``/``false``/``no``/``off`` leave it off;
    anything else is an error rather than a guess, since this is a safeguard."""
    text = (os.environ.get("IMPACT_FOUR_EYES") or "").strip().lower()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise ValueError(f"IMPACT_FOUR_EYES must be 1, true, 0 or false; found {text!r}")


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in limits: lockout after repeated failures, and the idle time that ends a session."""

    max_failed: int = 5
    lockout_minutes: float = 15.0
    session_minutes: float = 30.0

    @classmethod
    def from_env(cls) -> AuthSettings:
        return cls(
            max_failed=max(1, int(_number("IMPACT_MAX_FAILED_SIGNINS", 5))),
            lockout_minutes=_number("IMPACT_LOCKOUT_MINUTES", 15.0),
            session_minutes=session_minutes(),
        )


def session_minutes() -> float:
    """``IMPACT_SESSION_MINUTES``: minutes without activity after which a signed-in session ends (default 30)."""
    return _number("IMPACT_SESSION_MINUTES", 30.0)


def session_max_hours() -> float:
    """``IMPACT_SESSION_MAX_HOURS``: hours after sign-in at which a session ends, active or not (default 12)."""
    return _number("IMPACT_SESSION_MAX_HOURS", 12.0)


MIN_CELL_FLOOR = 5
"""The smallest threshold allowed: counts below 5 are never shown, whatever the setting says."""


def min_cell_count() -> int:
    """``IMPACT_MIN_CELL_COUNT``: breakdown counts of people below this are suppressed in public outputs (default 10;
    a smaller setting is raised to :data:`MIN_CELL_FLOOR`)."""
    return max(MIN_CELL_FLOOR, int(_number("IMPACT_MIN_CELL_COUNT", 10)))


DEFAULT_LICENCE = "CC BY 4.0"


def data_licence() -> str:
    """``IMPACT_DATA_LICENCE``: the licence public downloads and embeds carry (default CC BY 4.0)."""
    return (os.environ.get("IMPACT_DATA_LICENCE") or "").strip() or DEFAULT_LICENCE


def public_url() -> str | None:
    """``IMPACT_PUBLIC_URL``: the app's public address without a trailing slash, or None to use the one visited."""
    text = (os.environ.get("IMPACT_PUBLIC_URL") or "").strip().rstrip("/")
    return text or None


DEFAULT_QUARTER_COVERAGE = 0.75


def default_quarter_coverage() -> float:
    """``IMPACT_DEFAULT_QUARTER_COVERAGE``: the share of the partnerships in view that must have reported a quarter
    for the overview to open on it (default 0.75; a fraction from 0 to 1, 0 opening on the latest quarter anyone
    reported)."""
    name = "IMPACT_DEFAULT_QUARTER_COVERAGE"
    value, text = _finite(name, DEFAULT_QUARTER_COVERAGE)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a fraction from 0 to 1; found {text!r}")
    return value


DEFAULT_DUE_DAYS = 30


def due_days() -> int:
    """``IMPACT_DUE_DAYS``: days after a quarter ends by which its figures are due (default 30; a whole number from 0
    to 366). A partnership's ``due_days`` in the reference table overrides it."""
    name = "IMPACT_DUE_DAYS"
    value, text = _finite(name, DEFAULT_DUE_DAYS)
    if value != int(value) or not MIN_DUE_DAYS <= value <= MAX_DUE_DAYS:
        raise ValueError(f"{name} must be a whole number of days from {MIN_DUE_DAYS} to {MAX_DUE_DAYS}; found {text!r}")
    return int(value)


def setting_problems() -> list[str]:
    """What is wrong with the settings, one sentence per setting that cannot be read (none when all are fine).

    The app and the command line check this first, so a bad value gives one clear message naming the setting instead
    of an error on every page."""
    readers = (
        UploadSettings.from_env,
        four_eyes_required,
        AuthSettings.from_env,
        session_max_hours,
        min_cell_count,
        public_url,
        default_quarter_coverage,
        due_days,
        fixed_today,
    )
    problems: list[str] = []
    for read in readers:
        try:
            read()
        except ValueError as error:
            if str(error) not in problems:
                problems.append(str(error))
    return problems
