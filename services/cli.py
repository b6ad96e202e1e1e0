"""The `ucj` command line: one subcommand per job, each defined next to the code it runs."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

# modules that each provide add_parser(subparsers); the parser sets run=callable(args) -> int
COMMAND_MODULES = (
    "services.kafka_local.cli",
    "services.registry.cli",
    "services.producer_cli",
    "services.worker_cli",
    "services.simulator_cli",
    "services.status",
    "services.replay",
    "services.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ucj",
        description="UCJ coverage monitor: live BPJS Ketenagakerjaan coverage per region of Kalimantan Barat.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # kafka-python logs every connection at INFO
        logging.getLogger("kafka").setLevel(logging.WARNING)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
