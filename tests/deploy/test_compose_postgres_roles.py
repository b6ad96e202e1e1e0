"""deploy/compose/postgres-roles.sh, run as the postgres image would run it (psql as the bootstrap
superuser, the secrets init-secrets.sh made), against the session's real PostgreSQL server; then
`ucj registry init` as ucj_admin, and each service's login as docker-compose.yml gives it.

The script makes server-wide roles with fixed names (ucj_admin, gateway, worker, notifier), so
it runs only on the throwaway server the tests start, never on one UCJ_TEST_POSTGRES_URL names.
Skips without PostgreSQL, fails under CI (tests/postgres.py)."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from services.registry import Registry
from streams.reference import load_reference
from tests.postgres import fresh_database, server_binaries, server_from_environment
from tests.tools import child_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "compose" / "postgres-roles.sh"
INIT_SECRETS = ROOT / "deploy" / "compose" / "init-secrets.sh"
LOGINS = ("gateway", "worker", "notifier", "ucj_admin")


@pytest.fixture
def server(postgres_server):
    if server_from_environment() is not None:
        pytest.skip("postgres-roles.sh makes server-wide roles with fixed names; it runs on the tests' own server only")
    return postgres_server


def run_script(server, database: str, secrets: Path) -> subprocess.CompletedProcess:
    env = child_env(
        PGHOST=server.host,
        PGPORT=str(server.port),
        POSTGRES_USER=server.username,
        POSTGRES_DB=database,
        UCJ_POSTGRES_SECRETS=str(secrets),
    )
    env["PATH"] = f"{server_binaries()}:{env.get('PATH', '/usr/bin:/bin')}"  # psql, as in the image
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def compose_url(secrets: Path, role: str, server, database: str) -> str:
    """The URL docker-compose.yml hands the service, pointed at this server and database."""
    url = make_url((secrets / f"database_url_{role}").read_text().strip())
    return url.set(host=server.host, port=server.port, database=database).render_as_string(hide_password=False)


def denied(url: str, statement: str) -> str:
    engine = create_engine(url)
    try:
        with pytest.raises((ProgrammingError, OperationalError)) as error, engine.begin() as connection:
            connection.execute(text(statement))
        return str(error.value.orig)
    finally:
        engine.dispose()


def test_the_roles_script_then_init_give_each_service_its_own_least_privileged_login(server, tmp_path):
    secrets = tmp_path / "secrets"
    subprocess.run(
        ["bash", str(INIT_SECRETS), str(secrets)], env=child_env(), check=True, capture_output=True, timeout=60
    )
    try:
        with fresh_database(server) as url:
            database = make_url(url).database
            run_script(server, database, secrets)
            assert "ucj_admin owns database" in run_script(server, database, secrets).stdout  # safe to run again
            admin = compose_url(secrets, "admin", server, database)
            done = subprocess.run(
                [sys.executable, "-m", "services.cli", "registry", "init", "--database-url", admin],
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
            assert "ucj_gateway in" in done.stderr  # init granted the groups, as ucj_admin
            with Registry(admin) as registry:
                registry.add_coordinator(name="Ops", region_code="61", webhook_url="https://ops.example/hook")

            gateway = compose_url(secrets, "gateway", server, database)
            with Registry(gateway) as registry:
                assert "61" in registry.region_tree().regions and registry.source_for_key("unknown") is None
            assert "permission denied for table coordinators" in denied(
                gateway, "SELECT webhook_secret FROM coordinators"
            )
            assert "permission denied for table sources" in denied(
                gateway,
                "INSERT INTO sources (name, key_hash, created_at, key_issued_at) VALUES ('x', 'y', now(), now())",
            )
            assert "COPY to or from an external program" in denied(gateway, "COPY (SELECT 1) TO PROGRAM 'true'")
            with Registry(compose_url(secrets, "worker", server, database)) as registry:
                assert load_reference(registry).workforce("61", datetime.date(2025, 6, 1))
            with Registry(compose_url(secrets, "notifier", server, database)) as registry:
                assert [c.name for c in registry.active_coordinators("61")] == ["Ops"]

            engine = create_engine(admin)
            try:
                with engine.connect() as connection:
                    assert not connection.execute(
                        text("SELECT has_database_privilege('public', current_database(), 'CONNECT')")
                    ).scalar()
                    assert not connection.execute(
                        text("SELECT has_database_privilege('public', current_database(), 'TEMP')")
                    ).scalar()
                    rows = connection.execute(
                        text(
                            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = ANY(:n)"
                        ),
                        {"n": [*LOGINS, "ucj_gateway", "ucj_worker", "ucj_notifier"]},
                    ).all()
                    assert {r.rolname: r.rolcanlogin for r in rows} == {
                        "gateway": True,
                        "worker": True,
                        "notifier": True,
                        "ucj_admin": True,
                        "ucj_gateway": False,
                        "ucj_worker": False,
                        "ucj_notifier": False,
                    }
                    assert not any(r.rolsuper or r.rolcreaterole or r.rolcreatedb for r in rows)
                    owners = set(
                        connection.execute(
                            text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
                        ).scalars()
                    )
                    assert owners == {"ucj_admin"}
            finally:
                engine.dispose()
    finally:
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for login in LOGINS:
                    connection.execute(text(f"DROP ROLE IF EXISTS {login}"))
        finally:
            engine.dispose()
