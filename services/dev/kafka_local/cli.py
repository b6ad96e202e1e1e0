"""`ucj kafka up|down|status|credentials|acls`: manage the local development broker (plain, --secure, --secure --tls)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from services.common.config import environment_help
from services.dev.kafka_local import manager
from services.dev.kafka_local import secure as security
from services.dev.kafka_local.principals import PRINCIPALS

EPILOG = (
    environment_help("UCJ_DATA_DIR")
    + "\n  UCJ_KAFKA_JARS_DIR   cache of the Kafka jars fetched with mvn (default $UCJ_DATA_DIR/kafka/libs)"
    + f"\n  UCJ_KAFKA_HEAP       maximum JVM heap of the broker, as for java -Xmx (default {manager.DEFAULT_HEAP})"
)
LAYOUT = (
    """\
The broker is Apache Kafka 3.9.1 in KRaft mode (broker and controller in one JVM),
listening on 127.0.0.1:PORT; its controller uses 127.0.0.1:PORT+1.
Its data dir (default $UCJ_DATA_DIR/kafka/data-PORT) holds storage/, kafka.pid and kafka.log.
Needs java; needs mvn once, to fetch the jars from Maven Central into the jar cache.
With --secure, every client logs in with SCRAM-SHA-512 as one of the principals
("""
    + ", ".join(PRINCIPALS)
    + """), whose passwords are generated into
DATA_DIR/credentials/, and may do only what its ACLs allow (`ucj kafka acls`).
With --secure --tls, the same logins also over TLS (SASL_SSL) on 127.0.0.1:PORT+2, with
a certificate for 127.0.0.1 and localhost signed by a CA of the data dir's own (made
once with openssl into DATA_DIR/tls/; clients trust DATA_DIR/tls/ca.pem). A data dir
with a certificate serves TLS on every later start, --tls or not.
"""
)
STATUS_NOT_RUNNING = 3


def add_parser(subparsers) -> None:
    kafka = subparsers.add_parser(
        "kafka",
        help="run a local single-node Kafka broker for development",
        description="Run a local single-node Apache Kafka broker for development.\n\n" + LAYOUT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    actions = kafka.add_subparsers(dest="kafka_command", metavar="ACTION", required=True)

    up = _action(
        actions,
        "up",
        "start the broker (if not running) and wait until it answers",
        "Start the broker in the background unless it already runs, and wait until it\n"
        "answers a metadata request. Prints the bootstrap address and the log path.",
    )
    up.add_argument(
        "--timeout",
        type=float,
        default=60,
        metavar="SECONDS",
        help="how long to wait for the broker to answer (default 60)",
    )
    up.add_argument(
        "--secure",
        action="store_true",
        help="SASL/SCRAM logins and ACLs, one principal per service (a data dir is made one way for good)",
    )
    up.add_argument(
        "--tls",
        action="store_true",
        help="with --secure: also SASL_SSL on PORT+2, with a certificate made once into DATA_DIR/tls/ (needs openssl)",
    )
    up.set_defaults(run=run_up)

    credentials = _action(
        actions,
        "credentials",
        "print the settings a service runs with as PRINCIPAL",
        "Print, as shell exports, the UCJ_KAFKA_* settings a service runs with as\n"
        'PRINCIPAL on the secure broker: eval "$(ucj kafka credentials ucj-worker)".\n'
        "The password stays in its file (UCJ_KAFKA_PASSWORD_FILE). Without --port or --data-dir:\n"
        "the secure broker running under UCJ_DATA_DIR (ucj kafka up --secure on any port, or the demo's).",
    )
    credentials.add_argument("principal", metavar="PRINCIPAL", choices=PRINCIPALS, help=", ".join(PRINCIPALS))
    credentials.add_argument(
        "--tls",
        action="store_true",
        help="the settings for the TLS listener (SASL_SSL on PORT+2, UCJ_KAFKA_CA_FILE) of a broker started with --tls",
    )
    credentials.set_defaults(run=run_credentials, port=None)  # no --port: find the secure broker that runs

    acls = _action(
        actions,
        "acls",
        "list the ACLs of the secure broker",
        "List every ACL the secure broker holds: who may do what on which topic, group or cluster.\n"
        "Without --port or --data-dir: the secure broker running under UCJ_DATA_DIR, if there is one.",
    )
    acls.set_defaults(run=run_acls, port=None)

    down = _action(
        actions,
        "down",
        "stop the broker",
        "Stop the broker: SIGTERM, then SIGKILL if it is still running after 30 s.\nDoes nothing if it is not running.",
    )
    down.set_defaults(run=run_down)

    status = _action(
        actions,
        "status",
        "tell whether the broker runs",
        "Print whether the broker runs, with pid, port, data dir and log path.\n"
        f"Exit code 0 if it runs, {STATUS_NOT_RUNNING} if not.",
    )
    status.set_defaults(run=run_status)


def _action(actions, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        name,
        help=summary,
        description=description + "\n\n" + LAYOUT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    parser.add_argument(
        "--port",
        type=int,
        default=manager.DEFAULT_PORT,
        help=f"client port; the controller uses PORT+1 (default {manager.DEFAULT_PORT})",
    )
    parser.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="broker data dir (default $UCJ_DATA_DIR/kafka/data-PORT)"
    )
    return parser


def run_up(args) -> int:
    already = manager.broker_status(args.port, args.data_dir).running
    try:
        bootstrap = manager.ensure_broker(
            args.port, args.data_dir, timeout=args.timeout, secure=args.secure, tls=args.tls
        )
    except manager.KafkaLocalError as exc:
        print(f"ucj kafka up: {exc}", file=sys.stderr)
        return exc.exit_code
    from streams.broker.topics import PARTICIPANT_EVENTS, ensure_topics

    status = manager.broker_status(args.port, args.data_dir)
    partitions = ensure_topics(status.access())  # so producers can publish before any worker runs
    print(f"Kafka broker {'already running' if already else 'started'} (pid {status.pid})")
    print(f"bootstrap: {bootstrap}")
    print(f"log:       {status.log_path}")
    print(f"topics:    {PARTICIPANT_EVENTS} ({partitions} partitions) and the pipeline's other topics are ready")
    if status.secure:
        print(f"logins:    SCRAM-SHA-512; passwords in {security.credentials_dir(status.data_dir)}")
        print(f'           eval "$(ucj kafka credentials ucj-worker{_where(args)})" before `ucj worker`, and so on')
    if status.tls:
        print(f"tls:       {status.tls_bootstrap} (SASL_SSL); CA file {security.ca_file(status.data_dir)}")
        print(f'           eval "$(ucj kafka credentials ucj-worker --tls{_where(args)})" for the same logins over TLS')
    return 0


def _where(args) -> str:
    """The --port and --data-dir of this command, for the commands it suggests."""
    where = "" if args.port in (None, manager.DEFAULT_PORT) else f" --port {args.port}"
    return where + (f" --data-dir {args.data_dir}" if args.data_dir else "")


def _where_of(status: manager.BrokerStatus) -> str:
    """The --port and --data-dir that name the broker of `status`, for the commands a message suggests."""
    where = "" if status.port == manager.DEFAULT_PORT else f" --port {status.port}"
    return where + (
        "" if status.data_dir == manager.default_data_dir(status.port) else f" --data-dir {status.data_dir}"
    )


def _secure_status(args, command: str) -> manager.BrokerStatus | None:
    """The secure broker `command` is about: the one --port or --data-dir names; without either, the
    default port's if it is secure, else the one secure broker running under UCJ_DATA_DIR."""
    if args.port is None and args.data_dir is None:
        status = manager.broker_status(manager.DEFAULT_PORT)
        if status.secure:
            return status
        running = manager.running_secure_brokers()
        if len(running) == 1:
            print(
                f"ucj kafka {command}: the secure broker on {running[0].bootstrap} ({running[0].data_dir})",
                file=sys.stderr,
            )
            return running[0]
        if running:
            ports = ", ".join(f"{found.port} ({found.data_dir})" for found in running)
            print(
                f"ucj kafka {command}: several secure brokers run, on ports {ports}; name one with --port PORT (or --data-dir DIR)",
                file=sys.stderr,
            )
        else:
            print(
                f"ucj kafka {command}: no secure broker runs under {manager.Settings.from_env().data_dir}; start one with "
                f"`ucj kafka up --secure`, or name yours with --port PORT (or --data-dir DIR)",
                file=sys.stderr,
            )
        return None
    status = manager.broker_status(args.port or manager.DEFAULT_PORT, args.data_dir)
    if not status.secure:
        print(
            f"ucj kafka {command}: the broker in {status.data_dir} has no logins; start one with `ucj kafka up --secure{_where(args)}`",
            file=sys.stderr,
        )
        return None
    return status


def run_credentials(args) -> int:
    status = _secure_status(args, "credentials")
    if status is None:
        return 1
    if args.tls and not status.tls:
        print(
            f"ucj kafka credentials: the broker in {status.data_dir} has no TLS listener; start it with `ucj kafka up --secure --tls{_where_of(status)}`",
            file=sys.stderr,
        )
        return 1
    bootstrap = status.tls_bootstrap if args.tls else status.bootstrap
    for name, value in security.environment(bootstrap, status.data_dir, args.principal, tls=args.tls).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def run_acls(args) -> int:
    status = _secure_status(args, "acls")
    if status is None:
        return 1
    if not status.running:
        print(
            f"ucj kafka acls: the broker is not running; start it with `ucj kafka up --secure{_where_of(status)}`",
            file=sys.stderr,
        )
        return manager.KafkaLocalError.exit_code
    print("\n".join(security.granted(status.access())))
    return 0


def run_down(args) -> int:
    status = manager.broker_status(args.port, args.data_dir)
    if manager.stop_broker(args.port, args.data_dir):
        print(f"Kafka broker stopped (pid {status.pid}, port {status.port})")
    else:
        print(f"Kafka broker not running (data dir {status.data_dir})")
    return 0


def run_status(args) -> int:
    status = manager.broker_status(args.port, args.data_dir)
    print(f"Kafka broker {'running' if status.running else 'stopped'}")
    if status.running:
        print(f"pid:       {status.pid}")
    print(f"port:      {status.port} (controller {status.port + 1}{f', TLS {status.port + 2}' if status.tls else ''})")
    print(f"data dir:  {status.data_dir}")
    print(f"log:       {status.log_path}")
    return 0 if status.running else STATUS_NOT_RUNNING
