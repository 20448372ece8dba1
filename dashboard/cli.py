"""Command line: ``python -m dashboard COMMAND``.

Commands
    init     create the store; seed and publish the synthetic sample data unless --empty
    ingest   check a quarterly file and commit it to the submitted layer (or say why not)
    export   write a layer's current rows of a dataset as CSV, Parquet or Excel
    history  list the versions of a dataset's table with who changed it and from which file
    restore  bring a dataset's table back to an earlier version (as a new version)

Exit codes: 0 done (or would be, with --dry-run); 1 rejected or failed, nothing written; 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dashboard.exports import EXPORT_FORMATS, frame_bytes, sorted_rows
from dashboard.ingest import UploadReport, ingest_file
from dashboard.seed import SeedError, is_empty, seed_sample
from dashboard.store import LAYERS, STORE_ENV, Store, StoreError, indicator_table
from data_contracts import DATASETS

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command used wrongly (exit code 2)."""


def _store(args: argparse.Namespace) -> Store:
    return Store.from_env(args.store)


def _ready_store(args: argparse.Namespace) -> Store:
    store = _store(args)
    if not store.is_initialised():
        raise UsageError(f"no store at {store.root}; create it with `python -m dashboard init`")
    return store


def _default_user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "command-line"


# ---- init -----------------------------------------------------------------------------------------------------


def _init(args: argparse.Namespace) -> int:
    store = _store(args)
    if store.is_initialised() and not is_empty(store):
        print(f"The store at {store.root} already holds data; nothing was changed.")
        return EXIT_OK
    store.create_tables()
    if args.empty:
        print(f"Created empty tables in {store.root}.")
        return EXIT_OK
    try:
        report = seed_sample(store)
    except (SeedError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"{report.summary()} Store: {store.root}")
    return EXIT_OK


# ---- ingest ---------------------------------------------------------------------------------------------------


def _print_findings(title: str, report_findings: list, stream) -> None:
    if not report_findings:
        return
    print(f"{title}:", file=stream)
    for finding in report_findings:
        where = f"row {finding.row}" if finding.row is not None else "file"
        column = f", {finding.column}" if finding.column else ""
        print(f"  {where}{column} [{finding.rule}] {finding.message}", file=stream)


def _print_report(report: UploadReport, outcome_line: str) -> None:
    stream = sys.stdout if report.accepted else sys.stderr
    if report.format_details:
        print(f"{report.file_name}: {report.format_details}, dataset {report.dataset or 'unknown'}")
    _print_findings("Errors", report.errors, stream)
    _print_findings("Warnings", report.warnings, sys.stdout)
    if report.accepted and report.changes:
        print("Changes per slice (new / changed / removed / unchanged rows):")
        for change in report.changes:
            mark = " (published)" if change.published else ""
            print(f"  {change.slice}: {change.new} / {change.changed} / {change.removed} / {change.unchanged}{mark}")
    print(outcome_line, file=stream)


def _ingest(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    store = _ready_store(args)
    report, commit = ingest_file(
        store, path.read_bytes(), path.name, dataset=args.dataset, user=args.user, dry_run=args.dry_run
    )
    if args.json:
        print(json.dumps(report.as_json(commit), default=str, ensure_ascii=False))
    elif not report.accepted:
        _print_report(report, f"Rejected: {report.summary()}.")
    elif args.dry_run:
        _print_report(report, f"Dry run: {report.summary()}; would be committed, nothing written.")
    elif commit is not None and commit.outcome == "unchanged":
        _print_report(report, "Unchanged: the submitted layer already holds exactly this content; nothing written.")
    else:
        assert commit is not None
        _print_report(report, f"Committed {report.summary()} as version {commit.version} of {commit.table}.")
    return EXIT_OK if report.accepted else EXIT_REJECTED


# ---- export ---------------------------------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    output = Path(args.output)
    fmt = args.format or (output.suffix.lstrip(".").lower() if output.suffix else "csv")
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"cannot tell the format from {output.name!r}; give --format {'|'.join(EXPORT_FORMATS)}")
    store = _ready_store(args)
    frame = store.read_indicators(
        args.dataset,
        args.layer,
        partnership_ids=args.partnership or None,
        years=args.year or None,
    )
    if args.quarter:
        frame = frame[frame["quarter"].isin(args.quarter)]
    frame = sorted_rows(frame)
    output.write_bytes(frame_bytes(frame, fmt, sheet=args.dataset))
    print(f"Wrote {len(frame):,} rows of {args.layer}/{args.dataset} to {output} ({fmt}).")
    return EXIT_OK


# ---- history and restore --------------------------------------------------------------------------------------


def history_frame(store: Store, table: str) -> pd.DataFrame:
    """The table's versions, newest first, with the audit's user, action, source file and rows."""
    history = store.history(table)
    audit = store.read_audit()[["commit_id", "user", "action", "source_name", "rows", "message"]]
    joined = history.drop(columns=["user"]).merge(audit, on="commit_id", how="left")
    joined["timestamp"] = joined["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")
    joined["rows"] = joined["rows"].astype("Int64")
    columns = ["version", "timestamp", "operation", "action", "user", "source_name", "rows", "message"]
    return joined[columns].sort_values("version", ascending=False, ignore_index=True)


def _history(args: argparse.Namespace) -> int:
    store = _ready_store(args)
    table = indicator_table(args.dataset, args.layer)
    frame = history_frame(store, table)
    if args.json:
        print(frame.to_json(orient="records"))
    else:
        print(f"History of {table} (newest first):")
        print(frame.astype(object).fillna("").to_string(index=False))
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    store = _ready_store(args)
    table = indicator_table(args.dataset, args.layer)
    current = store.version(table)
    if not 0 <= args.version < current:
        raise UsageError(f"{table} has versions 0 to {current}; choose an earlier version than the current {current}")
    new_version = store.restore(table, args.version, user=args.user)
    print(f"Restored {table} to version {args.version}; it is now version {new_version}.")
    return EXIT_OK


# ---- parser ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Partnership Impact Dashboard tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    store_help = f"store root (path or URI); default ${STORE_ENV} or .impact_store"

    init = commands.add_parser(
        "init",
        help="create the store; seed it with the synthetic sample data unless --empty",
        description="Create the store's Delta tables. Without --empty, load the bundled synthetic sample data "
        "through the data contracts and publish it. A store that already holds data is left unchanged.",
    )
    init.add_argument("--store", metavar="PATH", help=store_help)
    init.add_argument("--empty", action="store_true", help="create empty tables without sample data")
    init.set_defaults(handler=_init)

    ingest = commands.add_parser(
        "ingest",
        help="check a quarterly file and commit it to the submitted layer",
        description="Check a CSV, Excel (.xlsx) or Parquet file against the dataset's contract. With no error, "
        "replace its (partnership, year, quarter) slices in the submitted layer in one transaction. "
        "Exit 0 committed (or would be, with --dry-run), 1 rejected (nothing written), 2 usage error.",
    )
    ingest.add_argument("file", metavar="FILE", help="the file to load")
    ingest.add_argument("--dataset", metavar="NAME", required=True, choices=DATASETS, help=", ".join(DATASETS))
    ingest.add_argument("--store", metavar="URI", help=store_help)
    ingest.add_argument("--user", metavar="NAME", default=_default_user(), help="who is loading (for the audit)")
    ingest.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")
    ingest.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ingest.set_defaults(handler=_ingest)

    export = commands.add_parser(
        "export",
        help="write a dataset's current rows to a file",
        description="Write the current rows of a dataset in one layer, sorted, in the upload layout, so they can "
        "be corrected and sent again. CSV cells never start a spreadsheet formula.",
    )
    export.add_argument("--dataset", metavar="NAME", required=True, choices=DATASETS, help=", ".join(DATASETS))
    export.add_argument("--layer", choices=LAYERS, default="submitted", help="default: submitted")
    export.add_argument("--format", choices=EXPORT_FORMATS, help="default: from the file name, else csv")
    export.add_argument("-o", "--output", metavar="FILE", required=True, help="file to write")
    export.add_argument("--partnership", metavar="ID", action="append", help="only this partnership (repeatable)")
    export.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    export.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), action="append", help="only this quarter")
    export.add_argument("--store", metavar="URI", help=store_help)
    export.set_defaults(handler=_export)

    history = commands.add_parser("history", help="list the versions of a dataset's table")
    history.add_argument("--dataset", metavar="NAME", required=True, choices=DATASETS, help=", ".join(DATASETS))
    history.add_argument("--layer", choices=LAYERS, default="submitted", help="default: submitted")
    history.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    history.add_argument("--store", metavar="URI", help=store_help)
    history.set_defaults(handler=_history)

    restore = commands.add_parser(
        "restore",
        help="bring a dataset's table back to an earlier version",
        description="Make an earlier version of a dataset's table current again, as a new version (an undo). "
        "Nothing is lost: the undone versions stay in the history.",
    )
    restore.add_argument("--dataset", metavar="NAME", required=True, choices=DATASETS, help=", ".join(DATASETS))
    restore.add_argument("--version", type=int, required=True, metavar="N", help="the version to bring back")
    restore.add_argument("--layer", choices=LAYERS, default="submitted", help="default: submitted")
    restore.add_argument("--user", metavar="NAME", default=_default_user(), help="who is restoring (for the audit)")
    restore.add_argument("--store", metavar="URI", help=store_help)
    restore.set_defaults(handler=_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED
