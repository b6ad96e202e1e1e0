"""Sender: webhooks signed with their coordinator's secret, against a real registry and a local HTTP server."""

from __future__ import annotations

import json
import time

import pytest

from services.notifier import payloads
from services.notifier.channels import DeliveryRefused
from services.notifier.routing import Route
from services.notifier.sending import Sender, SendSettings
from services.notifier.signature import SignatureError, verify
from services.registry import NewDelivery
from tests.services.notifier.samples import BENGKAYANG, alert

HEADER = "X-UCJ-Signature"


def logged_delivery(registry, channel, recipient, coordinator_id, webhook_format="json"):
    transition = alert()
    route = Route(channel, recipient, coordinator_id, "id", webhook_format)
    item = NewDelivery(
        transition.transition_id,
        transition.alert_id,
        transition.region_code,
        channel,
        recipient,
        coordinator_id,
        payloads.encode(transition, route),
    )
    registry.enqueue_deliveries([item], transition.at)
    return registry.deliveries()[-1]


def send(registry, delivery) -> None:
    Sender(SendSettings(http_timeout=10), registry.webhook_secret).send(delivery)


@pytest.mark.parametrize("webhook_format", ["json", "alertmanager"])
def test_a_webhook_is_signed_with_its_coordinators_secret(registry, server, webhook_format):
    url, seen = server
    hook = registry.add_coordinator("Disnaker", BENGKAYANG, webhook_url=url + "/ok", webhook_format=webhook_format)
    send(registry, logged_delivery(registry, "webhook", url + "/ok", hook.id, webhook_format))

    [(_, headers, raw)] = seen
    assert abs(verify(registry.webhook_secret(hook.id), raw, headers[HEADER], now=time.time()) - time.time()) < 60
    body = json.loads(raw)
    if webhook_format == "alertmanager":  # Alertmanager's own body shape, with the same header
        assert body["version"] == "4" and body["alerts"][0]["labels"]["region"] == BENGKAYANG
    else:
        assert set(body) == {"alert", "message"}


def test_a_rotated_secret_signs_the_next_post(registry, server):
    url, seen = server
    hook = registry.add_coordinator("Disnaker", BENGKAYANG, webhook_url=url + "/ok")
    old = registry.webhook_secret(hook.id)
    _, new = registry.rotate_webhook_secret(hook.id)
    send(registry, logged_delivery(registry, "webhook", url + "/ok", hook.id))

    [(_, headers, raw)] = seen
    verify(new, raw, headers[HEADER], now=time.time())
    with pytest.raises(SignatureError):
        verify(old, raw, headers[HEADER], now=time.time())


def test_a_webhook_without_a_secret_is_not_sent(registry, server, tmp_path):
    url, seen = server
    imports = tmp_path / "coordinators.csv"  # an import makes no secret
    imports.write_text(f"name,region_code,email,webhook_url\nDisnaker,{BENGKAYANG},,{url}/ok\n", encoding="utf-8")
    registry.load_coordinators_csv(imports)
    [imported] = registry.coordinators()
    with pytest.raises(DeliveryRefused) as refused:
        send(registry, logged_delivery(registry, "webhook", url + "/ok", imported.id))
    assert str(refused.value) == (
        f"coordinator {imported.id} has no webhook secret and no webhook is sent unsigned: run "
        f"`ucj coordinators rotate-secret {imported.id}` and give the receiver the secret it prints"
    )
    assert seen == []


def test_a_webhook_row_without_a_coordinator_is_not_sent(registry, server):
    url, seen = server
    with pytest.raises(DeliveryRefused, match="coordinator None has no webhook secret"):
        send(registry, logged_delivery(registry, "webhook", url + "/ok", None))
    assert seen == []


def test_alertmanagers_api_gets_no_signature(registry, server):
    url, seen = server
    send(registry, logged_delivery(registry, "alertmanager", url, None))
    [(path, headers, _)] = seen
    assert path == "/api/v2/alerts" and HEADER not in headers
