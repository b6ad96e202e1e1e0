"""`ucj dashboards push` against a real HTTP server that imitates Grafana's dashboard API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboards.build import GENERATED
from services.cli import main
from tests.tools import free_port


class FakeGrafana:
    """POST /api/dashboards/db and GET/POST /api/folders, as Grafana answers them; `status` forces an error."""

    def __init__(self, token: str = "glsa_good"):
        self.token = token
        self.status: int | None = None  # answer every request with this status when set
        self.requests: list[tuple[str, str, dict, dict | None]] = []  # (method, path, headers, body)
        self.folders: list[dict] = [{"id": 1, "uid": "ops", "title": "Operations"}]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.requests.append((method, self.path, dict(self.headers), body))
                if fake.status is not None:
                    self._answer(fake.status, {"message": "Internal error" if fake.status >= 500 else "nope"})
                elif self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._answer(401, {"message": "invalid API key"})
                elif (method, self.path) == ("GET", "/api/folders"):
                    self._answer(200, fake.folders)
                elif (method, self.path) == ("POST", "/api/folders"):
                    folder = {"id": len(fake.folders) + 1, "uid": f"f{len(fake.folders) + 1}", "title": body["title"]}
                    fake.folders.append(folder)
                    self._answer(200, folder)
                elif (method, self.path) == ("POST", "/api/dashboards/db"):
                    uid = body["dashboard"]["uid"]
                    self._answer(200, {"id": 7, "uid": uid, "url": f"/d/{uid}/slug", "status": "success", "version": 1})
                else:
                    self._answer(404, {"message": "Not found"})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posted_dashboards(self) -> list[dict]:
        return [body for method, path, _, body in self.requests if (method, path) == ("POST", "/api/dashboards/db")]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def grafana():
    fake = FakeGrafana()
    yield fake
    fake.stop()


def committed() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in GENERATED.glob("*.json")}


@pytest.fixture
def token(monkeypatch):
    """Sets the Grafana token in the environment (and nothing else), as an operator would."""
    monkeypatch.delenv("UCJ_GRAFANA_TOKEN_FILE", raising=False)

    def set_token(value: str) -> None:
        monkeypatch.setenv("UCJ_GRAFANA_TOKEN", value)

    set_token("glsa_good")
    return set_token


def test_push_uploads_every_generated_dashboard_with_overwrite(grafana, token, capsys):
    assert main(["dashboards", "push", "--url", grafana.url]) == 0
    posted = grafana.posted_dashboards()
    expected = committed()
    assert (
        sorted(body["dashboard"]["uid"] for body in posted)
        == sorted(expected)
        == ["ucj-pipeline", "ucj-province", "ucj-regency"]
    )
    for body in posted:
        uid = body["dashboard"]["uid"]
        assert body["overwrite"] is True and "folderUid" not in body
        assert body["dashboard"] == {**expected[uid], "id": None}  # the committed JSON, as it is
    assert all(headers["Authorization"] == "Bearer glsa_good" for _, _, headers, _ in grafana.requests)
    out = capsys.readouterr().out
    assert f"ucj-regency: {grafana.url}/d/ucj-regency/slug" in out


def test_the_folder_is_created_or_reused(grafana, token):
    assert main(["dashboards", "push", "--url", grafana.url, "--folder", "UCJ"]) == 0
    assert [f["title"] for f in grafana.folders] == ["Operations", "UCJ"]
    assert {body["folderUid"] for body in grafana.posted_dashboards()} == {"f2"}
    assert (
        main(["dashboards", "push", "--url", grafana.url, "--folder", "Operations"]) == 0
    )  # an existing folder is reused
    assert len(grafana.folders) == 2 and {body["folderUid"] for body in grafana.posted_dashboards()[3:]} == {"ops"}


def test_the_token_can_come_from_a_file(grafana, monkeypatch, tmp_path):
    monkeypatch.delenv("UCJ_GRAFANA_TOKEN", raising=False)
    path = tmp_path / "grafana_token"
    path.write_text("glsa_good\n", encoding="utf-8")
    path.chmod(0o600)  # a secret file must be private (services/common/secrets.py)
    monkeypatch.setenv("UCJ_GRAFANA_TOKEN_FILE", str(path))
    assert main(["dashboards", "push", "--url", grafana.url]) == 0
    assert len(grafana.posted_dashboards()) == 3
    assert all(headers["Authorization"] == "Bearer glsa_good" for _, _, headers, _ in grafana.requests)


@pytest.mark.parametrize(
    "argv", [["--token", "glsa_good"], ["--token=glsa_good"], ["--token"]], ids=["value", "equals", "bare"]
)
def test_a_token_flag_is_refused_and_says_where_the_token_goes(grafana, token, capsys, argv):
    with pytest.raises(SystemExit) as exited:
        main(["dashboards", "push", "--url", grafana.url, *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith(
        "--token is no longer accepted (a command line shows in ps and shell history); "
        "set UCJ_GRAFANA_TOKEN, or UCJ_GRAFANA_TOKEN_FILE to a file holding the token"
    )
    assert grafana.requests == []  # nothing was sent, not even with the environment's token


def test_a_rejected_token_is_one_sentence(grafana, token, capsys):
    token("glsa_wrong")
    assert main(["dashboards", "push", "--url", grafana.url]) == 1
    err = capsys.readouterr().err.strip()
    assert (
        err
        == f"ucj dashboards push: Grafana at {grafana.url} rejected the token (401 Unauthorized); check UCJ_GRAFANA_TOKEN or UCJ_GRAFANA_TOKEN_FILE"
    )
    assert grafana.posted_dashboards()[0]["dashboard"]["uid"]  # it did try, and stopped at the first refusal
    assert len(grafana.posted_dashboards()) == 1


def test_forbidden_and_server_errors_are_one_sentence(grafana, token, capsys):
    grafana.status = 403
    assert main(["dashboards", "push", "--url", grafana.url]) == 1
    assert capsys.readouterr().err.strip() == (
        f"ucj dashboards push: Grafana at {grafana.url} refused access (403 Forbidden): the token needs dashboard write rights; check UCJ_GRAFANA_TOKEN or UCJ_GRAFANA_TOKEN_FILE"
    )
    grafana.status = 412
    assert main(["dashboards", "push", "--url", grafana.url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ucj dashboards push: Grafana at {grafana.url} answered HTTP 412") and "\n" not in err
    grafana.status = 500
    assert main(["dashboards", "push", "--url", grafana.url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ucj dashboards push: Grafana at {grafana.url} answered HTTP 500") and "\n" not in err


def test_no_grafana_listening_is_one_sentence(token, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["dashboards", "push", "--url", url, "--timeout", "3"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ucj dashboards push: cannot reach Grafana at {url} (") and "\n" not in err


def test_no_token_says_where_to_put_it(monkeypatch, capsys):
    monkeypatch.delenv("UCJ_GRAFANA_TOKEN", raising=False)
    monkeypatch.delenv("UCJ_GRAFANA_TOKEN_FILE", raising=False)
    assert main(["dashboards", "push", "--url", "http://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ucj dashboards push: no Grafana token; set UCJ_GRAFANA_TOKEN, or UCJ_GRAFANA_TOKEN_FILE to a file holding the token"
    )


def test_an_unreadable_token_file_is_one_sentence(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("UCJ_GRAFANA_TOKEN", raising=False)
    monkeypatch.setenv("UCJ_GRAFANA_TOKEN_FILE", str(tmp_path / "missing"))
    assert main(["dashboards", "push", "--url", "http://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"ucj dashboards push: cannot read UCJ_GRAFANA_TOKEN_FILE {tmp_path / 'missing'}: No such file or directory"
    )


def test_build_writes_the_same_json_as_committed(tmp_path):
    assert main(["dashboards", "build", "--output", str(tmp_path)]) == 0
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json")} == {
        p.name: p.read_text(encoding="utf-8") for p in GENERATED.glob("*.json")
    }
