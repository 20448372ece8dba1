"""One colour per partnership id on every page, embed and export, from a palette whose every colour has 3:1 contrast
on white; within a chart, colours never repeat (a partnership whose colour is taken is grey)."""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics.progress import STATUS_COLOURS
from dashboard.present.chart_style import (
    CONTEXT_GREY,
    ON_DARK,
    PALETTE,
    UNDISCLOSED_GREY,
    chart_colours,
    contrast_ratio,
    named_colours,
    partnership_colours,
    relative_luminance,
)
from dashboard.present.text_safety import plotly_literal
from dashboard.storage.store import Store
from data_contracts import DATASET_INFO
from tests.conftest import app_as

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ROOT / "dashboard" / "web" / "views"

# ---- contrast and the palette ----------------------------------------------------------------------------------------


def test_contrast_ratio_follows_wcag() -> None:
    assert relative_luminance("#000000") == 0 and relative_luminance("#FFFFFF") == pytest.approx(1)
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21)  # either order
    assert contrast_ratio("#777777") == pytest.approx(4.48, abs=0.01)  # the grey that just fails 4.5:1
    assert contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#828180") == pytest.approx(3.88, abs=0.01)  # Streamlit's caption grey, as axe reports it
    assert contrast_ratio("#F0E442") < 1.5  # Okabe–Ito's yellow, which could hardly be seen on white
    with pytest.raises(ValueError, match="#RRGGBB"):
        contrast_ratio("#FFF")


def test_every_colour_of_the_palette_and_every_grey_mark_has_3_to_1_on_white() -> None:
    assert 6 <= len(PALETTE) <= 10 and len(set(PALETTE)) == len(PALETTE)
    for colour in (*PALETTE, UNDISCLOSED_GREY, CONTEXT_GREY):
        assert contrast_ratio(colour) >= 3.0, f"{colour} has {contrast_ratio(colour):.2f}:1 on white"
    assert CONTEXT_GREY not in PALETTE and UNDISCLOSED_GREY not in PALETTE


def test_on_the_dark_embed_every_colour_has_3_to_1_too() -> None:
    for colour in PALETTE:
        drawn = ON_DARK.get(colour, colour)
        assert contrast_ratio(drawn, "#0E1117") >= 3.0, f"{colour} drawn {drawn} on the dark embed"
    assert set(ON_DARK) <= set(PALETTE)


def test_dataset_and_status_colours_meet_3_to_1_too() -> None:
    for info in DATASET_INFO.values():  # the line of a goal's progress is drawn in its dataset's colour
        assert contrast_ratio(info.colour) >= 3.0, f"{info.id}: {info.colour}"
    for status, colour in STATUS_COLOURS.items():  # projections and the status chart's bars
        assert contrast_ratio(colour) >= 3.0, f"{status}: {colour}"


def test_the_streamlit_theme_has_the_same_palette() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert tuple(config["theme"]["chartCategoricalColors"]) == PALETTE


# Machado, Oliveira and Fernandes (2009), full severity, applied to linear RGB
_SIMULATIONS = {
    "normal vision": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}


def _lab(colour: str, simulation: np.ndarray) -> np.ndarray:
    channels = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        simulation @ linear, 0, 1
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", list(_SIMULATIONS))
def test_palette_colours_stay_apart_for_colour_blind_readers(vision: str) -> None:
    """Every pair of palette colours is at least 15 apart (CIELAB ΔE) for normal vision and simulated protanopia and
    deuteranopia; Okabe–Ito's own eight colours are 17 apart at the closest by the same measure."""
    simulation = _SIMULATIONS[vision]
    closest = min(
        (float(np.linalg.norm(_lab(a, simulation) - _lab(b, simulation))), a, b)
        for a, b in itertools.combinations(PALETTE, 2)
    )
    assert closest[0] >= 15, closest


# ---- one colour per partnership --------------------------------------------------------------------------------------


def test_a_partnership_has_one_colour_whatever_else_is_in_view() -> None:
    ids = [f"p{n:02d}" for n in range(12)]
    own = partnership_colours(reversed(ids))
    assert own == partnership_colours(ids)  # from the sorted ids, not their order
    assert [own[pid] for pid in ids[:8]] == list(PALETTE)
    assert own["p08"] == PALETTE[0] and own["p11"] == PALETTE[3]  # beyond the palette, around again
    for shown in (["p03"], ["p03", "p05"], ["p05", "p03", "p07"]):  # any set in view: the same colour
        assert chart_colours(shown, own)["p03"] == PALETTE[3]


def test_two_partnerships_in_colour_in_one_chart_never_share_a_colour() -> None:
    own = partnership_colours([f"p{n:02d}" for n in range(12)])
    colours = chart_colours(["p08", "p00", "p01"], own)  # p00 and p08 have the same own colour
    assert colours == {"p00": PALETTE[0], "p01": PALETTE[1], "p08": CONTEXT_GREY}  # the later id goes grey
    highlighted = chart_colours(["p08", "p00", "p01"], own, highlight=["p08"])  # the chosen one keeps its colour
    assert highlighted == {"p08": PALETTE[0], "p00": CONTEXT_GREY, "p01": PALETTE[1]}
    for shown in itertools.combinations(sorted(own), 9):
        coloured = [c for c in chart_colours(shown, own).values() if c != CONTEXT_GREY]
        assert len(coloured) == len(set(coloured))


def test_beyond_the_palette_only_the_highlighted_are_in_colour() -> None:
    own = partnership_colours([f"p{n:02d}" for n in range(12)])
    shown = [f"p{n:02d}" for n in range(10)]
    colours = chart_colours(shown, own, highlight=["p02", "p09"])
    assert {pid for pid, c in colours.items() if c != CONTEXT_GREY} == {"p02", "p09"}
    assert colours["p02"] == own["p02"] and colours["p09"] == own["p09"]
    assert chart_colours(["unknown"], own) == {"unknown": CONTEXT_GREY}


def test_colours_by_name_come_from_the_ids() -> None:
    own = partnership_colours(["a", "b", "c"])
    names = {"a": "Zeta", "b": "Alpha", "c": "Mu"}
    assert named_colours(names, own) == {"Zeta": PALETTE[0], "Alpha": PALETTE[1], "Mu": PALETTE[2]}
    assert named_colours(names, own, shown=["c"]) == {"Mu": PALETTE[2]}


# ---- the same colour on every page -----------------------------------------------------------------------------------

FIRST, SECOND = "pge-green-for-all", "solar-skills-kenya"
"""Two public partnerships that are neither first nor alone in the sorted ids of the sample."""


def drawn_colours(app: AppTest) -> list[dict[str, str]]:
    """Per chart of a page: the colour of each trace (line) or bar (ranking), by the name drawn."""
    charts = []
    for chart in app.get("plotly_chart"):
        colours: dict[str, str] = {}
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") == "bar" and trace.get("orientation") == "h":
                colours.update(zip(trace["y"], trace["marker"]["color"], strict=True))
            elif trace.get("type") == "scatter" and "line" in trace and "name" in trace:
                colours[trace["name"]] = trace["line"]["color"]
        charts.append(colours)
    return charts


def run_view(store: Store, monkeypatch: pytest.MonkeyPatch, page: str, role: str, **params: str) -> AppTest:
    """A page as its URL opens it: public pages and embeds directly, staff pages through the app (they link to
    others), signed in as ``role``."""
    monkeypatch.setenv("IMPACT_STORE", store.root)
    if role == "anonymous" and page != "public":
        app = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)
        app.query_params.update(params)
        app.run()
    else:
        app = app_as(role).run()
        app.query_params.clear()
        app.query_params.update(params)
        app.switch_page(f"web/views/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_partnership_has_the_same_colour_on_staff_pages_public_pages_and_embeds(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    partnerships = sample_store.read_partnerships()
    names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
    own = partnership_colours(partnerships["partnership_id"])
    pages = {
        "staff overview": run_view(sample_store, monkeypatch, "overview", "viewer"),
        "public overview": run_view(sample_store, monkeypatch, "public", "anonymous"),
        "compare": run_view(
            sample_store, monkeypatch, "compare", "viewer", p=f"{FIRST},{SECOND}", i="workforce_headcount"
        ),
        "partnership page": run_view(
            sample_store,
            monkeypatch,
            "partnership",
            "viewer",
            partnership=FIRST,
            dataset="workforce",
            indicator="workforce_headcount",
        ),
        "portal": run_view(
            sample_store,
            monkeypatch,
            "portal",
            "anonymous",
            partnership=FIRST,
            dataset="workforce",
            indicator="workforce_headcount",
        ),
        "trend embed": run_view(
            sample_store, monkeypatch, "embed_chart", "anonymous", partnership=SECOND, indicator="workforce_headcount"
        ),
        "compare embed": run_view(
            sample_store,
            monkeypatch,
            "embed_chart",
            "anonymous",
            partnership=f"{FIRST},{SECOND}",
            indicator="workforce_headcount",
            view="compare",
        ),
    }
    seen: dict[str, dict[str, set[str]]] = {FIRST: {}, SECOND: {}}
    for page, app in pages.items():
        for chart in drawn_colours(app):
            for pid in seen:
                name = plotly_literal(names[pid])
                if name in chart:
                    seen[pid].setdefault(chart[name], set()).add(page)
    for pid, colours in seen.items():
        pages_seen = set().union(*colours.values())
        assert len(pages_seen) >= 5, (pid, colours)
        assert list(colours) == [own[pid]], f"{pid} drawn in {colours}"
    assert own[FIRST] != own[SECOND]


def test_a_dark_embed_draws_the_darkest_colours_lighter(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    own = partnership_colours(sample_store.read_partnerships()["partnership_id"])
    assert own[FIRST] in ON_DARK  # the sample's fifth partnership has the violet
    params = {"partnership": f"{FIRST},{SECOND}", "indicator": "workforce_headcount", "view": "compare"}
    light = drawn_colours(run_view(sample_store, monkeypatch, "embed_chart", "anonymous", **params))
    dark = drawn_colours(run_view(sample_store, monkeypatch, "embed_chart", "anonymous", **params, theme="dark"))
    assert sorted(light[0].values()) == sorted([own[FIRST], own[SECOND]])
    assert sorted(dark[0].values()) == sorted([ON_DARK[own[FIRST]], own[SECOND]])
