"""One measured step in a process of its own, so its time and peak memory are its own (``benchmarks/run.py`` starts
these). Prints one line ``RESULT {json}`` on stdout.

    python -m benchmarks.worker ingest --store ROOT --file CSV [--profile OUT]
    python -m benchmarks.worker csv --file CSV
    python -m benchmarks.worker overview-product --store ROOT --repeat N [--goal-budget S] [--profile OUT]
    python -m benchmarks.worker overview-duckdb --store ROOT --repeat N
    python -m benchmarks.worker overview-duckdb-native --store ROOT --repeat N
    python -m benchmarks.worker overview-check --store ROOT [--goal-sample K] [--skip-views]
    python -m benchmarks.worker page --store ROOT --page NAME [--timeout S] [--profile OUT]

``--profile OUT`` runs the measured call under cProfile and writes its top lines by cumulative time to OUT.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

PROFILE_LINES = 35
STAFF_PAGES = (
    "overview",
    "partnership",
    "compare",
    "indicator",
    "goals",
    "home",
    "upload",
    "reporting_status",
    "review",
    "reference",
)
VISITOR_PAGES = ("public", "portal", "methodology", "embed_chart", "sign_in")
PAGES = STAFF_PAGES + VISITOR_PAGES
DIRECT_PAGES = ("embed_chart",)
"""Pages whose URL path differs from their file name: AppTest cannot switch to them before a first run, so they run
from their own file, as the tests open them."""
REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboard" / "app.py"


def rss() -> int:
    """Resident memory of this process now, in bytes."""
    return psutil.Process().memory_info().rss


def peak_rss() -> int:
    """Peak resident memory of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def write_profile(profiler: cProfile.Profile, path: str) -> None:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats("cumulative").print_stats(PROFILE_LINES)
    by_cumulative = stream.getvalue()
    stream.seek(0)
    stream.truncate()
    stats.sort_stats("tottime").print_stats(PROFILE_LINES // 2)
    by_own = stream.getvalue()

    def table(text: str) -> str:
        start = text.find("   ncalls")
        return (text[start:] if start >= 0 else text).rstrip()

    total = f"{stats.total_tt:.3f} s profiled"  # type: ignore[attr-defined]
    Path(path).write_text(f"{total}\n\nby cumulative time\n{table(by_cumulative)}\n\nby own time\n{table(by_own)}\n")


def profiled(path: str | None, function: Callable[[], Any]) -> Any:
    if not path:
        return function()
    profiler = cProfile.Profile()
    try:
        return profiler.runcall(function)
    finally:
        write_profile(profiler, path)


# ---- steps ------------------------------------------------------------------------------------------------------


def step_csv(args: argparse.Namespace) -> dict[str, Any]:
    import pyarrow.csv

    base = rss()
    started = time.perf_counter()
    table = pyarrow.csv.read_csv(args.file)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": table.num_rows, "arrow_bytes": table.nbytes, "base_rss": base}


def _warm_up_validation() -> None:
    """Validate one row first: pandera imports its backends on the first validation of a process (about 0.6 s), a
    one-off cost the app server pays once, not per upload."""
    import pandas as pd

    from data_contracts import validate_indicators

    row = {"partnership_id": "x", "year": "2024", "quarter": "1", "indicator_id": "new_hires", "value": "1"}
    validate_indicators(pd.DataFrame([row]), "workforce", partnership_ids=["x"])


def step_ingest(args: argparse.Namespace) -> dict[str, Any]:
    from dashboard.intake.ingest import check_upload, commit_upload
    from dashboard.storage.store import Store

    store = Store(args.store)
    path = Path(args.file)
    _warm_up_validation()
    base = rss()
    timings: dict[str, float] = {}

    def run() -> tuple[Any, Any]:
        started = time.perf_counter()
        data = path.read_bytes()
        report = check_upload(store, data, path.name, dataset=args.dataset)
        timings["check"] = time.perf_counter() - started
        commit = None
        if report.accepted:
            started = time.perf_counter()
            commit = commit_upload(store, report, user="benchmark")
            timings["commit"] = time.perf_counter() - started
        return report, commit

    report, commit = profiled(args.profile, run)
    return {
        "seconds": sum(timings.values()),
        "check_seconds": timings["check"],
        "commit_seconds": timings.get("commit"),
        "accepted": report.accepted,
        "outcome": commit.outcome if commit else "rejected",
        "rows": report.rows,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "first_errors": [f.message for f in report.errors[:3]],
        "file_bytes": path.stat().st_size,
        "base_rss": base,
    }


def step_overview_product(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.overview import product_figures
    from dashboard.storage.store import Store

    store = Store(args.store)
    base = rss()
    goals = store.read_goals()
    # Estimate the cost of every goal from the first few; beyond the budget, evaluate a sample and extrapolate (every
    # goal scans the whole frame, so the cost per goal is even).
    probe = product_figures(store, goal_limit=min(args.goal_sample, len(goals)))
    per_goal = probe.seconds["goals"] / max(probe.goals_done, 1)
    limit = None if per_goal * len(goals) <= args.goal_budget else args.goal_sample
    runs = []
    for _ in range(args.repeat):
        figures = product_figures(store, goal_limit=limit)
        seconds = dict(figures.seconds)
        if figures.goals_done < figures.goals_total:
            seconds["goals"] = seconds["goals"] * figures.goals_total / max(figures.goals_done, 1)
        runs.append(seconds)
    if args.profile:  # one more run, not timed: cProfile slows what it watches
        profiled(args.profile, lambda: product_figures(store, goal_limit=limit))
    return {
        "runs": runs,
        "seconds": [sum(r.values()) for r in runs],
        "goals_total": len(goals),
        "goals_evaluated": len(goals) if limit is None else limit,
        "extrapolated": limit is not None,
        "base_rss": base,
    }


def step_overview_duckdb(args: argparse.Namespace) -> dict[str, Any]:
    import duckdb

    from benchmarks.overview import duckdb_figures
    from dashboard.storage.store import Store

    store = Store(args.store)
    base = rss()
    runs = [duckdb_figures(store).seconds for _ in range(args.repeat)]
    threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    return {"runs": runs, "seconds": [sum(r.values()) for r in runs], "threads": threads, "base_rss": base}


def step_overview_duckdb_native(args: argparse.Namespace) -> dict[str, Any]:
    import duckdb

    from benchmarks.overview import duckdb_native_figures
    from dashboard.storage.store import Store

    store = Store(args.store)
    base = rss()
    figures = [duckdb_native_figures(store) for _ in range(args.repeat)]
    threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    return {
        "runs": [f.seconds for f in figures],
        "seconds": [f.total_seconds for f in figures],
        "threads": threads,
        "versions": figures[-1].versions,
        "base_rss": base,
    }


def step_overview_check(args: argparse.Namespace) -> dict[str, Any]:
    import pandas as pd

    from benchmarks.overview import (
        check_same,
        duckdb_figures,
        duckdb_native_figures,
        product_figures,
        product_goal_points,
    )
    from dashboard.storage.store import Store
    from dashboard.storage.tables import indicator_table
    from data_contracts import DATASETS

    store = Store(args.store)
    product = product_figures(store, goal_limit=args.goal_sample)
    native = duckdb_native_figures(store)
    all_rows = pd.concat([store.read(indicator_table(d, "submitted")) for d in DATASETS], ignore_index=True)
    points = product_goal_points(all_rows, product.goals)
    del all_rows
    compared = {"native": check_same(product, native, points)}
    if not args.skip_views:
        compared["views"] = check_same(product, duckdb_figures(store), points)
    kpis = product.kpis.to_dict(orient="records")
    return {
        "compared": compared["native"],
        "engines": sorted(compared),
        "kpis": kpis,
        "statuses": product.goals["status"].value_counts().to_dict(),
    }


def _first_public(root: str) -> str:
    from dashboard.storage.store import Store

    partnerships = Store(root).read_partnerships()
    return sorted(partnerships.loc[partnerships["visibility"] == "public", "partnership_id"])[0]


def page_params(page: str, root: str) -> dict[str, str]:
    if page == "embed_chart":
        return {"partnership": _first_public(root), "indicator": "workforce_headcount"}
    return {}


def step_page(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["IMPACT_STORE"] = args.store

    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1 import local_script_runner as runner_module

    from dashboard.access.accounts import add_user, identity_for_email
    from dashboard.access.sessions import start_session
    from dashboard.storage.store import Store
    from dashboard.web.session import SESSION_TOKEN_KEY

    profilers: dict[str, cProfile.Profile | None] = {"active": None}
    script_seconds: list[float] = []
    original = runner_module.LocalScriptRunner._run_script_thread

    def run_thread(self) -> None:  # the script runs in AppTest's own thread: time (and profile) that thread
        profiler = profilers["active"]
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            return original(self)
        finally:
            if profiler is not None:
                profiler.disable()
            script_seconds.append(time.perf_counter() - started)

    runner_module.LocalScriptRunner._run_script_thread = run_thread
    params = page_params(args.page, args.store)
    base = rss()
    if args.page in DIRECT_PAGES:  # routed under another URL path: opened as its URL opens it, on its own
        app = AppTest.from_file(str(APP.parent / "web" / "views" / f"{args.page}.py"), default_timeout=args.timeout)
    else:
        app = AppTest.from_file(str(APP), default_timeout=args.timeout)
        app.switch_page(f"web/views/{args.page}.py")
    if args.page in STAFF_PAGES:
        store = Store(args.store)  # a real account and session, as a sign-in leaves them
        if identity_for_email(store, "admin@example.org") is None:
            add_user(store, "admin@example.org", "admin", actor="benchmarks")
        app.session_state[SESSION_TOKEN_KEY] = start_session(store, "admin@example.org")
    for key, value in params.items():
        app.query_params[key] = value
    result: dict[str, Any] = {"params": params, "base_rss": base}
    for run in ("cold", "warm", "data_cold"):
        if run == "data_cold":  # a running server after a commit: modules imported, every cache of the data empty
            _forget_data(app)
        profiler = cProfile.Profile() if args.profile and run == args.profile_run else None
        profilers["active"] = profiler
        started = time.perf_counter()
        try:
            app.run(timeout=args.timeout)
        except RuntimeError as error:  # AppTest's timeout
            result[f"{run}_seconds"] = None
            result["error"] = f"{run} run: {error}"[:500]
            break
        finally:
            profilers["active"] = None
            if profiler is not None:
                write_profile(profiler, args.profile)
        result[f"{run}_seconds"] = time.perf_counter() - started
        result[f"{run}_script_seconds"] = script_seconds[-1] if script_seconds else None
        if app.exception:
            failure = app.exception[0]
            trace = " | ".join(line.strip() for line in failure.stack_trace[-6:])
            result["error"] = f"{run} run raised: {failure.message} ({trace})"[:1500]
            break
    result["title"] = [t.value for t in app.title][:1]
    result["elements"] = len(list(app.main))
    return result


def _forget_data(app: Any) -> None:
    """Empty every cache of data in this process (Streamlit's caches, the store's kept tables, datasets and audit
    rows), as after a commit every table version is new: the next run reads all it shows again, but pays no imports
    and no Python start."""
    import streamlit as st

    from dashboard.storage import store as store_module

    st.cache_data.clear()
    st.cache_resource.clear()
    for kept in ("_TRACKED", "_DATASETS", "_DESCRIBED", "_LEGACY"):
        found = getattr(store_module, kept, None)
        if found is not None:
            found.clear()


def _keep_everything(store: Any, k: int) -> None:
    from dashboard.queries import read_model
    from dashboard.storage import derived_audit
    from dashboard.storage.layer_fingerprints import layer_fingerprints
    from data_contracts import DATASETS

    read_model.refresh_all(store, k=k)
    for dataset in DATASETS:
        for layer in ("submitted", "published"):
            layer_fingerprints(store, dataset, layer)
    derived_audit.keep(store)


def _overview_from_derived(store: Any, k: int, repeat: int = 3) -> float:
    """Median seconds to read what the staff overview shows of the whole portfolio from the derived tables: the
    summary without its headline rows (coverage, quarters, goals evaluated) and the portfolio figures (KPIs of every
    quarter, trend spreads), each read from its table, nothing computed from the source rows."""
    from dashboard.queries import read_model
    from dashboard.storage.tables import PARTNERSHIPS_TABLE

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        sources = read_model.current_sources(store, "submitted", None)
        read_model.summary_at(store, "submitted", sources, headline=False)
        read_model.figures_at(store, "submitted", sources, store.version(PARTNERSHIPS_TABLE))
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def step_read_model(args: argparse.Namespace) -> dict[str, Any]:
    """The read model of a store: built whole from the source tables (on the store itself, as the app keeps it, so
    the pages read it), then kept after a one-quarter commit and its publish, on a copy of the store."""
    import shutil
    import tempfile

    from dashboard.queries import read_model
    from dashboard.settings import min_cell_count
    from dashboard.storage import derived
    from dashboard.storage.layer_fingerprints import fingerprints_table_name
    from dashboard.storage.slices import Slice
    from dashboard.storage.store import Store
    from data_contracts import DATASETS

    k = min_cell_count()
    store = Store(args.store)
    base = rss()
    started = time.perf_counter()
    read_model.rebuild_all(store, k=k)
    for dataset in DATASETS:  # the fingerprints rebuilt too: their tables dropped first
        for layer in ("submitted", "published"):
            shutil.rmtree(derived.derived_uri(store, fingerprints_table_name(dataset, layer)), ignore_errors=True)
    _keep_everything(store, k)
    result: dict[str, Any] = {"build_seconds": time.perf_counter() - started, "base_rss": base}
    result["build_peak_rss"] = peak_rss()
    result["overview_read_seconds"] = _overview_from_derived(store, k)
    with tempfile.TemporaryDirectory(prefix="read-model-", dir=Path(args.store).parent) as folder:
        copy = Store(shutil.copytree(args.store, Path(folder) / "store"))
        partnership = copy.read("reference/partnerships", columns=["partnership_id"])["partnership_id"].iloc[0]
        rows = copy.read_indicators(args.dataset, "submitted", partnership_ids=[str(partnership)])
        latest = rows[["year", "quarter"]].drop_duplicates().sort_values(["year", "quarter"]).iloc[-1]
        chosen = rows[(rows["year"] == latest["year"]) & (rows["quarter"] == latest["quarter"])]
        chosen = chosen.assign(value=chosen["value"] + 1).reset_index(drop=True)
        _keep_everything(copy, k)  # a process that read the store before (its datasets made)
        copy.commit_indicators(chosen, args.dataset, user="benchmarks")
        started = time.perf_counter()
        _keep_everything(copy, k)
        result["keep_commit_seconds"] = time.perf_counter() - started
        copy.publish(args.dataset, [Slice(str(partnership), int(latest["year"]), int(latest["quarter"]))], user="b")
        started = time.perf_counter()
        _keep_everything(copy, k)
        result["keep_publish_seconds"] = time.perf_counter() - started
        result["rows_committed"] = len(chosen)
    result["derived_rows"] = {
        variant: derived.read_summary_rows(store, variant, derived.read_state(store, variant).version).num_rows
        for variant in derived.VARIANTS
    }
    return result


STEPS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "read-model": step_read_model,
    "csv": step_csv,
    "ingest": step_ingest,
    "overview-product": step_overview_product,
    "overview-duckdb": step_overview_duckdb,
    "overview-duckdb-native": step_overview_duckdb_native,
    "overview-check": step_overview_check,
    "page": step_page,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--store")
    parser.add_argument("--file")
    parser.add_argument("--dataset", default="workforce")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--goal-budget", type=float, default=600.0, help="seconds of goal evaluation per run")
    parser.add_argument("--goal-sample", type=int, default=200, help="goals evaluated when over the budget")
    parser.add_argument("--skip-views", action="store_true", help="overview-check: leave out DuckDB over datasets")
    parser.add_argument("--page", choices=PAGES)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--profile")
    parser.add_argument("--profile-run", choices=("cold", "warm"), default="cold")
    args = parser.parse_args(argv)
    try:
        result = STEPS[args.step](args)
    except Exception as error:  # reported, not hidden: the runner prints it in the table
        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()[-3000:]}
    result["peak_rss"] = peak_rss()
    print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
