"""Run a single-node Apache Kafka broker (KRaft mode) for development, from Maven Central jars.

Layout of a data dir (default <UCJ_DATA_DIR>/kafka/data-<port>):
    server.properties, log4j.properties   rendered on every start
    storage/                              Kafka's log.dirs (formatted once)
    kafka.pid                             pid of the running broker
    kafka.log                             broker log plus the JVM's stdout/stderr
    credentials/                          a secure broker's: one password file per principal
    tls/                                  a TLS broker's: ca.pem, and broker.pem (its key, 0600)
The broker listens on 127.0.0.1:<port>; its KRaft controller on 127.0.0.1:<port + 1>.
A secure broker (`ucj kafka up --secure`, services/dev/kafka_local/secure.py) asks every client for
a SCRAM login and lets each principal do only what its ACLs allow. With --tls it also serves
SASL_SSL on 127.0.0.1:<port + 2>, and does so from then on: the certificate is part of the data dir.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from services.common.config import Settings
from services.dev.kafka_local import secure as security
from services.dev.kafka_local.principals import ADMIN
from streams.broker.kafka_access import KafkaAccess, kafka_access

log = logging.getLogger(__name__)

DEFAULT_PORT = 9092
DEFAULT_HEAP = "1g"
INSTALL_HINT = "install it, e.g. `apt-get install openjdk-17-jre-headless maven`"
COMPLETE_MARKER = ".ucj-complete"  # written after a successful jar copy; holds the pom's hash


class KafkaLocalError(Exception):
    """A failure the CLI reports as one message and an exit code."""

    exit_code = 1


class MissingToolError(KafkaLocalError):
    exit_code = 2


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    port: int
    data_dir: Path
    log_path: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def secure(self) -> bool:
        return security.is_secure(self.data_dir)

    @property
    def tls(self) -> bool:
        """A secure broker whose data dir has its certificate also serves SASL_SSL on port + 2."""
        return self.secure and security.has_tls(self.data_dir)

    @property
    def tls_bootstrap(self) -> str:
        return f"127.0.0.1:{self.port + 2}"

    def access(self, principal: str = ADMIN, tls: bool = False) -> KafkaAccess:
        """How `principal` reaches this broker (a plain broker knows no principals); `tls`: over SASL_SSL."""
        if tls:
            return security.access(self.tls_bootstrap, self.data_dir, principal, tls=True)
        return security.access(self.bootstrap, self.data_dir, principal) if self.secure else KafkaAccess(self.bootstrap)


# brokers started by this Python process, so liveness checks can reap them instead of seeing zombies
_children: dict[int, subprocess.Popen] = {}


# ---- paths and settings ------------------------------------------------------------------------


def default_data_dir(port: int) -> Path:
    return Settings.from_env().data_dir / "kafka" / f"data-{port}"


def jars_dir() -> Path:
    override = os.environ.get("UCJ_KAFKA_JARS_DIR")
    return Path(override).expanduser() if override else Settings.from_env().data_dir / "kafka" / "libs"


def heap_size() -> str:
    return os.environ.get("UCJ_KAFKA_HEAP") or DEFAULT_HEAP


def _resource_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render_server_properties(
    port: int, storage_dir: Path, broker_password: str | None = None, keystore: Path | None = None
) -> str:
    """The plain broker's properties; with the broker's own password, the secure broker's; with a
    keystore (its TLS key and certificate chain), a SASL_SSL listener on port + 2 besides."""
    text = Template(_resource_text("server.properties")).substitute(
        port=port, controller_port=port + 1, storage_dir=storage_dir
    )
    if broker_password is None:
        return text
    replaced = ("listeners=", "advertised.listeners=", "inter.broker.listener.name=", "listener.security.protocol.map=")
    kept = [line for line in text.splitlines() if not line.startswith(replaced)]
    return (
        "\n".join(kept)
        + "\n\n# secure: SASL/SCRAM logins and ACLs (ucj kafka up --secure)\n"
        + security.listener_properties(port, port + 1, broker_password, keystore)
    )


def _data_dir(port: int, data_dir: Path | None) -> Path:
    return Path(data_dir).expanduser().resolve() if data_dir else default_data_dir(port)


# ---- tools and jars ----------------------------------------------------------------------------


def require_tool(name: str, hint: str = INSTALL_HINT) -> str:
    path = shutil.which(name)
    if not path:
        raise MissingToolError(f"`{name}` was not found on PATH; {hint}")
    return path


def _pom_hash() -> str:
    return hashlib.sha256(_resource_text("pom.xml").encode()).hexdigest()


def jars_complete(libs: Path) -> bool:
    marker = libs / COMPLETE_MARKER
    return marker.is_file() and marker.read_text().strip() == _pom_hash()


def ensure_jars() -> Path:
    """Fetch the broker jars with Maven once; later starts reuse the cache offline."""
    libs = jars_dir()
    if jars_complete(libs):
        return libs
    mvn = require_tool("mvn")
    libs.mkdir(parents=True, exist_ok=True)
    log.info("fetching Kafka jars from Maven Central into %s", libs)
    with resources.as_file(resources.files(__package__).joinpath("pom.xml")) as pom:
        result = subprocess.run(
            [
                mvn,
                "-B",
                "-q",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={libs}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise KafkaLocalError(f"mvn could not fetch the Kafka jars:\n{_tail(result.stdout + result.stderr)}")
    (libs / COMPLETE_MARKER).write_text(_pom_hash())
    return libs


def _java_command(java: str, libs: Path, data_dir: Path, main_class: str, *args: str) -> list[str]:
    return [
        java,
        f"-Xmx{heap_size()}",
        f"-Dlog4j.configuration=file:{data_dir / 'log4j.properties'}",
        f"-Dkafka.logs.dir={data_dir}",
        "-cp",
        str(libs / "*"),  # java expands the wildcard itself
        main_class,
        *args,
    ]


# ---- process state -----------------------------------------------------------------------------


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _is_alive(pid: int) -> bool:
    if pid in _children:
        return _children[pid].poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.exists():  # guard against a recycled pid (Linux only)
        try:
            return b"kafka.Kafka" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM does; ignores TIME_WAIT
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def broker_answers(kafka: KafkaAccess | str, timeout: float = 3.0) -> bool:
    """True if a Kafka broker answers a metadata request."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    timeout_ms = int(timeout * 1000)
    client_log = logging.getLogger("kafka")
    saved_level = client_log.level
    if not log.isEnabledFor(logging.DEBUG):
        client_log.setLevel(logging.CRITICAL)  # refused connections are expected while probing
    try:
        admin = KafkaAdminClient(
            **kafka_access(kafka).kafka_python(request_timeout_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms)
        )
        try:
            admin.list_topics()
        finally:
            admin.close()
    except (KafkaError, OSError) as exc:
        log.debug("broker at %s does not answer yet: %s", kafka_access(kafka).describe(), exc)
        return False
    finally:
        client_log.setLevel(saved_level)
    return True


def _configured_port(data_dir: Path) -> int | None:
    try:
        lines = (data_dir / "server.properties").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("advertised.listeners="):  # the first: a TLS broker's lists SASL_SSL second
            port_text = line.split("=", 1)[1].split(",")[0].rsplit(":", 1)[-1]
            return int(port_text) if port_text.isdigit() else None
    return None


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def log_tail(log_path: Path, lines: int = 30) -> str:
    try:
        return _tail(log_path.read_text(errors="replace"), lines)
    except OSError:
        return "(no log written)"


# ---- public API --------------------------------------------------------------------------------


def broker_status(port: int = DEFAULT_PORT, data_dir: Path | None = None) -> BrokerStatus:
    data_dir = _data_dir(port, data_dir)
    pid = _read_pid(data_dir / "kafka.pid")
    running = pid is not None and _is_alive(pid)
    if running:  # a broker in an explicit --data-dir may have been started on another port
        port = _configured_port(data_dir) or port
    return BrokerStatus(running, pid if running else None, port, data_dir, data_dir / "kafka.log")


def local_data_dirs() -> list[Path]:
    """The data dirs this machine's brokers keep under UCJ_DATA_DIR: `ucj kafka up`'s (kafka/data-PORT)
    and the demo's (demo/kafka)."""
    root = Settings.from_env().data_dir
    found = sorted((root / "kafka").glob("data-*")) + [root / "demo" / "kafka"]
    return [path for path in found if path.is_dir()]


def running_secure_brokers() -> list[BrokerStatus]:
    """The secure brokers running from a data dir of local_data_dirs(), each on the port it was started on."""
    found = []
    for data_dir in local_data_dirs():
        port = _configured_port(data_dir)
        if port is None:
            continue
        status = broker_status(port, data_dir)
        if status.running and status.secure:
            found.append(status)
    return found


def ensure_broker(
    port: int = DEFAULT_PORT, data_dir: Path | None = None, timeout: float = 60, secure: bool = False, tls: bool = False
) -> str:
    """Start the broker unless it already runs; wait until it answers; return its bootstrap address.

    `secure`: a broker that asks for SCRAM logins and holds the ACLs of principals.GRANTS. A
    data dir is one or the other for good, since the passwords are part of its storage.
    `tls` (with `secure`): also SASL_SSL on port + 2, with a certificate made into the data dir
    once; a data dir that has one serves TLS on every later start, `tls` or not.
    """
    status = broker_status(port, data_dir)
    _check_mode(status, secure)
    if tls and not secure:
        raise KafkaLocalError("--tls needs --secure: the TLS listener asks for the same SCRAM logins")
    tls = tls or status.tls
    if status.running:
        if tls and not status.tls:
            raise KafkaLocalError(
                f"the broker of {status.data_dir} runs without TLS; stop it with `ucj kafka down --port {status.port}`, then start it with --tls"
            )
        log.info("broker already running (pid %s)", status.pid)
        assert status.pid is not None  # running
        _wait_until_answers(status, status.pid, timeout)
        _check_tls(status)
        _grant(status)
        return status.bootstrap
    needs = "PORT, PORT+1 and PORT+2" if tls else "PORT and PORT+1"
    for needed in (status.port, status.port + 1, *((status.port + 2,) if tls else ())):
        if not _port_free(needed):
            raise KafkaLocalError(
                f"port {needed} is already in use by another process (not the broker of {status.data_dir}); "
                f"choose another --port (the broker needs {needs}), or stop that process"
            )
    pid = _start(status, secure, tls)
    _wait_until_answers(status, pid, timeout)
    _check_tls(status)
    _grant(status)
    log.info("broker pid %s answers at %s", pid, status.bootstrap)
    return status.bootstrap


def _check_mode(status: BrokerStatus, secure: bool) -> None:
    formatted = (status.data_dir / "storage" / "meta.properties").exists()
    if formatted and status.secure != secure:
        made = "with" if status.secure else "without"
        raise KafkaLocalError(
            f"the broker in {status.data_dir} was made {made} logins and ACLs; run `ucj kafka up` "
            f"{made} --secure, or give another --port or --data-dir"
        )


def _check_tls(status: BrokerStatus) -> None:
    """The TLS listener opens with the others; a handshake proves its certificate verifies against tls/ca.pem."""
    refusal = status.access(tls=True).tls_refusal() if status.tls else None
    if refusal:
        raise KafkaLocalError(
            f"the broker's TLS listener does not work: {refusal}; last lines of {status.log_path}:\n{log_tail(status.log_path)}"
        )


def _grant(status: BrokerStatus) -> None:
    if status.secure:  # again on every start: the ACLs may have grown since the broker was made
        granted = security.apply_grants(status.access())
        log.info("the broker holds the %d ACLs of the services' principals", granted)


def stop_broker(port: int = DEFAULT_PORT, data_dir: Path | None = None, grace: float = 30) -> bool:
    """Stop the broker (SIGTERM, then SIGKILL after `grace` seconds). False if it was not running."""
    status = broker_status(port, data_dir)
    pid_file = status.data_dir / "kafka.pid"
    if not status.running:
        pid_file.unlink(missing_ok=True)
        return False
    pid = status.pid
    assert pid is not None  # running
    log.info("stopping broker pid %s", pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _is_alive(pid):
        log.warning("broker pid %s ignored SIGTERM for %ss; killing it", pid, grace)
        os.kill(pid, signal.SIGKILL)
        while _is_alive(pid):
            time.sleep(0.1)
    _children.pop(pid, None)
    pid_file.unlink(missing_ok=True)
    return True


def _start(status: BrokerStatus, secure: bool, tls: bool = False) -> int:
    java = require_tool("java")
    openssl = require_tool("openssl", "install it, e.g. `apt-get install openssl`") if tls else None
    libs = ensure_jars()
    data_dir = status.data_dir
    storage = data_dir / "storage"
    data_dir.mkdir(parents=True, exist_ok=True)
    passwords = security.ensure_passwords(data_dir) if secure else {}
    keystore = _ensure_certificates(data_dir, openssl) if openssl else None
    config = data_dir / "server.properties"
    config.touch(mode=0o600)
    os.chmod(config, 0o600)  # a secure broker's holds its own password
    config.write_text(render_server_properties(status.port, storage, passwords.get(security.BROKER), keystore))
    (data_dir / "log4j.properties").write_text(_resource_text("log4j.properties"))

    if not (storage / "meta.properties").exists():
        cluster_id = _storage_tool(java, libs, data_dir, "random-uuid").strip()
        log.info("formatting %s for cluster %s%s", storage, cluster_id, " with SCRAM logins" if secure else "")
        _storage_tool(
            java, libs, data_dir, "format", "-t", cluster_id, "-c", str(config), *security.scram_arguments(passwords)
        )

    with open(status.log_path, "ab") as log_file:
        process = subprocess.Popen(
            _java_command(java, libs, data_dir, "kafka.Kafka", str(config)),
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the terminal and Ctrl-C of the `ucj` that started it
        )
    _children[process.pid] = process
    (data_dir / "kafka.pid").write_text(f"{process.pid}\n")
    log.info("started broker pid %s, logging to %s", process.pid, status.log_path)
    return process.pid


def _ensure_certificates(data_dir: Path, openssl: str) -> Path:
    try:
        return security.ensure_certificates(data_dir, openssl)
    except (security.CertificateError, OSError) as error:
        raise KafkaLocalError(str(error)) from None


def _storage_tool(java: str, libs: Path, data_dir: Path, *storage_tool_args: str) -> str:
    command = _java_command(java, libs, data_dir, "kafka.tools.StorageTool", *storage_tool_args)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise KafkaLocalError(
            f"kafka StorageTool {storage_tool_args[0]} failed:\n{_tail(result.stdout + result.stderr)}"
        )
    return result.stdout


def _wait_until_answers(status: BrokerStatus, pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            (status.data_dir / "kafka.pid").unlink(missing_ok=True)
            raise KafkaLocalError(
                f"broker (pid {pid}) exited during startup; "
                f"last lines of {status.log_path}:\n{log_tail(status.log_path)}"
            )
        if broker_answers(status.access(), timeout=min(3.0, max(0.5, deadline - time.monotonic()))):
            return
        time.sleep(0.5)
    raise KafkaLocalError(
        f"broker did not answer at {status.bootstrap} within {timeout:g}s; it is left running "
        f"(stop it with `ucj kafka down --port {status.port}`); last lines of {status.log_path}:\n"
        f"{log_tail(status.log_path)}"
    )
