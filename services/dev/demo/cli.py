"""`ucj demo`: the whole product on one machine, on embedded defaults."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from services.common.config import Settings, environment_help

log = logging.getLogger(__name__)

DEMO_REGENCY = "61.01"  # Kabupaten Sambas falls behind


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole stack locally: Kafka, registry, worker, notifier, simulator, a live status view and alerts",
        description=(
            "Start its own local Kafka, a demo registry (UCJ_DATA_DIR/demo/registry.db) with a\n"
            "coordinator per regency, publish the simulator's Kalbar history (ucj simulate), start a\n"
            "worker, the notifier with a local mail sink and the ingest gateway (on --gateway-port, with\n"
            "a pseudonym key made for the demo in UCJ_DATA_DIR/demo/pseudonym.key and one source whose\n"
            "key is in UCJ_DATA_DIR/demo/source.key), and show the coverage table per regency,\n"
            "refreshed every few seconds.\n\n"
            "The story: the simulated participants are far fewer than the province's workforce, so the\n"
            "demo scales the workforce until every regency ends just above its plan.\n"
            "Then a cohort of village apparatus in one regency (--regency) lapses for non-payment (their\n"
            "village administration uploads a CSV naming them by NIK through the gateway): the\n"
            "regency falls behind, the worker raises an alert on ucj.coverage-alerts, and the notifier\n"
            "mails the regency's coordinator. The mails appear under the table and are saved as .eml\n"
            "files (with the chart) in UCJ_DATA_DIR/demo/mail/. The demo runs its own Kafka (on\n"
            "--kafka-port, data in UCJ_DATA_DIR/demo/) and starts from nothing each time; Ctrl-C stops\n"
            "it all. Logs go to UCJ_DATA_DIR/demo/."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help("UCJ_DATA_DIR", "UCJ_WEB_PORT"),
    )
    parser.add_argument(
        "--participants", type=int, default=40_000, help="simulated participants (default: %(default)s)"
    )
    parser.add_argument(
        "--regency", default=DEMO_REGENCY, help="regency that falls behind (default: %(default)s, Kabupaten Sambas)"
    )
    parser.add_argument("--alert-hold", default="20s", help="worker's --alert-hold in the demo (default: %(default)s)")
    parser.add_argument(
        "--kafka-port",
        type=int,
        default=9092,
        help="port of the demo's Kafka; it needs this port and the next (default: %(default)s)",
    )
    parser.add_argument(
        "--gateway-port", type=int, default=8080, help="port of the demo's ingest gateway (default: %(default)s)"
    )
    parser.add_argument(
        "--refresh", type=float, default=3.0, help="seconds between status refreshes (default: %(default)s)"
    )
    parser.add_argument("--for", dest="run_for", type=float, help="stop by itself after this many seconds")
    parser.set_defaults(run=run)


def run(args) -> int:
    from services.commands.status import render
    from services.common.secrets import pseudonym_key
    from services.dev.demo.mail_sink import MailSink
    from services.dev.demo.story import Story
    from services.dev.kafka_local import broker_status, ensure_broker, stop_broker
    from services.dev.kafka_local import secure as security
    from services.worker_client import WorkerUnavailable, collect_status
    from streams.broker.topics import ensure_topics
    from streams.domain.pseudonym import Pseudonymizer

    settings = Settings.from_env()
    demo_dir = settings.data_dir / "demo"
    kafka_dir = demo_dir / "kafka"
    # every run starts from nothing: its own broker, registry, worker state and mail
    stop_broker(port=args.kafka_port, data_dir=kafka_dir)
    shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir(parents=True)
    database_url = f"sqlite:///{demo_dir / 'registry.db'}"
    log.info(
        "starting the demo's Kafka on port %d, with logins and ACLs (the first run downloads its jars with Maven)",
        args.kafka_port,
    )
    bootstrap = ensure_broker(port=args.kafka_port, data_dir=kafka_dir, secure=True)
    broker = broker_status(port=args.kafka_port, data_dir=kafka_dir)
    ensure_topics(broker.access())  # as ucj-admin: no service may create the shared topics
    children = []
    sink = None
    try:
        key_file = _demo_secret(demo_dir / "pseudonym.key", secrets.token_urlsafe(48))
        gateway_url = f"http://127.0.0.1:{args.gateway_port}"
        pseudonymizer = Pseudonymizer(
            pseudonym_key({"UCJ_PSEUDONYM_KEY_FILE": str(key_file)})
        )  # read as the gateway reads it
        story = Story(broker.access("ucj-producer"), database_url, args.regency, pseudonymizer, gateway_url)
        story.prepare(args.participants)
        _demo_secret(demo_dir / "source.key", story.source_key)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
        sink = MailSink(demo_dir / "mail").start()
        env = {name: value for name, value in os.environ.items() if not name.startswith("UCJ_KAFKA_")}
        env.update(UCJ_DATABASE_URL=database_url)

        def as_principal(principal: str) -> dict:  # each service logs in as itself
            return dict(env, **security.environment(bootstrap, kafka_dir, principal))

        children = [
            _start(
                "worker",
                [
                    "worker",
                    "--alert-hold",
                    args.alert_hold,
                    "--web-port",
                    str(settings.web_port),
                    "--state-dir",
                    str(demo_dir / "worker"),
                ],
                as_principal("ucj-worker"),
                demo_dir,
            ),
            # the local mail sink: no TLS and no login, whatever UCJ_SMTP_* the shell holds
            _start(
                "notifier",
                [
                    "notifier",
                    "--metrics-port",
                    str(_free_port()),
                    "--smtp-host",
                    "127.0.0.1",
                    "--smtp-port",
                    str(sink.port),
                    "--smtp-user",
                    "",
                    "--smtp-starttls",
                    "false",
                    "--smtp-implicit-tls",
                    "false",
                    "--retry-initial",
                    "2s",
                ],
                as_principal("ucj-notifier"),
                demo_dir,
            ),
            _start(
                "gateway",
                ["gateway", "--port", str(args.gateway_port)],
                dict(as_principal("ucj-gateway"), UCJ_PSEUDONYM_KEY_FILE=str(key_file)),
                demo_dir,
            ),
        ]
        _show(
            args,
            story,
            sink,
            children,
            f"http://127.0.0.1:{settings.web_port}",
            demo_dir,
            collect_status,
            render,
            WorkerUnavailable,
        )
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
        if sink is not None:
            sink.stop()
        stop_broker(port=args.kafka_port, data_dir=kafka_dir)
        print(
            f"stopped the worker, the notifier, the gateway and the demo's Kafka; its data stays in {demo_dir} until the next demo"
        )
    return 0


def _show(args, story, sink, children, url, demo_dir, collect_status, render, WorkerUnavailable) -> None:
    started = time.monotonic()
    while args.run_for is None or time.monotonic() - started < args.run_for:
        for name, child, log_path in children:
            if child.poll() is not None:
                raise SystemExit(f"the {name} stopped (exit {child.returncode}); see {log_path}")
        try:
            rows, day = collect_status([url])
            story.advance(url)
            screen = render(rows, day, [url])
        except WorkerUnavailable:
            screen = f"waiting for the worker at {url} to start (log: {demo_dir / 'worker.log'}) ..."
        mails = [f"  {m.at:%H:%M:%S}  to {', '.join(m.recipients)}: {m.subject}" for m in sink.received[-8:]]
        sys.stdout.write(
            "\x1b[H\x1b[2J"
            + screen
            + f"\n\n{story.headline()}\n\nAlerts mailed by the notifier ({len(sink.received)}; saved in {sink.directory}):\n"
            + ("\n".join(mails) or "  none yet")
            + f"\n\ngateway: {story.gateway_url} (source {story.source.name}, key in {demo_dir / 'source.key'})"
            + f"\nkafka: {story.kafka.bootstrap}, logins and ACLs; `ucj kafka credentials PRINCIPAL --port {args.kafka_port} --data-dir {demo_dir / 'kafka'}`"
            + f"\nlogs: {demo_dir}   Ctrl-C to stop\n"
        )
        sys.stdout.flush()
        time.sleep(args.refresh)


def _free_port() -> int:
    """The notifier's metrics port: the demo reads nothing from it, and a fixed one may be taken."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_secret(path: Path, value: str) -> Path:
    """A secret of this demo run, readable by its owner only."""
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return path


def _start(name: str, arguments: list[str], env: dict, logs: Path):
    log_path = logs / f"{name}.log"
    log.info("starting the %s, logging to %s", name, log_path)
    with open(log_path, "ab") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *arguments], env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    return name, child, log_path


def _stop(children) -> None:
    for _, child, _ in children:
        if child.poll() is None:
            child.terminate()
    for _, child, _ in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
