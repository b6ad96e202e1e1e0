"""Least privilege on the real PostgreSQL server of the session (tests/conftest.py postgres_server):
a non-superuser admin owns the schema and migrates; each service logs in as a member of its group
and can do what its code does, and nothing the issue names as dangerous.

Skips without PostgreSQL, fails under CI (tests/postgres.py)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from services.registry import Registry
from services.registry.deliveries import NewDelivery
from services.registry.roles import GRANTS, GROUPS, RolesProblem, grant_roles
from streams.reference import load_reference
from tests.postgres import fresh_database
from tests.tools import child_env

pytestmark = pytest.mark.slow

NOW = datetime.datetime(2025, 6, 1, 8, 0, tzinfo=datetime.timezone.utc)


def run_sql(server: URL, *statements: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def login_roles(server: URL) -> Iterator[dict[str, str]]:
    """A LOGIN user per service (members of the groups, as deploy/compose/postgres-roles.sh
    makes them) and an admin that may log in and nothing more; names unique to this test."""
    suffix = f"{os.getpid()}_{id(server) % 10_000}"
    users = {"admin": f"t_admin_{suffix}", **{group: f"t_{group.removeprefix('ucj_')}_{suffix}" for group in GROUPS}}
    # the groups are server-wide; another test run on the same server may have made them
    create_groups = [
        f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        for group in GROUPS
    ]
    run_sql(
        server,
        *create_groups,
        f"CREATE ROLE {users['admin']} LOGIN PASSWORD 'admin-pw' NOSUPERUSER NOCREATEDB NOCREATEROLE",
        *(f"CREATE ROLE {users[group]} LOGIN PASSWORD '{group}-pw' IN ROLE {group}" for group in GROUPS),
    )
    try:
        yield users
    finally:
        run_sql(server, *(f"DROP ROLE IF EXISTS {user}" for user in users.values()))


def as_user(database_url: str, user: str, password: str) -> str:
    return make_url(database_url).set(username=user, password=password).render_as_string(hide_password=False)


@pytest.fixture
def deployment(postgres_server) -> Iterator[dict[str, str]]:
    """A database owned by a plain admin, migrated and seeded by it, the roles granted by it;
    the database URL of each role."""
    with login_roles(postgres_server) as users:
        with fresh_database(postgres_server) as url:
            database = make_url(url).database
            # as docker-compose does: the admin owns the database, so (PostgreSQL 15) schema public too
            run_sql(postgres_server, f'ALTER DATABASE "{database}" OWNER TO {users["admin"]}')
            urls = {"admin": as_user(url, users["admin"], "admin-pw")}
            urls |= {group: as_user(url, users[group], f"{group}-pw") for group in GROUPS}
            with Registry(urls["admin"]) as admin:
                admin.init()
                admin.add_coordinator(name="Ops", region_code="61", webhook_url="https://ops.example/hook")
                _, key = admin.add_source("desa-sambas", ["61.01"])
                report = grant_roles(admin.engine)
            assert report.granted == GRANTS
            urls["source_key"] = key
            yield urls


def refused(engine_url: str, statement: str) -> str:
    """The error PostgreSQL answers `statement` with, as that user: always insufficient_privilege."""
    engine = create_engine(engine_url)
    try:
        with pytest.raises(ProgrammingError) as error, engine.begin() as connection:
            connection.execute(text(statement))
        assert error.value.orig.sqlstate == "42501", error.value.orig
        return str(error.value.orig)
    finally:
        engine.dispose()


def test_the_gateway_role_looks_up_keys_and_regions_and_nothing_more(deployment):
    gateway = deployment["ucj_gateway"]
    with Registry(gateway) as registry:  # the gateway's own code: services/gateway/cli.py
        tree = registry.region_tree()
        source = registry.source_for_key(deployment["source_key"])
        assert registry.source_for_key("not-a-key") is None
        with pytest.raises(ProgrammingError, match="permission denied"):
            registry.webhook_secret(1)
        with pytest.raises(ProgrammingError, match="permission denied"):
            registry.add_source("intruder", ["61"])
    assert "61.01" in tree.regions and source is not None and source.regions == ("61.01",)
    assert "permission denied for table coordinators" in refused(gateway, "SELECT webhook_secret FROM coordinators")
    assert "permission denied for table sources" in refused(
        gateway, "INSERT INTO sources (name, key_hash, created_at, key_issued_at) VALUES ('x', 'y', now(), now())"
    )
    assert "permission denied for table deliveries" in refused(gateway, "SELECT * FROM deliveries")
    assert "to COPY to or from an external program" in refused(gateway, "COPY (SELECT 1) TO PROGRAM 'true'")
    assert "permission denied for schema public" in refused(gateway, "CREATE TABLE planted (x int)")
    assert "must be owner" in refused(gateway, "ALTER TABLE sources ADD COLUMN planted int")


def test_the_notifier_role_reads_coordinators_and_writes_deliveries_only(deployment):
    notifier = deployment["ucj_notifier"]
    with Registry(notifier) as registry:  # what services/notifier does with the registry
        [ops] = registry.active_coordinators("61")
        assert registry.webhook_secret(ops.id)
        added = registry.enqueue_deliveries(
            [NewDelivery("t-1", "a-1", "61", "webhook", ops.webhook_url, ops.id, "{}")], NOW
        )
        assert added == 1
        [due] = registry.due_deliveries(NOW)
        registry.record_attempt(due.id, at=NOW, delivered=True, error=None, duration_ms=5, next_attempt_at=None)
        assert registry.delivery_counts()
    assert "permission denied for table sources" in refused(
        notifier, "INSERT INTO sources (name, key_hash, created_at, key_issued_at) VALUES ('x', 'y', now(), now())"
    )
    assert "permission denied for table coordinators" in refused(
        notifier, "UPDATE coordinators SET webhook_url = 'https://evil.example'"
    )
    assert "to COPY to or from an external program" in refused(notifier, "COPY (SELECT 1) TO PROGRAM 'true'")


def test_the_worker_role_reads_the_reference_data_but_not_coordinators(deployment):
    worker = deployment["ucj_worker"]
    with Registry(worker) as registry:  # the worker's own read: streams/reference.py
        reference = load_reference(registry)
        assert reference.workforce("61", NOW.date()) > 0 and "desa-sambas" in reference.source_names
        with pytest.raises(ProgrammingError, match="permission denied"):
            registry.coordinators()
    assert "permission denied for table coordinators" in refused(worker, "SELECT webhook_secret FROM coordinators")
    assert "permission denied for table workforce" in refused(worker, "UPDATE workforce SET eligible_workforce = 1")


def test_only_the_admin_owns_and_creates_and_nobody_is_a_superuser(deployment, postgres_server):
    engine = create_engine(deployment["admin"])
    try:
        with engine.connect() as connection:
            owners = set(
                connection.execute(
                    text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
                ).scalars()
            )
            admin = connection.execute(text("SELECT current_user")).scalar()
            assert owners == {admin}
            for role in ("public", *GROUPS):
                assert not connection.execute(
                    text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"), {"r": role}
                ).scalar()
            powers = (
                connection.execute(
                    text(
                        "SELECT rolname FROM pg_roles WHERE rolname = ANY(:names) AND (rolsuper OR rolcreaterole OR rolcreatedb)"
                    ),
                    {"names": [admin, *GROUPS]},
                )
                .scalars()
                .all()
            )
            assert powers == []
            # a group's members inherit nothing that reads server files or runs programs
            risky = (
                connection.execute(
                    text(
                        "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                        "JOIN pg_roles g ON g.oid = m.member WHERE g.rolname = ANY(:names)"
                    ),
                    {"names": list(GROUPS)},
                )
                .scalars()
                .all()
            )
            assert risky == []
    finally:
        engine.dispose()


def test_granting_again_changes_nothing_and_takes_back_what_was_added(deployment):
    with Registry(deployment["admin"]) as admin:
        with admin.engine.begin() as connection:
            connection.execute(text("GRANT SELECT ON coordinators TO ucj_gateway"))  # someone's mistake
        grant_roles(admin.engine)
        grant_roles(admin.engine)
    assert "permission denied for table coordinators" in refused(
        deployment["ucj_gateway"], "SELECT * FROM coordinators"
    )


def test_upgrade_regrants_and_grant_roles_refuses_a_plain_admin_without_the_groups(deployment, monkeypatch):
    """`ucj registry upgrade` as the admin re-applies the grants (a new table would get its own);
    a plain admin cannot create the groups and is told what to run."""
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "registry", "upgrade", "--database-url", deployment["admin"]],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ucj_gateway in" in done.stderr and "SELECT on sources" in done.stderr
    with Registry(deployment["admin"]) as admin, admin.engine.begin() as connection:
        may = connection.execute(text("SELECT rolcreaterole FROM pg_roles WHERE rolname = current_user")).scalar()
    assert may is False
    # the groups exist here; a missing one is reported with the statement to run
    monkeypatch.setattr("services.registry.roles.GROUPS", (*GROUPS, "ucj_missing_group"))
    with (
        Registry(deployment["admin"]) as admin,
        pytest.raises(RolesProblem, match="CREATE ROLE ucj_missing_group NOLOGIN;"),
    ):
        grant_roles(admin.engine)
