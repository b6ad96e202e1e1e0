"""The gateway end to end: a real broker, a real registry with real keys, a real worker.

A village administration's source, scoped to one regency, posts JSON and a semicolon CSV
naming workers by NIK. The worker's counts equal an independent count; every bad row comes
back with its reason and line; no NIK, in any formatting, is in any message of any topic.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from kafka.admin import KafkaAdminClient

from services.dev.kafka_local import ensure_broker, stop_broker
from services.registry import Registry
from streams.broker.topics import PARTICIPANT_EVENTS
from tests.integration.conftest import BROKER_DATA_DIRS, FIXED_NOW
from tests.integration.gateway import GatewayProcess
from tests.integration.offsets import end_offsets, read_to_end
from tests.integration.oracle import active_by_region
from tests.integration.streams import differences, exported_active
from tests.integration.waiting import wait_until
from tests.tools import child_env

pytestmark = pytest.mark.integration

TODAY = date.fromisoformat(FIXED_NOW[:10])
REGENCY, OTHER_REGENCY = "61.07", "61.01"  # Bengkayang, Sambas


@pytest.fixture
def start_gateway(kafka_bootstrap, registry_url, tmp_path):
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(secrets.token_urlsafe(48) + "\n")
    key_file.chmod(0o600)  # a secret file must be private (services/common/secrets.py)
    gateways = []

    def start(*options: str) -> GatewayProcess:
        gateways.append(
            GatewayProcess(
                kafka_bootstrap, registry_url, tmp_path, {"UCJ_PSEUDONYM_KEY_FILE": str(key_file)}, options=options
            )
        )
        return gateways[-1]

    yield start
    for gateway in gateways:
        gateway.stop()


def ucj(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=child_env(UCJ_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def add_source(database_url: str, name: str, *regions: str) -> str:
    """A new source with `ucj sources add`; its key, the last line of standard output."""
    return (
        ucj(database_url, "sources", "add", "--name", name, *[arg for code in regions for arg in ("--region", code)])
        .strip()
        .splitlines()[-1]
    )


# --- workers named by NIK


def make_nik(village: str, i: int) -> str:
    """A well-formed NIK registered in the village's district; unique for i < 9999."""
    province, regency, district = village.split(".")[:3]
    day = 1 + i % 28 + (40 if i % 2 else 0)
    return f"{province}{regency}{district}{day:02d}{1 + i // 28 % 12:02d}{80 + i % 20:02d}{1 + i:04d}"


FORMATS = {
    "digits": lambda n: n,
    "dotted": lambda n: f"{n[0:2]}.{n[2:4]}.{n[4:6]}.{n[6:12]}.{n[12:]}",
    "spaced": lambda n: " ".join(n[i : i + 4] for i in range(0, 16, 4)),
    "dashed": lambda n: f"{n[:6]}-{n[6:12]}-{n[12:]}",
}


def villages_of(registry_url: str, regency: str) -> list[str]:
    return [code for code in Registry(registry_url).region_tree().codes_at("village") if code.startswith(regency + ".")]


def enrollment(i: int, village: str, nik: str, paid_through: str = "2026-12-31", **fields) -> dict:
    return {
        "schema": "ucj.participant-event/1",
        "event_id": f"desa-enrol-{i}",
        "type": "enrollment",
        "occurred_at": "2026-01-05T09:00:00+07:00",
        "nik": nik,
        "region_code": village,
        "segment": "BPU",
        "covered_from": "2026-01-01",
        "paid_through": paid_through,
        **fields,
    }


def lapse(i: int, village: str, nik: str) -> dict:
    return {
        "event_id": f"desa-lapse-{i}",
        "type": "lapse",
        "occurred_at": "2026-06-10T09:00:00+07:00",
        "nik": nik,
        "region_code": village,
        "segment": "BPU",
        "reason": "non_payment",
        "effective_date": "2026-06-10",
    }


def assistance(i: int, village: str, nik: str, amount: str = "117600") -> dict:
    return {
        "event_id": f"desa-apbd-{i}",
        "type": "assistance_payment",
        "occurred_at": "2026-06-20T09:00:00+07:00",
        "nik": nik,
        "region_code": village,
        "segment": "BPU",
        "payer_id": "APBD-61.07",
        "period_start": "2026-06-01",
        "period_end": "2026-12-31",
        "amount_idr": amount,
    }


def oracle_event(event: dict) -> dict:
    """The event as the independent count sees it: the participant is the NIK's digits, not the gateway's pseudonym."""
    copy = {k: v for k, v in event.items() if k != "nik"}
    copy["participant_id"] = "N" + re.sub(r"\D", "", event["nik"])
    copy["amount_idr"] = int(copy["amount_idr"]) if "amount_idr" in copy else None
    return copy


CSV_COLUMNS = [
    "event_id",
    "type",
    "occurred_at",
    "nik",
    "region_code",
    "segment",
    "covered_from",
    "paid_through",
    "reason",
    "effective_date",
    "payer_id",
    "period_start",
    "period_end",
    "amount_idr",
]


def semicolon_csv(rows: list[dict | str]) -> bytes:
    """As Indonesian-locale Excel saves it: BOM, semicolons, CRLF, no schema column; a str row is written as it is."""
    lines = [";".join(CSV_COLUMNS)] + [
        row if isinstance(row, str) else ";".join(str(row.get(c, "")) for c in CSV_COLUMNS) for row in rows
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def shuffled_with_expectations(
    items: list[tuple[dict | str, str | None]], seed: int
) -> tuple[list, list[tuple[int, str]]]:
    random.Random(seed).shuffle(items)
    return [body for body, _ in items], [(index, reason) for index, (_, reason) in enumerate(items) if reason]


def test_a_regency_source_posts_json_and_csv_by_nik_and_the_counts_are_exact_with_no_nik_anywhere(
    kafka_bootstrap, registry_url, start_worker, start_gateway
):
    worker = start_worker()
    gateway = start_gateway()
    key = add_source(registry_url, "desa-bengkayang", REGENCY)
    assert gateway.call("GET", "/v1/whoami", key=key)[2]["regions"][0]["code"] == REGENCY
    villages, elsewhere = villages_of(registry_url, REGENCY), villages_of(registry_url, OTHER_REGENCY)
    people = [(villages[i % len(villages)], make_nik(villages[i % len(villages)], i)) for i in range(240)]
    formats = list(FORMATS.values())
    niks = {nik for _, nik in people}

    # JSON: 160 enrollments, each NIK in one of four formattings, and nine rows that must not pass
    valid_json = [enrollment(i, village, formats[i % 4](nik)) for i, (village, nik) in enumerate(people[:160])]
    outsider, broken = make_nik(elsewhere[0], 500), make_nik(villages[0], 501)
    niks |= {outsider, broken}
    bad_json = [
        (enrollment(900, elsewhere[0], outsider), "region_out_of_scope"),
        (
            {k: v for k, v in enrollment(901, villages[0], make_nik(villages[0], 601)).items() if k != "paid_through"},
            "missing_field",
        ),
        (enrollment(902, villages[0], make_nik(villages[0], 602), covered_from="2026-13-01"), "bad_date"),
        (
            {
                **{k: v for k, v in enrollment(903, villages[0], "").items() if k != "nik"},
                "participant_id": FORMATS["dotted"](broken),
            },
            "raw_nik",
        ),
        (
            {
                **enrollment(904, villages[0], make_nik(villages[0], 604)),
                "event_id": f"enrol-{FORMATS['spaced'](broken)}",
            },
            "raw_nik",
        ),
        (
            {**{k: v for k, v in enrollment(905, villages[0], "").items() if k != "nik"}, "participant_id": broken},
            "raw_nik",
        ),
        (enrollment(906, villages[0], broken[:12] + "0000"), "bad_nik"),
        (enrollment(907, villages[0], make_nik(villages[0], 607), participant_id="P-907"), "nik_and_participant_id"),
        (enrollment(908, villages[0], make_nik(villages[0], 608), source="disnaker-bengkayang"), "source_mismatch"),
    ]
    niks |= {make_nik(villages[0], i) for i in (601, 602, 604, 607, 608)}
    json_body, json_rejects = shuffled_with_expectations([(e, None) for e in valid_json] + bad_json, seed=1)
    status, _, summary = gateway.post("[\n" + ",\n".join(json.dumps(e) for e in json_body) + "\n]\n", key=key)
    assert status == 200, summary
    assert summary["accepted"] == len(valid_json)
    assert [(r["index"], r["line"], r["reason"]) for r in summary["rejected"]] == [
        (i, i + 2, reason) for i, reason in json_rejects
    ]

    # CSV: 40 lapses, 20 assistance payments (after the lapse: covered again), 80 more enrollments, and five bad rows
    valid_csv = (
        [lapse(i, village, FORMATS["spaced"](nik)) for i, (village, nik) in enumerate(people[:40])]
        + [assistance(i, village, FORMATS["dashed"](nik)) for i, (village, nik) in enumerate(people[:20])]
        + [
            enrollment(i, village, FORMATS["dotted"](nik), paid_through="2026-05-31" if i % 4 == 0 else "2026-12-31")
            for i, (village, nik) in enumerate(people)
            if i >= 160
        ]
    )
    for row in valid_csv:
        row.pop("schema", None)
    extra_nik = make_nik(villages[1], 700)
    niks |= {extra_nik}
    bad_csv = [
        (lapse(950, elsewhere[0], outsider), "region_out_of_scope"),
        (";".join(str(lapse(951, villages[1], extra_nik).get(c, "")) for c in CSV_COLUMNS) + ";surplus", "bad_csv_row"),
        (lapse(952, villages[1], extra_nik[:6] + "99" + extra_nik[8:]), "bad_nik"),
        (assistance(953, villages[1], extra_nik, amount="117.600"), "wrong_field_type"),
        (lapse(954, villages[1], "NIK" + extra_nik), "bad_nik"),
    ]
    csv_rows, csv_rejects = shuffled_with_expectations([(e, None) for e in valid_csv] + bad_csv, seed=2)
    status, _, summary = gateway.post(semicolon_csv(csv_rows), content_type="text/csv", key=key, path="/v1/events/csv")
    assert status == 200, summary
    assert summary["accepted"] == len(valid_csv)
    assert [(r["index"], r["line"], r["reason"]) for r in summary["rejected"]] == [
        (i, i + 2, reason) for i, reason in csv_rejects
    ]

    # the worker's counts equal the independent count, region by region
    expected = active_by_region([oracle_event(e) for e in valid_json + valid_csv], TODAY)
    tree = Registry(registry_url).region_tree()
    codes = ["61", REGENCY, *[c for c in tree.codes_at("district") if c.startswith(REGENCY + ".")]]
    assert 0 < expected[REGENCY] < 240
    wait_until(
        lambda: not differences(exported_active(worker.metrics()), expected, codes),
        lambda: f"exact counts; (exported, true): {differences(exported_active(worker.metrics()), expected, codes)}",
        processes=[worker],
    )

    # the gateway's own metrics count what it accepted and rejected, by reason
    counted = {
        s.labels["outcome"]: s.value
        for s in gateway.metrics()["ucj_gateway_events"]
        if s.name.endswith("_total") and s.labels["source"] == "desa-bengkayang"
    }
    assert counted == {
        "accepted": len(valid_json) + len(valid_csv),
        **Counter(reason for _, reason in json_rejects + csv_rejects),
    }

    assert_no_nik_in_any_topic(kafka_bootstrap, niks)
    assert_no_nik_in(gateway.log_path.read_text(errors="replace"), niks)


def assert_no_nik_in_any_topic(bootstrap: str, niks: set[str]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        topics = sorted(admin.list_topics())
    finally:
        admin.close()
    assert PARTICIPANT_EVENTS in topics
    scanned = 0
    for topic in topics:
        for record in read_to_end(bootstrap, topic):
            for part in (
                record.key or b"",
                record.value or b"",
                *(name.encode() + value for name, value in record.headers or ()),
            ):
                assert_no_nik_in(
                    part.decode("latin-1"), niks, f"{topic} partition {record.partition} offset {record.offset}"
                )
                scanned += 1
    assert scanned > 0


def assert_no_nik_in(text: str, niks: set[str], where: str = "") -> None:
    """None of the NIKs, in any formatting: separators between digits are ignored."""
    digits_only = re.sub(r"(?<=\d)[ .\-_/:]+(?=\d)", "", text)
    found = [nik for nik in niks if nik in digits_only]
    assert not found, f"{len(found)} NIK(s) found {where}"


# --- keys and limits


def test_no_wrong_or_revoked_key_is_401_and_oversized_requests_are_413_with_nothing_published(
    kafka_bootstrap, registry_url, start_gateway
):
    gateway = start_gateway()
    key = add_source(registry_url, "desa-sambas", OTHER_REGENCY)
    village = villages_of(registry_url, OTHER_REGENCY)[0]
    body = json.dumps([enrollment(1, village, make_nik(village, 1))])
    ucj(registry_url, "sources", "revoke", "desa-sambas")
    for wrong in (None, "ucjk_" + secrets.token_urlsafe(32), key):
        for path, content_type in (("/v1/events", "application/json"), ("/v1/events/csv", "text/csv")):
            status, headers, answer = gateway.post(body, content_type, key=wrong, path=path)
            assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer"), answer
        assert gateway.call("GET", "/v1/whoami", key=wrong)[0] == 401

    key = add_source(registry_url, "desa-sambas-2", OTHER_REGENCY)
    many = "".join(json.dumps(enrollment(i, village, make_nik(village, i))) + "\n" for i in range(5_001))
    assert gateway.post(many, "application/x-ndjson", key=key)[0] == 413
    assert gateway.post(b"[" + b" " * (5 * 2**20) + b"]", key=key)[0] == 413
    assert sum(end_offsets(kafka_bootstrap, PARTICIPANT_EVENTS).values()) == 0
    assert gateway.post(body, key=key)[2]["accepted"] == 1  # the same source's new key works
    assert gateway.call("GET", "/v1/whoami", key=key)[2]["source"] == "desa-sambas-2"


# --- the broker away


def test_503_while_the_broker_is_stopped_then_the_retried_batch_counts_exactly(
    kafka_bootstrap, registry_url, start_worker, start_gateway
):
    worker = start_worker(store="rocksdb")
    worker.wait_ready()  # the broker goes away while the worker runs (a start without it: test_failures.py)
    gateway = start_gateway()
    key = add_source(registry_url, "disnaker-bengkayang", REGENCY)
    villages = villages_of(registry_url, REGENCY)
    first = [enrollment(i, villages[i % 7], make_nik(villages[i % 7], i)) for i in range(50)]
    second = [enrollment(i, villages[i % 7], make_nik(villages[i % 7], i)) for i in range(50, 120)]
    assert gateway.post(json.dumps(first), key=key)[2]["accepted"] == 50

    port = int(kafka_bootstrap.rsplit(":", 1)[1])
    stop_broker(port=port, data_dir=BROKER_DATA_DIRS[port])
    status, headers, answer = gateway.post(json.dumps(second), key=key)
    assert status == 503 and int(headers["Retry-After"]) > 0, answer
    assert answer["accepted"] == 0 and len(answer["not_published"]) == len(second) and "Kafka" in answer["error"]
    assert gateway.call("GET", "/healthz")[2]["kafka"] == "unreachable"

    ensure_broker(port=port, data_dir=BROKER_DATA_DIRS[port], timeout=120)
    status, _, answer = gateway.post(json.dumps(second), key=key)  # the client's retry: the whole batch again
    assert (status, answer["accepted"], answer["rejected"]) == (200, len(second), [])
    expected = active_by_region([oracle_event(e) for e in first + second], TODAY)
    assert expected[REGENCY] == 120
    wait_until(
        lambda: exported_active(worker.metrics())[REGENCY] == 120 and exported_active(worker.metrics())["61"] == 120,
        lambda: f"120 active in {REGENCY}, got {exported_active(worker.metrics())[REGENCY]}",
        processes=[worker],
        timeout=300,
    )


def test_the_scan_finds_a_nik_in_any_formatting():
    nik = make_nik("61.07.01.2001", 3)
    for render in FORMATS.values():
        with pytest.raises(AssertionError):
            assert_no_nik_in(f'{{"participant_id": "x{render(nik)}"}}', {nik})
    assert_no_nik_in(f'{{"participant_id": "{nik[:15]}", "n": {nik[1:]}}}', {nik})
