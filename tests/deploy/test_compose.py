"""docker-compose.yml can't run here (no Docker engine), so its wiring is checked instead:
the official Compose implementation validates it (`docker-compose config`), every file it
mounts exists, names and ports agree with the rest, every password is a Docker secret
read from a file that deploy/compose/init-secrets.sh made, every container drops its
capabilities, the gateway cannot reach Alertmanager, each service is its own PostgreSQL role,
and the image runs as a non-root user."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from services.common.config import ENVIRONMENT
from services.gateway.settings import ENVIRONMENT as GATEWAY_ENVIRONMENT
from services.notifier.settings import ENVIRONMENT as NOTIFIER_ENVIRONMENT
from tests.tools import child_env, require_tool

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
INIT_SECRETS = ROOT / "deploy" / "compose" / "init-secrets.sh"
KAFKA_INIT = ROOT / "deploy" / "compose" / "kafka-init.sh"
WORKER_PORT = int(ENVIRONMENT["UCJ_WEB_PORT"][0])
NOTIFIER_PORT = 6070  # ucj notifier --metrics-port default
GATEWAY_PORT = int(GATEWAY_ENVIRONMENT["UCJ_GATEWAY_PORT"][0])
LISTENS = {
    "kafka": 9092,
    "postgres": 5432,
    "worker-1": WORKER_PORT,
    "worker-2": WORKER_PORT,
    "notifier": NOTIFIER_PORT,
    "gateway": GATEWAY_PORT,
    "prometheus": 9090,
    "alertmanager": 9093,
    "grafana": 3000,
}
# what is published, and on which host address (README, Deployment)
PUBLISHED = {
    "gateway": "${UCJ_PUBLISH_ADDRESS:-127.0.0.1}",
    "grafana": "${UCJ_PUBLISH_ADDRESS:-127.0.0.1}",
    "prometheus": "127.0.0.1",
    "alertmanager": "127.0.0.1",
}
# the PostgreSQL login of each database URL secret (deploy/compose/postgres-roles.sh makes them)
DATABASE_USERS = {"admin": "ucj_admin", "gateway": "gateway", "worker": "worker", "notifier": "notifier"}
UCJ_UID = 10001  # the Dockerfile's user
POSTGRES_ROLES = ROOT / "deploy" / "compose" / "postgres-roles.sh"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|CREDENTIAL", re.IGNORECASE)
COMPOSE_HINT = "deploy/local/setup.sh builds it into .venv/bin/docker-compose with go install"


def bind_mounts():
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                yield name, ROOT / source, target


def target(address: str) -> tuple[str, int]:
    host, port = (urlparse(address).netloc or address).rsplit(":", 1)
    return host, int(port)


def kafka_principals() -> dict[str, str]:
    """service -> the Kafka principal it connects as."""
    return {
        name: s["environment"]["UCJ_KAFKA_USERNAME"]
        for name, s in SERVICES.items()
        if "UCJ_KAFKA_USERNAME" in s.get("environment", {})
    }


def test_every_service_the_stack_needs_is_there():
    assert set(LISTENS) | {"registry-init", "kafka-format", "kafka-init"} <= set(SERVICES)


@pytest.mark.parametrize("service, source, target", list(bind_mounts()), ids=lambda v: str(v))
def test_mounted_files_exist(service, source, target):
    assert source.exists(), f"{service} mounts {source}, which does not exist"


def test_the_image_is_built_from_the_project():
    assert (ROOT / "Dockerfile").exists()
    assert all(SERVICES[s]["build"] == "." for s in ("registry-init", "worker-1", "worker-2", "notifier", "gateway"))


def test_only_the_gateway_and_grafana_are_published_beyond_this_host():
    published = {}
    for name, service in SERVICES.items():
        for mapping in service.get("ports", []):
            address, host_port, container_port = str(mapping).rsplit(":", 2)
            assert int(container_port) == LISTENS[name], f"{name} publishes {mapping} but listens on {LISTENS[name]}"
            assert int(host_port) == LISTENS[name]
            published[name] = address
    assert published == PUBLISHED


def test_prometheus_scrapes_the_services_and_alertmanager_where_they_listen():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = [
        target(t)
        for job in config["scrape_configs"]
        for group in job.get("static_configs", [])
        for t in group["targets"]
    ]
    assert {"worker-1", "worker-2", "notifier", "gateway", "alertmanager"} <= {host for host, _ in targets}
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert [target(t) for t in jobs["alertmanager"]["static_configs"][0]["targets"]] == [
        ("alertmanager", LISTENS["alertmanager"])
    ]
    for host, port in targets:
        if host == "localhost":  # Prometheus itself
            assert port == LISTENS["prometheus"]
            continue
        assert host in LISTENS and LISTENS[host] == port, f"Prometheus scrapes {host}:{port}"
    [alerting] = config["alerting"]["alertmanagers"]
    assert [target(t) for t in alerting["static_configs"][0]["targets"]] == [("alertmanager", 9093)]
    for rule_file in config["rule_files"]:
        assert list((ROOT / "deploy/prometheus").glob(rule_file)), f"rule file {rule_file} missing"


def test_grafana_reads_prometheus_and_the_generated_dashboards():
    assert SERVICES["grafana"]["image"].startswith("grafana/grafana:11.6")  # the SDK's Grafana line
    provisioning = ROOT / "deploy/grafana/provisioning"
    datasources = [
        d for f in (provisioning / "datasources").glob("*.yml") for d in yaml.safe_load(f.read_text())["datasources"]
    ]
    assert [target(d["url"]) for d in datasources if d["type"] == "prometheus"] == [("prometheus", 9090)]
    providers = [
        p for f in (provisioning / "dashboards").glob("*.yml") for p in yaml.safe_load(f.read_text())["providers"]
    ]
    mounted = {t: s for _, s, t in bind_mounts()}
    for provider in providers:
        source = mounted[provider["options"]["path"].rstrip("/")]
        assert list(source.glob("*.json")), f"no dashboards in {source}"


def test_services_find_kafka_postgres_and_alertmanager_by_name():
    env = SERVICES["worker-1"]["environment"]
    assert target(env["UCJ_KAFKA_BOOTSTRAP"]) == ("kafka", LISTENS["kafka"])
    assert "CLIENTS://kafka:9092" in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert target(SERVICES["notifier"]["environment"]["UCJ_ALERTMANAGER_URL"]) == ("alertmanager", 9093)
    assert "@postgres:5432/" in Path(INIT_SECRETS).read_text()  # the database URL init-secrets.sh writes


def when_set(value: str) -> str:
    """`${HOST_VARIABLE:+/path}` (the path when the host sets the variable) -> /path."""
    return re.sub(r"^\$\{[A-Z_]+:\+(.*)\}$", r"\1", value)


def test_no_service_has_a_password_in_its_environment():
    """Secrets reach a container as a file under /run/secrets, named by a *_FILE variable; the
    one other kind of *_FILE is a public file (a CA certificate), mounted as a Compose config."""
    for name, service in SERVICES.items():
        mounted = {secret if isinstance(secret, str) else secret["source"] for secret in service.get("secrets", [])}
        configs = {config["target"] for config in service.get("configs", [])}
        for variable, value in (service.get("environment") or {}).items():
            value = str(value)
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{name}: {variable} holds a URL with a password"
            if variable.endswith("_FILE") and when_set(value) in configs:
                assert variable.endswith("_CA_FILE"), (
                    f"{name}: {variable} is a Compose config, which is for public files only"
                )
            elif variable.endswith("_FILE"):
                secret = when_set(value)
                assert secret.startswith("/run/secrets/"), f"{name}: {variable}={value} is not a Docker secret"
                assert secret.removeprefix("/run/secrets/") in mounted, (
                    f"{name}: {variable} names a secret it does not mount"
                )
            else:
                assert not SECRET_NAME.search(variable), f"{name}: {variable} puts a secret in the environment"


def test_every_secret_is_a_file():
    assert COMPOSE["secrets"]
    for name, secret in COMPOSE["secrets"].items():
        assert set(secret) == {"file"}, f"secret {name} is not a file: {secret}"
    used = {
        s if isinstance(s, str) else s["source"] for service in SERVICES.values() for s in service.get("secrets", [])
    }
    assert used == set(COMPOSE["secrets"]), "a secret is defined but not used, or used but not defined"
    for name, config in COMPOSE["configs"].items():
        assert set(config) == {"file"}, f"config {name} is not a file: {config}"
    used = {c["source"] for service in SERVICES.values() for c in service.get("configs", [])}
    assert used == set(COMPOSE["configs"]), "a config is defined but not used, or used but not defined"


def test_the_notifier_gets_every_smtp_setting_but_the_password_itself():
    """Each UCJ_SMTP_* the notifier reads is passed on from the host's environment, with the
    notifier's meaning; the password only as a file (a Docker secret)."""
    environment = SERVICES["notifier"]["environment"]
    passed = {variable for variable in environment if variable.startswith("UCJ_SMTP_")}
    assert passed == {variable for variable in NOTIFIER_ENVIRONMENT if variable.startswith("UCJ_SMTP_")} - {
        "UCJ_SMTP_PASSWORD"
    }
    for variable in passed:
        assert str(environment[variable]).startswith(f"${{{variable}:"), (
            f"notifier: {variable} is not the host's {variable}"
        )


def test_no_default_passwords_anywhere():
    texts = {
        path: path.read_text() for path in [ROOT / "docker-compose.yml", *ROOT.glob("deploy/**/*.*")] if path.is_file()
    }
    for path, text in texts.items():
        for default in ("ucj:ucj@", "POSTGRES_PASSWORD: ", "admin/admin", ":-admin}", "GF_SECURITY_ADMIN_PASSWORD:"):
            assert default not in text, f"{path.relative_to(ROOT)} has a default password ({default!r})"


def test_every_kafka_principal_has_its_own_password_acls_and_scram_credential():
    principals = kafka_principals()
    assert principals == {
        "worker-1": "ucj-worker",
        "worker-2": "ucj-worker",
        "notifier": "ucj-notifier",
        "gateway": "ucj-gateway",
    }
    for name, principal in principals.items():
        short = principal.removeprefix("ucj-")
        assert SERVICES[name]["environment"]["UCJ_KAFKA_PASSWORD_FILE"] == f"/run/secrets/kafka_{short}_password"
        assert SERVICES[name]["environment"]["UCJ_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    # kafka-init.sh grants each of them (and ucj-producer, for `ucj producer`) its ACLs
    script = KAFKA_INIT.read_text()
    allowed = set(re.findall(r"^allow (ucj-[a-z]+) ", script, re.MULTILINE))
    allowed |= set(re.search(r"^for publisher in ([^;]+);", script, re.MULTILINE).group(1).split())
    assert allowed == set(principals.values()) | {"ucj-producer"}
    # kafka-format gives each principal, admin and producer included, a SCRAM credential
    assert set(SERVICES["kafka-format"]["secrets"]) == {
        f"kafka_{p}_password" for p in ("admin", "gateway", "producer", "worker", "notifier")
    }
    assert SERVICES["kafka-init"]["secrets"] == ["kafka_admin_password"]


def test_kafka_authenticates_and_authorizes():
    env = SERVICES["kafka"]["environment"]
    listeners = dict(entry.split(":") for entry in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert listeners["CLIENTS"] == "SASL_PLAINTEXT" and env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "User:ucj-admin" in env["KAFKA_SUPER_USERS"].split(";")
    # ANONYMOUS (the PLAINTEXT listeners' principal) is a super user, so those listeners are
    # bound to the container's loopback and advertised there only
    for entry in env["KAFKA_LISTENERS"].split(","):
        name, address = entry.split("://")
        assert listeners[name] == "SASL_PLAINTEXT" or address.startswith("127.0.0.1:"), entry
    assert "ports" not in SERVICES["kafka"]
    assert SERVICES["kafka"]["depends_on"] == {"kafka-format": {"condition": "service_completed_successfully"}}


def test_the_gateway_reads_the_pseudonym_key_from_a_docker_secret_with_no_default():
    gateway = SERVICES["gateway"]
    assert "--host" in gateway["command"] and "0.0.0.0" in gateway["command"]  # reachable from outside its container
    assert "UCJ_PSEUDONYM_KEY" not in gateway["environment"]  # never the key itself in the environment
    assert gateway["environment"]["UCJ_PSEUDONYM_KEY_FILE"] == "/run/secrets/ucj_pseudonym_key"
    source = COMPOSE["secrets"]["ucj_pseudonym_key"]["file"]
    assert source.startswith("${UCJ_PSEUDONYM_KEY_FILE:?"), (
        f"the key file must be named by the operator, not defaulted: {source}"
    )
    assert target(gateway["environment"]["UCJ_KAFKA_BOOTSTRAP"]) == ("kafka", LISTENS["kafka"])
    assert "/healthz" in " ".join(gateway["healthcheck"]["test"])


def run_init_secrets(directory: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["bash", str(INIT_SECRETS), str(directory)], env=child_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done


def test_init_secrets_makes_private_random_files_and_never_overwrites(tmp_path):
    secrets = tmp_path / "secrets"
    run_init_secrets(secrets)
    files = {path.name: path.read_text() for path in secrets.iterdir()}
    assert set(files) == {Path(s["file"]).name for s in COMPOSE["secrets"].values() if "UCJ_SECRETS_DIR" in s["file"]}
    for path in secrets.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    passwords = [text.strip() for name, text in files.items() if not name.startswith("database_url_")]
    assert all(re.fullmatch(r"[0-9a-f]{48,64}", p) for p in passwords) and len(set(passwords)) == len(passwords)
    for role, user in DATABASE_USERS.items():
        password = files[f"postgres_{role}_password"].strip()
        assert files[f"database_url_{role}"].strip() == f"postgresql+psycopg://{user}:{password}@postgres:5432/ucj"
    if (
        os.geteuid() == 0
    ):  # each file belongs to the user of the container that reads it (compose bind-mounts it as it is)
        owners = {path.name: path.stat().st_uid for path in secrets.iterdir()}
        assert {name for name, uid in owners.items() if uid == UCJ_UID} == {
            *(f"database_url_{role}" for role in DATABASE_USERS),
            "kafka_gateway_password",
            "kafka_worker_password",
            "kafka_notifier_password",
        }
        assert {name for name, uid in owners.items() if uid == 999} == {
            f"postgres_{role}_password" for role in DATABASE_USERS
        }
        assert {name for name, uid in owners.items() if uid == 472} == {"grafana_admin_password"}
    (secrets / "kafka_worker_password").write_text("kept\n")
    (secrets / "grafana_admin_password").unlink()
    again = run_init_secrets(secrets)
    assert "1 new secret(s)" in again.stdout
    assert (secrets / "kafka_worker_password").read_text() == "kept\n"
    assert {
        p.name: p.read_text()
        for p in secrets.iterdir()
        if p.name not in ("kafka_worker_password", "grafana_admin_password")
    } == {name: text for name, text in files.items() if name not in ("kafka_worker_password", "grafana_admin_password")}


@pytest.fixture(scope="module")
def compose() -> str:
    """The official Compose implementation: .venv/bin/docker-compose (setup.sh builds it), or on PATH."""
    beside_python = Path(sys.executable).parent / "docker-compose"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("docker-compose") or require_tool("docker-compose", COMPOSE_HINT)


def compose_config(compose: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [compose, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"), "config", *args],
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_validates_the_file_and_every_secret_file_exists(compose, tmp_path):
    secrets = tmp_path / "secrets"
    run_init_secrets(secrets)
    key = tmp_path / "pseudonym.key"
    key.write_text("k" * 48)
    key.chmod(0o600)
    env = {"UCJ_SECRETS_DIR": str(secrets), "UCJ_PSEUDONYM_KEY_FILE": str(key)}
    done = compose_config(compose, "--quiet", **env)
    assert done.returncode == 0, done.stderr
    resolved = compose_config(compose, "--format", "json", **env)
    assert resolved.returncode == 0, resolved.stderr
    project = json.loads(resolved.stdout)
    for name, secret in project["secrets"].items():
        path = Path(secret["file"])
        assert path.is_file() or str(path) == "/dev/null", f"secret {name}: {path} does not exist"
    assert (
        project["services"]["notifier"]["environment"]["UCJ_SMTP_PASSWORD_FILE"] == ""
    )  # no SMTP login unless a file is named
    with_smtp = json.loads(compose_config(compose, "--format", "json", UCJ_SMTP_PASSWORD_FILE=str(key), **env).stdout)
    assert with_smtp["services"]["notifier"]["environment"]["UCJ_SMTP_PASSWORD_FILE"] == "/run/secrets/smtp_password"
    assert with_smtp["secrets"]["smtp_password"]["file"] == str(key)


def notifier_smtp(project: dict, monkeypatch):
    """The SMTP settings the notifier container would start with: its resolved environment, with
    each /run/secrets/NAME and config target read from the host file Compose mounts there."""
    from services.cli import build_parser
    from services.notifier.settings import smtp_settings

    service = project["services"]["notifier"]
    mounts = {mount["target"]: project["secrets"][mount["source"]]["file"] for mount in service["secrets"]}
    mounts |= {mount["target"]: project["configs"][mount["source"]]["file"] for mount in service["configs"]}
    environment = {variable: mounts.get(value, value) for variable, value in service["environment"].items()}
    for variable in [v for v in os.environ if v.startswith("UCJ_")]:
        monkeypatch.delenv(variable)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    return smtp_settings(build_parser().parse_args(["notifier"]), environment)


def test_the_notifiers_smtp_settings_from_the_host_reach_it_and_work(compose, tmp_path, monkeypatch):
    """By default: no TLS settings, no CA file, no login, which the notifier accepts. With the
    host's STARTTLS, CA file, user and password file: the notifier gets all four, and reads the
    password and the CAs from the files Compose mounts."""
    secrets = tmp_path / "secrets"
    run_init_secrets(secrets)
    key = tmp_path / "pseudonym.key"
    key.write_text("k" * 48)
    key.chmod(0o600)
    env = {"UCJ_SECRETS_DIR": str(secrets), "UCJ_PSEUDONYM_KEY_FILE": str(key)}
    plain = json.loads(compose_config(compose, "--format", "json", **env).stdout)
    notifier = plain["services"]["notifier"]["environment"]
    assert {
        v: notifier[v]
        for v in ("UCJ_SMTP_STARTTLS", "UCJ_SMTP_IMPLICIT_TLS", "UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN", "UCJ_SMTP_CA_FILE")
    } == {
        "UCJ_SMTP_STARTTLS": "false",
        "UCJ_SMTP_IMPLICIT_TLS": "false",
        "UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN": "false",
        "UCJ_SMTP_CA_FILE": "",
    }
    settings = notifier_smtp(plain, monkeypatch)
    assert (settings.starttls, settings.implicit_tls, settings.ca_file, settings.user, settings.password) == (
        False,
        False,
        None,
        None,
        None,
    )
    assert settings.problem() is None

    password = tmp_path / "smtp-password"
    password.write_text("s3cret-smtp\n")
    password.chmod(0o600)
    ca = str(tmp_path / "ca.pem")  # a real CA certificate, for the notifier to load
    openssl = require_tool("openssl", "apt-get install openssl")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(tmp_path / "ca.key"),
            "-out",
            ca,
            "-days",
            "2",
            "-subj",
            "/CN=UCJ test SMTP CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    host = {
        "UCJ_SMTP_HOST": "mail.example.org",
        "UCJ_SMTP_PORT": "587",
        "UCJ_SMTP_STARTTLS": "true",
        "UCJ_SMTP_CA_FILE": ca,
        "UCJ_SMTP_USER": "alerts",
        "UCJ_SMTP_PASSWORD_FILE": str(password),
    }
    secure = json.loads(compose_config(compose, "--format", "json", **host, **env).stdout)
    notifier = secure["services"]["notifier"]["environment"]
    assert notifier["UCJ_SMTP_CA_FILE"] == "/etc/ucj/smtp-ca.pem" and secure["configs"]["smtp_ca"]["file"] == ca
    assert "s3cret-smtp" not in json.dumps(notifier)
    settings = notifier_smtp(secure, monkeypatch)
    assert (settings.host, settings.port, settings.starttls, settings.user, settings.password) == (
        "mail.example.org",
        587,
        True,
        "alerts",
        "s3cret-smtp",
    )
    assert settings.ca_file == ca and settings.problem() is None

    # a login without TLS is refused unless the host allows it
    bare = {**host, "UCJ_SMTP_STARTTLS": "false", "UCJ_SMTP_PORT": "25"}
    with pytest.raises(SystemExit, match="unencrypted"):
        notifier_smtp(json.loads(compose_config(compose, "--format", "json", **bare, **env).stdout), monkeypatch)
    allowed = json.loads(
        compose_config(compose, "--format", "json", **bare, UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN="true", **env).stdout
    )
    assert notifier_smtp(allowed, monkeypatch).allow_plaintext_login is True


def test_compose_refuses_a_stack_without_the_pseudonym_key(compose, tmp_path):
    """The validation is real: Compose itself stops at the missing key file."""
    done = compose_config(compose, "--quiet", UCJ_SECRETS_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "UCJ_PSEUDONYM_KEY_FILE" in done.stderr


# Capabilities a service adds back after cap_drop ALL, and why (each is in the compose file's comments too).
CAPABILITIES_ADDED = {
    # root reads the services' 0600 secret files (owned by uid 10001) and gives the volume to the broker's user
    "kafka-format": {"CHOWN", "DAC_OVERRIDE"},
    # the entrypoint starts as root: chowns and chmods its data and socket directories, then becomes postgres
    "postgres": {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"},
}
# Services whose root filesystem stays writable, and why.
WRITABLE_ROOT = {
    "kafka": "its entrypoint renders the broker's configuration into /opt/kafka/config at start",
    "kafka-format": "Kafka's scripts create /opt/kafka/logs",
    "kafka-init": "Kafka's scripts create /opt/kafka/logs",
}
PROJECT_IMAGE = ("registry-init", "worker-1", "worker-2", "notifier", "gateway")


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_drops_every_capability_and_cannot_gain_privileges(name):
    service = SERVICES[name]
    assert service.get("cap_drop") == ["ALL"], f"{name} does not drop every capability"
    assert set(service.get("cap_add", [])) == CAPABILITIES_ADDED.get(name, set()), (
        f"{name} adds capabilities nobody justified"
    )
    assert "no-new-privileges:true" in service.get("security_opt", []), f"{name} may gain privileges (setuid binaries)"
    assert (
        service.get("privileged") is not True and "pid" not in service and service.get("network_mode") in (None, "none")
    )
    if name in WRITABLE_ROOT:
        assert not service.get("read_only")
    else:
        assert service.get("read_only") is True, (
            f"{name}: root filesystem not read-only (WRITABLE_ROOT says why, when it must be)"
        )


def test_the_projects_containers_write_only_to_tmpfs_and_their_volumes():
    for name in PROJECT_IMAGE:
        assert SERVICES[name]["read_only"] is True and "/tmp" in SERVICES[name]["tmpfs"]
        assert "user" not in SERVICES[name], f"{name} overrides the image's non-root user"
    assert [v.split(":")[1] for v in SERVICES["worker-1"]["volumes"]] == [
        "/var/lib/ucj"
    ]  # the worker's state (UCJ_DATA_DIR)


def test_the_image_runs_as_a_fixed_non_root_user():
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    users = [line.split(None, 1)[1] for line in lines if line.startswith("USER ")]
    assert users, "the Dockerfile has no USER line: the image runs as root"
    user = users[-1]  # the last one is what the container runs as
    assert user.split(":")[0] == str(UCJ_UID), (
        f"USER {user}: a fixed numeric uid, which init-secrets.sh gives the secrets to"
    )
    assert user.split(":")[0] not in ("root", "0")
    assert lines.index(next(line for line in lines if line.startswith("USER "))) < lines.index('ENTRYPOINT ["ucj"]')
    assert f"--uid {UCJ_UID}" in (ROOT / "Dockerfile").read_text()
    assert f"UCJ_UID={UCJ_UID}" in INIT_SECRETS.read_text()


def networks_of(name: str) -> set[str]:
    networks = SERVICES[name].get("networks", [])
    return set(networks if isinstance(networks, list) else networks)


def test_the_gateway_cannot_reach_alertmanager_and_the_back_network_is_internal():
    assert not networks_of("gateway") & networks_of("alertmanager"), (
        "the gateway shares a network with Alertmanager (no login on its API)"
    )
    assert networks_of("gateway") == {"front", "back", "metrics"}
    assert networks_of("alertmanager") == {"alerts"}
    # who reaches Alertmanager: Prometheus (alerts) and the notifier (posts coverage alerts)
    assert {name for name in SERVICES if "alerts" in networks_of(name)} == {"alertmanager", "prometheus", "notifier"}
    assert {name for name in SERVICES if "front" in networks_of(name)} == {"gateway"}
    networks = COMPOSE["networks"]
    assert networks["back"].get("internal") is True and networks["metrics"].get("internal") is True
    assert {"kafka", "postgres"} <= {name for name in SERVICES if "back" in networks_of(name)}
    for name in ("kafka", "postgres"):
        assert networks_of(name) == {"back"}, f"{name} is on more than the internal back network"
    # every service that talks to Kafka or PostgreSQL is on back; every one Prometheus scrapes shares a network with it
    for name, service in SERVICES.items():
        environment = service.get("environment") or {}
        if (
            "UCJ_DATABASE_URL_FILE" in environment
            or "UCJ_KAFKA_BOOTSTRAP" in environment
            or "KAFKA_BOOTSTRAP" in environment
        ):
            assert "back" in networks_of(name), name
    for name in ("worker-1", "worker-2", "notifier", "gateway", "alertmanager"):
        assert networks_of(name) & networks_of("prometheus"), f"Prometheus cannot scrape {name}"
    assert networks_of("grafana") & networks_of("prometheus")
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    for name in published:  # a port is published through a network that is not internal
        assert any(not networks.get(n, {}).get("internal") for n in networks_of(name)), name


def test_each_service_logs_in_to_postgresql_as_its_own_role(tmp_path):
    """Only registry-init is the admin (it owns the schema and runs the migrations); the gateway,
    the workers and the notifier are members of their groups; nobody is the bootstrap superuser."""
    secrets = tmp_path / "secrets"
    run_init_secrets(secrets)
    expected = {
        "registry-init": "admin",
        "worker-1": "worker",
        "worker-2": "worker",
        "notifier": "notifier",
        "gateway": "gateway",
    }
    users = {}
    for name, service in SERVICES.items():
        variable = (service.get("environment") or {}).get("UCJ_DATABASE_URL_FILE")
        if variable is None:
            continue
        secret = variable.removeprefix("/run/secrets/")
        assert secret in service["secrets"]
        users[name] = urlparse((secrets / secret).read_text().strip()).username
    assert users == {name: DATABASE_USERS[role] for name, role in expected.items()}
    assert (
        "POSTGRES_USER" not in SERVICES["postgres"]["environment"]
    )  # the image's superuser, postgres: no service uses it
    assert "postgres" not in users.values() and "ucj" not in users.values()
    # postgres-roles.sh makes exactly these logins, each a member of its group only, none powerful
    script = POSTGRES_ROLES.read_text()
    for role in ("gateway", "worker", "notifier"):
        assert f"GRANT ucj_{role} TO {role};" in script
        assert re.search(
            rf"ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE .*PASSWORD :'{role}_password';", script
        )
    assert re.search(
        r"ALTER ROLE ucj_admin LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE .*PASSWORD :'admin_password';", script
    )
    assert "/docker-entrypoint-initdb.d/" in " ".join(SERVICES["postgres"]["volumes"])
    assert set(SERVICES["postgres"]["secrets"]) == {
        "postgres_password",
        *(f"postgres_{role}_password" for role in DATABASE_USERS),
    }
