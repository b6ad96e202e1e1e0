"""`ucj coordinators ...`: who receives the alerts of each region."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable

from services.registry.cli import (
    EXIT_BAD_INPUT,
    EXIT_NOT_INITIALIZED,
    add_command,
    database_option,
    describe_load,
    help_format,
    load_csv,
    open_registry,
    print_table,
)
from services.registry.coordinators import PLAIN_HTTP_REFUSED, Coordinator, is_plain_http
from services.registry.csv_files import COORDINATOR_COLUMNS, COORDINATOR_DEFAULTS, COORDINATOR_OPTIONAL_COLUMNS
from services.registry.models import LANGUAGES, WEBHOOK_FORMATS
from services.registry.registry import Registry, RegistryNotInitialized
from services.registry.seed import PROVINCE_CODE

log = logging.getLogger(__name__)

_SECRET_NOTICE = (
    "The webhook secret of coordinator {id} ({name}) is on the next line. It is shown only this once: "
    "give it to the receiver, which checks the X-UCJ-Signature header of every POST with it."
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    coordinators = subparsers.add_parser(
        "coordinators",
        help="who receives the alerts of each region",
        **help_format(
            "Coordinators receive the alerts of their region by email, by webhook or both. A "
            f"coordinator belongs to a regency (e.g. 61.07) or to the province {PROVINCE_CODE}: the "
            "coordinators of the province are the operations list, which receives the province's alerts."
        ),
    )
    commands = coordinators.add_subparsers(dest="coordinators_command", metavar="SUBCOMMAND", required=True)
    database = database_option()

    add = add_command(
        commands,
        database,
        "add",
        _run_add,
        "add a coordinator",
        "Add a coordinator of a regency, or of the province (the operations list). Give an "
        "email address, a webhook URL or both. With a webhook, the coordinator's webhook "
        "secret is printed alone on the last line of standard output, only this once: the "
        "notifier signs every POST with it (header X-UCJ-Signature), and the receiver checks it.",
    )
    add.add_argument("--name", required=True, help="the person or team, e.g. 'Disnaker Bengkayang'")
    add.add_argument(
        "--region",
        required=True,
        metavar="CODE",
        help=f"regency code such as 61.07, or {PROVINCE_CODE} for the operations list",
    )
    add.add_argument("--email", metavar="ADDRESS", help="send alerts to this email address")
    add.add_argument("--webhook", metavar="URL", help="POST alerts to this https:// URL")
    add.add_argument(
        "--allow-http-webhook",
        action="store_true",
        help="accept a plain http:// webhook: only for a receiver on the same host or network, "
        "since alerts and their signatures would cross the network in clear",
    )
    add.add_argument(
        "--webhook-format",
        choices=WEBHOOK_FORMATS,
        default="json",
        help="body of the webhook: the alert as JSON, or Alertmanager's format (default json)",
    )
    add.add_argument(
        "--language",
        choices=LANGUAGES,
        default="id",
        help="language of the messages: Indonesian or English (default id)",
    )

    listing = add_command(
        commands,
        database,
        "list",
        _run_list,
        "print the coordinators as a table",
        "Print the active coordinators by region, the operations list first. The column "
        "secret says whether a webhook has its signing secret (set) or not (MISSING: the "
        "notifier sends it nothing until `ucj coordinators rotate-secret ID`); secrets are "
        "never shown.",
    )
    listing.add_argument("--all", action="store_true", help="include removed coordinators")

    remove = add_command(
        commands,
        database,
        "remove",
        _run_remove,
        "stop sending alerts to a coordinator",
        "Stop sending alerts to a coordinator (the ID from `ucj coordinators list`). The "
        "coordinator stays in the registry as removed, so the delivery log keeps its name.",
    )
    remove.add_argument("id", type=int, metavar="ID")

    rotate = add_command(
        commands,
        database,
        "rotate-secret",
        _run_rotate_secret,
        "give a webhook a new signing secret",
        "Make a new webhook secret for a coordinator (the ID from `ucj coordinators list`) and "
        "print it alone on the last line of standard output, only this once. From now on the "
        "notifier signs its webhooks with the new secret only; deliveries the receiver refuses "
        "meanwhile are retried. Also gives a secret to a webhook that has none (added by import, "
        "or before webhooks were signed).",
    )
    rotate.add_argument("id", type=int, metavar="ID")

    columns = ",".join(COORDINATOR_COLUMNS) + "".join(f"[,{name}]" for name in COORDINATOR_OPTIONAL_COLUMNS)
    defaults = ", ".join(f"{name} {value}" for name, value in COORDINATOR_DEFAULTS.items())
    load = add_command(
        commands,
        database,
        "import",
        _run_import,
        "add or update coordinators from CSV",
        f"Load a CSV with header {columns}, comma or semicolon delimited, UTF-8 with or without a "
        f"byte order mark. Optional columns may be left out or empty: {defaults}. "
        "A row updates the coordinator with the "
        "same name and region, or adds one; coordinators not in the file are left alone, and "
        "active=false in a row removes one. If any row is bad, every bad row is listed and "
        "nothing is loaded. Import makes no webhook secrets: give each new webhook one with "
        "`ucj coordinators rotate-secret ID` (the import lists which).",
    )
    load.add_argument("file", metavar="FILE.csv")
    load.add_argument(
        "--allow-http-webhook",
        action="store_true",
        help="accept plain http:// webhooks in the file: only for receivers on the same host",
    )


def _run_add(args: argparse.Namespace) -> int:
    if args.webhook and not args.allow_http_webhook and is_plain_http(args.webhook):
        print(f"not added: the webhook {args.webhook} {PLAIN_HTTP_REFUSED}", file=sys.stderr)
        return EXIT_BAD_INPUT

    def add(registry: Registry) -> tuple[Coordinator, str | None]:
        added = registry.add_coordinator(
            args.name,
            args.region,
            email=args.email,
            webhook_url=args.webhook,
            webhook_format=args.webhook_format,
            language=args.language,
        )
        log.info("added coordinator %s: %s", added.id, _describe(added))
        return added, registry.webhook_secret(added.id) if added.webhook_url else None

    return _change(args, "not added: ", add)


def _run_rotate_secret(args: argparse.Namespace) -> int:
    def rotate(registry: Registry) -> tuple[Coordinator, str | None]:
        coordinator, secret = registry.rotate_webhook_secret(args.id)
        log.info(
            "new webhook secret for coordinator %s (%s); the previous one signs nothing from now on",
            coordinator.id,
            coordinator.name,
        )
        return coordinator, secret

    return _change(args, "no new secret: ", rotate)


def _run_remove(args: argparse.Namespace) -> int:
    def remove(registry: Registry) -> tuple[Coordinator, str | None]:
        removed = registry.remove_coordinator(args.id)
        log.info("removed coordinator %s: %s; it receives no more alerts", removed.id, _describe(removed))
        return removed, None

    return _change(args, "", remove)


def _change(
    args: argparse.Namespace, refused: str, change: Callable[[Registry], tuple[Coordinator, str | None]]
) -> int:
    """Run one change; bad input is one line on stderr; a webhook secret the change made is
    printed alone on the last line of stdout, only this once."""
    with open_registry(args) as registry:
        try:
            coordinator, secret = change(registry)
        except RegistryNotInitialized as error:
            print(error, file=sys.stderr)
            return EXIT_NOT_INITIALIZED
        except LookupError as error:
            print(f"{refused}{error}; `ucj coordinators list --all` shows the ids", file=sys.stderr)
            return EXIT_BAD_INPUT
        except ValueError as error:
            print(f"{refused}{error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if secret is not None:
        print(_SECRET_NOTICE.format(id=coordinator.id, name=coordinator.name))
        print(secret)
    return 0


def _run_import(args: argparse.Namespace) -> int:
    def load(registry: Registry, path: str):
        return registry.load_coordinators_csv(path, allow_http_webhook=args.allow_http_webhook)

    status = load_csv(args, load, describe_load("coordinators", "regions", replaced="updating"))
    if status == 0:
        with open_registry(args) as registry:
            unsigned = [c.id for c in registry.coordinators() if c.webhook_url and not c.has_webhook_secret]
        if unsigned:
            print(
                f"coordinator{'s' if len(unsigned) > 1 else ''} {', '.join(map(str, unsigned))} "
                f"{'have' if len(unsigned) > 1 else 'has'} a webhook without a signing secret, so the notifier "
                "sends it nothing: run `ucj coordinators rotate-secret ID` for each and give the receiver the secret",
                file=sys.stderr,
            )
    return status


def _run_list(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        try:
            coordinators = registry.coordinators(include_inactive=args.all)
            names = {code: region.name for code, region in registry.region_tree().regions.items()}
        except RegistryNotInitialized as error:
            print(error, file=sys.stderr)
            return EXIT_NOT_INITIALIZED
    if not coordinators:
        print("no coordinators" + ("" if args.all else " (active)") + "; add one with `ucj coordinators add`")
        return 0
    header = ["id", "region", "name", "email", "webhook", "format", "secret", "lang"] + (["active"] if args.all else [])
    rows = [
        [
            str(c.id),
            f"{c.region_code} {'operations list' if c.region_code == PROVINCE_CODE else names.get(c.region_code, '')}",
            c.name,
            c.email or "-",
            c.webhook_url or "-",
            c.webhook_format if c.webhook_url else "-",
            _secret_state(c),
            c.language,
        ]
        + (["yes" if c.active else "removed"] if args.all else [])
        for c in coordinators
    ]
    print_table(header, rows)
    return 0


def _secret_state(coordinator: Coordinator) -> str:
    if not coordinator.webhook_url:
        return "-"
    return "set" if coordinator.has_webhook_secret else "MISSING"


def _describe(coordinator: Coordinator) -> str:
    channels = [f"email {coordinator.email}"] if coordinator.email else []
    if coordinator.webhook_url:
        channels.append(f"webhook {coordinator.webhook_url} ({coordinator.webhook_format})")
    region = "the operations list" if coordinator.region_code == PROVINCE_CODE else coordinator.region_code
    return f"{coordinator.name} of {region}, {' and '.join(channels)}, language {coordinator.language}"
