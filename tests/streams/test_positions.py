"""Positions hand over only records that continue their partition's run from its committed offset."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from streams.positions import Positions


@dataclass(frozen=True)
class Record:
    tp: str
    offset: int


def test_records_are_taken_in_order_from_the_start_and_a_later_one_is_a_hole():
    positions: Positions[str] = Positions()
    positions.start("p", 5)
    taken, holes = positions.take([Record("p", 4), Record("p", 5), Record("p", 6), Record("p", 8), Record("q", 0)])
    assert [r.offset for r in taken] == [5, 6] and holes == {"p": 7}
    assert positions.committable() == {"p": 7}  # q never started: not ours, nothing taken


def test_a_forgotten_partition_takes_nothing_until_it_starts_again():
    positions: Positions[str] = Positions()
    positions.start("p", 0)
    positions.forget(["p"])
    assert positions.take([Record("p", 0)]) == ([], {})
    positions.start("p", 3)
    assert [r.offset for r in positions.take([Record("p", 3)])[0]] == [3]


fetches = st.lists(st.lists(st.tuples(st.sampled_from("pq"), st.integers(0, 30)), max_size=12), max_size=12)


@given(starts=st.fixed_dictionaries({"p": st.integers(0, 5), "q": st.integers(0, 5)}), fetches=fetches)
def test_whatever_arrives_the_taken_records_of_a_partition_are_its_run_from_the_start_and_end_at_its_position(
    starts, fetches
):
    positions: Positions[str] = Positions()
    for tp, offset in starts.items():
        positions.start(tp, offset)
    taken: dict[str, list[int]] = {"p": [], "q": []}
    for fetch in fetches:
        got, holes = positions.take([Record(tp, offset) for tp, offset in fetch])
        for record in got:
            taken[record.tp].append(record.offset)
        for tp, offset in holes.items():
            assert offset == positions.committable()[tp]
    for tp, offsets in taken.items():
        assert offsets == list(range(starts[tp], starts[tp] + len(offsets)))
        assert positions.committable()[tp] == starts[tp] + len(offsets)
