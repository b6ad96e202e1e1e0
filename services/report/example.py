"""docs/report-example.png: page 1 of a real report, from the demo's data.

    .venv/bin/python -m services.report.example [--participants 5000] [--regency 61.01]

Runs `ucj demo --for ... --participants N --kafka-port P --gateway-port G` with a temporary
UCJ_DATA_DIR and UCJ_WEB_PORT on free ports, waits until the worker has caught up and the
region stage has judged every region (and the demo's cohort has lapsed), then runs
`ucj report --region REGENCY --month <the workers' current month>` against it and turns page 1
into a PNG with `pdftoppm -png -r 80 -f 1 -l 1` (poppler-utils).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PICTURE = ROOT / "docs" / "report-example.png"


def _free_port(pair: bool = False) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


def _status(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url + "/status", timeout=10) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def _ready(status: dict | None, regency: str) -> bool:
    """Every region judged by the stage, and the demo's regency behind (its cohort has lapsed)."""
    if not status or not status["stage"]["complete"]:
        return False
    rows = {row["region"]: row for row in status["regions"]}
    outlook = (rows.get(regency) or {}).get("outlook") or {}
    return outlook.get("status") in ("behind", "critical")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--regency", default="61.01")
    parser.add_argument("--timeout", type=float, default=1500, help="seconds to wait for the demo's story")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ucj-report-example-") as temp:
        data_dir, web_port = Path(temp), _free_port()
        kafka_port, gateway_port = _free_port(pair=True), _free_port()
        env = {**os.environ, "UCJ_DATA_DIR": str(data_dir), "UCJ_WEB_PORT": str(web_port)}
        command = [
            sys.executable,
            "-m",
            "services.cli",
            "demo",
            "--for",
            str(int(args.timeout) + 300),
            "--participants",
            str(args.participants),
            "--regency",
            args.regency,
            "--kafka-port",
            str(kafka_port),
            "--gateway-port",
            str(gateway_port),
        ]
        print("running:", " ".join(command[2:]), file=sys.stderr)
        with open(data_dir / "demo-screen.log", "wb") as screen:
            demo = subprocess.Popen(command, env=env, cwd=ROOT, stdout=screen, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{web_port}"
            deadline = time.monotonic() + args.timeout
            while not _ready(_status(url), args.regency):
                if demo.poll() is not None or time.monotonic() > deadline:
                    print(f"the demo's story did not happen in time; see {data_dir}", file=sys.stderr)
                    return 1
                time.sleep(5)
            month = (_status(url) or {"day": ""})["day"][:7]
            if not month:
                print(f"the worker stopped answering; see {data_dir}", file=sys.stderr)
                return 1
            pdf = data_dir / "report.pdf"
            report_env = {**env, "UCJ_DATABASE_URL": f"sqlite:///{data_dir / 'demo' / 'registry.db'}"}
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "services.cli",
                    "report",
                    "--region",
                    args.regency,
                    "--month",
                    month,
                    "--output",
                    str(pdf),
                    "--url",
                    url,
                ],
                env=report_env,
                cwd=ROOT,
                check=True,
            )
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(pdf),
                    str(PICTURE.with_suffix("")),
                ],
                check=True,
            )
        finally:
            demo.terminate()
            demo.wait(timeout=120)
    print(PICTURE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
