"""Partials carry a partition's absolute counts; summed, they give the counts of all partitions."""

from collections import Counter
from datetime import date

from streams.clock import Clock
from streams.partials import HISTORY_DAYS, PartialBuilder, decode_partial, encode_partial, sum_partials
from streams.participant_store import InMemoryStore
from streams.processing import CoverageProcessor

from .domain.factories import raw
from .test_processing import TREE

LEVELS = ("province", "regency", "district")


def fed_processor():
    p = CoverageProcessor(TREE, InMemoryStore(), Clock.parse("2025-07-15T12:00:00+07:00"))
    events = [
        (raw(event_id="a", participant_id="P-1"), 0),
        (raw(event_id="b", participant_id="P-2", region_code="61.72"), 1),
        (
            raw(
                "assistance_payment",
                event_id="c",
                participant_id="P-3",
                period_start="2025-01-01",
                period_end="2025-08-31",
                payer_id="APBDES-61.07.01.2001",
            ),
            1,
        ),
    ]
    for data, partition in events:
        p.apply_events([p.validate(data)], partition)
    return p


def partials_of(p):
    return [PartialBuilder(TREE, LEVELS).build(p.counts[n], n, 2, p.counted_on, True, 1) for n in sorted(p.counts)]


def test_a_partial_survives_the_wire():
    for partial in partials_of(fed_processor()):
        assert decode_partial(encode_partial(partial)) == partial


def test_summed_partials_are_the_counts_of_every_partition():
    p = fed_processor()
    totals = sum_partials(partials_of(p))
    assert sum(totals["61"].active.values()) == 3 and sum(totals["61.07"].active.values()) == 2
    assert totals["61.07"].active[("BPU", "assisted")] == 1
    assert totals["61"].history[-1] == 3 and len(totals["61"].history) == HISTORY_DAYS  # today is the last day
    assert totals["61.07"].cliff == {"APBDES": (1, date(2025, 8, 31))}
    assert "61.07.01.2001" not in totals  # villages are not among the levels


def test_the_builder_recomputes_only_what_changed_and_all_on_a_new_day():
    p = fed_processor()
    builder = PartialBuilder(TREE, LEVELS)
    first = builder.build(p.counts[0], 0, 2, p.counted_on, True, 1)
    again = builder.build(p.counts[0], 0, 2, p.counted_on, True, 1)
    assert again.history == first.history and builder.built_version == p.counts[0].version
    later = builder.build(p.counts[0], 0, 2, date(2025, 9, 30), True, 1)
    assert later.history["61"][-1] == 0 and Counter(later.history["61"])[1] > 0  # ended 31 Aug, seen from 30 Sep
