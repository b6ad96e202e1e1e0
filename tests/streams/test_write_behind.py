"""The write-behind cache: reads see pending writes, a flush hands them over once, per partition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.write_behind import WriteBehindStore

writes = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from("abcdef"), st.binary(min_size=1, max_size=4)), max_size=30
)


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.binary(min_size=1, max_size=4)), writes)
def test_reads_and_values_see_pending_writes_and_a_flush_leaves_the_backing_equal(initial, pending):
    backing = dict(initial)
    store = WriteBehindStore(backing)
    expected = dict(initial)
    last_partition = {key: partition for partition, key, _ in pending}
    for partition, key, value in pending:
        store.put(partition, key, value)
        expected[key] = value
    assert {k: store.get(last_partition.get(k, 0), k) for k in expected} == expected
    assert sorted(store.values_of(range(4))) == sorted(expected.values())

    flushed: list[tuple[int, dict]] = []
    store.flush(lambda partition, values: (flushed.append((partition, values)), backing.update(values)))
    assert backing == expected and len(store) == 0
    assert len({p for p, _ in flushed}) == len(flushed)  # one call per partition
    assert {key: p for p, values in flushed for key in values} == last_partition


def test_a_failed_write_keeps_what_was_not_written():
    store = WriteBehindStore({})
    for partition, key in ((0, "a"), (1, "b")):
        store.put(partition, key, b"x")

    def write(partition, values):
        if partition == 1:
            raise OSError("disk full")

    with pytest.raises(OSError):
        store.flush(write)
    assert len(store) == 1 and store.get(1, "b") == b"x"


def test_drop_forgets_only_the_given_partitions():
    store = WriteBehindStore({})
    for partition, key in ((0, "a"), (1, "b")):
        store.put(partition, key, b"x")
    store.drop({1})
    assert store.get(0, "a") == b"x" and store.get(1, "b") is None


def test_reads_name_the_partition_to_the_backing():
    read = []

    class Backing:
        def read(self, partition, participant_id):
            read.append((partition, participant_id))
            return b"kept"

        def items(self, partitions):
            return iter(())

    store = WriteBehindStore(Backing())
    assert store.get(3, "a") == b"kept" and read == [(3, "a")]
    store.put(3, "a", b"new")
    assert store.get(3, "a") == b"new" and read == [(3, "a")]  # a pending write is read without the backing


def test_both_stores_satisfy_the_port():
    from streams.participant_store import InMemoryStore, ParticipantStore

    ports: tuple[ParticipantStore, ...] = (WriteBehindStore({}), InMemoryStore())  # mypy checks the structure
    for store in ports:
        store.put(1, "a", b"x")
        assert store.get(1, "a") == b"x" and list(store.values_of([1])) == [b"x"]
        assert all(callable(getattr(store, name)) for name in ("get", "put", "values_of"))
