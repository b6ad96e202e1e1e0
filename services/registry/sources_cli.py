"""`ucj sources ...`: the registration systems allowed to publish events, and their keys."""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Callable

from services.common.config import Settings
from services.registry.cli import add_command, database_option, help_format, open_registry, print_table
from services.registry.registry import RegistryNotInitialized
from services.registry.sources import Source, last_events
from streams.domain.bounds import MAX_SOURCE_LENGTH

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

    add = add_command(
        commands,
        database,
        "add",
        _run_add,
        "add a source and print its key",
        "Add a source allowed to publish for the given regions and everything below them, "
        "and print its key alone on the last line of standard output, so that "
        "KEY=$(ucj sources add --name desa-sungai-raya --region 61.07.01.2001 | tail -1) "
        "keeps it. The key is shown only this once.",
    )
    add.add_argument(
        "--name",
        required=True,
        help=f"the source's name, 1 to {MAX_SOURCE_LENGTH} letters, digits, dots, dashes or underscores, "
        "e.g. disnaker-bengkayang",
    )
    add.add_argument(
        "--region",
        required=True,
        action="append",
        metavar="CODE",
        dest="regions",
        help="a region the source may publish for, with everything below it, e.g. 61.07; repeat for more",
    )

    listing = add_command(
        commands,
        database,
        "list",
        _run_list,
        "print the sources as a table, with each one's last event",
        "Print every source, active and revoked: name, regions, when it was added, when its current key "
        "was issued, when it was revoked, and its last event: the Kafka timestamp of the newest event "
        "naming it that the running workers processed (read from their /metrics, the newest over every "
        "--url). '-' means none since the workers started (a worker remembers no further back: "
        "Prometheus does, see the alert UCJSourceSilent); '?' means no worker answered. Keys and their "
        "hashes are never shown.",
    )
    listing.add_argument(
        "--url",
        action="append",
        metavar="URL",
        help="a worker's base URL, repeatable: each worker sees only the sources of its own "
        "partitions, so give every worker (default: http://127.0.0.1:UCJ_WEB_PORT)",
    )

    revoke = add_command(
        commands,
        database,
        "revoke",
        _run_revoke,
        "stop a source's key working, for good",
        "Revoke a source: its key stops working at once, and it can publish nothing more. "
        "The source stays listed and its name stays taken, because its events carry it.",
    )
    revoke.add_argument("name", metavar="NAME")

    rotate = add_command(
        commands,
        database,
        "rotate",
        _run_rotate,
        "give a source a new key",
        "Issue a new key for an active source and print it alone on the last line of "
        "standard output; the previous key stops working at once. The key is shown only "
        "this once.",
    )
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
    last = _workers_last_events(args.url or [f"http://127.0.0.1:{Settings.from_env().web_port}"])
    header = ["name", "regions", "created", "key issued", "revoked", "last event"]
    rows = [_row(source, last) for source in sources]
    print_table(header, rows)
    return 0


def _workers_last_events(urls: list[str]) -> dict[str, float] | None:
    """Source -> last event over the workers that answered; None when none did. Each worker
    that does not answer is named on stderr: its sources' last events may be missing."""
    texts = []
    for url in urls:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/metrics", timeout=10) as response:
                texts.append(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as error:
            print(f"no answer from worker at {url} ({error}); its sources' last events are not shown", file=sys.stderr)
    return last_events(texts) if texts else None


def _row(source: Source, last: dict[str, float] | None) -> list[str]:
    revoked = _moment(source.revoked_at) if source.revoked_at else "-"
    if last is None:
        seen = "?"
    else:
        timestamp = last.get(source.name)
        seen = "-" if timestamp is None else _moment(datetime.fromtimestamp(timestamp, timezone.utc))
    return [
        source.name,
        ",".join(source.regions),
        _moment(source.created_at),
        _moment(source.key_issued_at),
        revoked,
        seen,
    ]


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
