"""Cached reads of the milestones table, by its version (-1 while a store made before it has none)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.public.roadmaps import public_roadmap
from dashboard.storage.store import Store
from dashboard.storage.tables import MILESTONES_TABLE
from dashboard.web.table_reads import read_partnerships


@st.cache_data(show_spinner=False, max_entries=16)
def _milestones_at(root: str, version: int) -> pd.DataFrame:
    return Store(root).read_milestones(version)


def milestones_version(store: Store) -> int:
    """The milestones table's version; -1 while it does not exist."""
    return store.versions([MILESTONES_TABLE])[MILESTONES_TABLE]


def read_milestones(store: Store) -> pd.DataFrame:
    """Every milestone (staff), cached by the table's version: a change is seen on the next rerun."""
    return _milestones_at(store.root, milestones_version(store))


def read_public_roadmap(store: Store, partnership_id: str) -> pd.DataFrame:
    """The public milestones of a public partnership (``public.roadmaps.public_roadmap``)."""
    return public_roadmap(read_milestones(store), read_partnerships(store), partnership_id)
