"""Command line: ``python -m dashboard COMMAND``.

Commands
    init     create the store; seed and publish the synthetic sample data unless --empty
    ingest   check a quarterly file and commit it to the submitted layer (or say why not)
    export   write a layer's current rows of a dataset as CSV, Parquet or Excel
    template write a pre-filled template: the rows partnerships are expected to report for a quarter
    history  list the versions of a dataset's table with who changed it and from which file
    restore  bring a dataset's table back to an earlier version (as a new version)
    publish  publish quarters waiting for review, exactly as reviewed (each quarter's fingerprint)
    status   the reporting status of every expected quarter: not due, due, overdue, submitted, published, changed
    users    local accounts and roles: add, list, set-role, disable, enable, set-password
    db       the accounts database: ``db upgrade`` brings its schema to the newest migration
    optimize compact small files and vacuum what no audited version needs (safe while the app reads)

Exit codes: 0 done (or would be, with --dry-run); 1 rejected or failed, nothing written; 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dashboard.access.accounts import (
    UserError,
    add_user,
    check_new_user,
    disable_user,
    enable_user,
    list_users,
    normalise_email,
    set_password,
    set_role,
    split_partnerships,
)
from dashboard.access.roles import STAFF_ROLES
from dashboard.analytics.reporting_status import officers_by_partnership, quarter_summary, reporting_status, slice_times
from dashboard.intake.ingest import UploadReport, ingest_path
from dashboard.intake.prefilled_templates import MIME_TYPES, focus_datasets, latest_ended_quarter, template_file
from dashboard.intake.reporting import officer_accounts, reporting_inputs
from dashboard.intake.review import ReviewError, pending_slices, publish_slices
from dashboard.intake.seed import SeedError, is_empty, seed_sample
from dashboard.present.exports import EXPORT_FORMATS, frame_bytes, sorted_rows
from dashboard.present.reporting_texts import status_records, status_table, summary_sentence
from dashboard.queries import read_model
from dashboard.settings import due_days, four_eyes_required, min_cell_count, setting_problems
from dashboard.storage import derived_audit
from dashboard.storage.database import database_url, open_database, upgrade
from dashboard.storage.derived_maintenance import optimize_derived
from dashboard.storage.maintenance import (
    DEFAULT_MIN_RETENTION_HOURS,
    TableMaintenance,
    optimize_store,
    results_frame,
)
from dashboard.storage.slices import FINGERPRINT_LENGTH_SHOWN, Slice
from dashboard.storage.store import STORE_ENV, Store, StoreError
from dashboard.storage.tables import LAYERS, indicator_table
from data_contracts import DATASETS, clock
from data_contracts.quarters import Quarter

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command used wrongly (exit code 2)."""


def _store(args: argparse.Namespace) -> Store:
    """The store the command works on: its commits are recorded as made via the command line, by the ``--user``
    the operator gives (whoever can reach the store is trusted)."""
    return Store.from_env(args.store, via="command-line")


def _ready_store(args: argparse.Namespace) -> Store:
    store = _store(args)
    if not store.is_initialised():
        raise UsageError(f"no store at {store.root}; create it with `python -m dashboard init`")
    return store


def _keep_read_model(store: Store) -> None:
    """Bring the read model's derived tables up to a write just made (the partnerships it changed), so the next page
    reads them rather than the raw rows; a failure is reported and left to the next reader, which does the same."""
    try:
        read_model.refresh_all(store, k=min_cell_count())
    except Exception as error:  # noqa: BLE001 - the write itself is done; pages compute from the source meanwhile
        print(f"warning: the read model was not brought forward ({error}); pages will do it", file=sys.stderr)
    try:
        derived_audit.keep(store)
    except Exception as error:  # noqa: BLE001 - pages read the tables' histories meanwhile
        print(f"warning: the audit's derived table was not brought forward ({error})", file=sys.stderr)


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
    report, commit = ingest_path(store, path, dataset=args.dataset, user=args.user, dry_run=args.dry_run)
    if commit is not None and commit.outcome == "accepted":
        _keep_read_model(store)
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


# ---- pre-filled template --------------------------------------------------------------------------------------


def _template(args: argparse.Namespace) -> int:
    output = Path(args.output)
    fmt = args.format or (output.suffix.lstrip(".").lower() if output.suffix else "xlsx")
    if fmt not in MIME_TYPES:
        raise UsageError(f"cannot tell the format from {output.name!r}; give --format {'|'.join(MIME_TYPES)}")
    if args.quarter is None:
        quarter = latest_ended_quarter()
    else:
        found = Quarter.from_code(args.quarter)
        if found is None:
            raise UsageError(f"--quarter must be written like 2026Q3; found {args.quarter!r}")
        quarter = found
    store = _ready_store(args)
    partnerships = store.read_partnerships()
    unknown = sorted(set(args.partnership) - set(partnerships["partnership_id"]))
    if unknown:
        raise UsageError(f"unknown partnership {', '.join(unknown)}")
    dataset = args.dataset
    if dataset is None:
        focus = focus_datasets(partnerships, args.partnership)
        if len(focus) != 1:
            raise UsageError(f"give --dataset: the partnerships report {', '.join(focus) or 'no dataset'}")
        dataset = focus[0]
    made = template_file(store, args.partnership, dataset, quarter, fmt)
    if made.rows == 0:
        print(
            f"No rows: none of the partnerships reports {dataset} in {quarter.label} (not a focus dataset, or it "
            "started later). Nothing written.",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    output.write_bytes(made.data)
    print(f"Wrote the {dataset} template of {quarter.label} ({made.rows:,} rows) to {output} ({fmt}).")
    return EXIT_OK


# ---- history and restore --------------------------------------------------------------------------------------


def history_frame(store: Store, table: str) -> pd.DataFrame:
    """The table's versions, newest first, with the audit's user, action, source file, rows and how it came (``via``:
    app or command-line), joined by table version (``Store.read_audit``: the records carried by the commits, and the
    audit table's rows of older stores)."""
    history = store.history(table)
    audit = store.read_audit()
    audit = audit[audit["table"] == table].dropna(subset=["table_version"])
    audit = audit.drop_duplicates("table_version")[
        ["table_version", "user", "action", "source_name", "rows", "message", "via"]
    ]
    audit = audit.astype({"table_version": "int64"}).rename(columns={"table_version": "version"})
    joined = history.astype({"version": "int64"}).merge(audit, on="version", how="left", suffixes=("_commit", ""))
    for column in ("user", "action", "via"):  # e.g. a table's creation: in its commit, not an audit row
        joined[column] = joined[column].astype(object).where(joined[column].notna(), joined[f"{column}_commit"])
    joined["timestamp"] = joined["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")
    joined["rows"] = joined["rows"].astype("Int64")
    columns = ["version", "timestamp", "operation", "action", "user", "via", "source_name", "rows", "message"]
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
    _keep_read_model(store)
    print(f"Restored {table} to version {args.version}; it is now version {new_version}.")
    return EXIT_OK


# ---- optimize -------------------------------------------------------------------------------------------------


# ---- publish --------------------------------------------------------------------------------------------------


def _parse_slice(text: str) -> Slice:
    try:
        return Slice.parse(text)
    except ValueError as error:
        raise UsageError(f"{text!r} is not a quarter such as att-imago:2026Q3") from error


def _publish(args: argparse.Namespace) -> int:
    """Publish pending quarters with the fingerprints the operator reviewed: ``--expect`` (one per ``--slice``, in
    order; the whole fingerprint or at least its first characters as the Review page shows them), or, in a terminal,
    the fingerprints shown at the prompt. Either way the store refuses rows that changed since."""
    store = _ready_store(args)
    chosen = [_parse_slice(text) for text in args.slice]
    if args.expect and len(args.expect) != len(chosen):
        raise UsageError(f"give one --expect per --slice ({len(chosen)} quarters, {len(args.expect)} fingerprints)")
    if any(len(e.strip()) < FINGERPRINT_LENGTH_SHOWN for e in args.expect or ()):
        raise UsageError(f"a fingerprint has at least {FINGERPRINT_LENGTH_SHOWN} characters")
    pending = pending_slices(store, args.dataset).set_index("slice")
    now = {s: str(pending.loc[str(s), "fingerprint"]) for s in chosen if str(s) in pending.index}
    missing = [str(s) for s in chosen if s not in now]
    if missing:
        print(f"error: not waiting for review in {args.dataset}: {', '.join(missing)}", file=sys.stderr)
        return EXIT_REJECTED
    if args.expect:
        stale = [str(s) for s, e in zip(chosen, args.expect, strict=True) if not now[s].startswith(e.strip().lower())]
        if stale:
            print(f"error: {', '.join(stale)} changed since you reviewed — review again", file=sys.stderr)
            return EXIT_REJECTED
    else:
        for target in chosen:
            row = pending.loc[str(target)]
            print(f"{target}  fingerprint {now[target]}  ({row['new']} new, {row['changed']} changed, "
                  f"{row['removed']} removed; uploaded by {row['uploaded_by']})")  # fmt: skip
        if not sys.stdin.isatty():
            raise UsageError("give --expect FINGERPRINT for each --slice (the fingerprints are above), or run it in "
                             "a terminal to confirm")  # fmt: skip
        if input(f"Publish these {len(chosen)} quarter(s)? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was published.")
            return EXIT_REJECTED
    try:
        result = publish_slices(
            store, args.dataset, chosen, user=args.user, four_eyes=four_eyes_required(), reviewed=now
        )
    except ReviewError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED
    _keep_read_model(store)
    print(f"Published {len(chosen)} quarter(s) as version {result.version} of {result.table}.")
    return EXIT_OK


# ---- status ---------------------------------------------------------------------------------------------------


def _status(args: argparse.Namespace) -> int:
    """The reporting status of every expected (partnership, dataset, quarter), as of the clock's today."""
    quarter = None
    if args.quarter:
        quarter = Quarter.from_code(args.quarter)
        if quarter is None:
            raise UsageError(f"{args.quarter!r} is not a quarter such as 2026Q3")
    store = _ready_store(args)
    inputs = reporting_inputs(store)
    known = set(inputs.partnerships["partnership_id"].astype(str))
    unknown = sorted(set(args.partnership or ()) - known)
    if unknown:
        raise UsageError(f"no partnership {', '.join(unknown)} in the partnerships table")
    times = slice_times(inputs.audit)

    def chosen(quarters: list[Quarter] | None) -> pd.DataFrame:
        found = reporting_status(
            inputs.partnerships,
            inputs.submitted,
            inputs.published,
            times,
            today=clock.today(),
            default_due_days=due_days(),
            quarters=quarters,
        )
        if args.partnership:
            found = found[found["partnership_id"].astype(str).isin(args.partnership)]
        if args.dataset:
            found = found[found["dataset"].astype(str) == args.dataset]
        return found.sort_values(["partnership_id", "dataset", "year", "quarter"], ignore_index=True)

    status = chosen([quarter] if quarter else None)
    officers = officers_by_partnership(officer_accounts(store))
    if args.json:
        print(json.dumps(status_records(status, officers), ensure_ascii=False))
        return EXIT_OK
    partnerships = inputs.partnerships
    names = dict(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))
    if status.empty:
        print("No quarter is expected for this choice.")
    else:
        print(status_table(status, names, officers).to_string(index=False))
    if quarter is not None:  # counted over the partnerships that have started by then
        print(summary_sentence(quarter_summary(chosen(None), quarter)))
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _print_derived_maintenance(results: list[TableMaintenance], dry_run: bool) -> None:
    """What optimize did (or would do) to the read model's derived tables."""
    if not results:
        print("Read model: no derived tables yet.")
        return
    print("Read model (derived tables, rebuilt from the source tables at any time):")
    frame = results_frame(results).drop(columns=["audited versions kept"], errors="ignore")
    if not frame["note"].astype(bool).any():
        frame = frame.drop(columns=["note"])
    print(frame.to_string(index=False))
    compacted = [r for r in results if r.compacted and not r.problem]
    vacuumed = sum(len(r.vacuumed) for r in results)
    verb = ("would compact", "would vacuum") if dry_run else ("compacted", "vacuumed")
    print(
        f"{verb[0].capitalize()} {_count(len(compacted), 'derived table')} and {verb[1]} {_count(vacuumed, 'file')} "
        f"of the read model (retention {results[0].retention_hours} h)."
    )


def _optimize(args: argparse.Namespace) -> int:
    store = _ready_store(args)
    results = optimize_store(store, user=args.user, dry_run=args.dry_run, cluster=args.cluster)
    problems = [r for r in results if r.problem]
    rebuilt = {}
    if args.rebuild_derived and not args.dry_run:
        rebuilt = read_model.rebuild_all(store, k=min_cell_count())
        derived_audit.rebuild(store)
    derived_results = optimize_derived(store, dry_run=args.dry_run)  # the read model's tables (derived/)
    problems += [r for r in derived_results if r.problem]
    if args.json:
        payload = {"store": store.root, "dry_run": args.dry_run, "tables": [r.as_json() for r in results]}
        if args.rebuild_derived:
            payload["derived"] = [
                {"variant": v, "partnerships": r.partnerships, "version": r.version} for v, r in rebuilt.items()
            ]
        payload["derived_tables"] = [r.as_json() for r in derived_results]
        print(json.dumps(payload, ensure_ascii=False))
    else:
        done = [r for r in results if not r.problem]
        compacted = [r for r in done if r.compacted]
        vacuumed = sum(len(r.vacuumed) for r in done)
        kept = sum(len(r.kept_versions) for r in done)
        verb = ("would compact", "would vacuum") if args.dry_run else ("compacted", "vacuumed")
        title = f"Dry run on {store.root}: nothing written." if args.dry_run else f"Optimized {store.root}."
        print(title)
        frame = results_frame(results)
        if not frame["note"].astype(bool).any():
            frame = frame.drop(columns=["note"])
        print(frame.to_string(index=False))
        if compacted or vacuumed:
            files = f" ({sum(r.files_before for r in compacted)} files into {sum(r.files_after for r in compacted)})"
            print(
                f"{verb[0].capitalize()} {_count(len(compacted), 'table')}{files if compacted else ''} and "
                f"{verb[1]} {_count(vacuumed, 'file')}; the {kept} versions the audit refers to stay readable."
            )
        else:
            print(f"Nothing to compact or vacuum; the {kept} versions the audit refers to stay readable.")
        for variant, done in rebuilt.items():
            rebuilt_count = _count(done.partnerships, "partnership")
            print(f"Rebuilt the {variant} read model from the source tables: {rebuilt_count}.")
        if rebuilt:
            print(f"Rebuilt the audit's derived table ({derived_audit.AUDIT_DERIVED}) from the tables' histories.")
        if args.rebuild_derived and args.dry_run:
            print("Dry run: the read model would be rebuilt from the source tables.")
        _print_derived_maintenance(derived_results, args.dry_run)
        for r in problems:
            print(f"error: {r.table}: {r.problem}", file=sys.stderr)
    return EXIT_REJECTED if problems else EXIT_OK


# ---- users ----------------------------------------------------------------------------------------------------


def _read_password(email: str) -> str:
    """The new password: typed twice at a terminal (not echoed), else one line of standard input."""
    if sys.stdin is None:
        raise UsageError("no standard input to read the password from; pipe it in or use --no-password")
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {email}: ")
        second = getpass.getpass("Type it again: ")
        if first != second:
            raise UserError("the two passwords differ; nothing was written")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError("no password on standard input; send it as one line (or use --no-password)")
    return line.removesuffix("\n").removesuffix("\r")


def _users_add(args: argparse.Namespace) -> int:
    store = _store(args)
    email = check_new_user(store, args.email, args.role, args.partnership)
    password = None if args.no_password else _read_password(email)
    identity = add_user(store, email, args.role, args.partnership, password, actor=args.actor)
    scope = f" for {', '.join(sorted(identity.partnerships))}" if identity.partnerships else ""
    how = "with a password" if password is not None else "without a password (signs in through the identity provider)"
    print(f"Added {identity.email} as {identity.role}{scope}, {how}. Store: {store.root}")
    return EXIT_OK


def _users_list(args: argparse.Namespace) -> int:
    frame = list_users(_store(args))
    columns = ["email", "role", "partnerships", "disabled", "has_password", "locked_until"]
    frame = frame[columns]
    if args.json:
        records = [
            {
                "email": str(row.email),
                "role": str(row.role),
                "partnerships": split_partnerships(row.partnerships),
                "disabled": bool(row.disabled),
                "has_password": bool(row.has_password),
                "locked_until": None if pd.isna(row.locked_until) else row.locked_until.isoformat(),
            }
            for row in frame.itertuples(index=False)
        ]
        print(json.dumps(records, ensure_ascii=False))
        return EXIT_OK
    if frame.empty:
        print("No accounts yet. Create the first admin with `python -m dashboard users add EMAIL --role admin`.")
        return EXIT_OK
    shown = frame.astype(object).assign(
        partnerships=frame["partnerships"].fillna("").str.replace(";", ", "),
        disabled=frame["disabled"].map({True: "yes", False: "no"}),
        has_password=frame["has_password"].map({True: "yes", False: "no (identity provider)"}),
        locked_until=frame["locked_until"].map(lambda t: "" if pd.isna(t) else f"{t:%Y-%m-%d %H:%M} UTC"),
    )
    print(shown.rename(columns={"has_password": "password"}).to_string(index=False))
    return EXIT_OK


def _users_set_role(args: argparse.Namespace) -> int:
    identity = set_role(_store(args), args.email, args.role, args.partnership, actor=args.actor)
    scope = f" for {', '.join(sorted(identity.partnerships))}" if identity.partnerships else ""
    print(f"{identity.email} is now {identity.role}{scope}.")
    return EXIT_OK


def _users_disable(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    if disable_user(_store(args), email, actor=args.actor):
        print(f"Disabled {email}: it can no longer sign in.")
    else:
        print(f"{email} was already disabled; nothing was changed.")
    return EXIT_OK


def _users_enable(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    if enable_user(_store(args), email, actor=args.actor):
        print(f"Enabled {email} (any lockout is lifted).")
    else:
        print(f"{email} was enabled and not locked; nothing was changed.")
    return EXIT_OK


def _users_set_password(args: argparse.Namespace) -> int:
    store = _store(args)
    email = normalise_email(args.email)
    if email not in set(list_users(store)["email"]):
        raise UserError(f"no account for {email}; create it with `python -m dashboard users add`")
    password = None if args.no_password else _read_password(email)
    set_password(store, email, password, actor=args.actor)
    print(f"{'Set a new password for' if password is not None else 'Removed the password of'} {email}.")
    return EXIT_OK


def _users_run(handler):
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_REJECTED

    return run


def _add_users_commands(commands, store_help: str) -> None:
    users = commands.add_parser(
        "users",
        help="local accounts and roles: add, list, set-role, disable",
        description="Accounts in the store's users table. Roles: viewer (every page and figure), officer (a viewer "
        "who uploads for assigned partnerships), admin (everything). Passwords are read from a prompt or one line "
        "of standard input, never from an argument, and stored only as Argon2id hashes.",
    )
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--store", metavar="URI", help=store_help)
        parser.add_argument(
            "--user", "--actor", dest="actor", metavar="NAME", default=_default_user(), help="who acts (for the audit)"
        )

    add = actions.add_parser(
        "add",
        help="add an account",
        description="Add an account. You are asked for its password twice; in scripts send it as one line on "
        "standard input. Exit 0 added, 1 refused (weak password, unknown partnership, e-mail taken), 2 usage error.",
    )
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", required=True, choices=STAFF_ROLES, help="viewer, officer or admin")
    add.add_argument(
        "--partnership", metavar="ID", action="append", help="a partnership an officer uploads for (repeatable)"
    )
    add.add_argument(
        "--no-password",
        action="store_true",
        help="no local password: the person signs in through the identity provider",
    )
    common(add)
    add.set_defaults(handler=_users_run(_users_add))

    listing = actions.add_parser("list", help="list the accounts (never their password hashes)")
    listing.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    common(listing)
    listing.set_defaults(handler=_users_run(_users_list))

    set_role_parser = actions.add_parser(
        "set-role",
        help="change an account's role (and an officer's partnerships)",
        description="Change an account's role. Officers keep their partnerships unless --partnership is given; "
        "viewers and admins have none.",
    )
    set_role_parser.add_argument("email", metavar="EMAIL")
    set_role_parser.add_argument("role", metavar="ROLE", choices=STAFF_ROLES, help="viewer, officer or admin")
    set_role_parser.add_argument("--partnership", metavar="ID", action="append", help="an officer's partnership")
    common(set_role_parser)
    set_role_parser.set_defaults(handler=_users_run(_users_set_role))

    disable = actions.add_parser("disable", help="stop an account from signing in (it stays in the table)")
    disable.add_argument("email", metavar="EMAIL")
    common(disable)
    disable.set_defaults(handler=_users_run(_users_disable))

    enable = actions.add_parser("enable", help="let a disabled or locked account sign in again")
    enable.add_argument("email", metavar="EMAIL")
    common(enable)
    enable.set_defaults(handler=_users_run(_users_enable))

    password = actions.add_parser(
        "set-password",
        help="set a new password (prompted, or one line of standard input)",
        description="Set a new password for an account (also lifts a lockout); --no-password removes it.",
    )
    password.add_argument("email", metavar="EMAIL")
    password.add_argument("--no-password", action="store_true", help="remove the local password")
    common(password)
    password.set_defaults(handler=_users_run(_users_set_password))


# ---- db -------------------------------------------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    store = _store(args)
    database = open_database(database_url(store))
    revision = upgrade(database, store)
    print(f"The accounts database {database.display_url} is at revision {revision}.")
    return EXIT_OK


def _add_db_commands(commands, store_help: str) -> None:
    db = commands.add_parser(
        "db",
        help="the accounts database: upgrade its schema",
        description="The accounts database (accounts, sessions, sign-in events): $IMPACT_DATABASE_URL, else a SQLite "
        "file beside the store. The app upgrades it on first use; this command does it ahead of time.",
    )
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = actions.add_parser(
        "upgrade",
        help="bring the schema to the newest migration (and copy the accounts of an old auth/users table once)",
        description="Run the accounts database's migrations up to the newest and print the revision. The first time, "
        "the accounts of the store's Delta table auth/users (made by earlier versions) are copied. Exit 0 done.",
    )
    up.add_argument("--store", metavar="URI", help=store_help)
    up.set_defaults(handler=_db_upgrade)


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

    template = commands.add_parser(
        "template",
        help="write a pre-filled template of the rows partnerships are expected to report for a quarter",
        description="Write every row the partnerships are expected to report for one dataset and quarter (each "
        "indicator's total and the breakdowns each reported before), value cells empty, with last quarter's and "
        "last year's values beside (ignored by the upload). Excel adds drop-downs, number formats and a protected "
        "key area. Exit 0 written, 1 no rows (nothing written), 2 usage error.",
    )
    template.add_argument("--partnership", metavar="ID", action="append", required=True, help="repeatable")
    template.add_argument("--quarter", metavar="YYYYQN", help="e.g. 2026Q3; default: the latest ended quarter")
    template.add_argument(
        "--dataset", metavar="NAME", choices=DATASETS, help="default: the partnerships' one focus dataset"
    )
    template.add_argument("--format", choices=tuple(MIME_TYPES), help="default: from the file name, else xlsx")
    template.add_argument("-o", "--output", metavar="FILE", required=True, help="file to write")
    template.add_argument("--store", metavar="URI", help=store_help)
    template.set_defaults(handler=_template)

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

    publish = commands.add_parser(
        "publish",
        help="publish quarters waiting for review, exactly as reviewed",
        description="Publish quarters of a dataset that wait for review, as the Review page does (the four-eyes "
        "rule included). Each quarter has a fingerprint (the SHA-256 of its submitted rows; the Review page shows "
        "its first characters): give the one you reviewed with --expect, or confirm the ones shown at the prompt. "
        "If the quarter changed since, nothing is published. Exit 0 published, 1 refused, 2 usage error.",
    )
    publish.add_argument("--dataset", metavar="NAME", required=True, choices=DATASETS, help=", ".join(DATASETS))
    publish.add_argument(
        "--slice", metavar="ID:YYYYQn", action="append", required=True, help="a quarter to publish (repeatable)"
    )
    publish.add_argument(
        "--expect", metavar="FINGERPRINT", action="append", help="the reviewed fingerprint of each --slice, in order"
    )
    publish.add_argument("--user", metavar="NAME", default=_default_user(), help="who is publishing (for the audit)")
    publish.add_argument("--store", metavar="URI", help=store_help)
    publish.set_defaults(handler=_publish)

    status = commands.add_parser(
        "status",
        help="the reporting status of every expected quarter",
        description="The reporting status of each (partnership, focus dataset, quarter) from the partnership's start "
        "through the current quarter (the clock: IMPACT_TODAY, else today): not_due, due, overdue, submitted, "
        "published or changed_since_published. A quarter is due its partnership's due_days (else IMPACT_DUE_DAYS) "
        "after it ends. --json prints a list of objects with partnership_id, dataset, year, quarter, status, "
        "due_date, submitted_at, published_at and officers. Exit 0, 2 usage error.",
    )
    status.add_argument("--quarter", metavar="YYYYQn", help="only this quarter, e.g. 2026Q3")
    status.add_argument("--partnership", metavar="ID", action="append", help="only this partnership (repeatable)")
    status.add_argument("--dataset", metavar="NAME", choices=DATASETS, help=", ".join(DATASETS))
    status.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    status.add_argument("--store", metavar="URI", help=store_help)
    status.set_defaults(handler=_status)

    _add_users_commands(commands, store_help)
    _add_db_commands(commands, store_help)

    optimize = commands.add_parser(
        "optimize",
        help="compact small files and vacuum what no audited version needs",
        description="Store maintenance, safe while the app reads. Compact the small files of every table into "
        "larger ones (a new version with the same rows), then delete files no longer needed: removed files older "
        "than the retention and orphaned files of failed writes. The retention of a table is never shorter than "
        "the age of the oldest version the audit refers to (so history and restore keep working) nor than "
        f"{DEFAULT_MIN_RETENTION_HOURS} hours. Each compaction and vacuum is audited (action optimize). The read "
        "model's derived tables (derived/) are compacted and vacuumed too, with that minimum retention (not audited). "
        "Exit 0 done (or nothing to do), 1 a table failed, 2 usage error.",
    )
    optimize.add_argument("--store", metavar="URI", help=store_help)
    optimize.add_argument("--user", metavar="NAME", default=_default_user(), help="who runs it (for the audit)")
    optimize.add_argument("--dry-run", action="store_true", help="report what would be done; write nothing")
    optimize.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    optimize.add_argument(
        "--rebuild-derived",
        action="store_true",
        help="also rebuild the read model's derived tables (derived/) whole from the source tables",
    )
    optimize.add_argument(
        "--cluster",
        action="store_true",
        help="rewrite each table with partnership rows in partnership order (instead of compacting it), so a "
        "one-partnership page opens only that partnership's files; the rows stay the same",
    )
    optimize.set_defaults(handler=_optimize)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problems = setting_problems()
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REJECTED
