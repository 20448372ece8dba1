"""Benchmarks: figures and ratios against a reference measured in the same run on the same data.

    python -m benchmarks [--sizes S,M,L] [--repeat 3] [--work-dir /tmp/impact-bench] [--skip-pages]
                         [--output benchmarks/RESULTS.md]

For each size (S the sample, M 500 partnerships, L 5,000 partnerships, XL 50,000 partnerships only when asked; see
``benchmarks/generate.py``):

1. ingest: check + commit of the 100k- and 1M-row upload files into a fresh copy of the store, against pyarrow's
   bare ``read_csv`` of the same file; peak memory of each against the size of the pyarrow table;
2. overview: the overview's figures by the product's functions against DuckDB computing the same aggregates over the
   same Delta tables, twice: through ``to_pyarrow_dataset()`` views (``--skip-duckdb-views`` leaves it out) and
   reading the tables' Parquet files natively (after asserting both give the same KPIs, yearly roll-ups and goal
   points as the product);
3. pages: a cold (fresh process) and a warm (second ``run()``) AppTest run of every page, and the process's peak
   memory;
4. growth of every figure from size to size next to the growth of the data.

Every step runs in a process of its own (``benchmarks/worker.py``), so its memory is its own; a step that passes
12 GB resident or its timeout is stopped and reported. Figures are medians of ``--repeat`` runs. The code measured
is a snapshot taken at the start: the committed ``HEAD`` by default (``--commit REV`` for another commit), or the
working tree with ``--code worktree``. Raw results go to ``<work-dir>/results.json`` (``--merge`` adds to it); the
Markdown tables to ``--output`` (``--render-only`` writes them again from the JSON, keeping the notes block).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

from benchmarks.generate import (
    DEFAULT_SEED,
    DEFAULT_WORK_DIR,
    SIZES,
    UPLOAD_DATASET,
    UPLOADS,
    generate_store,
    generate_upload,
)
from benchmarks.report import fmt_mb, fmt_s, fmt_x, render_file
from benchmarks.worker import PAGES

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"
PACKAGES = ("deltalake", "pyarrow", "pandas", "pandera", "numpy", "streamlit", "plotly", "duckdb")
INGEST_ENV = {"IMPACT_MAX_UPLOAD_MB": "256", "IMPACT_MAX_UPLOAD_ROWS": "2000000"}
"""The "1M" file (a million rows when the catalog had fewer indicators, 1,512,000 rows and 97 MB since it has 52) is
above the default upload limits of 50 MB (``IMPACT_MAX_UPLOAD_MB``) and 1,000,000 rows (``IMPACT_MAX_UPLOAD_ROWS``):
the runs raise both, so the file is checked and committed, not refused."""


# ---- running workers --------------------------------------------------------------------------------------------


CODE_ROOT = REPO_ROOT
"""Where workers import the product from: a snapshot taken when the run starts (``snapshot_code``), so edits made
while the benchmarks run do not mix versions of the code in one set of results."""
SNAPSHOT_PARTS = ("dashboard", "data_contracts", "sample_data", "benchmarks", ".streamlit")


def snapshot_code(work_dir: Path, source: str, commit: str = "HEAD") -> Path:
    """Copy the code the workers run under the work dir: the product as committed (``head``: ``commit``) or as it
    is in the working tree (``worktree``), with these benchmarks as they are in the working tree."""
    global CODE_ROOT
    target = work_dir / "code" / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{source}"
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "RESULTS.md")
    product = [p for p in SNAPSHOT_PARTS if p != "benchmarks" and (REPO_ROOT / p).exists()]
    if source == "head":
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, *product], cwd=REPO_ROOT, capture_output=True
        )
        if archive.returncode:
            raise SystemExit(f"git archive failed: {archive.stderr.decode()}")
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    else:
        for part in product:
            shutil.copytree(REPO_ROOT / part, target / part, ignore=ignore)
    shutil.copytree(REPO_ROOT / "benchmarks", target / "benchmarks", ignore=ignore)
    CODE_ROOT = target
    return target


MEMORY_LIMIT = 12 * 2**30
"""A worker whose resident memory passes this is stopped (the machine is shared; its RAM is 24 GB)."""


def worker(step: str, *options: str, timeout: float, log: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one measured step in a fresh process; its ``RESULT`` line as a dict (``error`` on failure, timeout or
    when it passes ``MEMORY_LIMIT``)."""
    command = [sys.executable, "-m", "benchmarks.worker", step, *options]
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(CODE_ROOT)}
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    peak = 0
    with open(log, "a") as stderr, open(log.with_suffix(".out"), "w+") as stdout:
        stderr.write(f"\n$ {shlex.join(command)}\n")
        stderr.flush()
        child = subprocess.Popen(command, cwd=CODE_ROOT, env=environment, stdout=stdout, stderr=stderr, text=True)
        watched = psutil.Process(child.pid)
        failure = None
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, watched.memory_info().rss)
            if peak > MEMORY_LIMIT:
                failure = {
                    "error": f"stopped at {peak / 2**30:,.1f} GB resident (limit {MEMORY_LIMIT / 2**30:,.0f} GB)"
                }
            elif time.perf_counter() - started > timeout:
                failure = {"error": f"timeout after {timeout:,.0f} s", "timeout": True}
            if failure:
                child.kill()
                child.wait()
                return {**failure, "peak_rss": peak, "wall": time.perf_counter() - started}
            time.sleep(0.2)
        stdout.seek(0)
        output = stdout.read()
    for line in output.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            result["wall"] = time.perf_counter() - started
            return result
    return {"error": f"exit code {child.returncode}, no result (see {log})", "wall": time.perf_counter() - started}


def median(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def say(text: str) -> None:
    print(text, flush=True)


# ---- the machine ------------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def code_state(commit: str = "HEAD") -> dict[str, Any]:
    """The commit and the uncommitted changes measured (others edit the tree while benchmarks run)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line[3:].endswith(".py")]
    changed = [p for p in changed if not p.startswith("benchmarks/")]
    hashes = {p: git("hash-object", p)[:10] for p in changed if (REPO_ROOT / p).is_file()}
    return {"commit": git("rev-parse", "--short", commit), "changed": hashes}


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
    }


# ---- measurements -----------------------------------------------------------------------------------------------


def measure_ingest(size: str, store: dict, work_dir: Path, seed: int, repeat: int, logs: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in UPLOADS:
        path = generate_upload(work_dir, name, seed)
        runs, references = [], []
        for _ in range(repeat):
            copy = work_dir / "scratch" / f"{size}-ingest"
            if copy.exists():
                shutil.rmtree(copy)
            shutil.copytree(store["root"], copy)
            log = logs / f"ingest-{size}-{name}.log"
            runs.append(
                worker("ingest", "--store", str(copy), "--file", str(path), timeout=3600, log=log, env=INGEST_ENV)
            )
            references.append(worker("csv", "--file", str(path), timeout=600, log=log))
            shutil.rmtree(copy)
            if runs[-1].get("error"):
                break
        results[name] = summarise_ingest(runs, references)
        row = results[name]
        say(
            f"  ingest {size} {name:>4}: {fmt_s(row['seconds'])} (check {fmt_s(row['check_seconds'])}, commit "
            f"{fmt_s(row['commit_seconds'])}) vs pyarrow read_csv {fmt_s(row['reference_seconds'])}: "
            f"{fmt_x(row['ratio'])}; memory {fmt_mb(row['memory'])} = {fmt_x(row['memory_ratio'])} the pyarrow table "
            f"({fmt_mb(row['arrow_bytes'])}){'; ERROR ' + row['error'] if row.get('error') else ''}"
        )
    return results


def summarise_ingest(runs: list[dict], references: list[dict]) -> dict[str, Any]:
    ok = [r for r in runs if not r.get("error")]
    seconds, reference = median(r["seconds"] for r in ok), median(r.get("seconds") for r in references)
    memory = median(r["peak_rss"] - r["base_rss"] for r in ok)
    reference_memory = median(r["peak_rss"] - r["base_rss"] for r in references if "base_rss" in r)
    arrow = references[0].get("arrow_bytes") if references else None
    first = ok[0] if ok else (runs[0] if runs else {})
    return {
        "runs": len(ok),
        "seconds": seconds,
        "check_seconds": median(r["check_seconds"] for r in ok),
        "commit_seconds": median(r.get("commit_seconds") for r in ok),
        "reference_seconds": reference,
        "ratio": seconds / reference if seconds and reference else None,
        "rows": first.get("rows"),
        "file_bytes": first.get("file_bytes"),
        "arrow_bytes": arrow,
        "memory": memory,
        "peak_rss": median(r["peak_rss"] for r in ok),
        "reference_memory": reference_memory,
        "memory_ratio": memory / arrow if memory and arrow else None,
        "accepted": first.get("accepted"),
        "warnings": first.get("warnings"),
        "error": None if ok else first.get("error") or "no run",
        "raw": runs,
    }


OVERVIEW_STEPS = ("read", "kpis", "annual", "goals")


def _engine(raw: dict[str, Any]) -> dict[str, Any] | None:
    """Median seconds, steps and memory of one engine's overview runs (None when it failed or was left out)."""
    if not raw or raw.get("error") or raw.get("skipped"):
        return None
    return {
        "seconds": median(raw["seconds"]),
        "steps": {s: median(r.get(s) for r in raw["runs"]) for s in OVERVIEW_STEPS},
        "memory": raw["peak_rss"] - raw["base_rss"],
    }


def measure_overview(
    size: str, store: dict, repeat: int, goal_budget: float, logs: Path, profile: Path | None, views: bool = True
) -> dict[str, Any]:
    """The overview's figures by the product, by DuckDB over ``to_pyarrow_dataset()`` views (``views``) and by DuckDB
    reading the Parquet files natively; each engine's failure is reported on its own."""
    log = logs / f"overview-{size}.log"
    root = store["root"]
    check_options = ["--store", root, "--goal-sample", "100", *([] if views else ["--skip-views"])]
    check = worker("overview-check", *check_options, timeout=3600, log=log)
    if check.get("error"):
        say(f"  overview {size}: CHECK FAILED: {check['error']}")
    options = ["--store", root, "--repeat", str(repeat), "--goal-budget", str(goal_budget)]
    if profile is not None:
        options += ["--profile", str(profile)]
    product = worker("overview-product", *options, timeout=3 * 3600, log=log)
    reference: dict[str, Any] = {"skipped": "--skip-duckdb-views"}
    if views:
        reference = worker("overview-duckdb", "--store", root, "--repeat", str(repeat), timeout=3600, log=log)
    native = worker("overview-duckdb-native", "--store", root, "--repeat", str(repeat), timeout=3600, log=log)
    result: dict[str, Any] = {
        "check": check,
        "product_raw": product,
        "reference_raw": reference,
        "native_raw": native,
    }
    mine, theirs, local = _engine(product), _engine(reference), _engine(native)
    for name, raw in (("error", product), ("reference_error", reference), ("native_error", native)):
        if raw.get("error"):
            result[name] = raw["error"]
    if theirs:
        result.update(
            {
                "reference_seconds": theirs["seconds"],
                "reference_steps": theirs["steps"],
                "reference_memory": theirs["memory"],
                "duckdb_threads": reference.get("threads"),
            }
        )
    if local:
        result.update(
            {
                "native_seconds": local["seconds"],
                "native_steps": local["steps"],
                "native_memory": local["memory"],
                "native_threads": native.get("threads"),
            }
        )
    if mine:
        result.update(
            {
                "seconds": mine["seconds"],
                "steps": mine["steps"],
                "memory": mine["memory"],
                "goals_total": product["goals_total"],
                "goals_evaluated": product["goals_evaluated"],
                "extrapolated": product["extrapolated"],
            }
        )
        result["ratio"] = mine["seconds"] / theirs["seconds"] if theirs else None
        result["native_ratio"] = mine["seconds"] / local["seconds"] if local else None
    product_text = f"ERROR {result['error']}" if "error" in result else f"product {fmt_s(result['seconds'])}"
    if mine:
        product_text += (
            f" ({', '.join(f'{k} {fmt_s(v)}' for k, v in result['steps'].items())}"
            f"{'; goals extrapolated from ' + str(result['goals_evaluated']) if result['extrapolated'] else ''})"
        )
    views_text = (
        f"DuckDB views {fmt_s(result['reference_seconds'])}: {fmt_x(result.get('ratio'))}"
        if theirs
        else f"DuckDB views {reference.get('error') or 'skipped'}"
    )
    native_text = (
        f"DuckDB native {fmt_s(result['native_seconds'])}: {fmt_x(result.get('native_ratio'))}"
        if local
        else f"DuckDB native ERROR {native.get('error')}"
    )
    say(
        f"  overview {size}: {product_text} vs {views_text}; vs {native_text}; check "
        f"{'passed' if not check.get('error') else 'FAILED'}"
    )
    return result


PAGE_STARTUP = 60.0
"""Seconds a page's process gets beyond ``--page-timeout`` (imports, store checks). AppTest's own timeout does not
stop a script that is busy in one long call, so the process is stopped from outside: cold and warm run together
must finish within the timeout plus this."""


def measure_pages(
    size: str, store: dict, pages: Sequence[str], repeat: int, timeout: float, logs: Path
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for page in pages:
        runs = []
        for _ in range(repeat):
            run = worker(
                "page", "--store", store["root"], "--page", page, "--timeout", str(timeout),
                timeout=timeout + PAGE_STARTUP, log=logs / f"pages-{size}.log",
            )  # fmt: skip
            runs.append(run)
            if run.get("error"):  # a timeout or a failure: report it, do not wait for it again
                break
        ok = [r for r in runs if not r.get("error")]
        row = {
            "runs": len(ok),
            "cold": median(r.get("cold_seconds") for r in ok),
            "cold_script": median(r.get("cold_script_seconds") for r in ok),
            "warm": median(r.get("warm_seconds") for r in ok),
            "warm_script": median(r.get("warm_script_seconds") for r in ok),
            "data_cold_script": median(r.get("data_cold_script_seconds") for r in ok),
            "peak_rss": median(r.get("peak_rss") for r in runs),
            "error": None if ok else (runs[-1].get("error") if runs else "no run"),
            "timeout": timeout,
            "raw": runs,
        }
        results[page] = row
        say(
            f"  page {size} {page:<12} cold {fmt_s(row['cold'])}  warm {fmt_s(row['warm'])} "
            f"(script {fmt_s(row['warm_script'])})  data-cold {fmt_s(row['data_cold_script'])}  "
            f"peak {fmt_mb(row['peak_rss'])}"
            f"{'  ERROR ' + str(row['error']) if row['error'] else ''}"
        )
    return results


def profile_page(size: str, store: dict, page: str, timeout: float, logs: Path, out: Path) -> dict[str, Any]:
    return worker(
        "page", "--store", store["root"], "--page", page, "--timeout", str(timeout), "--profile", str(out),
        "--profile-run", "warm", timeout=2 * timeout + PAGE_STARTUP, log=logs / f"pages-{size}.log",
    )  # fmt: skip


def profile_ingest(store: dict, work_dir: Path, seed: int, name: str, logs: Path, out: Path) -> dict[str, Any]:
    copy = work_dir / "scratch" / "profile-ingest"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(store["root"], copy)
    try:
        path = generate_upload(work_dir, name, seed)
        return worker(
            "ingest", "--store", str(copy), "--file", str(path), "--profile", str(out),
            timeout=3600, log=logs / "profile-ingest.log", env=INGEST_ENV,
        )  # fmt: skip
    finally:
        shutil.rmtree(copy)


# ---- main -------------------------------------------------------------------------------------------------------


def parse_args(argv: Iterable[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="S,M,L", help="comma-separated sizes among S, M, L, XL (default S,M,L; XL only when asked)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    parser.add_argument("--page-repeat", type=int, help="runs per page (default --repeat)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="generated stores, uploads, logs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--skip-pages", action="store_true", help="leave out the AppTest runs of the pages")
    parser.add_argument(
        "--read-model",
        action="store_true",
        help="measure the read model (build and keep) even with --skip-pages (the pages always have it built first)",
    )
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-overview", action="store_true")
    parser.add_argument(
        "--skip-duckdb-views",
        action="store_true",
        help="overview: leave out DuckDB over to_pyarrow_dataset() views (it holds every row in memory: about 5 GB at "
        "L, beyond the worker's limit at XL); DuckDB reading the Parquet files natively always runs",
    )
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names (default every page)")
    parser.add_argument("--page-timeout", type=float, default=600.0, help="seconds per AppTest run (default 600)")
    parser.add_argument(
        "--goal-budget",
        type=float,
        default=600.0,
        help="seconds of goal evaluation per overview run; beyond it a sample of goals is timed and extrapolated",
    )
    parser.add_argument(
        "--code",
        choices=("head", "worktree", "live"),
        default="head",
        help="code measured: the committed HEAD (default), a snapshot of the working tree taken at the start, or the "
        "working tree as it is at each step",
    )
    parser.add_argument("--commit", default="HEAD", help="with --code head: the commit measured (default HEAD)")
    parser.add_argument("--no-profile", action="store_true", help="do not profile the slow steps")
    parser.add_argument("--merge", action="store_true", help="add to <work-dir>/results.json instead of replacing it")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown results (default benchmarks/RESULTS.md)"
    )
    parser.add_argument("--render-only", action="store_true", help="write --output from <work-dir>/results.json")
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(argv)
    work_dir: Path = args.work_dir
    results_path = work_dir / "results.json"
    if args.render_only:
        render_file(json.loads(results_path.read_text()), args.output)
        say(f"wrote {args.output}")
        return 0
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        raise SystemExit(f"unknown size(s) {unknown}; expected S, M, L or XL")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    page_repeat = args.page_repeat or args.repeat
    work_dir.mkdir(parents=True, exist_ok=True)
    logs = work_dir / "logs"
    profiles = work_dir / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)

    code = code_state(args.commit if args.code == "head" else "HEAD")
    snapshot = None if args.code == "live" else snapshot_code(work_dir, args.code, args.commit)
    results: dict[str, Any] = json.loads(results_path.read_text()) if args.merge and results_path.is_file() else {}
    results.setdefault("sizes", {})
    command = "python -m benchmarks " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    results.setdefault("runs", []).append(
        {
            "command": command.strip(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "sizes": sizes,
            "repeat": args.repeat,
            "page_repeat": page_repeat,
            "page_timeout": args.page_timeout,
            "goal_budget": args.goal_budget,
            "load_before": os.getloadavg(),
            "code": {**code, "measured": args.code, "snapshot": str(snapshot) if snapshot else None},
        }
    )
    results["machine"] = machine()
    results["upload_dataset"] = UPLOAD_DATASET

    def save() -> None:
        results_path.write_text(json.dumps(results, indent=1, default=str))
        render_file(results, args.output)

    say(f"Benchmarks on {results['machine']['cpu']} ({results['machine']['cores']} cores), sizes {', '.join(sizes)}")
    for size in sizes:
        say(f"\n== size {size} ==")
        store = generate_store(work_dir, size, args.seed)
        entry = results["sizes"].setdefault(size, {})
        entry["store"] = store
        if not args.skip_ingest:
            if size == "S":
                entry["ingest"] = {"skipped": "the sample has 8 partnerships: too few for a 100k-row file"}
                say("  ingest S: skipped (the upload files are for partnerships 1-500 of the generated stores)")
            else:
                entry["ingest"] = measure_ingest(size, store, work_dir, args.seed, args.repeat, logs)
                save()
        if not args.skip_overview:
            profile = None if args.no_profile else profiles / f"overview-{size}.txt"
            entry["overview"] = measure_overview(
                size, store, args.repeat, args.goal_budget, logs, profile, views=not args.skip_duckdb_views
            )
            if profile is not None and profile.is_file():
                entry["overview"]["profile"] = profile.read_text()
            save()
        if not args.skip_pages or args.read_model:
            say(f"  read model {size}: built whole, then kept after a one-quarter commit and its publish")
            entry["read_model"] = worker(
                "read-model", "--store", store["root"], timeout=3 * 3600, log=logs / f"read-model-{size}.log"
            )
            save()
        if not args.skip_pages:
            entry["pages"] = measure_pages(size, store, pages, page_repeat, args.page_timeout, logs)
            save()
        if not args.no_profile:
            profile_slow_steps(size, entry, store, work_dir, args, logs, profiles)
            save()
    results["runs"][-1]["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["runs"][-1]["load_after"] = os.getloadavg()
    save()
    say(f"\nwrote {args.output} and {results_path}")
    return 0


PROFILED_PAGES = 3
"""The slowest warm reruns (over the target) profiled at each size."""


def profile_slow_steps(
    size: str, entry: dict, store: dict, work_dir: Path, args: argparse.Namespace, logs: Path, profiles: Path
) -> None:
    """Profiles of the steps that miss their target: ingest of the 1M file, and the slowest warm pages."""
    ingest = entry.get("ingest", {}).get("1M")
    if isinstance(ingest, dict) and (ingest.get("ratio") or 0) > 5 and "profile" not in ingest:
        out = profiles / f"ingest-{size}-1M.txt"
        profile_ingest(store, work_dir, args.seed, "1M", logs, out)
        if out.is_file():
            ingest["profile"] = out.read_text()
    pages = entry.get("pages") or {}
    measured = {p: r for p, r in pages.items() if r.get("warm_script") is not None}
    slowest = sorted(measured, key=lambda p: measured[p]["warm_script"], reverse=True)[:PROFILED_PAGES]
    for page in slowest:
        if measured[page]["warm_script"] > 0.3 and "profile" not in measured[page]:
            out = profiles / f"page-{size}-{page}-warm.txt"
            profile_page(size, store, page, args.page_timeout, logs, out)
            if out.is_file():
                measured[page]["profile"] = out.read_text()


if __name__ == "__main__":
    sys.exit(main())
