"""Settings from the environment, with defaults that run everything on one machine."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from services.common.secrets import SecretError, read_secret
from streams.broker.kafka_access import DEFAULT_MECHANISM, KafkaAccess, KafkaAccessError

# name -> (default, meaning); the CLI prints these in --help
ENVIRONMENT = {
    "UCJ_KAFKA_BOOTSTRAP": ("127.0.0.1:9092", "Kafka bootstrap servers (host:port[,host:port])"),
    "UCJ_KAFKA_SECURITY_PROTOCOL": ("PLAINTEXT", "how to reach Kafka: PLAINTEXT, SASL_PLAINTEXT, SASL_SSL or SSL"),
    "UCJ_KAFKA_SASL_MECHANISM": ("SCRAM-SHA-512", "SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN"),
    "UCJ_KAFKA_USERNAME": ("", "the Kafka principal this service is (with SASL)"),
    "UCJ_KAFKA_PASSWORD": ("", "its password (or UCJ_KAFKA_PASSWORD_FILE, a file holding it)"),
    "UCJ_KAFKA_CA_FILE": (
        "",
        "PEM file of the CA the broker's certificate must chain to (with SSL; default: the system's)",
    ),
    "UCJ_DATA_DIR": ("~/.local/state/ucj", "state directory: Kafka jars and data, worker state, SQLite registry"),
    "UCJ_DATABASE_URL": (
        "sqlite:///$UCJ_DATA_DIR/registry.db",
        "SQLAlchemy URL of the region registry (or UCJ_DATABASE_URL_FILE, a file holding it, when it has a password)",
    ),
    "UCJ_WEB_PORT": ("6066", "port of the worker's HTTP server (/metrics, /status)"),
    "UCJ_KAFKA_WAIT": ("2m", "how long a service waits at start for Kafka to be reachable and ready"),
    "UCJ_PSEUDONYM_KEY": (
        "",
        "the province's pseudonym key for NIKs, at least 32 bytes (or UCJ_PSEUDONYM_KEY_FILE, a file holding it); no default",
    ),
}


KAFKA_ENVIRONMENT = (
    "UCJ_KAFKA_BOOTSTRAP",
    "UCJ_KAFKA_SECURITY_PROTOCOL",
    "UCJ_KAFKA_SASL_MECHANISM",
    "UCJ_KAFKA_USERNAME",
    "UCJ_KAFKA_PASSWORD",
    "UCJ_KAFKA_CA_FILE",
)


@dataclass(frozen=True)
class Settings:
    kafka: KafkaAccess
    data_dir: Path
    database_url: str
    web_port: int

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("UCJ_DATA_DIR") or ENVIRONMENT["UCJ_DATA_DIR"][0]).expanduser()
        try:
            database_url = read_secret("UCJ_DATABASE_URL", env) or f"sqlite:///{data_dir / 'registry.db'}"
        except SecretError as error:
            raise SystemExit(str(error)) from None
        port_text = env.get("UCJ_WEB_PORT") or ENVIRONMENT["UCJ_WEB_PORT"][0]
        try:
            web_port = int(port_text)
        except ValueError:
            raise SystemExit(f"UCJ_WEB_PORT must be a port number, got {port_text!r}") from None
        return cls(
            kafka=kafka_access_from_env(env),
            data_dir=data_dir,
            database_url=database_url,
            web_port=web_port,
        )

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.bootstrap


def kafka_access_from_env(env: Mapping[str, str]) -> KafkaAccess:
    """The Kafka settings of UCJ_KAFKA_*; exits with the one-sentence reason when they do not fit."""
    try:
        return KafkaAccess(
            bootstrap=env.get("UCJ_KAFKA_BOOTSTRAP") or ENVIRONMENT["UCJ_KAFKA_BOOTSTRAP"][0],
            security_protocol=(env.get("UCJ_KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").upper(),
            sasl_mechanism=(env.get("UCJ_KAFKA_SASL_MECHANISM") or DEFAULT_MECHANISM).upper(),
            username=env.get("UCJ_KAFKA_USERNAME") or None,
            password=read_secret("UCJ_KAFKA_PASSWORD", env),
            ca_file=env.get("UCJ_KAFKA_CA_FILE") or None,
        )
    except (KafkaAccessError, SecretError) as error:
        raise SystemExit(str(error)) from None


def kafka_from_flag(bootstrap: str | None, settings: Settings | None = None) -> KafkaAccess:
    """The Kafka settings of the environment, at the address of a --bootstrap flag when given."""
    kafka = (settings or Settings.from_env()).kafka
    return dataclasses.replace(kafka, bootstrap=bootstrap) if bootstrap else kafka


def environment_help(*names: str) -> str:
    """A block for a command's --help that lists the variables it reads."""
    lines = ["environment:"]
    for name in names:
        default, meaning = ENVIRONMENT[name]
        lines.append(f"  {name:<20} {meaning}" + (f" (default {default})" if default else ""))
    return "\n".join(lines)


_UNITS = {"": 1, "ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> timedelta:
    """ "90" or "90s", "500ms", "15m", "24h", "7d" -> timedelta (for argparse type=)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*", str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (examples: 30s, 15m, 24h, 7d)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or ""])


duration.__name__ = "duration"  # argparse names the type in its error message


def add_kafka_wait_argument(parser) -> None:
    """--kafka-wait, for services: a Kafka that is down or still starting is waited for, then refused."""
    parser.add_argument(
        "--kafka-wait",
        type=duration,
        default=os.environ.get("UCJ_KAFKA_WAIT") or ENVIRONMENT["UCJ_KAFKA_WAIT"][0],
        metavar="DURATION",
        help="how long to wait at start for Kafka to be reachable and ready before giving up, e.g. 0, 30s, 5m "
        "(default: UCJ_KAFKA_WAIT or %(default)s)",
    )
