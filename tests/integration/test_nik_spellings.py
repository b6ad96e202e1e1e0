"""NIKs as people type them, end to end: through the real gateway, through `ucj produce`, and
written straight into the events topic by a raw Kafka client. No NIK, in any spelling, is left
in any topic (but the raw client's own records), dead letter, log, metric or response.

The search for a NIK here is independent of streams.domain.nik: JSON escapes decoded, NFKC,
every Unicode decimal digit read as its value, and everything that is not a digit dropped, so
that the NIK's 16 digits in a row are found whatever was typed between them.
"""

from __future__ import annotations

import json
import re
import unicodedata

from kafka import KafkaProducer

from streams.broker.topics import DEAD_LETTER, PARTICIPANT_EVENTS, ensure_topics
from tests.integration.offsets import end_offsets, read_to_end
from tests.integration.test_gateway import REGENCY, add_source, make_nik, start_gateway, villages_of  # noqa: F401 (fixture)
from tests.integration.test_produce_cli import every_topic, produce
from tests.integration.waiting import wait_until

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def spellings(nik: str) -> list[str]:
    groups = [nik[i : i + 4] for i in range(0, 16, 4)]
    return [
        nik.translate(FULLWIDTH),
        nik.translate(ARABIC_INDIC),
        "\u00a0".join(groups).translate(DEVANAGARI),
        ",".join(groups),
        "|".join(groups),
        "\u00a0".join(groups),
        "\u2009".join(groups),
        "    ".join(groups),
        nik + "01",
        "NIK:" + nik + "7",
    ]


def escaped(text: str) -> str:
    """Every character as a JSON \\u escape."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def digits_of(text: str) -> str:
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(c)) for c in text if unicodedata.decimal(c, None) is not None)


def assert_no_nik(text: str, niks: set[str], where: str) -> None:
    found = digits_of(text)
    assert not [nik for nik in niks if nik in found], f"a NIK in {where}"


def event_texts(village: str, niks: list[str]) -> list[str]:
    """JSON texts of events hiding NIKs in every field and spelling; none may pass."""
    texts = []
    for n, nik in enumerate(niks):
        for s, spelled in enumerate(spellings(nik)):
            base = {
                "schema": "ucj.participant-event/1",
                "event_id": f"ev-{n}-{s}",
                "type": "enrollment",
                "occurred_at": "2026-06-01T09:00:00+07:00",
                "participant_id": f"pn1_{'a' * 32}",
                "region_code": village,
                "segment": "BPU",
                "covered_from": "2026-06-01",
                "paid_through": "2026-12-31",
            }
            texts.append(json.dumps({**base, "participant_id": spelled}, ensure_ascii=False))
            texts.append(json.dumps({**base, "event_id": f"ev-{spelled}"}, ensure_ascii=False))
            texts.append(json.dumps({**base, "note": {spelled: [spelled]}}, ensure_ascii=False))
            escaped_event = json.dumps({**base, "participant_id": "ESCAPED"}, ensure_ascii=False)
            texts.append(escaped_event.replace('"ESCAPED"', f'"{escaped(spelled)}"'))
    return texts


def test_no_nik_in_any_spelling_is_left_anywhere(kafka_bootstrap, registry_url, start_worker, start_gateway, tmp_path):
    village = villages_of(registry_url, REGENCY)[0]
    niks = [make_nik(village, i) for i in range(3)]
    texts = event_texts(village, niks)
    worker = start_worker()
    gateway = start_gateway()
    key = add_source(registry_url, "desa-eja", REGENCY)
    answers = []

    # through the gateway: every one rejected, and the answer names no NIK
    status, _, summary = gateway.post("[" + ",".join(texts) + "]", key=key)
    answers.append(json.dumps(summary, ensure_ascii=False))
    assert status == 200 and summary["accepted"] == 0 and len(summary["rejected"]) == len(texts), summary
    for text in texts[:8]:  # and one at a time, as JSON Lines
        status, _, summary = gateway.post(text + "\n", content_type="application/x-ndjson", key=key)
        answers.append(json.dumps(summary, ensure_ascii=False))
        assert status in (200, 400) and not summary.get("accepted"), summary

    # through ucj produce: nothing sent, every line named with its reason, and no NIK in the output
    lines = tmp_path / "spelled.jsonl"
    lines.write_text("\n".join(texts) + "\n", encoding="utf-8")
    done = produce([str(lines)], kafka_bootstrap, registry_url, tmp_path)
    answers.append(done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace"))
    ensure_topics(kafka_bootstrap)
    before = sum(end_offsets(kafka_bootstrap, PARTICIPANT_EVENTS).values())
    assert before == 0, "ucj produce and the gateway sent nothing"

    # a raw client writes them straight into the events topic: the worker dead-letters them masked
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for n, text in enumerate(texts):
        producer.send(PARTICIPANT_EVENTS, key=f"raw-{n}".encode(), value=text.encode("utf-8"))
    producer.flush()
    producer.close()
    wait_until(
        lambda: sum(end_offsets(kafka_bootstrap, DEAD_LETTER).values()) >= len(texts),
        f"{len(texts)} dead letters on {DEAD_LETTER}",
        processes=[worker],
    )

    nik_set = set(niks)
    for answer in answers:
        assert_no_nik(answer, nik_set, "an answer or ucj produce's output")
    for topic in sorted(every_topic(kafka_bootstrap)):
        if topic == PARTICIPANT_EVENTS:
            continue  # the raw client's own records, as it wrote them
        for record in read_to_end(kafka_bootstrap, topic):
            parts = [
                record.key or b"",
                record.value or b"",
                *(name.encode() + value for name, value in record.headers or ()),
            ]
            assert_no_nik(
                "\n".join(part.decode("utf-8", "replace") for part in parts), nik_set, f"{topic} offset {record.offset}"
            )
    letters = read_to_end(kafka_bootstrap, DEAD_LETTER)
    assert {dict(r.headers)["ucj-reason"] for r in letters} == {b"raw_nik"}
    for process, name in ((worker, "the worker"), (gateway, "the gateway")):
        assert_no_nik(process.log_path.read_text(encoding="utf-8", errors="replace"), nik_set, f"{name}'s log")
    assert_no_nik(json.dumps(worker.metrics(), default=str, ensure_ascii=False), nik_set, "the worker's metrics")
    assert_no_nik(json.dumps(gateway.metrics(), default=str, ensure_ascii=False), nik_set, "the gateway's metrics")
