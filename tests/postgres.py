"""A throwaway PostgreSQL server for tests, a fresh database per test, and copies of a template.

`UCJ_TEST_POSTGRES_URL` names a server to use instead (a role allowed to CREATE DATABASE;
each test gets its own database there, dropped afterwards). Otherwise a cluster is created
with the server binaries of the `postgresql` Debian package (/usr/lib/postgresql/*/bin) in
a temporary directory, on a free port, and removed at the end. PostgreSQL refuses to run as
root, so as root the cluster runs as the `postgres` system user that the package creates.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import URL, create_engine, make_url, text

from tests.tools import child_env, free_port, require_tool

INSTALL_HINT = "apt-get install postgresql, or set UCJ_TEST_POSTGRES_URL"
SYSTEM_USER = "postgres"
SUPERUSER = "ucj_test"


def server_binaries() -> Path:
    """The directory holding initdb and pg_ctl (newest installed version first)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    return Path(require_tool("initdb", INSTALL_HINT)).parent  # skips, or fails under CI (tests/tools.py in_ci)


def _version(initdb: str) -> float:
    try:
        return float(Path(initdb).parent.parent.name)
    except ValueError:
        return 0.0


@contextmanager
def throwaway_server() -> Iterator[URL]:
    """Start a cluster; yield the URL of its `postgres` database as superuser; stop it."""
    bin_dir = server_binaries()
    as_root = os.geteuid() == 0
    run_as: list[str] = []
    if as_root:
        try:
            owner = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            require_tool(f"user {SYSTEM_USER} (created by the postgresql package)", INSTALL_HINT)
            raise
        run_as = ["runuser", "-u", SYSTEM_USER, "--"]
    base = Path(tempfile.mkdtemp(prefix="ucj-postgres-"))
    if as_root:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    port = free_port()

    def run(*argv: str) -> None:
        # like every child process of the tests: only the allowlisted environment (PGDATA and
        # the other PG* variables of the developer's shell stay out)
        completed = subprocess.run([*run_as, *argv], env=child_env(), capture_output=True, text=True)
        if completed.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{' '.join(argv)} failed:\n{completed.stdout}{completed.stderr}{server_log}")

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync")
        # Durability off: the data is thrown away, and tests run faster.
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        try:
            yield URL.create("postgresql+psycopg", username=SUPERUSER, host="127.0.0.1", port=port, database="postgres")
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def server_from_environment() -> URL | None:
    url = os.environ.get("UCJ_TEST_POSTGRES_URL")
    return make_url(url) if url else None


_database_numbers = itertools.count(1)


@contextmanager
def fresh_database(server: URL, template: str | None = None) -> Iterator[str]:
    """Create a database on `server`, yield its URL, and drop it afterwards.

    Empty, or a copy of the database at URL `template` (on the same server; nobody may be
    connected to it while it is copied).
    """
    name = f"ucj_test_{os.getpid()}_{next(_database_numbers)}"
    copy_of = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE: a test may leave a connection open (PostgreSQL 13+).
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
