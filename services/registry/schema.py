"""Bringing a registry database to the current schema with the Alembic migrations in the package.

No alembic.ini is needed: the migration environment (migrations/env.py) is configured here
and runs on the registry's own engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# The revision that creates what `Base.metadata.create_all` created before migrations existed.
BASELINE_REVISION = "0001"
BASELINE_TABLE = "regions"

# Any fixed number: PostgreSQL sessions that upgrade at the same time take turns on it.
_UPGRADE_LOCK_KEY = 0x55434A


@dataclass(frozen=True)
class SchemaUpgrade:
    """The revision before (None: no schema yet) and after; `stamped` when the database was
    created before migrations and was marked as revision 0001 first."""

    before: str | None
    after: str
    stamped: bool = False

    @property
    def changed(self) -> bool:
        return self.stamped or self.before != self.after


def head_revision() -> str:
    """The newest revision shipped with this version of the code."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty database or one from before migrations."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> SchemaUpgrade:
    """Apply every migration the database lacks, in one transaction where the backend allows."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK_KEY})
        before = MigrationContext.configure(connection).get_current_revision()
        config = _config(connection)
        stamped = before is None and inspect(connection).has_table(BASELINE_TABLE)
        if stamped:
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    assert after is not None
    return SchemaUpgrade(before, after, stamped)


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config
