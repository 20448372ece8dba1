"""Every environment variable the code reads is documented in docs/running/settings.md and in SETTINGS_DOC."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.settings import SETTINGS_DOC

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "running" / "settings.md"


def variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("data_contracts/**/*.py")]:
        found.update(re.findall(r"\"(IMPACT_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    return found


def test_every_setting_is_documented() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    used = variables_read_by_the_code()
    assert "IMPACT_STORE" in used and "IMPACT_MAX_UPLOAD_MB" in used
    assert used <= set(SETTINGS_DOC)
    for name in SETTINGS_DOC:
        assert f"`{name}`" in page, name


def test_the_settings_table_is_the_one_in_the_code() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    table = page.partition("| variable | meaning |")[2].partition("\n\n")[0]
    rows = dict(re.findall(r"(?m)^\| `(IMPACT_[A-Z_]+)` \| (.+) \|$", table))
    assert rows == SETTINGS_DOC
