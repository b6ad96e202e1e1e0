"""`ucj coordinators ...`, driven through the subcommand's own parser."""

from __future__ import annotations

import argparse
import logging

import pytest

from services.registry import Registry
from services.registry.coordinators_cli import EXIT_BAD_INPUT, add_parser


def ucj(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ucj")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.registry")


@pytest.fixture
def db(registry: Registry, database_url: str) -> list[str]:
    """The --database-url option of an initialised registry."""
    return ["--database-url", database_url]


def test_a_plain_http_webhook_is_refused_unless_allowed(registry: Registry, db: list[str], capsys) -> None:
    assert (
        ucj("coordinators", "add", "--name", "Ops", "--region", "61", "--webhook", "http://hooks.example/ucj", *db)
        == EXIT_BAD_INPUT
    )
    assert "is not https://" in capsys.readouterr().err
    assert registry.coordinators() == []


def test_add_list_remove(registry: Registry, db: list[str], caplog, capsys) -> None:
    assert (
        ucj(
            "coordinators",
            "add",
            "--name",
            "Disnaker Bengkayang",
            "--region",
            "61.07",
            "--email",
            "ops@bengkayang.go.id",
            *db,
        )
        == 0
    )
    assert (
        ucj(
            "coordinators",
            "add",
            "--name",
            "Ops",
            "--region",
            "61",
            "--webhook",
            "http://am.local:9093/api/v2/alerts",
            "--webhook-format",
            "alertmanager",
            "--language",
            "en",
            "--allow-http-webhook",
            *db,
        )
        == 0
    )
    assert "added coordinator 1: Disnaker Bengkayang of 61.07, email ops@bengkayang.go.id, language id" in caplog.text
    assert (
        "of the operations list, webhook http://am.local:9093/api/v2/alerts (alertmanager), language en" in caplog.text
    )
    capsys.readouterr()

    assert ucj("coordinators", "list", *db) == 0
    assert capsys.readouterr().out.splitlines() == [
        "id  region                      name                 email                 webhook                             format        secret  lang",
        "2   61 operations list          Ops                  -                     http://am.local:9093/api/v2/alerts  alertmanager  set     en",
        "1   61.07 Kabupaten Bengkayang  Disnaker Bengkayang  ops@bengkayang.go.id  -                                   -             -       id",
    ]

    assert ucj("coordinators", "remove", "1", *db) == 0
    assert "removed coordinator 1: Disnaker Bengkayang" in caplog.text
    assert [c.id for c in registry.coordinators()] == [2]
    assert ucj("coordinators", "list", "--all", *db) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("lang  active")
    assert out.splitlines()[2].endswith("id    removed")


def test_bad_add_says_why_and_adds_nothing(registry: Registry, db: list[str], capsys) -> None:
    assert ucj("coordinators", "add", "--name", "X", "--region", "61.07.01", *db) == 2
    assert capsys.readouterr().err == (
        "not added: region 61.07.01 is a district; a coordinator belongs to a regency (here 61.07) or to the "
        "province 61 (the operations list); give an email address, a webhook URL or both\n"
    )
    assert registry.coordinators(include_inactive=True) == []


def test_remove_of_an_unknown_id(db: list[str], capsys) -> None:
    assert ucj("coordinators", "remove", "7", *db) == 2
    assert "no coordinator with id 7; `ucj coordinators list --all` shows the ids" in capsys.readouterr().err


def test_list_when_there_are_none(db: list[str], capsys) -> None:
    assert ucj("coordinators", "list", *db) == 0
    assert capsys.readouterr().out == "no coordinators (active); add one with `ucj coordinators add`\n"


def test_import(registry: Registry, db: list[str], write_csv, caplog, capsys) -> None:
    good = write_csv(
        "name,region_code,email,webhook_url\nRina,61.07,rina@bengkayang.go.id,\nOps,61,ops@kalbar.go.id,\n"
    )
    assert ucj("coordinators", "import", str(good), *db) == 0
    assert (
        f"loaded 2 coordinators for regions 61, 61.07 (updating 0 stored rows), from {good} (comma-delimited) into "
        in caplog.text
    )

    bad = write_csv("name,region_code,email,webhook_url\nRina,61.07,rina@x.id,\nBudi,61.99,budi@x.id,\n")
    assert ucj("coordinators", "import", str(bad), *db) == 2
    assert capsys.readouterr().err.splitlines() == [f"{bad}:3: unknown region '61.99'", "nothing loaded: 1 bad rows"]
    assert [c.email for c in registry.active_coordinators("61.07")] == ["rina@bengkayang.go.id"]


def test_before_init(database_url: str, capsys) -> None:
    assert ucj("coordinators", "list", "--database-url", database_url) == 1
    assert "run `ucj registry init` first" in capsys.readouterr().err


def test_registry_show_counts_them(registry: Registry, database_url: str, capsys) -> None:
    from services.registry.cli import add_parser as add_registry_parser

    registry.add_coordinator("Ops", "61", email="ops@kalbar.go.id")
    registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    registry.add_coordinator("Budi", "61.07", email="budi@bengkayang.go.id")
    parser = argparse.ArgumentParser(prog="ucj")
    add_registry_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["registry", "show", "--database-url", database_url])
    assert args.run(args) == 0
    assert "active coordinators: 1 on the operations list (61), 2 for 1 regencies" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "description"),
    [
        (["coordinators"], "the coordinators of the province are the operations list"),
        (["coordinators", "add"], "Add a coordinator of a regency, or of the province"),
        (["coordinators", "list"], "Print the active coordinators by region"),
        (["coordinators", "remove"], "the delivery log keeps its name"),
        (["coordinators", "rotate-secret"], "print it alone on the last line of standard output, only this once"),
        (["coordinators", "import"], "name,region_code,email,webhook_url[,webhook_format][,language][,active]"),
    ],
)
def test_help(argv: list[str], description: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        ucj(*argv, "--help")
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert description in " ".join(out.split())
    assert "environment:\n  UCJ_DATABASE_URL" in out


def test_add_prints_a_webhook_secret_once_and_nothing_else_shows_it(
    registry: Registry, db: list[str], caplog, capsys
) -> None:
    assert (
        ucj("coordinators", "add", "--name", "Rina", "--region", "61.07", "--email", "rina@bengkayang.go.id", *db) == 0
    )
    assert capsys.readouterr().out == ""  # no webhook, no secret
    assert (
        ucj(
            "coordinators",
            "add",
            "--name",
            "Ops",
            "--region",
            "61",
            "--webhook",
            "https://alerts.kalbar.go.id/hook",
            *db,
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    secret = registry.webhook_secret(2)
    assert out == [
        "The webhook secret of coordinator 2 (Ops) is on the next line. It is shown only this once: give it to the "
        "receiver, which checks the X-UCJ-Signature header of every POST with it.",
        secret,
    ]

    assert ucj("coordinators", "list", "--all", *db) == 0
    assert ucj("coordinators", "remove", "2", *db) == 0
    assert ucj("coordinators", "rotate-secret", "2", *db) == 2  # removed: refused
    captured = capsys.readouterr()
    assert "no new secret: coordinator 2 is removed; a removed coordinator receives nothing\n" == captured.err
    assert secret not in captured.out + captured.err + caplog.text


def test_rotate_secret_prints_the_new_one_once(registry: Registry, db: list[str], caplog, capsys) -> None:
    hook = registry.add_coordinator("Ops", "61", webhook_url="https://alerts.kalbar.go.id/hook")
    old = registry.webhook_secret(hook.id)
    assert ucj("coordinators", "rotate-secret", str(hook.id), *db) == 0
    notice, new = capsys.readouterr().out.splitlines()
    assert notice.startswith(f"The webhook secret of coordinator {hook.id} (Ops) is on the next line.")
    assert new == registry.webhook_secret(hook.id) != old
    assert (
        f"new webhook secret for coordinator {hook.id} (Ops); the previous one signs nothing from now on" in caplog.text
    )
    assert new not in caplog.text and old not in caplog.text


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("7", "no new secret: no coordinator with id 7; `ucj coordinators list --all` shows the ids"),
        ("email", "no new secret: coordinator 1 has no webhook, so there is nothing to sign"),
    ],
)
def test_rotate_secret_refusals(registry: Registry, db: list[str], capsys, target: str, message: str) -> None:
    registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    assert ucj("coordinators", "rotate-secret", "1" if target == "email" else target, *db) == 2
    assert capsys.readouterr().err == message + "\n"


def test_import_names_the_webhooks_left_without_a_secret(registry: Registry, db: list[str], write_csv, capsys) -> None:
    registry.add_coordinator("Ops", "61", webhook_url="https://alerts.kalbar.go.id/hook")
    path = write_csv("name,region_code,email,webhook_url\nRina,61.07,,https://b.id/h\nBudi,61.08,budi@landak.go.id,\n")
    assert ucj("coordinators", "import", str(path), *db) == 0
    assert capsys.readouterr().err == (
        "coordinator 2 has a webhook without a signing secret, so the notifier sends it nothing: "
        "run `ucj coordinators rotate-secret ID` for each and give the receiver the secret\n"
    )
    assert ucj("coordinators", "list", *db) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines if "MISSING" in line] == ["2"]


def test_import_refuses_a_plain_http_webhook_unless_allowed(
    registry: Registry, db: list[str], write_csv, capsys
) -> None:
    path = write_csv("name,region_code,email,webhook_url\nRina,61.07,,http://hooks.bengkayang.go.id/h\n")
    assert ucj("coordinators", "import", str(path), *db) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:2: webhook URL 'http://hooks.bengkayang.go.id/h' is not https://; give an https:// URL, "
        "or --allow-http-webhook for a receiver on the same host",
        "nothing loaded: 1 bad rows",
    ]
    assert registry.coordinators() == []
    assert ucj("coordinators", "import", str(path), "--allow-http-webhook", *db) == 0
    assert [c.webhook_url for c in registry.coordinators()] == ["http://hooks.bengkayang.go.id/h"]
