"""docker-compose.yml can't run here (no Docker engine), so its wiring is checked instead:
it parses, every file it mounts exists, and names and ports agree with the rest."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from services.config import ENVIRONMENT
from services.gateway.settings import ENVIRONMENT as GATEWAY_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
WORKER_PORT = int(ENVIRONMENT["UCJ_WEB_PORT"][0])
NOTIFIER_PORT = 6070  # ucj notifier --metrics-port default
GATEWAY_PORT = int(GATEWAY_ENVIRONMENT["UCJ_GATEWAY_PORT"][0])
LISTENS = {
    "kafka": 9092, "postgres": 5432, "worker-1": WORKER_PORT, "worker-2": WORKER_PORT, "notifier": NOTIFIER_PORT,
    "gateway": GATEWAY_PORT, "prometheus": 9090, "alertmanager": 9093, "grafana": 3000,
}


def bind_mounts():
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                yield name, ROOT / source, target


def test_every_service_the_stack_needs_is_there():
    assert set(LISTENS) | {"registry-init"} <= set(SERVICES)


@pytest.mark.parametrize("service, source, target", list(bind_mounts()), ids=lambda v: str(v))
def test_mounted_files_exist(service, source, target):
    assert source.exists(), f"{service} mounts {source}, which does not exist"


def test_the_image_is_built_from_the_project():
    assert (ROOT / "Dockerfile").exists()
    assert all(SERVICES[s]["build"] == "." for s in ("registry-init", "worker-1", "worker-2", "notifier", "gateway"))


def test_published_ports_are_the_ports_services_listen_on():
    for name, port in LISTENS.items():
        for mapping in SERVICES[name].get("ports", []):
            assert int(str(mapping).split(":")[-1]) == port, f"{name} publishes {mapping} but listens on {port}"


def target(address: str) -> tuple[str, int]:
    host, port = (urlparse(address).netloc or address).rsplit(":", 1)
    return host, int(port)


def test_prometheus_scrapes_the_services_where_they_listen():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = [target(t) for job in config["scrape_configs"] for group in job.get("static_configs", []) for t in group["targets"]]
    assert {"worker-1", "worker-2", "notifier", "gateway"} <= {host for host, _ in targets}
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
    datasources = [d for f in (provisioning / "datasources").glob("*.yml") for d in yaml.safe_load(f.read_text())["datasources"]]
    assert [target(d["url"]) for d in datasources if d["type"] == "prometheus"] == [("prometheus", 9090)]
    providers = [p for f in (provisioning / "dashboards").glob("*.yml") for p in yaml.safe_load(f.read_text())["providers"]]
    mounted = {t: s for _, s, t in bind_mounts()}
    for provider in providers:
        source = mounted[provider["options"]["path"].rstrip("/")]
        assert list(source.glob("*.json")), f"no dashboards in {source}"


def test_services_find_kafka_postgres_and_alertmanager_by_name():
    env = SERVICES["worker-1"]["environment"]
    assert target(env["UCJ_KAFKA_BOOTSTRAP"]) == ("kafka", LISTENS["kafka"])
    assert urlparse(env["UCJ_DATABASE_URL"]).hostname == "postgres"
    assert "PLAINTEXT://kafka:9092" in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert target(SERVICES["notifier"]["environment"]["UCJ_ALERTMANAGER_URL"]) == ("alertmanager", 9093)


def test_the_gateway_reads_the_pseudonym_key_from_a_docker_secret_with_no_default():
    gateway = SERVICES["gateway"]
    assert "--host" in gateway["command"] and "0.0.0.0" in gateway["command"]  # reachable from outside its container
    assert "UCJ_PSEUDONYM_KEY" not in gateway["environment"]  # never the key itself in the environment
    [secret] = gateway["secrets"]
    assert gateway["environment"]["UCJ_PSEUDONYM_KEY_FILE"] == f"/run/secrets/{secret}"
    source = COMPOSE["secrets"][secret]["file"]
    assert source.startswith("${UCJ_PSEUDONYM_KEY_FILE:?"), f"the key file must be named by the operator, not defaulted: {source}"
    assert target(gateway["environment"]["UCJ_KAFKA_BOOTSTRAP"]) == ("kafka", LISTENS["kafka"])
    assert "/healthz" in " ".join(gateway["healthcheck"]["test"])
