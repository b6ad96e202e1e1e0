"""deploy/compose/kafka-init.sh repeats, for the compose broker, what the project defines once in
Python: the ACLs of services/dev/kafka_local/principals.py GRANTS (which `ucj kafka up --secure`
applies) and the topics streams/broker/topics.py creates. These tests run the script, with the
Kafka tools replaced by recorders of their command lines, and read those command lines as
kafka-acls.sh and kafka-topics.sh would: so the two copies cannot drift apart."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.dev.kafka_local.principals import GRANTS, PRINCIPALS, Grant
from streams.broker import topics
from streams.broker.kafka_access import KafkaAccess
from tests.tools import child_env

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
KAFKA_INIT = COMPOSE_DIR / "kafka-init.sh"
BOOTSTRAP = "kafka.test:9092"
ADMIN_PASSWORD = "0123456789abcdef" * 4

# Stands in for a Kafka tool: one file per call holding its arguments (NUL-separated), and a
# copy of its --command-config file, which kafka-init.sh deletes when it exits.
RECORDER = r"""#!/usr/bin/env bash
set -eu
record=$(mktemp "$UCJ_RECORD_DIR/call.XXXXXX")
printf '%s\0' "${0##*/}" "$@" > "$record"
while [ $# -gt 0 ]; do
  [ "$1" = --command-config ] && cp "$2" "$record.config"
  shift
done
exit 0
"""


@dataclass(frozen=True)
class Call:
    tool: str
    args: tuple[str, ...]
    config: str


def run_kafka_init(
    tmp_path: Path, password: str | None = ADMIN_PASSWORD
) -> tuple[subprocess.CompletedProcess, list[Call]]:
    tools, records = tmp_path / "bin", tmp_path / "records"
    tools.mkdir()
    records.mkdir()
    for tool in ("kafka-topics.sh", "kafka-acls.sh"):
        (tools / tool).write_text(RECORDER)
        (tools / tool).chmod(0o755)
    password_file = tmp_path / "kafka_admin_password"
    if password is not None:
        password_file.write_text(password + "\n")
    done = subprocess.run(
        ["bash", str(KAFKA_INIT)],
        env=child_env(
            KAFKA_BIN=str(tools),
            KAFKA_BOOTSTRAP=BOOTSTRAP,
            KAFKA_ADMIN_PASSWORD_FILE=str(password_file),
            UCJ_RECORD_DIR=str(records),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    calls = []
    for record in sorted(records.glob("call.??????")):
        tool, *args = record.read_bytes().decode().split("\0")[:-1]
        config = Path(f"{record}.config")
        calls.append(Call(tool, tuple(args), config.read_text() if config.exists() else ""))
    return done, calls


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> list[Call]:
    done, calls = run_kafka_init(tmp_path_factory.mktemp("kafka-init"))
    assert done.returncode == 0, done.stderr
    assert "topics and ACLs are in place" in done.stdout
    return calls


def of(calls: list[Call], tool: str) -> list[Call]:
    return [call for call in calls if call.tool == tool]


# --- kafka-acls.sh, read as it reads its arguments -------------------------------------------

RESOURCES = {
    "--topic": "TOPIC",
    "--group": "GROUP",
    "--transactional-id": "TRANSACTIONAL_ID",
    "--delegation-token": "DELEGATION_TOKEN",
}


def operation(name: str) -> str:
    """kafka-acls' spelling (IdempotentWrite) as Kafka's AclOperation and GRANTS spell it (IDEMPOTENT_WRITE)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()


def acl_grants(args: tuple[str, ...]) -> list[Grant]:
    """The ACLs one `kafka-acls.sh --add` call creates: every principal x operation x resource.
    An option this reader does not know fails the test, rather than being guessed at."""
    principals, operations, resources, pattern, adding = [], [], [], "literal", False
    rest = iter(args)
    for arg in rest:
        if arg in ("--bootstrap-server", "--command-config"):
            next(rest)
        elif arg == "--add":
            adding = True
        elif arg == "--allow-principal":
            kind, _, name = next(rest).partition(":")
            assert kind == "User", f"principal {kind}:{name} is not a user"
            principals.append(name)
        elif arg == "--operation":
            operations.append(operation(next(rest)))
        elif arg == "--resource-pattern-type":
            pattern = next(rest).lower()
            assert pattern in ("literal", "prefixed"), f"--resource-pattern-type {pattern}"
        elif arg == "--cluster":
            resources.append(("CLUSTER", "kafka-cluster"))
        elif arg in RESOURCES:
            resources.append((RESOURCES[arg], next(rest)))
        else:
            raise AssertionError(f"kafka-init.sh passes kafka-acls.sh {arg!r}, which this test cannot read: {args}")
    assert adding and principals and operations and resources, f"not a complete --add: {args}"
    return [
        Grant(principal, op, resource, name, prefixed=pattern == "prefixed")
        for principal, op, (resource, name) in itertools.product(principals, operations, resources)
    ]


def test_the_reader_reads_kafka_acls_as_kafka_does():
    assert (
        operation("IdempotentWrite") == "IDEMPOTENT_WRITE"
        and operation("DescribeConfigs") == "DESCRIBE_CONFIGS"
        and operation("Read") == "READ"
    )
    args = (
        "--add",
        "--allow-principal",
        "User:u",
        "--operation",
        "Read",
        "--operation",
        "Write",
        "--resource-pattern-type",
        "PREFIXED",
        "--topic",
        "a-",
        "--group",
        "g",
    )
    assert set(acl_grants(args)) == {
        Grant("u", "READ", "TOPIC", "a-", True),
        Grant("u", "WRITE", "TOPIC", "a-", True),
        Grant("u", "READ", "GROUP", "g", True),
        Grant("u", "WRITE", "GROUP", "g", True),
    }
    with pytest.raises(AssertionError, match="--producer"):
        acl_grants(("--add", "--allow-principal", "User:u", "--producer", "--topic", "t"))


def test_the_acls_are_exactly_the_secure_local_brokers_grants(calls):
    """principals.GRANTS is the source of truth; kafka-init.sh must grant those and nothing else."""
    granted = [grant for call in of(calls, "kafka-acls.sh") for grant in acl_grants(call.args)]
    missing = set(GRANTS) - set(granted)
    extra = set(granted) - set(GRANTS)
    assert not missing, "kafka-init.sh lacks: " + "; ".join(map(str, sorted(missing, key=str)))
    assert not extra, "kafka-init.sh grants more than GRANTS: " + "; ".join(map(str, sorted(extra, key=str)))
    assert len(granted) == len(GRANTS), "kafka-init.sh grants something twice"


def test_every_kafka_call_is_ucj_admin_over_scram_at_the_bootstrap(calls):
    assert of(calls, "kafka-acls.sh") and of(calls, "kafka-topics.sh")
    for call in calls:
        assert call.args[call.args.index("--bootstrap-server") + 1] == BOOTSTRAP
        settings = dict(line.split("=", 1) for line in call.config.splitlines())
        assert settings["security.protocol"] == "SASL_PLAINTEXT" and settings["sasl.mechanism"] == "SCRAM-SHA-512"
        assert settings["sasl.jaas.config"] == (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="ucj-admin" password="{ADMIN_PASSWORD}";'
        )
        assert ADMIN_PASSWORD not in " ".join(call.args), "the password is on a command line"


def test_kafka_init_stops_without_the_admin_password(tmp_path):
    done, calls = run_kafka_init(tmp_path, password=None)
    assert done.returncode != 0 and calls == []
    assert "kafka_admin_password is missing or empty" in done.stderr


# --- kafka-topics.sh against streams/broker/topics.py -----------------------------------------------


class RecordingAdmin:
    """kafka-python's KafkaAdminClient as _ensure_topics_once uses it, on an empty broker."""

    created: dict[str, tuple[int, int, dict]] = {}

    def __init__(self, **config):
        RecordingAdmin.created = {}

    def list_topics(self):
        return list(self.created)

    def create_topics(self, new_topics):
        for topic in new_topics:
            self.created[topic.name] = (topic.num_partitions, topic.replication_factor, dict(topic.topic_configs))

    def describe_topics(self, names):
        return [
            {"topic": name, "partitions": [{"partition": p} for p in range(self.created[name][0])]} for name in names
        ]

    def close(self):
        pass


def topics_the_worker_creates(monkeypatch) -> dict[str, tuple[int, int, dict]]:
    monkeypatch.setattr("kafka.admin.KafkaAdminClient", RecordingAdmin)
    assert topics._ensure_topics_once(KafkaAccess(BOOTSTRAP)) == topics.EVENT_PARTITIONS
    return RecordingAdmin.created


def created_topic(args: tuple[str, ...]) -> tuple[str, tuple[int, int, dict]]:
    assert "--create" in args and "--if-not-exists" in args, f"not an idempotent create: {args}"
    name = partitions = replication = None
    configs: dict[str, str] = {}
    rest = iter(args)
    for arg in rest:
        if arg in ("--bootstrap-server", "--command-config"):
            next(rest)
        elif arg in ("--create", "--if-not-exists"):
            pass
        elif arg == "--topic":
            name = next(rest)
        elif arg == "--partitions":
            partitions = int(next(rest))
        elif arg == "--replication-factor":
            replication = int(next(rest))
        elif arg == "--config":
            key, value = next(rest).split("=", 1)
            configs[key] = value
        else:
            raise AssertionError(f"kafka-init.sh passes kafka-topics.sh {arg!r}, which this test cannot read: {args}")
    return name, (partitions, replication, configs)


def test_the_topics_are_exactly_those_streams_topics_creates(calls, monkeypatch):
    """Names, partition counts, replication and configs, as _ensure_topics_once makes them on an empty broker."""
    expected = topics_the_worker_creates(monkeypatch)
    assert set(expected) == {
        topics.PARTICIPANT_EVENTS,
        topics.REKEYED_EVENTS,
        topics.DEAD_LETTER,
        topics.COVERAGE_ALERTS,
        topics.REGION_PARTIALS,
    }
    made = [created_topic(call.args) for call in of(calls, "kafka-topics.sh")]
    assert len(made) == len(dict(made)), "a topic is created twice"
    assert dict(made) == expected


# --- the principals ---------------------------------------------------------------------------


def loop_principals(path: Path) -> set[str]:
    [names] = re.findall(r"^for principal in ([a-z ]+); do", path.read_text(), re.MULTILINE)
    return {f"ucj-{name}" for name in names.split()}


def test_every_principal_gets_a_password_and_a_scram_credential():
    """init-secrets.sh makes a password for, and kafka-format.sh a SCRAM login of, each principal
    `ucj kafka credentials` knows; each principal with grants is one of them."""
    assert loop_principals(COMPOSE_DIR / "init-secrets.sh") == set(PRINCIPALS)
    assert loop_principals(COMPOSE_DIR / "kafka-format.sh") == set(PRINCIPALS)
    assert {grant.principal for grant in GRANTS} <= set(PRINCIPALS)
