from functools import reduce

from hypothesis import given

from streams.codec import decode_state, encode_state
from streams.domain.fold import History, apply

from .domain.test_fold import events_strategy


@given(events_strategy)
def test_state_round_trips(events):
    history = reduce(apply, events, History())
    assert decode_state(encode_state(3, history)) == (3, history)
