"""Coordinators: who receives a region's alerts, checked on the way in, removed but never forgotten."""

from __future__ import annotations

import dataclasses

import pytest

from services.registry import Coordinator, CsvRejected, LoadReport, Registry, RegistryNotInitialized
from services.registry.coordinators import COORDINATOR_FIELDS, CoordinatorEntry
from services.registry.csv_files import COORDINATOR_COLUMNS, COORDINATOR_DEFAULTS, COORDINATOR_OPTIONAL_COLUMNS
from services.registry.models import CoordinatorRow

HEADER = "name,region_code,email,webhook_url,webhook_format,language,active\n"


def test_the_field_list_is_what_the_records_the_table_and_the_csv_header_hold() -> None:
    names = [field.name for field in COORDINATOR_FIELDS]
    assert [field.name for field in dataclasses.fields(CoordinatorEntry)] == names
    assert [field.name for field in dataclasses.fields(Coordinator)] == ["id", *names, "has_webhook_secret"]
    assert set(names) <= set(CoordinatorRow.__table__.columns.keys())
    assert COORDINATOR_COLUMNS == ("name", "region_code", "email", "webhook_url")
    assert COORDINATOR_OPTIONAL_COLUMNS == ("webhook_format", "language", "active")
    assert COORDINATOR_DEFAULTS == {"webhook_format": "json", "language": "id", "active": "true"}


def test_add_and_list(registry: Registry) -> None:
    added = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    ops = registry.add_coordinator(
        "Ops", "61", webhook_url="https://alerts.kalbar.go.id/hook", webhook_format="alertmanager", language="en"
    )

    assert added == Coordinator(
        id=added.id,
        name="Rina",
        region_code="61.07",
        email="rina@bengkayang.go.id",
        webhook_url=None,
        webhook_format="json",
        language="id",
        active=True,
    )
    assert registry.coordinators() == [ops, added]  # by region: the province first
    assert registry.active_coordinators("61") == [ops]
    assert registry.active_coordinators("61.07") == [added]
    assert registry.active_coordinators("61.07.01") == []  # exact region only


def test_input_is_trimmed(registry: Registry) -> None:
    added = registry.add_coordinator("  Rina ", " 61.07", email=" rina@bengkayang.go.id ", webhook_url="")
    assert (added.name, added.region_code, added.email, added.webhook_url) == (
        "Rina",
        "61.07",
        "rina@bengkayang.go.id",
        None,
    )


@pytest.mark.parametrize(
    ("name", "region", "options", "message"),
    [
        ("Rina", "61.07", {}, "give an email address, a webhook URL or both"),
        ("", "61.07", {"email": "a@b.id"}, "name is empty"),
        ("Rina", "61.99", {"email": "a@b.id"}, "unknown region '61.99'"),
        (
            "Rina",
            "61.07.01",
            {"email": "a@b.id"},
            "region 61.07.01 is a district; a coordinator belongs to a regency (here 61.07) or to the province 61",
        ),
        ("Rina", "61.07.01.2001", {"email": "a@b.id"}, "region 61.07.01.2001 is a village"),
        ("Rina", "61.07", {"email": "rina"}, "email must look like name@example.go.id, got 'rina'"),
        ("Rina", "61.07", {"email": "rina@localhost"}, "email must look like name@example.go.id"),
        ("Rina", "61.07", {"email": "a b@c.id"}, "email must look like name@example.go.id"),
        ("Rina", "61.07", {"webhook_url": "ftp://x.id/hook"}, "webhook URL must start with http:// or https://"),
        ("Rina", "61.07", {"webhook_url": "https://"}, "and name a host, got 'https://'"),
        ("Rina", "61.07", {"webhook_url": "http://x.id:99999/"}, "webhook URL must start with http:// or https://"),
        (
            "Rina",
            "61.07",
            {"email": "a@b.id", "webhook_format": "xml"},
            "webhook format must be json or alertmanager, got 'xml'",
        ),
        ("Rina", "61.07", {"email": "a@b.id", "language": "fr"}, "language must be id or en, got 'fr'"),
    ],
)
def test_bad_input_is_refused_in_plain_words(registry: Registry, name, region, options, message) -> None:
    with pytest.raises(ValueError) as refused:
        registry.add_coordinator(name, region, **options)
    assert message in str(refused.value)
    assert registry.coordinators(include_inactive=True) == []


def test_every_problem_is_named_at_once(registry: Registry) -> None:
    with pytest.raises(ValueError, match="unknown region '61.99'; email must look like"):
        registry.add_coordinator("Rina", "61.99", email="nope")


def test_same_name_twice_in_a_region_is_refused_while_active(registry: Registry) -> None:
    first = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    with pytest.raises(ValueError, match=f"Rina is already a coordinator of 61.07 \\(id {first.id}\\)"):
        registry.add_coordinator("Rina", "61.07", email="other@bengkayang.go.id")
    registry.add_coordinator("Rina", "61.08", email="rina@landak.go.id")  # another region is fine

    registry.remove_coordinator(first.id)
    again = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    assert again.id != first.id


def test_remove_keeps_the_row_inactive(registry: Registry) -> None:
    rina = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    budi = registry.add_coordinator("Budi", "61.07", email="budi@bengkayang.go.id")

    removed = registry.remove_coordinator(rina.id)

    assert removed.active is False and removed.id == rina.id
    assert registry.active_coordinators("61.07") == [budi]
    assert registry.coordinators() == [budi]
    assert registry.coordinators(include_inactive=True) == [budi, removed]
    assert registry.remove_coordinator(rina.id) == removed  # removing twice changes nothing


def test_remove_of_an_unknown_id(registry: Registry) -> None:
    with pytest.raises(LookupError, match="no coordinator with id 42"):
        registry.remove_coordinator(42)


def test_before_init_says_to_run_init(database_url: str) -> None:
    with Registry(database_url) as registry:
        with pytest.raises(RegistryNotInitialized, match="run `ucj registry init` first"):
            registry.coordinators()


def test_a_registry_at_an_old_revision_says_to_upgrade(database_url: str) -> None:
    from alembic import command

    from services.registry.schema import _config

    with Registry(database_url) as registry:
        registry.init()
        with registry.engine.begin() as connection:
            command.downgrade(_config(connection), "0001")
    with Registry(database_url) as registry:
        with pytest.raises(
            RegistryNotInitialized,
            match="has schema revision 0001, this version needs 0005; run `ucj registry upgrade`",
        ):
            registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")


def test_import_adds_and_updates_and_never_deletes(registry: Registry, write_csv) -> None:
    kept = registry.add_coordinator("Budi", "61.08", email="budi@landak.go.id")
    first = registry.load_coordinators_csv(
        write_csv(
            HEADER
            + "Rina,61.07,rina@bengkayang.go.id,,,,\n"
            + "Ops,61,,https://alerts.kalbar.go.id/hook,alertmanager,en,true\n"
        )
    )
    assert first == LoadReport(loaded=2, replaced=0, scope=("61", "61.07"))

    second = registry.load_coordinators_csv(
        write_csv(
            HEADER
            + "Rina,61.07,rina@kalbar.go.id,https://b.id/h,JSON,EN,yes\nOps,61,,https://alerts.kalbar.go.id/hook,,,false\n"
        )
    )
    assert second == LoadReport(loaded=2, replaced=2, scope=("61", "61.07"))

    everyone = {c.name: c for c in registry.coordinators(include_inactive=True)}
    assert everyone["Budi"] == kept  # not in the file: untouched
    rina = everyone["Rina"]
    assert (rina.email, rina.webhook_url, rina.webhook_format, rina.language, rina.active) == (
        "rina@kalbar.go.id",
        "https://b.id/h",
        "json",
        "en",
        True,
    )
    assert everyone["Ops"].active is False  # active=false in a row removes
    assert len(everyone) == 3


def test_import_without_the_optional_columns(registry: Registry, write_csv) -> None:
    report = registry.load_coordinators_csv(
        write_csv("name,region_code,email,webhook_url\nRina,61.07,rina@bengkayang.go.id,\n")
    )
    assert report.loaded == 1
    [rina] = registry.coordinators()
    assert (rina.webhook_format, rina.language, rina.active) == ("json", "id", True)


def test_import_reports_every_bad_row_and_loads_nothing(registry: Registry, write_csv) -> None:
    path = write_csv(
        HEADER
        + "Rina,61.07,rina@bengkayang.go.id,,,,\n"  # 2: good
        + "Budi,61.07.01,budi@x.id,,,,\n"  # 3: a district
        + "Sari,61.08,,,,,\n"  # 4: no channel
        + "Rina,61.07,rina2@bengkayang.go.id,,,,\n"  # 5: duplicate of 2
        + "Tono,61.09,tono@x.id,,,,maybe\n"  # 6
        + "Ani,61.10,ani@x.id,http://ok.id,slack,jv,\n"  # 7
        + "Eko,61.11,eko,,,,Nope\n"  # 8: an unreadable cell after the coordinator's problems
    )
    with pytest.raises(CsvRejected) as rejected:
        registry.load_coordinators_csv(path)

    assert rejected.value.problems == [
        (
            3,
            "region 61.07.01 is a district; a coordinator belongs to a regency (here 61.07) "
            "or to the province 61 (the operations list)",
        ),
        (4, "give an email address, a webhook URL or both"),
        (5, "duplicate of line 2 (Rina, 61.07)"),
        (6, "active must be true or false, got 'maybe'"),
        (7, "webhook format must be json or alertmanager, got 'slack'; language must be id or en, got 'jv'"),
        (8, "email must look like name@example.go.id, got 'eko'; active must be true or false, got 'Nope'"),
    ]
    assert registry.coordinators(include_inactive=True) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "",
            (1, "empty file; expected header name,region_code,email,webhook_url[,webhook_format][,language][,active]"),
        ),
        (
            "name,region_code,email\nRina,61.07,a@b.id\n",
            (
                1,
                "missing column(s) webhook_url; expected header "
                "name,region_code,email,webhook_url[,webhook_format][,language][,active]",
            ),
        ),
        (HEADER, (1, "no data rows after the header")),
        (
            "name,region_code,email,webhook_url,language,language\n",
            (
                1,
                "repeated column(s) language; expected header "
                "name,region_code,email,webhook_url[,webhook_format][,language][,active]",
            ),
        ),
    ],
)
def test_import_file_rule(registry: Registry, write_csv, text: str, problem: tuple[int, str]) -> None:
    with pytest.raises(CsvRejected) as rejected:
        registry.load_coordinators_csv(write_csv(text))
    assert rejected.value.problems == [problem]


def test_a_webhook_coordinator_gets_a_secret_and_an_email_one_none(registry: Registry) -> None:
    hook = registry.add_coordinator("Ops", "61", webhook_url="https://alerts.kalbar.go.id/hook")
    mail = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    other = registry.add_coordinator("Budi", "61.08", webhook_url="https://alerts.kalbar.go.id/hook")

    secret = registry.webhook_secret(hook.id)
    assert secret is not None and secret.startswith("ucjw_") and len(secret) == 48
    assert registry.webhook_secret(other.id) != secret  # each coordinator its own
    assert registry.webhook_secret(mail.id) is None
    assert (hook.has_webhook_secret, mail.has_webhook_secret) == (True, False)
    assert secret not in repr(registry.coordinators(include_inactive=True))  # the secret stays in the registry
    with pytest.raises(LookupError, match="no coordinator with id 42"):
        registry.webhook_secret(42)


def test_rotating_replaces_the_secret(registry: Registry) -> None:
    hook = registry.add_coordinator("Ops", "61", webhook_url="https://alerts.kalbar.go.id/hook")
    before = registry.webhook_secret(hook.id)

    rotated, secret = registry.rotate_webhook_secret(hook.id)

    assert rotated == hook and secret != before
    assert registry.webhook_secret(hook.id) == secret


@pytest.mark.parametrize(
    ("setup", "error", "message"),
    [
        (
            lambda r: r.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id").id,
            ValueError,
            "has no webhook, so there is nothing to sign",
        ),
        (
            lambda r: r.remove_coordinator(r.add_coordinator("Ops", "61", webhook_url="https://a.id/h").id).id,
            ValueError,
            "is removed; a removed coordinator receives nothing",
        ),
        (lambda r: 42, LookupError, "no coordinator with id 42"),
    ],
)
def test_rotating_is_refused_in_plain_words(registry: Registry, setup, error, message) -> None:
    coordinator_id = setup(registry)
    with pytest.raises(error, match=message):
        registry.rotate_webhook_secret(coordinator_id)


def test_import_makes_no_secret_and_keeps_an_existing_one(registry: Registry, write_csv) -> None:
    added = registry.add_coordinator("Ops", "61", webhook_url="https://alerts.kalbar.go.id/hook")
    secret = registry.webhook_secret(added.id)
    registry.load_coordinators_csv(
        write_csv(HEADER + "Ops,61,,https://alerts.kalbar.go.id/new,,en,\nRina,61.07,,https://b.id/h,,,\n")
    )
    everyone = {c.name: c for c in registry.coordinators()}
    assert registry.webhook_secret(added.id) == secret  # a changed URL keeps its receiver's secret
    assert everyone["Rina"].has_webhook_secret is False
    assert registry.webhook_secret(everyone["Rina"].id) is None
