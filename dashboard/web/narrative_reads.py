"""Cached reads of narratives and goal explanations: a layer's texts for staff pages, the public texts for the portal
and embeds. Each is cached by the texts table's version (and, for the public, the partnerships table's), so a new
text or a publication is seen on the next rerun."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.intake.narratives import pending_texts
from dashboard.public.narratives import read_public_texts
from dashboard.storage.narratives import read_texts, texts_version
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE, Layer


@st.cache_data(show_spinner=False, max_entries=64)
def _texts_at(root: str, layer: Layer, version: int, ids: tuple[str, ...] | None) -> pd.DataFrame:
    return read_texts(Store(root), layer, partnership_ids=None if ids is None else list(ids), version=version)


def read_layer_texts(store: Store, layer: Layer, partnership_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The narratives and explanations of a layer (of some partnerships), for staff pages; waivers included."""
    ids = None if partnership_ids is None else tuple(sorted(set(partnership_ids)))
    return _texts_at(store.root, layer, texts_version(store, layer), ids)


@st.cache_data(show_spinner=False, max_entries=8)
def _pending_texts_at(root: str, versions: tuple[int, int]) -> pd.DataFrame:
    return pending_texts(Store(root))


def read_pending_texts(store: Store) -> pd.DataFrame:
    """The texts waiting for review (``narratives.pending_texts``), once per versions of the two texts tables."""
    return _pending_texts_at(store.root, (texts_version(store, "submitted"), texts_version(store, "published")))


@st.cache_data(show_spinner=False, max_entries=64)
def _public_texts_at(root: str, version: int, partnerships_version: int, ids: tuple[str, ...]) -> pd.DataFrame:
    return read_public_texts(Store(root), list(ids), version=version, partnerships_version=partnerships_version)


def read_public_story(store: Store, partnership_ids: Sequence[str]) -> pd.DataFrame:
    """The published texts the public may read of some partnerships (public partnerships only, no waivers)."""
    return _public_texts_at(
        store.root,
        texts_version(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        tuple(sorted(set(partnership_ids))),
    )
