"""Settings read from the environment, each with a default. The README lists every one (a test checks it)."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number; found {text!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0; found {text!r}")
    return value


SETTINGS_DOC: dict[str, str] = {
    "IMPACT_STORE": "Store root: a folder or an object-store URI (default: .impact_store/ in the repository).",
    "IMPACT_MAX_UPLOAD_MB": "Largest upload accepted, in MB (default 50).",
    "IMPACT_MAX_UPLOAD_ROWS": "Most data rows accepted in one upload (default 1,000,000).",
    "IMPACT_CHANGE_FACTOR": "A value that moves more than this factor against the previous quarter is a warning "
    "(default 3).",
}
"""Every environment variable the product reads, with what it does."""


@dataclass(frozen=True)
class UploadSettings:
    """Limits and thresholds of uploads."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000
    change_factor: float = 3.0

    @classmethod
    def from_env(cls) -> UploadSettings:
        return cls(
            max_bytes=int(_number("IMPACT_MAX_UPLOAD_MB", 50) * 1024 * 1024),
            max_rows=int(_number("IMPACT_MAX_UPLOAD_ROWS", 1_000_000)),
            change_factor=_number("IMPACT_CHANGE_FACTOR", 3.0),
        )
