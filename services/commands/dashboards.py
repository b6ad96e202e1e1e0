"""`ucj dashboards build` and `ucj dashboards push`: the Grafana dashboards as code (dashboards/)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class PushError(Exception):
    """A push that did not go through, said in one sentence."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "dashboards",
        help="build the Grafana dashboards, or push them to a Grafana",
        description="The Grafana dashboards (Province overview, Regency drill-down, Pipeline health) as code.",
    )
    commands = parser.add_subparsers(dest="dashboards_command", metavar="ACTION", required=True)

    build = commands.add_parser("build", help="write the dashboards' JSON (dashboards/generated/ by default)")
    build.add_argument("--output", type=Path, help="directory to write to (default: dashboards/generated)")
    build.set_defaults(run=run_build)

    push = commands.add_parser(
        "push",
        help="upload the generated dashboards to a Grafana (overwriting the ones with the same uid)",
        description="Upload the generated dashboards with the Grafana HTTP API (POST /api/dashboards/db, overwrite).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="environment:\n"
        "  UCJ_GRAFANA_TOKEN       service account token with dashboard write rights\n"
        "  UCJ_GRAFANA_TOKEN_FILE  or a file holding it (never a flag: a command line shows in ps and shell history)",
    )
    push.add_argument("--url", required=True, help="Grafana's base URL, e.g. http://grafana:3000")
    push.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)
    push.add_argument("--folder", help="folder title to put them in (created when missing; default: General)")
    push.add_argument("--source", type=Path, help="directory of dashboard JSON (default: the generated ones)")
    push.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default: %(default)s)")
    push.set_defaults(run=run_push)


class _RefuseToken(argparse.Action):
    """--token was removed: a token on the command line shows in `ps` and in shell history."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(
            f"{option_string} is no longer accepted (a command line shows in ps and shell history); {TOKEN_HINT}"
        )


TOKEN_HINT = "set UCJ_GRAFANA_TOKEN, or UCJ_GRAFANA_TOKEN_FILE to a file holding the token"


def run_build(args) -> int:
    from dashboards.build import GENERATED, write

    for path in write(args.output or GENERATED):
        print(path)
    return 0


def run_push(args) -> int:
    from services.common.secrets import SecretError, read_secret

    try:
        token = read_secret("UCJ_GRAFANA_TOKEN")
    except SecretError as error:
        print(f"ucj dashboards push: {error}", file=sys.stderr)
        return 2
    if not token:
        print(f"ucj dashboards push: no Grafana token; {TOKEN_HINT}", file=sys.stderr)
        return 2
    try:
        pushed = push(args.url, token, load(args.source), folder=args.folder, timeout=args.timeout)
    except PushError as error:
        print(f"ucj dashboards push: {error}", file=sys.stderr)
        return 1
    for uid, url in pushed:
        print(f"{uid}: {url}")
    return 0


def load(source: Path | None = None) -> list[dict]:
    from dashboards.build import GENERATED

    directory = source or GENERATED
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no dashboard JSON in {directory}; run `ucj dashboards build` first")
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def push(
    url: str, token: str, dashboards: list[dict], folder: str | None = None, timeout: float = 10.0
) -> list[tuple[str, str]]:
    """Upload each dashboard (overwrite); returns (uid, url) for each. Raises PushError."""
    from grafana_client import GrafanaApi

    api = GrafanaApi.from_url(url, credential=token, timeout=timeout)
    pushed = []
    with _explained(url):
        folder_uid = _folder_uid(api, folder) if folder else None
        for dashboard in dashboards:
            payload = {"dashboard": {**dashboard, "id": None}, "overwrite": True, "message": "ucj dashboards push"}
            if folder_uid:
                payload["folderUid"] = folder_uid
            answer = api.dashboard.update_dashboard(payload)
            pushed.append((dashboard["uid"], url.rstrip("/") + (answer or {}).get("url", f"/d/{dashboard['uid']}")))
    return pushed


def _folder_uid(api, title: str) -> str:
    for folder in api.folder.get_all_folders():
        if folder.get("title") == title:
            return folder["uid"]
    return api.folder.create_folder(title)["uid"]


class _explained:
    """Turns grafana-client and connection failures into one sentence."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            return False
        from grafana_client.client import GrafanaException, GrafanaTimeoutError
        from niquests.exceptions import RequestException

        if isinstance(error, GrafanaTimeoutError):
            raise PushError(f"Grafana at {self.url} did not answer in time ({error.message})") from error
        if isinstance(error, GrafanaException):
            status = error.status_code
            if status in (401, 403):
                what = (
                    "rejected the token (401 Unauthorized)"
                    if status == 401
                    else "refused access (403 Forbidden): the token needs dashboard write rights"
                )
                raise PushError(
                    f"Grafana at {self.url} {what}; check UCJ_GRAFANA_TOKEN or UCJ_GRAFANA_TOKEN_FILE"
                ) from error
            if status:
                raise PushError(f"Grafana at {self.url} answered HTTP {status}: {_detail(error)}") from error
            raise PushError(f"cannot reach Grafana at {self.url} ({_reason(error.message)})") from error
        if isinstance(error, (RequestException, OSError)):
            raise PushError(f"cannot reach Grafana at {self.url} ({_reason(str(error))})") from error
        return False


def _reason(text: str) -> str:
    """The operating system's reason inside a connection error's nested message, e.g. "Connection refused"."""
    import re

    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text) or re.search(
        r"(Name or service not known|timed out|Connection refused)", text
    )
    return found.group(1).strip() if found else text[:200]


def _detail(error) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and response.get("message"):
        return str(response["message"])
    return str(error.message)
