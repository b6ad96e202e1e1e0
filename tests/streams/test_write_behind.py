"""The write-behind cache: reads see pending writes, a flush hands them over once, per partition."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from streams.write_behind import WriteBehindStore

writes = st.lists(st.tuples(st.integers(0, 3), st.sampled_from("abcdef"), st.binary(min_size=1, max_size=4)), max_size=30)


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.binary(min_size=1, max_size=4)), writes)
def test_reads_and_values_see_pending_writes_and_a_flush_leaves_the_backing_equal(initial, pending):
    backing = dict(initial)
    store = WriteBehindStore(backing)
    expected = dict(initial)
    for partition, key, value in pending:
        store.partition = partition
        store[key] = value
        expected[key] = value
    assert {k: store.get(k) for k in expected} == expected
    assert sorted(store.values_of(range(4))) == sorted(expected.values())

    flushed: list[tuple[int, dict]] = []
    store.flush(lambda partition, values: (flushed.append((partition, values)), backing.update(values)))
    assert backing == expected and len(store) == 0
    assert len({p for p, _ in flushed}) == len(flushed)  # one call per partition
    last_partition = {key: partition for partition, key, _ in pending}
    assert {key: p for p, values in flushed for key in values} == last_partition


def test_a_failed_write_keeps_what_was_not_written():
    store = WriteBehindStore({})
    for partition, key in ((0, "a"), (1, "b")):
        store.partition = partition
        store[key] = b"x"

    def write(partition, values):
        if partition == 1:
            raise OSError("disk full")

    with pytest.raises(OSError):
        store.flush(write)
    assert len(store) == 1 and store.get("b") == b"x"


def test_writing_needs_a_partition_and_drop_forgets_only_the_given_partitions():
    store = WriteBehindStore({})
    with pytest.raises(RuntimeError):
        store["a"] = b"x"
    for partition, key in ((0, "a"), (1, "b")):
        store.partition = partition
        store[key] = b"x"
    store.drop({1})
    assert store.get("a") == b"x" and store.get("b") is None
