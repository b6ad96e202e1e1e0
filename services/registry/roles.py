"""Least privilege on PostgreSQL: one NOLOGIN group role per service, with only what it reads and writes.

The role that runs the migrations (`ucj registry init` / `upgrade`) owns the schema: the
admin. No other role owns a table or may create anything in schema `public`, and none is a
superuser, so none can run `COPY ... PROGRAM` (superuser or pg_execute_server_program only).
Operators create LOGIN users that are members of a group (docker-compose.yml does it in
deploy/compose/postgres-roles.sh):

    CREATE ROLE gateway LOGIN PASSWORD '...' IN ROLE ucj_gateway;

`grant_roles` is idempotent: it revokes everything the groups hold in schema `public` and
grants exactly GRANTS again, so running it after a migration that adds a table leaves each
group with what this version needs and nothing more (`ucj registry init` and `upgrade` run it
when the groups exist; `ucj registry grant-roles` also creates them, when allowed to).

What each service touches (every one reads alembic_version and regions: the registry checks
the schema revision and that it is initialised before anything else):
- the gateway looks up a bearer key's source (sources, source_regions) and reads the region
  tree; never coordinators (webhook secrets), never a write;
- the worker reads the reference data: regions, workforce, plan_points, and the sources'
  names and dates (sources, source_regions);
- the notifier reads the coordinators (with their webhook secrets, which it signs with) and
  writes the delivery log (deliveries, delivery_attempts and their id sequences).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

SCHEMA = "public"
READS_SCHEMA = {"alembic_version": "SELECT", "regions": "SELECT"}
# group role -> table -> privileges
GRANTS: dict[str, dict[str, str]] = {
    "ucj_gateway": {**READS_SCHEMA, "sources": "SELECT", "source_regions": "SELECT"},
    "ucj_worker": {
        **READS_SCHEMA,
        "workforce": "SELECT",
        "plan_points": "SELECT",
        "sources": "SELECT",
        "source_regions": "SELECT",
    },
    "ucj_notifier": {
        **READS_SCHEMA,
        "coordinators": "SELECT",
        "deliveries": "SELECT, INSERT, UPDATE",
        "delivery_attempts": "SELECT, INSERT",
    },
}
# group role -> tables whose id sequence it draws from (its INSERTs)
SEQUENCES: dict[str, tuple[str, ...]] = {"ucj_notifier": ("deliveries", "delivery_attempts")}
GROUPS = tuple(GRANTS)


class RolesProblem(RuntimeError):
    """The roles cannot be set up as asked; the message says why and what to run."""


@dataclass(frozen=True)
class GrantReport:
    created: tuple[str, ...]  # groups this run created
    granted: dict[str, dict[str, str]]  # group -> table -> privileges, as now in force


def existing_groups(engine: Engine) -> tuple[str, ...]:
    """The service groups that exist on the server (roles are server-wide); () off PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return ()
    with engine.connect() as connection:
        return _existing(connection)


def grant_roles(engine: Engine, create_missing: bool = True) -> GrantReport:
    """Create the missing groups (NOLOGIN; needs CREATEROLE, else RolesProblem names the SQL to
    run) and give each exactly GRANTS, in one transaction. Run it as the owner of the tables."""
    if engine.dialect.name != "postgresql":
        raise RolesProblem(f"database roles are a PostgreSQL feature; {engine.dialect.name} has none")
    with engine.begin() as connection:
        missing = [group for group in GROUPS if group not in _existing(connection)]
        if missing and not create_missing:
            raise RolesProblem(f"the roles {', '.join(missing)} do not exist; run `ucj registry grant-roles`")
        if missing:
            may = connection.execute(
                text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
            ).scalar()
            if not may:
                statements = " ".join(f"CREATE ROLE {group} NOLOGIN;" for group in missing)
                raise RolesProblem(
                    f"the roles {', '.join(missing)} do not exist and {_user(connection)} may not create roles; "
                    f"run as a role that may: {statements}"
                )
            for group in missing:
                connection.execute(text(f"CREATE ROLE {group} NOLOGIN"))
                log.info("created the group role %s (NOLOGIN)", group)
        _refuse_powerful_groups(connection)
        _refuse_foreign_owners(connection)
        connection.execute(text(f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC"))
        for group, tables in GRANTS.items():
            connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {group}"))
            connection.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM {group}"))
            connection.execute(text(f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM {group}"))
            connection.execute(text(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {group}"))
            for table, privileges in tables.items():
                connection.execute(text(f"GRANT {privileges} ON TABLE {SCHEMA}.{table} TO {group}"))
            for table in SEQUENCES.get(group, ()):
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{SCHEMA}.{table}"}
                ).scalar()
                if sequence is None:
                    raise RolesProblem(f"{table}.id has no sequence; is the schema current (`ucj registry upgrade`)?")
                connection.execute(text(f"GRANT USAGE ON SEQUENCE {sequence} TO {group}"))
        _check_nobody_else_creates(connection)
    return GrantReport(tuple(missing), {group: dict(tables) for group, tables in GRANTS.items()})


def _existing(connection: Connection) -> tuple[str, ...]:
    rows = connection.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"), {"names": list(GROUPS)})
    found = {row[0] for row in rows}
    return tuple(group for group in GROUPS if group in found)


def _user(connection: Connection) -> str:
    return str(connection.execute(text("SELECT current_user")).scalar())


def _refuse_powerful_groups(connection: Connection) -> None:
    """A group that is a superuser, or may create roles or bypass row security, is no least privilege."""
    rows = connection.execute(
        text(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(:names) AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls)"
        ),
        {"names": list(GROUPS)},
    )
    powerful = [row[0] for row in rows]
    if powerful:
        raise RolesProblem(
            f"the roles {', '.join(powerful)} are superusers or may create roles or databases; "
            f"run ALTER ROLE ... NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS for each"
        )


def _refuse_foreign_owners(connection: Connection) -> None:
    """Every table of the schema must belong to the admin (the role running this), not to a service."""
    rows = connection.execute(
        text(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_get_userbyid(c.relowner) = ANY(:names)"
        ),
        {"schema": SCHEMA, "names": list(GROUPS)},
    )
    owned = [f"{table} (owned by {owner})" for table, owner in rows]
    if owned:
        raise RolesProblem(
            f"service roles own {', '.join(owned)}; run ALTER TABLE ... OWNER TO the admin role for each"
        )


def _check_nobody_else_creates(connection: Connection) -> None:
    """After the revokes, neither PUBLIC nor a service group may create in the schema (a REVOKE
    by a role that does not own the schema only warns, so this checks the outcome)."""
    for role in ("public", *GROUPS):
        if connection.execute(
            text("SELECT has_schema_privilege(:role, :schema, 'CREATE')"), {"role": role, "schema": SCHEMA}
        ).scalar():
            raise RolesProblem(
                f"{'PUBLIC' if role == 'public' else role} may still create objects in schema {SCHEMA}, and "
                f"{_user(connection)} does not own it; run as its owner: REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC"
            )
