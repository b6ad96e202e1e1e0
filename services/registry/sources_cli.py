"""`ucj sources ...`: the registration systems allowed to publish events, and their keys."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Callable

from services.registry.cli import add_command, database_option, help_format, open_registry, print_table
from services.registry.registry import RegistryNotInitialized
from services.registry.sources import Source
from streams.domain.validation import MAX_SOURCE_LENGTH

EXIT_FAILED = 1

_KEY_NOTICE = (
    "The key of source {name} is on the next line. It is shown only this once (the registry keeps "
    "only its hash): the registration system sends it as `Authorization: Bearer KEY`."
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    sources = subparsers.add_parser(
        "sources",
        help="the registration systems allowed to publish events, and their keys",
        **help_format(
            "A source is a registration system (a village administration, a Disnaker office, the "
            "provincial assistance programme) allowed to publish participant events through the "
            "gateway. Its name becomes the `source` of every event it publishes, so a name is never "
            "reused, not even after a revoke. Its scope is one or more regions: it may publish only "
            "events whose region_code is one of them or lies below one (a regency covers its "
            "districts and villages). Its key, printed once by `add` and `rotate`, goes with every "
            "request to the gateway as `Authorization: Bearer KEY`; the registry keeps only a hash "
            "of it. `revoke` stops a key at once."
        ),
    )
    commands = sources.add_subparsers(dest="sources_command", metavar="SUBCOMMAND", required=True)
    database = database_option()

    add = add_command(commands, database, "add", _run_add, "add a source and print its key",
                      "Add a source allowed to publish for the given regions and everything below them, "
                      "and print its key alone on the last line of standard output, so that "
                      "KEY=$(ucj sources add --name desa-sungai-raya --region 61.07.01.2001 | tail -1) "
                      "keeps it. The key is shown only this once.")
    add.add_argument("--name", required=True,
                     help=f"the source's name, 1 to {MAX_SOURCE_LENGTH} letters, digits, dots, dashes or underscores, "
                          "e.g. disnaker-bengkayang")
    add.add_argument("--region", required=True, action="append", metavar="CODE", dest="regions",
                     help="a region the source may publish for, with everything below it, e.g. 61.07; "
                          "repeat for more")

    add_command(commands, database, "list", _run_list, "print the sources as a table",
                "Print every source, active and revoked: name, regions, when it was added, when its "
                "current key was issued, and when it was revoked. Keys and their hashes are never shown.")

    revoke = add_command(commands, database, "revoke", _run_revoke, "stop a source's key working, for good",
                         "Revoke a source: its key stops working at once, and it can publish nothing more. "
                         "The source stays listed and its name stays taken, because its events carry it.")
    revoke.add_argument("name", metavar="NAME")

    rotate = add_command(commands, database, "rotate", _run_rotate, "give a source a new key",
                         "Issue a new key for an active source and print it alone on the last line of "
                         "standard output; the previous key stops working at once. The key is shown only "
                         "this once.")
    rotate.add_argument("name", metavar="NAME")


def _run_add(args: argparse.Namespace) -> int:
    return _change(args, "not added", lambda registry: registry.add_source(args.name, args.regions))


def _run_rotate(args: argparse.Namespace) -> int:
    return _change(args, "no new key", lambda registry: registry.rotate_source(args.name))


def _run_revoke(args: argparse.Namespace) -> int:
    return _change(args, "not revoked", lambda registry: registry.revoke_source(args.name))


def _change(args: argparse.Namespace, refused: str, change: Callable) -> int:
    """Run one change; print a new key, if it made one, alone on the last line of stdout."""
    with open_registry(args) as registry:
        try:
            result = change(registry)
        except RegistryNotInitialized as error:
            print(error, file=sys.stderr)
            return EXIT_FAILED
        except ValueError as error:
            print(f"{refused}: {error}", file=sys.stderr)
            return EXIT_FAILED
    if isinstance(result, tuple):  # the store logs the change; only the key goes to stdout
        source, key = result
        print(_KEY_NOTICE.format(name=source.name))
        print(key)
    return 0


def _run_list(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        try:
            sources = registry.sources()
        except RegistryNotInitialized as error:
            print(error, file=sys.stderr)
            return EXIT_FAILED
    if not sources:
        print("no sources; add one with `ucj sources add`")
        return 0
    header = ["name", "regions", "created", "key issued", "revoked"]
    rows = [_row(source) for source in sources]
    print_table(header, rows)
    return 0


def _row(source: Source) -> list[str]:
    revoked = _moment(source.revoked_at) if source.revoked_at else "-"
    return [source.name, ",".join(source.regions), _moment(source.created_at), _moment(source.key_issued_at), revoked]


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
