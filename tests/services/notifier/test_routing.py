from services.notifier.routing import OPERATIONS_REGION, Route, audience_region, routes
from services.registry import Coordinator
from tests.services.notifier.samples import BENGKAYANG, SINGKAWANG, alert, lapse_cliff_alert


def coordinator(id, region, email=None, webhook=None, webhook_format="json", language="id"):
    return Coordinator(
        id=id,
        name=f"c{id}",
        region_code=region,
        email=email,
        webhook_url=webhook,
        webhook_format=webhook_format,
        language=language,
        active=True,
    )


DIRECTORY = {
    BENGKAYANG: [
        coordinator(2, BENGKAYANG, webhook="https://bengkayang.example/hook", webhook_format="alertmanager"),
        coordinator(
            1, BENGKAYANG, email="disnaker@bengkayang.go.id", webhook="https://bengkayang.example/json", language="en"
        ),
    ],
    SINGKAWANG: [coordinator(3, SINGKAWANG, email="kota@singkawang.go.id")],
    OPERATIONS_REGION: [coordinator(4, OPERATIONS_REGION, email="ops@kalbarprov.go.id")],
}


def lookup(region):
    return DIRECTORY.get(region, [])


def test_a_regencys_alert_goes_to_its_coordinators_once_per_channel():
    assert routes(alert(BENGKAYANG), lookup) == [
        Route("email", "disnaker@bengkayang.go.id", 1, "en"),
        Route("webhook", "https://bengkayang.example/json", 1, "en", "json"),
        Route("webhook", "https://bengkayang.example/hook", 2, "id", "alertmanager"),
    ]
    assert [r.recipient for r in routes(alert(SINGKAWANG), lookup)] == ["kota@singkawang.go.id"]


def test_district_alerts_go_to_their_regency_and_province_alerts_to_operations():
    assert audience_region(alert("61.07.01")) == BENGKAYANG
    assert {r.coordinator_id for r in routes(alert("61.07.01"), lookup)} == {1, 2}
    assert audience_region(alert("61")) == OPERATIONS_REGION
    assert routes(alert("61"), lookup) == [Route("email", "ops@kalbarprov.go.id", 4, "id")]
    assert routes(lapse_cliff_alert(), lookup)[0].recipient == "disnaker@bengkayang.go.id"


def test_a_region_without_coordinators_gets_nothing_but_alertmanager():
    assert routes(alert("61.04"), lookup) == []
    assert routes(alert("61.04"), lookup, alertmanager_url="http://am:9093/", default_language="en") == [
        Route("alertmanager", "http://am:9093", None, "en")
    ]


def test_one_alertmanager_delivery_per_alert_and_duplicates_collapse():
    shared = {
        BENGKAYANG: [coordinator(1, BENGKAYANG, email="same@x.go.id"), coordinator(5, BENGKAYANG, email="same@x.go.id")]
    }
    found = routes(alert(BENGKAYANG), lambda region: shared.get(region, []), alertmanager_url="http://am:9093")
    assert [(r.channel, r.recipient, r.coordinator_id) for r in found] == [
        ("email", "same@x.go.id", 1),
        ("alertmanager", "http://am:9093", None),
    ]


def test_coordinator_language_wins_over_the_default():
    found = routes(alert(BENGKAYANG), lookup, default_language="en")
    assert {r.coordinator_id: r.language for r in found} == {1: "en", 2: "id"}
