"""Schema migrations: a new registry, one from before migrations, and models that match them."""

from __future__ import annotations

import datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, text

from services.registry import Registry
from services.registry.models import Base, CoordinatorRow, PlanPointRow, RegionRow, WorkforceRow
from services.registry.schema import SchemaUpgrade, _config, head_revision
from tests.services.registry.conftest import create_tables_from_before_migrations

REVISION_0002_TABLES = {"regions", "workforce", "plan_points", "coordinators", "deliveries", "delivery_attempts"}
REVISION_0004_TABLES = REVISION_0002_TABLES | {"sources", "source_regions"}
ALL_TABLES = REVISION_0004_TABLES | {"region_successors"}


def tables(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def differences(database_url: str) -> list:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()


def test_head_is_revision_0005() -> None:
    assert head_revision() == "0005"


def test_a_new_database_is_migrated_to_head(database_url: str) -> None:
    with Registry(database_url) as registry:
        assert registry.schema_revision() is None
        assert registry.upgrade() == SchemaUpgrade(before=None, after="0005", stamped=False)
        assert registry.schema_revision() == "0005"
        assert registry.upgrade() == SchemaUpgrade(before="0005", after="0005", stamped=False)
    assert tables(database_url) == ALL_TABLES


def test_models_and_migrations_agree(database_url: str) -> None:
    with Registry(database_url) as registry:
        registry.upgrade()
    assert differences(database_url) == []


def test_a_database_from_before_migrations_is_stamped_then_upgraded(database_url: str) -> None:
    create_tables_from_before_migrations(database_url)
    with Registry(database_url) as old:
        with old.engine.begin() as connection:
            connection.execute(
                insert(RegionRow), [dict(code="61", parent_code=None, level="province", name="Kalimantan Barat")]
            )
            connection.execute(insert(WorkforceRow), [dict(region_code="61", year=2025, eligible_workforce=1234)])
            connection.execute(
                insert(PlanPointRow), [dict(region_code="61", date=datetime.date(2025, 1, 1), ratio=0.4)]
            )

    with Registry(database_url) as registry:
        assert registry.schema_revision() is None
        registry.init()  # upgrades, then adds only what is missing
        assert registry.schema_revision() == "0005"
        assert registry.workforce_figures() == {2025: {"61": 1234}}  # the operator's figures survive
        assert registry.plans() == {"61": [(datetime.date(2025, 1, 1), 0.4)]}
        assert len(registry.region_tree()) == 2334
        assert registry.coordinators() == []
    assert tables(database_url) == ALL_TABLES
    assert differences(database_url) == []


def test_every_migration_can_be_undone_and_redone(database_url: str) -> None:
    with Registry(database_url) as registry:
        with registry.engine.begin() as connection:
            config = _config(connection)
            command.upgrade(config, "head")
            command.downgrade(config, "0004")
            assert "retired_at" not in {c["name"] for c in inspect(connection).get_columns("regions")}
            assert set(inspect(connection).get_table_names()) == REVISION_0004_TABLES | {"alembic_version"}
            command.downgrade(config, "0003")
            assert "webhook_secret" not in {c["name"] for c in inspect(connection).get_columns("coordinators")}
            assert set(inspect(connection).get_table_names()) == REVISION_0004_TABLES | {"alembic_version"}
            command.downgrade(config, "0002")
            assert set(inspect(connection).get_table_names()) == REVISION_0002_TABLES | {"alembic_version"}
            command.downgrade(config, "0001")
            assert set(inspect(connection).get_table_names()) == {
                "alembic_version",
                "regions",
                "workforce",
                "plan_points",
            }
            command.downgrade(config, "base")
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
            command.upgrade(config, "head")
            assert MigrationContext.configure(connection).get_current_revision() == "0005"
    assert differences(database_url) == []


def test_a_registry_at_revision_0002_upgrades_to_sources_and_keeps_its_data(database_url: str) -> None:
    # A registry as the previous version left it: schema 0002, with regions, a workforce figure and a coordinator.
    with Registry(database_url) as old:
        with old.engine.begin() as connection:
            command.upgrade(_config(connection), "0002")
    with Registry(database_url) as old, old.engine.begin() as connection:
        connection.execute(
            insert(RegionRow),
            [
                dict(code="61", parent_code=None, level="province", name="Kalimantan Barat"),
                dict(code="61.07", parent_code="61", level="regency", name="Kabupaten Bengkayang"),
            ],
        )
        connection.execute(insert(WorkforceRow), [dict(region_code="61.07", year=2025, eligible_workforce=1234)])
        connection.execute(
            insert(CoordinatorRow),
            [
                dict(
                    name="Rina",
                    region_code="61.07",
                    email="rina@bengkayang.go.id",
                    webhook_url=None,
                    webhook_format="json",
                    language="id",
                    active=True,
                    created_at=datetime.datetime(2025, 1, 2, tzinfo=datetime.timezone.utc),
                )
            ],
        )
    assert tables(database_url) == REVISION_0002_TABLES

    with Registry(database_url) as registry:
        assert registry.schema_revision() == "0002"
        assert registry.upgrade() == SchemaUpgrade(before="0002", after="0005", stamped=False)
        assert [(c.name, c.region_code, c.email) for c in registry.coordinators()] == [
            ("Rina", "61.07", "rina@bengkayang.go.id")
        ]
        assert registry.workforce_figures() == {2025: {"61.07": 1234}}
        assert registry.sources() == []
        source, key = registry.add_source("disnaker-bengkayang", ["61.07"])
        assert registry.source_for_key(key) == source
    assert tables(database_url) == ALL_TABLES
    assert differences(database_url) == []


def test_a_registry_at_revision_0003_upgrades_to_webhook_secrets_left_empty(database_url: str) -> None:
    # Webhook coordinators from before signing: nobody has seen a secret for them, so none is made up.
    with Registry(database_url) as old:
        with old.engine.begin() as connection:
            command.upgrade(_config(connection), "0003")
            connection.execute(
                insert(RegionRow), [dict(code="61", parent_code=None, level="province", name="Kalimantan Barat")]
            )
            connection.execute(
                text(
                    "INSERT INTO coordinators (name, region_code, email, webhook_url, webhook_format, language, active, created_at) "
                    "VALUES ('Ops', '61', NULL, 'https://alerts.kalbar.go.id/hook', 'json', 'en', :yes, :at)"
                ),
                dict(yes=True, at=datetime.datetime(2025, 1, 3, tzinfo=datetime.timezone.utc)),
            )

    with Registry(database_url) as registry:
        assert registry.upgrade() == SchemaUpgrade(before="0003", after="0005", stamped=False)
        [ops] = registry.coordinators()
        assert (ops.name, ops.webhook_url, ops.has_webhook_secret) == ("Ops", "https://alerts.kalbar.go.id/hook", False)
        assert registry.webhook_secret(ops.id) is None
        _, secret = registry.rotate_webhook_secret(ops.id)  # what the operator runs next
        assert registry.webhook_secret(ops.id) == secret
    assert differences(database_url) == []


def test_a_registry_at_revision_0004_upgrades_to_region_editions_with_every_region_current(database_url: str) -> None:
    with Registry(database_url) as old:
        with old.engine.begin() as connection:
            command.upgrade(_config(connection), "0004")
            connection.execute(
                text(
                    "INSERT INTO regions (code, parent_code, level, name) VALUES ('61', NULL, 'province', 'Kalimantan Barat')"
                )
            )

    with Registry(database_url) as registry:
        assert registry.upgrade() == SchemaUpgrade(before="0004", after="0005", stamped=False)
        assert registry.retired_regions() == {}
        assert list(registry.region_tree().regions) == ["61"]
    assert tables(database_url) == ALL_TABLES
    assert differences(database_url) == []
