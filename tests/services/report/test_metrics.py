from datetime import datetime, timezone

from services.report.metrics import pipeline_notes

WORKER_A = """# HELP ucj_dead_letters_total Invalid inputs
# TYPE ucj_dead_letters_total counter
ucj_dead_letters_total{reason="not_json"} 3.0
ucj_dead_letters_total{reason="unknown_region"} 2.0
# HELP ucj_source_last_event_timestamp_seconds newest
# TYPE ucj_source_last_event_timestamp_seconds gauge
ucj_source_last_event_timestamp_seconds{source="bpjs"} 1.7e9
"""
WORKER_B = """# TYPE ucj_dead_letters_total counter
ucj_dead_letters_total{reason="not_json"} 1.0
# TYPE ucj_source_last_event_timestamp_seconds gauge
ucj_source_last_event_timestamp_seconds{source="bpjs"} 1.8e9
ucj_source_last_event_timestamp_seconds{source="disnaker"} 1.75e9
"""


def test_dead_letters_add_up_and_each_source_takes_its_newest_event():
    notes = pipeline_notes([WORKER_A, WORKER_B])
    assert notes.dead_letters == 6
    assert notes.freshness == (
        ("bpjs", datetime.fromtimestamp(1.8e9, timezone.utc)),
        ("disnaker", datetime.fromtimestamp(1.75e9, timezone.utc)),
    )


def test_what_no_worker_exports_is_not_available_and_an_empty_counter_is_zero():
    assert pipeline_notes(["# TYPE ucj_events_total counter\n"]).dead_letters is None
    assert pipeline_notes(["# TYPE ucj_events_total counter\n"]).freshness is None
    empty = "# HELP ucj_dead_letters_total x\n# TYPE ucj_dead_letters_total counter\n# TYPE ucj_source_last_event_timestamp_seconds gauge\n"
    assert pipeline_notes([empty]).dead_letters == 0
    assert pipeline_notes([empty]).freshness == ()
