"""The report's data notes from the workers' /metrics texts: dead letters and the newest event per source. Pure."""

from __future__ import annotations

from datetime import datetime, timezone

from prometheus_client.parser import text_string_to_metric_families

from services.registry.sources import newest_by_label
from services.report.figures import PipelineNotes

DEAD_LETTERS = "ucj_dead_letters_total"  # a counter by reason, since each worker process started


def pipeline_notes(texts: list[str]) -> PipelineNotes:
    """Dead letters summed over the workers; per source the newest event any worker processed.

    A figure no worker exports is None ("not available"), never 0.
    """
    dead: float | None = None
    for text in texts:
        for family in text_string_to_metric_families(text):
            # a family without samples is exported but has counted nothing yet: 0, not unknown
            if family.name + "_total" == DEAD_LETTERS:
                dead = dead or 0
            for sample in family.samples:
                if sample.name == DEAD_LETTERS:
                    dead = (dead or 0) + sample.value
    newest = newest_by_label(texts)
    freshness = None
    if newest is not None:
        freshness = tuple(
            (source, datetime.fromtimestamp(seconds, timezone.utc))
            for source, seconds in sorted(newest.items())
            if seconds > 0
        )
    return PipelineNotes(None if dead is None else int(dead), freshness)
