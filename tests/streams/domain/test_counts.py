from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.counts import ActiveCounts, merged, roll_up, workforce_of
from streams.domain.fold import Contribution
from streams.domain.regions import Region, RegionTree

TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "Kalbar"),
        Region("61.01", "61", "regency", "Sambas"),
        Region("61.02", "61", "regency", "Mempawah"),
        Region("61.01.01", "61.01", "district", "D1"),
        Region("61.01.01.2001", "61.01.01", "village", "V1"),
    ]
)
CODES = list(TREE.regions)


def test_roll_up_counts_each_participant_in_its_region_and_every_ancestor():
    counts = ActiveCounts()
    counts.move(None, Contribution("61.01.01.2001", "BPU", "assisted"))
    counts.move(None, Contribution("61.02", "PU", "self_paid"))
    totals = roll_up(counts.items(), TREE)
    assert totals["61.01.01.2001"] == Counter({("BPU", "assisted"): 1})
    assert totals["61.01"] == Counter({("BPU", "assisted"): 1})
    assert totals["61"] == Counter({("BPU", "assisted"): 1, ("PU", "self_paid"): 1})
    assert "61.01.01" in totals and sum(totals["61.02"].values()) == 1


contribution = st.builds(
    Contribution, st.sampled_from(CODES), st.sampled_from(["PU", "BPU"]), st.sampled_from(["assisted", "self_paid"])
)


@given(st.lists(st.tuples(st.none() | contribution, st.none() | contribution)))
def test_moves_keep_counts_equal_to_a_recount(moves):
    # each participant moves from its previous contribution to a new one
    counts, current = ActiveCounts(), {}
    for participant, (_, after) in enumerate(moves):
        counts.move(current.get(participant % 5), after)
        current[participant % 5] = after
    expected = Counter(c for c in current.values() if c is not None)
    assert Counter(dict(counts.items())) == expected
    assert all(n > 0 for _, n in counts.items())


def test_merged_sums_partitions():
    a, b = ActiveCounts(), ActiveCounts()
    c = Contribution("61.02", "PU", "self_paid")
    a.move(None, c)
    b.move(None, c)
    assert merged([a, b]) == Counter({c: 2})


def test_workforce_sums_children_only_when_all_have_figures():
    assert workforce_of("61", {"61.01": 10, "61.02": 5}, TREE) == 15
    assert workforce_of("61", {"61.01": 10}, TREE) is None
    assert workforce_of("61", {"61": 99, "61.01": 10}, TREE) == 99
    assert workforce_of("61.01.01", {"61.01": 10}, TREE) is None


@given(st.lists(st.tuples(contribution, st.integers(1, 5))))
def test_roll_up_equals_counting_each_contribution_in_every_ancestor(items):
    # items may repeat a contribution, as every partition's counts do for one region
    expected: dict[str, Counter] = {}
    for c, n in items:
        for code in TREE.self_and_ancestors(c.region_code):
            expected.setdefault(code, Counter())[c.segment, c.funding] += n
    assert roll_up(items, TREE) == expected
