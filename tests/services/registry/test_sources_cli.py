"""`ucj sources ...`, run through the whole `ucj` command line (services.cli.main)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from alembic import command

from services.cli import main
from services.registry import Registry
from services.registry.schema import _config, head_revision
from services.registry.sources import key_hash
from streams.domain.regions import RegionTree
from streams.reference import Reference
from streams.sources import SourceActivity
from streams.worker.metrics import SourceCollector
from tests.tools import child_env, free_port

KEY = re.compile(r"ucjk_[A-Za-z0-9_-]{43}")
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.registry")


@pytest.fixture
def ucj(registry: Registry, database_url: str, monkeypatch: pytest.MonkeyPatch):
    """Run `ucj ARGV...` against the test's initialised registry, given by UCJ_DATABASE_URL."""
    monkeypatch.setenv("UCJ_DATABASE_URL", database_url)
    return lambda *argv: main(list(argv))


def test_add_prints_the_key_alone_on_the_last_line(ucj, registry: Registry, capsys, caplog) -> None:
    assert ucj("sources", "add", "--name", "disnaker-bengkayang", "--region", "61.07", "--region", "61.08") == 0
    out = capsys.readouterr().out
    *before, last = out.splitlines()
    assert KEY.fullmatch(last)
    assert before == [
        "The key of source disnaker-bengkayang is on the next line. It is shown only this once (the registry "
        "keeps only its hash): the registration system sends it as `Authorization: Bearer KEY`."
    ]
    source = registry.source_for_key(last)
    assert source is not None and (source.name, source.regions) == ("disnaker-bengkayang", ("61.07", "61.08"))
    assert "added source disnaker-bengkayang, allowed to publish for 61.07, 61.08" in caplog.text
    assert last not in caplog.text


def test_rotate_prints_a_new_key_and_the_old_one_stops(ucj, registry: Registry, capsys, caplog) -> None:
    ucj("sources", "add", "--name", "desa", "--region", "61.07.01.2001")
    old = capsys.readouterr().out.splitlines()[-1]

    assert ucj("sources", "rotate", "desa") == 0
    out = capsys.readouterr().out
    new = out.splitlines()[-1]
    assert KEY.fullmatch(new) and new != old
    assert "shown only this once" in out.splitlines()[-2]
    assert registry.source_for_key(old) is None
    assert registry.source_for_key(new).name == "desa"
    assert "rotated the key of source desa; the previous key no longer works" in caplog.text
    assert old not in caplog.text and new not in caplog.text


def test_revoke_stops_the_key(ucj, registry: Registry, capsys, caplog) -> None:
    ucj("sources", "add", "--name", "desa", "--region", "61.07")
    key = capsys.readouterr().out.splitlines()[-1]

    assert ucj("sources", "revoke", "desa") == 0
    assert capsys.readouterr().out == ""  # nothing to keep; the log says what happened
    assert "revoked source desa; its key no longer works" in caplog.text
    assert registry.source_for_key(key) is None


@pytest.fixture
def nobody() -> str:
    """The URL of a port where no worker listens."""
    return f"http://127.0.0.1:{free_port()}"


def test_list_shows_every_source_and_no_key_material(ucj, capsys, nobody) -> None:
    assert ucj("sources", "list", "--url", nobody) == 0
    assert capsys.readouterr().out == "no sources; add one with `ucj sources add`\n"

    ucj("sources", "add", "--name", "disnaker-bengkayang", "--region", "61.07", "--region", "61.08")
    ucj("sources", "add", "--name", "desa-sungai-raya", "--region", "61.07.01.2001")
    ucj("sources", "rotate", "desa-sungai-raya")
    ucj("sources", "revoke", "disnaker-bengkayang")
    keys = KEY.findall(capsys.readouterr().out)
    assert len(keys) == 3

    assert ucj("sources", "list", "--url", nobody) == 0
    captured = capsys.readouterr()
    out = captured.out
    moment = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"
    lines = out.splitlines()
    assert re.fullmatch(r"name\s+regions\s+created\s+key issued\s+revoked\s+last event", lines[0])
    # no worker answered: the last events are unknown, and stderr says where it asked
    assert re.fullmatch(rf"desa-sungai-raya\s+61\.07\.01\.2001\s+{moment}\s+{moment}\s+-\s+\?", lines[1])
    assert re.fullmatch(rf"disnaker-bengkayang\s+61\.07,61\.08\s+{moment}\s+{moment}\s+{moment}\s+\?", lines[2])
    assert len(lines) == 3
    assert (
        captured.err
        == f"no answer from worker at {nobody} (<urlopen error [Errno 111] Connection refused>); its sources' last events are not shown\n"
    )
    assert "ucjk_" not in out
    assert not any(key_hash(key) in out or key_hash(key)[:12] in out for key in keys)


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["add", "--name", "desa raya", "--region", "61.07"],
            "not added: a source name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a "
            "letter or digit, got 'desa raya'\n",
        ),
        (["add", "--name", "desa", "--region", "61.99"], "not added: unknown region '61.99'\n"),
        (["rotate", "desa"], "no new key: no source named 'desa'\n"),
        (["revoke", "desa"], "not revoked: no source named 'desa'\n"),
    ],
)
def test_errors_are_one_sentence_on_stderr_and_exit_1(ucj, argv, error, capsys) -> None:
    assert ucj("sources", *argv) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", error)


def test_a_name_in_use_and_a_second_revoke_are_refused(ucj, capsys) -> None:
    ucj("sources", "add", "--name", "desa", "--region", "61.07")
    ucj("sources", "revoke", "desa")
    capsys.readouterr()

    assert ucj("sources", "revoke", "desa") == 1
    assert re.fullmatch(
        r"not revoked: source 'desa' is already revoked \(since \d{4}-\d\d-\d\d\)\n", capsys.readouterr().err
    )
    assert ucj("sources", "add", "--name", "desa", "--region", "61.07") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "names are never reused" in captured.err and captured.err.count("\n") == 1
    assert ucj("sources", "rotate", "desa") == 1
    assert "a revoked source gets no new key" in capsys.readouterr().err


def test_a_registry_at_revision_0002_says_to_upgrade_then_upgrades(ucj, registry: Registry, capsys, caplog) -> None:
    with registry.engine.begin() as connection:
        command.downgrade(_config(connection), "0002")
    assert ucj("sources", "list") == 1
    assert (
        f"has schema revision 0002, this version needs {head_revision()}; run `ucj registry upgrade`"
        in capsys.readouterr().err
    )

    assert ucj("registry", "upgrade") == 0
    assert f"from revision 0002 to {head_revision()}" in caplog.text
    assert ucj("sources", "add", "--name", "desa", "--region", "61.07") == 0


def test_an_uninitialised_registry_says_what_to_run(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("UCJ_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    assert main(["sources", "add", "--name", "desa", "--region", "61.07"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "run `ucj registry init` first" in captured.err


def test_help_explains_sources_scope_and_the_key(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sources", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "A source is a registration system" in text
    assert "it may publish only events whose region_code is one of them or lies below one" in text
    assert "`Authorization: Bearer KEY`" in text
    assert "the registry keeps only a hash of it" in text
    assert "environment: UCJ_DATABASE_URL" in text

    with pytest.raises(SystemExit):
        main(["sources", "add", "--help"])
    assert "KEY=$(ucj sources add --name desa-sungai-raya --region 61.07.01.2001 | tail -1)" in " ".join(
        capsys.readouterr().out.split()
    )


def test_registry_show_counts_the_sources(ucj, capsys) -> None:
    ucj("sources", "add", "--name", "desa", "--region", "61.07")
    ucj("sources", "add", "--name", "disnaker", "--region", "61.07")
    ucj("sources", "revoke", "desa")
    capsys.readouterr()
    assert ucj("registry", "show") == 0
    assert "sources: 1 active, 1 revoked (`ucj sources list`)\n" in capsys.readouterr().out


def test_in_a_shell_the_last_line_is_the_key_and_the_log_goes_to_stderr(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    added = subprocess.run(
        [sys.executable, "-m", "services.cli", "sources", "add", "--name", "desa", "--region", "61.07"],
        env=child_env(UCJ_DATABASE_URL=database_url, UCJ_DATA_DIR=str(tmp_path)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = added.stdout.splitlines()
    assert len(lines) == 2 and KEY.fullmatch(lines[-1])
    assert "added source desa" in added.stderr and lines[-1] not in added.stderr
    assert registry.source_for_key(lines[-1]).name == "desa"


class _Worker(ThreadingHTTPServer):
    """Serves what a worker's SourceCollector exports on /metrics, from a given activity."""

    def __init__(self, activity: SourceActivity, registered: frozenset[str]):
        reference = Reference(RegionTree.from_regions([]), lambda year: {}, {}, source_names=registered)
        collector = SourceCollector(activity, lambda: reference)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                from prometheus_client import CollectorRegistry, generate_latest

                registry = CollectorRegistry()
                registry.register(collector)
                body = generate_latest(registry)
                self.send_response(200 if self.path == "/metrics" else 404)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def worker_at():
    started = []

    def start(latest: dict[str, float], registered: frozenset[str]) -> str:
        activity = SourceActivity()
        activity.add(Counter({(source, "applied"): 1 for source in latest}), latest, registered)
        server = _Worker(activity, registered)
        started.append(server)
        return server.url

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_list_shows_each_sources_last_event_the_newest_over_the_workers(ucj, capsys, worker_at, nobody) -> None:
    for name in ("desa-a", "desa-b", "disnaker"):
        ucj("sources", "add", "--name", name, "--region", "61.07")
    capsys.readouterr()
    registered = frozenset({"desa-a", "desa-b", "disnaker"})
    monday = datetime(2026, 3, 2, 2, 15, tzinfo=timezone.utc).timestamp()
    one = worker_at({"desa-a": monday, "desa-b": monday - 86400, "unregistered": monday + 60}, registered)
    two = worker_at({"desa-a": monday - 3600}, registered)

    assert ucj("sources", "list", "--url", one, "--url", two) == 0
    captured = capsys.readouterr()
    rows = {line.split()[0]: re.split(r"\s{2,}", line)[-1] for line in captured.out.splitlines()[1:]}
    assert rows == {"desa-a": "2026-03-02 02:15 UTC", "desa-b": "2026-03-01 02:15 UTC", "disnaker": "-"}
    assert captured.err == ""

    # one worker of two answers: what it knows is shown, and stderr says the rest may be missing
    assert ucj("sources", "list", "--url", two, "--url", nobody) == 0
    captured = capsys.readouterr()
    rows = {line.split()[0]: re.split(r"\s{2,}", line)[-1] for line in captured.out.splitlines()[1:]}
    assert rows == {"desa-a": "2026-03-02 01:15 UTC", "desa-b": "-", "disnaker": "-"}
    assert captured.err.startswith(f"no answer from worker at {nobody} (")
