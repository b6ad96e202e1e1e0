"""The report's data notes from the workers' /metrics texts: dead letters and the newest event per source. Pure."""
from __future__ import annotations

from datetime import datetime, timezone

from prometheus_client.parser import text_string_to_metric_families

from services.report.figures import PipelineNotes

DEAD_LETTERS = "ucj_dead_letters_total"  # a counter by reason, since each worker process started
SOURCE_LAST_EVENT = "ucj_source_last_event_timestamp_seconds"  # a gauge by source


def pipeline_notes(texts: list[str]) -> PipelineNotes:
    """Dead letters summed over the workers; per source the newest event any worker processed.

    A figure no worker exports is None ("not available"), never 0.
    """
    dead: float | None = None
    newest: dict[str, float] | None = None
    for text in texts:
        for family in text_string_to_metric_families(text):
            # a family without samples is exported but has counted nothing yet: 0, not unknown
            if family.name + "_total" == DEAD_LETTERS:
                dead = dead or 0
            elif family.name == SOURCE_LAST_EVENT:
                newest = {} if newest is None else newest
            for sample in family.samples:
                if sample.name == DEAD_LETTERS:
                    dead = (dead or 0) + sample.value
                elif sample.name == SOURCE_LAST_EVENT and newest is not None:
                    source = sample.labels.get("source", "")
                    newest[source] = max(newest.get(source, 0.0), sample.value)
    freshness = None
    if newest is not None:
        freshness = tuple(
            (source, datetime.fromtimestamp(seconds, timezone.utc)) for source, seconds in sorted(newest.items()) if seconds > 0
        )
    return PipelineNotes(None if dead is None else int(dead), freshness)
