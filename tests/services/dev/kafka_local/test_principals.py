"""The secure broker's principals and ACLs, and its rendered settings (no JVM started)."""

from __future__ import annotations

import stat

import pytest

from services.dev.kafka_local import manager
from services.dev.kafka_local import secure as security
from services.dev.kafka_local.principals import GRANTS, PRINCIPALS, grants_of
from streams.broker.topics import COVERAGE_ALERTS, DEAD_LETTER, PARTICIPANT_EVENTS, REGION_PARTIALS, REKEYED_EVENTS


def may(principal: str, operation: str, topic: str) -> bool:
    return any(
        grant.operation == operation
        and grant.resource == "TOPIC"
        and (topic.startswith(grant.name) if grant.prefixed else topic == grant.name)
        for grant in grants_of(principal)
    )


def test_publishers_may_write_events_and_nothing_else():
    for publisher in ("ucj-gateway", "ucj-producer"):
        assert may(publisher, "WRITE", PARTICIPANT_EVENTS)
        for topic in (COVERAGE_ALERTS, REGION_PARTIALS, REKEYED_EVENTS, DEAD_LETTER):
            assert not may(publisher, "WRITE", topic)
        assert not may(publisher, "READ", PARTICIPANT_EVENTS)


def test_the_notifier_only_reads_alerts():
    assert may("ucj-notifier", "READ", COVERAGE_ALERTS)
    assert {grant.operation for grant in grants_of("ucj-notifier")} == {"READ"}


def test_the_worker_reads_events_and_owns_its_internal_topics():
    assert may("ucj-worker", "READ", PARTICIPANT_EVENTS) and not may("ucj-worker", "WRITE", PARTICIPANT_EVENTS)
    for topic in (REKEYED_EVENTS, REGION_PARTIALS, "ucj-coverage-participants-changelog"):
        assert (
            may("ucj-worker", "WRITE", topic)
            and may("ucj-worker", "READ", topic)
            and may("ucj-worker", "CREATE", topic)
        )
    assert may("ucj-worker", "WRITE", DEAD_LETTER) and may("ucj-worker", "WRITE", COVERAGE_ALERTS)


def test_every_grant_names_a_known_principal_and_the_admin_needs_none():
    assert {grant.principal for grant in GRANTS} <= set(PRINCIPALS)
    assert grants_of("ucj-admin") == []  # a super user


def test_the_secure_broker_asks_every_listener_for_a_login(tmp_path):
    text = manager.render_server_properties(19500, tmp_path / "storage", broker_password="broker-pw")
    props = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert props["listeners"] == "SASL_PLAINTEXT://127.0.0.1:19500,CONTROLLER://127.0.0.1:19501"
    assert props["listener.security.protocol.map"] == "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert "PLAINTEXT://" not in props["advertised.listeners"].replace("SASL_PLAINTEXT://", "")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["super.users"] == "User:ucj-broker;User:ucj-admin"
    assert props["auto.create.topics.enable"] == "false"  # the plain broker's other settings stay
    assert sum(line.startswith("listeners=") for line in text.splitlines()) == 1


def test_passwords_are_generated_once_into_private_files(tmp_path):
    first = security.ensure_passwords(tmp_path)
    assert set(first) == {"ucj-broker", *PRINCIPALS} and len(set(first.values())) == len(first)
    assert all(len(password) >= 40 for password in first.values())
    assert security.ensure_passwords(tmp_path) == first
    assert stat.S_IMODE(security.credentials_dir(tmp_path).stat().st_mode) == 0o700
    assert stat.S_IMODE(security.password_file(tmp_path, "ucj-worker").stat().st_mode) == 0o600
    env = security.environment("127.0.0.1:9092", tmp_path, "ucj-worker")
    assert env["UCJ_KAFKA_PASSWORD_FILE"] == str(security.password_file(tmp_path, "ucj-worker"))
    assert first["ucj-worker"] not in "".join(env.values())
    assert security.access("127.0.0.1:9092", tmp_path, "ucj-worker").password == first["ucj-worker"]
    arguments = security.scram_arguments({"ucj-worker": "pw"})
    assert arguments == ["--add-scram", "SCRAM-SHA-512=[name=ucj-worker,password=pw]"]


def test_an_unknown_principal_is_named_in_one_sentence(tmp_path):
    with pytest.raises(security.UnknownPrincipal, match="no principal 'ucj-mallory'"):
        security.password_file(tmp_path, "ucj-mallory")
    with pytest.raises(security.UnknownPrincipal, match="ucj kafka up --secure"):
        security.environment("127.0.0.1:9092", tmp_path, "ucj-worker")
