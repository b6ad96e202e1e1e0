"""The `ucj` command line: one subcommand per job, each defined next to the code it runs."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

DISTRIBUTION = "ucj-coverage-monitor"

# modules that each provide add_parser(subparsers); the parser sets run=callable(args) -> int
COMMAND_MODULES = (
    "services.dev.kafka_local.cli",
    "services.registry.cli",
    "services.registry.coordinators_cli",
    "services.registry.sources_cli",
    "services.commands.produce",
    "services.commands.worker",
    "services.commands.simulate",
    "services.commands.status",
    "services.commands.history",
    "services.report.cli",
    "services.commands.replay",
    "services.commands.verify",
    "services.dev.demo",
    "services.notifier.cli",
    "services.commands.dashboards",
    "services.gateway.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ucj",
        description="UCJ coverage monitor: live BPJS Ketenagakerjaan coverage per region of Kalimantan Barat.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def version() -> str:
    """The installed distribution's version; pyproject.toml's when running from a checkout
    that is not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # kafka-python logs every connection attempt; our own messages say what failed
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        logging.getLogger("alembic").setLevel(logging.WARNING)  # `ucj registry` says what was migrated
    from services.common import transient_logs

    transient_logs.install()  # aiokafka's ERROR while the group coordinator is not available yet: INFO
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        message = _known_failure(error)
        if message is None:
            raise
        print(f"ucj {args.command}: {message}", file=sys.stderr)
        return 1


def _known_failure(error: Exception) -> str | None:
    """A plain sentence for the failures a user can fix, instead of a traceback."""
    from kafka.errors import AuthorizationError, KafkaConnectionError, KafkaTimeoutError

    from services.common.config import Settings
    from services.registry import RegistryNotInitialized

    if isinstance(error, (KafkaTimeoutError, KafkaConnectionError)):
        return _unreachable(Settings.from_env().kafka, error)
    if isinstance(error, AuthorizationError):
        kafka = Settings.from_env().kafka
        who = kafka.username if kafka.sasl else "an unauthenticated client"
        return f"Kafka at {kafka.bootstrap} refused {who} ({error}): no ACL allows it; `ucj kafka acls` lists who may do what"
    if isinstance(error, (RegistryNotInitialized, FileNotFoundError)):
        return str(error)
    return None


def _unreachable(kafka, error: Exception) -> str:
    """kafka-python reports a refused login, and a refused TLS handshake, as a timeout: the broker's
    port answering, and a handshake of our own (KafkaAccess.tls_refusal), tell them apart."""
    if not kafka.reachable():
        return f"cannot reach Kafka at {kafka.bootstrap} ({error}); start it with `ucj kafka up` or set UCJ_KAFKA_BOOTSTRAP"
    refusal = kafka.tls_refusal()
    if refusal:
        return (
            f"Kafka at {kafka.bootstrap} is reachable but the TLS handshake failed: {refusal}; "
            "check UCJ_KAFKA_BOOTSTRAP and UCJ_KAFKA_CA_FILE (`ucj kafka credentials PRINCIPAL --tls` prints them for the local broker)"
        )
    if kafka.sasl:
        return (
            f"Kafka at {kafka.bootstrap} is reachable but did not accept the login of {kafka.username} ({kafka.sasl_mechanism}, {kafka.security_protocol}); "
            "check UCJ_KAFKA_USERNAME and UCJ_KAFKA_PASSWORD (`ucj kafka credentials PRINCIPAL` prints them for the local broker)"
        )
    return (
        f"Kafka at {kafka.bootstrap} is reachable but did not answer a {kafka.security_protocol} client ({error}); "
        "if it asks for logins, set UCJ_KAFKA_SECURITY_PROTOCOL, UCJ_KAFKA_USERNAME and UCJ_KAFKA_PASSWORD (`ucj kafka credentials PRINCIPAL`)"
    )


if __name__ == "__main__":
    sys.exit(main())
