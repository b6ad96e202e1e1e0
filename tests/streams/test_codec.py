from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.codec import (
    VERSION,
    coverage_of,
    decode_coverage_key,
    decode_state,
    decode_summary,
    encode_state,
    may_know,
)
from streams.domain.events import AssistancePaid, ParticipantEnrolled, ParticipantLapsed
from streams.domain.fold import History, apply
from streams.domain.folded import folded

from .domain.test_fold import enrolled, events_strategy


@given(events_strategy)
def test_state_round_trips(events):
    history = reduce(apply, events, History())
    data = encode_state(3, history)
    assert data[0] == VERSION
    assert decode_state(data) == (3, history)
    assert decode_summary(data) == (3, folded(history))
    partition, key = decode_coverage_key(data)
    assert partition == 3 and coverage_of(key) == folded(history).coverage
    hash(key)  # recounts group participants by it


@given(events_strategy)
def test_every_known_id_may_be_known(events):
    history = reduce(apply, events, History())
    data = encode_state(3, history)
    assert all(may_know(data, e.event_id) for e in history.events)
    assert not may_know(data, "never-seen")  # a miss is sure: no event with this id


offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))


@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), offset=offsets)
def test_a_moment_keeps_its_instant_and_its_offset(moment, offset):
    event = replace(enrolled("e", 0, 0, 1), occurred_at=moment.replace(tzinfo=timezone(offset)))
    [back] = decode_state(encode_state(0, History((event,))))[1].events
    # the offset matters: conflicting bodies under one id are ordered by their text
    assert back.occurred_at.isoformat() == event.occurred_at.isoformat()
    assert back == event


WIB = timezone(timedelta(hours=7))
# written by encode_state before issue 11 (compact JSON, "version 0"): three events of P-1 in partition 2
VERSION_0 = (
    b'{"p":2,"e":[[0,"e-1","2025-06-01T09:00:00+07:00","P-1","61.07.01.2001","BPU","test","2025-06-01","2025-08-31"],'
    b'[1,"a-1","2025-07-01T09:00:00+07:00","P-1","61.07.01.2001","BPU","test","APBD-61","2025-09-01","2025-12-31",67200],'
    b'[2,"l-1","2025-11-03T09:00:00+07:00","P-1","61.72","BPU","test","moved_out","2025-11-01"]]}'
)
COMMON = dict(participant_id="P-1", segment="BPU", source="test")
VERSION_0_HISTORY = History(
    (
        ParticipantEnrolled(
            event_id="e-1",
            occurred_at=datetime(2025, 6, 1, 9, tzinfo=WIB),
            region_code="61.07.01.2001",
            **COMMON,
            covered_from=date(2025, 6, 1),
            paid_through=date(2025, 8, 31),
        ),
        AssistancePaid(
            event_id="a-1",
            occurred_at=datetime(2025, 7, 1, 9, tzinfo=WIB),
            region_code="61.07.01.2001",
            **COMMON,
            payer_id="APBD-61",
            period_start=date(2025, 9, 1),
            period_end=date(2025, 12, 31),
            amount_idr=67200,
        ),
        ParticipantLapsed(
            event_id="l-1",
            occurred_at=datetime(2025, 11, 3, 9, tzinfo=WIB),
            region_code="61.72",
            **COMMON,
            reason="moved_out",
            effective_date=date(2025, 11, 1),
        ),
    )
)


def test_state_written_before_the_version_byte_still_decodes():
    assert decode_state(VERSION_0) == (2, VERSION_0_HISTORY)
    assert decode_summary(VERSION_0) == (2, folded(VERSION_0_HISTORY))
    assert coverage_of(decode_coverage_key(VERSION_0)[1]) == folded(VERSION_0_HISTORY).coverage
    assert may_know(VERSION_0, "never-seen")  # rewritten from its history on its next event


@pytest.mark.parametrize("read", [decode_state, decode_summary, decode_coverage_key, lambda data: may_know(data, "e")])
def test_an_unknown_version_fails_clearly(read):
    data = bytes([VERSION + 1]) + encode_state(0, History((enrolled("e", 0, 0, 1),)))[1:]
    with pytest.raises(ValueError, match=f"participant state version {VERSION + 1} is unknown"):
        read(data)
