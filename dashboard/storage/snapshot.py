"""A store whose table versions stay as they were first looked up: one snapshot for one run of a reading page."""

from __future__ import annotations

from dashboard.storage.store import Store


class SnapshotStore(Store):
    """The store as one run of a reading page sees it: each table's version is looked up once and remembered for
    the run (a page asks for the same versions many times; each look-up opens the table's log), so every cached
    read of the run belongs to the same snapshot. For pages that only read: a page that writes needs a plain
    :class:`Store`, whose versions follow its own commits."""

    def version(self, table: str) -> int:
        seen: dict[str, int] = self.__dict__.setdefault("_seen_versions", {})
        if table not in seen:
            seen[table] = super().version(table)
        return seen[table]
