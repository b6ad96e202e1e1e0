"""`ucj notifier`: send alert transitions to coordinators; `ucj notifier deliveries`: the log."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from services.common.config import KAFKA_ENVIRONMENT, Settings, add_kafka_wait_argument, duration
from services.common.config import environment_help as common_environment_help
from services.notifier.formatting import rupiah
from services.notifier.settings import boolean, env, environment_help, smtp_settings
from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH

log = logging.getLogger("services.notifier")

DESCRIPTION = (
    """\
Consume alert transitions from Kafka topic ucj.coverage-alerts (group ucj-notifier) and
deliver each one to the people it concerns:

  - a regency's (or district's) alerts go to that regency's active coordinators,
  - province alerts go to the operations list (the active coordinators of region 61),
  - each coordinator gets one message per channel it has: email and/or webhook,
  - with --alertmanager-url, every alert is also posted to Alertmanager (/api/v2/alerts).

Messages are in Bahasa Indonesia (or English: --language, or the coordinator's own
language) and say the region's status, coverage against plan, the gap in percentage
points and workers, when the target is reached at the current pace, the enrollments per
month and the assistance budget ("""
    + rupiah(ASSISTANCE_IDR_PER_WORKER_MONTH)
    + """ per worker per month) that would close it,
lapse-cliff details, and a link to the regency's dashboard. Emails carry a chart.

Channels:
  email     SMTP (UCJ_SMTP_*), text + HTML with an inline PNG chart; the Message-ID is
            derived from the transition and the recipient. STARTTLS and implicit TLS check
            the server's certificate and host name (system trust store, or --smtp-ca-file);
            a login over an unencrypted connection needs --smtp-allow-plaintext-login.
  webhook   HTTP POST, JSON {"alert": <ucj.coverage-alert/1 body>, "message": {subject,
            text, language}}, header Idempotency-Key: <transition_id>; coordinators whose
            webhook format is "alertmanager" get an Alertmanager webhook (version 4) body.
            Every webhook is signed with its coordinator's secret: header X-UCJ-Signature:
            t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">. A webhook without a secret
            is not sent (the error says to run `ucj coordinators rotate-secret ID`).
  2xx is delivered; any other status or no connection is a failed attempt.

Every delivery is a row of the delivery log in the registry database, written before the
Kafka offset is committed (the log is the outbox). Every attempt is recorded. A failed
attempt is retried with exponential backoff (--retry-initial doubling up to --retry-max,
with jitter) until --give-up-after, then the delivery is marked failed. A delivered
message is never sent again; an alert read twice is delivered once. The one exception:
a crash between a receiver accepting a message and the log recording it sends it once
more after the restart, with the same Message-ID / Idempotency-Key.

Metrics on http://HOST:PORT/metrics: ucj_notifier_deliveries_total{channel,outcome},
ucj_notifier_pending_deliveries{channel}, ucj_notifier_alerts_consumed_total{kind,transition},
ucj_notifier_invalid_alerts_total, ucj_notifier_last_delivery_timestamp_seconds.
Run one notifier per delivery log. Stop with Ctrl-C or SIGTERM.

`ucj notifier deliveries [--status pending|delivered|failed]` prints the delivery log."""
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "notifier",
        help="deliver coverage alerts to coordinators (email, webhooks, Alertmanager)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=common_environment_help(*KAFKA_ENVIRONMENT, "UCJ_DATABASE_URL", "UCJ_DATA_DIR")
        + "\n"
        + environment_help(),
    )
    parser.add_argument(
        "--language",
        choices=("id", "en"),
        default=env("UCJ_NOTIFIER_LANGUAGE"),
        help="default message language: id (Bahasa Indonesia) or en (default: %(default)s)",
    )
    parser.add_argument(
        "--dashboard-url",
        default=env("UCJ_DASHBOARD_URL") or None,
        metavar="URL",
        help="Grafana base URL; messages link to URL/d/ucj-regency?var-regency=CODE (default: UCJ_DASHBOARD_URL)",
    )
    parser.add_argument(
        "--alertmanager-url",
        default=env("UCJ_ALERTMANAGER_URL") or None,
        metavar="URL",
        help="also post every alert to this Alertmanager, e.g. http://alertmanager:9093 (default: UCJ_ALERTMANAGER_URL)",
    )
    parser.add_argument(
        "--alertmanager-firing-ttl",
        type=duration,
        default="30d",
        metavar="DURATION",
        help="endsAt of a firing alert posted to Alertmanager, which otherwise resolves it after its "
        "resolve_timeout; the resolved transition ends it at once (default: %(default)s)",
    )
    parser.add_argument(
        "--metrics-port", type=int, default=env("UCJ_NOTIFIER_PORT"), help="port of /metrics (default: %(default)s)"
    )
    add_kafka_wait_argument(parser)
    parser.add_argument("--metrics-host", default="127.0.0.1", help="interface of /metrics (default: %(default)s)")
    smtp = parser.add_argument_group("email (SMTP)")
    smtp.add_argument("--smtp-host", default=env("UCJ_SMTP_HOST"), help="default: %(default)s")
    smtp.add_argument("--smtp-port", type=int, default=env("UCJ_SMTP_PORT"), help="default: %(default)s")
    smtp.add_argument(
        "--smtp-user",
        default=env("UCJ_SMTP_USER") or None,
        help="login user; the password comes from UCJ_SMTP_PASSWORD or UCJ_SMTP_PASSWORD_FILE, never a flag",
    )
    smtp.add_argument(
        "--smtp-starttls",
        type=boolean,
        default=env("UCJ_SMTP_STARTTLS"),
        metavar="BOOL",
        help="upgrade the connection with STARTTLS, usually on port 587 (default: %(default)s)",
    )
    smtp.add_argument(
        "--smtp-implicit-tls",
        type=boolean,
        default=env("UCJ_SMTP_IMPLICIT_TLS"),
        metavar="BOOL",
        help="TLS from the first byte (SMTPS), usually on port 465 (default: %(default)s)",
    )
    smtp.add_argument(
        "--smtp-ca-file",
        default=env("UCJ_SMTP_CA_FILE") or None,
        metavar="PEM",
        help="trust only the CA certificates in this file for the server's certificate, whose host name "
        "is checked either way (default: UCJ_SMTP_CA_FILE, else the system's trust store)",
    )
    smtp.add_argument(
        "--smtp-allow-plaintext-login",
        type=boolean,
        nargs="?",
        const=True,
        default=env("UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN"),
        metavar="BOOL",
        help="allow the login over a connection without TLS, which is refused otherwise (default: %(default)s)",
    )
    smtp.add_argument("--smtp-from", default=env("UCJ_SMTP_FROM"), help="From address (default: %(default)s)")
    smtp.add_argument("--smtp-timeout", type=duration, default="30s", metavar="DURATION", help="default: %(default)s")
    retry = parser.add_argument_group("delivery and retries (durations: 500ms, 30s, 15m, 24h, 7d)")
    retry.add_argument(
        "--http-timeout",
        type=duration,
        default="10s",
        metavar="DURATION",
        help="timeout of a webhook or Alertmanager POST (default: %(default)s)",
    )
    retry.add_argument(
        "--retry-initial",
        type=duration,
        default=env("UCJ_NOTIFIER_RETRY_INITIAL"),
        metavar="DURATION",
        help="delay after the first failed attempt; it doubles on each failure (default: %(default)s)",
    )
    retry.add_argument(
        "--retry-max",
        type=duration,
        default=env("UCJ_NOTIFIER_RETRY_MAX"),
        metavar="DURATION",
        help="longest delay between attempts (default: %(default)s)",
    )
    retry.add_argument(
        "--give-up-after",
        type=duration,
        default=env("UCJ_NOTIFIER_GIVE_UP_AFTER"),
        metavar="DURATION",
        help="a delivery still failing this long after its alert was read is marked failed (default: %(default)s)",
    )
    retry.add_argument(
        "--max-alert-age",
        type=duration,
        default="7d",
        metavar="DURATION",
        help="skip alert transitions decided longer ago than this, e.g. when the topic is read again "
        "from the start after the group's offsets expired (default: %(default)s)",
    )
    retry.add_argument("--threads", type=int, default=4, help="deliveries sent at the same time (default: %(default)s)")
    retry.add_argument(
        "--poll-interval",
        type=duration,
        default="1s",
        metavar="DURATION",
        help="how often the delivery log is checked for due deliveries (default: %(default)s)",
    )
    parser.set_defaults(run=run)

    commands = parser.add_subparsers(dest="notifier_command", metavar="[deliveries]", title="subcommand (optional)")
    deliveries = commands.add_parser(
        "deliveries",
        help="print the delivery log",
        description="Print the delivery log, newest last: one line per (transition, channel, recipient).",
    )
    deliveries.add_argument(
        "--status", choices=("pending", "delivered", "failed"), help="only deliveries with this status"
    )
    deliveries.add_argument(
        "--transition", metavar="TRANSITION_ID", help="only the deliveries of this alert transition"
    )
    deliveries.add_argument("--attempts", action="store_true", help="also print every attempt of each delivery")
    deliveries.add_argument(
        "--database-url", metavar="URL", help="SQLAlchemy URL of the registry (overrides UCJ_DATABASE_URL)"
    )
    deliveries.set_defaults(run=run_deliveries)


def run(args) -> int:

    from prometheus_client import start_http_server

    from services.notifier.backoff import RetryPolicy
    from services.notifier.consumer import alert_consumer, consume
    from services.notifier.delivery import DeliveryLoop, utc_now
    from services.notifier.intake import Intake, IntakeSettings
    from services.notifier.metrics import NotifierMetrics
    from services.notifier.sending import Sender, SendSettings
    from services.registry import Registry
    from streams.broker.topics import ensure_topics

    if args.language not in ("id", "en"):
        raise SystemExit(f"ucj notifier: language must be id or en, got {args.language!r} (UCJ_NOTIFIER_LANGUAGE)")
    settings = Settings.from_env()
    try:
        policy = RetryPolicy(
            initial_seconds=args.retry_initial.total_seconds(),
            max_seconds=args.retry_max.total_seconds(),
            give_up_seconds=args.give_up_after.total_seconds(),
        )
    except ValueError as error:
        raise SystemExit(f"ucj notifier: {error}") from None
    smtp = smtp_settings(args)  # a setting that cannot work stops the start, in one sentence
    registry = Registry(settings.database_url)
    registry.delivery_counts()  # a plain sentence, not a traceback, when the registry is not initialised or upgraded
    ensure_topics(settings.kafka, args.kafka_wait.total_seconds())
    metrics = NotifierMetrics()
    start_http_server(args.metrics_port, addr=args.metrics_host, registry=metrics.registry)
    if not args.dashboard_url:
        log.warning("no --dashboard-url / UCJ_DASHBOARD_URL: messages will not link to a dashboard")
    sender = Sender(
        SendSettings(
            dashboard_url=args.dashboard_url,
            http_timeout=args.http_timeout.total_seconds(),
            smtp=smtp,
            alertmanager_firing_ttl=args.alertmanager_firing_ttl,
        ),
        registry.webhook_secret,
    )
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    delivery = DeliveryLoop(
        registry,
        sender,
        policy,
        metrics,
        threads=args.threads,
        poll_seconds=args.poll_interval.total_seconds(),
        clock=utc_now,
    )
    delivery_thread = threading.Thread(target=delivery.run, args=(stop,), name="delivery-loop", daemon=True)
    intake = Intake(
        registry,
        IntakeSettings(
            default_language=args.language, alertmanager_url=args.alertmanager_url, max_alert_age=args.max_alert_age
        ),
        metrics,
        clock=utc_now,
    )
    consumer = alert_consumer(settings.kafka)
    failures: list[BaseException] = []

    def consume_until_stopped() -> None:
        try:
            consume(consumer, intake, stop)
        except BaseException as error:  # noqa: BLE001 - reported below, and the process ends
            log.exception("the alert consumer stopped")
            failures.append(error)
            stop.set()

    # Both loops run in daemon threads: a consumer stuck in a group join must not keep a
    # stopping notifier alive. Everything that matters is in the delivery log already.
    consumer_thread = threading.Thread(target=consume_until_stopped, name="alert-consumer", daemon=True)
    delivery_thread.start()
    consumer_thread.start()
    log.info(
        "notifier running: alerts from %s, delivery log in %s, metrics on http://%s:%d/metrics",
        settings.kafka.describe(),
        registry.display_url,
        args.metrics_host,
        args.metrics_port,
    )
    while not stop.wait(1.0):
        pass
    log.info("stopping: finishing the deliveries in flight")
    delivery_thread.join(timeout=max(args.http_timeout.total_seconds(), args.smtp_timeout.total_seconds()) + 5)
    consumer_thread.join(timeout=5)
    if not consumer_thread.is_alive():
        consumer.close(autocommit=False)
    registry.close()
    log.info("notifier stopped")
    return 1 if failures else 0


def run_deliveries(args) -> int:
    from services.registry import Registry

    settings = Settings.from_env()
    with Registry(args.database_url or settings.database_url) as registry:
        rows = registry.deliveries(transition_id=args.transition, status=args.status)
        counts = registry.delivery_counts()
        for row in rows:
            when = row.delivered_at or row.next_attempt_at
            print(
                f"{row.id:>6}  {row.status:<9}  {row.attempts:>2} attempt(s)  {row.channel:<12}  {row.recipient}  "
                f"{row.transition_id}  created {_time(row.created_at)}"
                + (f"  delivered {_time(row.delivered_at)}" if row.delivered_at else "")
                + (f"  next try {_time(row.next_attempt_at)}" if row.status == "pending" and when else "")
                + (f"  last error: {row.last_error}" if row.last_error and row.status != "delivered" else "")
            )
            if args.attempts:
                for attempt in registry.delivery_attempts(row.id):
                    print(
                        f"          attempt at {_time(attempt.attempted_at)}: "
                        + ("delivered" if attempt.outcome == "delivered" else f"failed: {attempt.error}")
                        + f" ({attempt.duration_ms} ms)"
                    )
    summary = ", ".join(f"{channel} {status}: {n}" for (channel, status), n in sorted(counts.items())) or "empty"
    print(f"{len(rows)} deliveries shown; log: {summary}", file=sys.stderr)
    return 0


def _time(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"
