"""Command line: ``python -m dashboard COMMAND``.

Commands
    init [--store PATH] [--empty]   create the store's tables; seed and publish the sample data unless --empty
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dashboard.seed import SeedError, is_empty, seed_sample
from dashboard.store import STORE_ENV, Store, StoreError


def _init(args: argparse.Namespace) -> int:
    store = Store.from_env(args.store)
    if store.is_initialised() and not is_empty(store):
        print(f"The store at {store.root} already holds data; nothing was changed.")
        return 0
    store.create_tables()
    if args.empty:
        print(f"Created empty tables in {store.root}.")
        return 0
    try:
        report = seed_sample(store)
    except (SeedError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{report.summary()} Store: {store.root}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Partnership Impact Dashboard tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    init = commands.add_parser(
        "init",
        help="create the store; seed it with the synthetic sample data unless --empty",
        description="Create the store's Delta tables. Without --empty, load the bundled synthetic sample data "
        "through the data contracts and publish it. A store that already holds data is left unchanged.",
    )
    init.add_argument(
        "--store", metavar="PATH", help=f"store root (path or URI); default ${STORE_ENV} or .impact_store"
    )
    init.add_argument("--empty", action="store_true", help="create empty tables without sample data")
    init.set_defaults(handler=_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
