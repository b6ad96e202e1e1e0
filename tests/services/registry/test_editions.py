"""The pure rules of a new edition: splits of a workforce, carried figures and plans, re-parenting."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from services.registry.csv_files import CsvFile
from services.registry.editions import carried_plans, carried_workforce, plan_edition, split
from services.registry.region_files import Successor
from streams.domain.regions import Region


@given(total=st.integers(0, 10**7), weights=st.lists(st.integers(1, 100), min_size=1, max_size=6))
def test_a_split_adds_up_to_the_whole_and_each_part_is_within_one_of_its_share(total, weights):
    shares = [w / sum(weights) for w in weights]
    parts = split(total, shares)
    assert sum(parts) == total
    assert all(abs(part - total * share) < 1 for part, share in zip(parts, shares))


def test_carried_workforce_splits_merges_and_keeps_what_the_mapping_does_not_touch():
    stored = {("A", 2025): 1000, ("A", 2026): 10, ("B", 2025): 7, ("C", 2025): 50, ("C", 2026): 5}
    successors = {"A": (("A", 0.7), ("N", 0.3)), "B": (("C", 1.0),)}
    assert carried_workforce(stored, successors) == {
        ("A", 2025): 700,
        ("N", 2025): 300,
        ("A", 2026): 7,
        ("N", 2026): 3,
        ("C", 2025): 57,  # C keeps its own figure and takes B's
    }


def test_carried_plans_only_when_the_predecessors_agree():
    plan_a, plan_b = ((datetime.date(2025, 1, 1), 0.5),), ((datetime.date(2025, 1, 1), 0.6),)
    successors = {"A": (("N", 0.5), ("M", 0.5)), "B": (("M", 1.0),), "C": (("P", 1.0),)}
    assert carried_plans({"A": plan_a, "B": plan_b, "C": plan_a, "P": plan_b}, successors) == {"N": plan_a}


def test_a_retired_region_moves_under_its_only_successors_parent():
    stored = {
        r.code: r
        for r in [
            Region("61", None, "province", "P"),
            Region("61.05", "61", "regency", "S"),
            Region("61.05.19", "61.05", "district", "D"),
            Region("61.05.20", "61.05", "district", "E"),
        ]
    }
    edition = [
        stored["61"],
        stored["61.05"],
        Region("61.13", "61", "regency", "T"),
        Region("61.13.01", "61.13", "district", "D"),
        Region("61.13.02", "61.13", "district", "E1"),
        Region("61.05.21", "61.05", "district", "E2"),
    ]
    mapping = CsvFile(
        [
            Successor("61.05.19", "61.13.01", None),
            Successor("61.05.20", "61.13.02", 0.5),
            Successor("61.05.20", "61.05.21", 0.5),
        ],
        ",",
        (2, 3, 4),
    )
    changes = plan_edition(stored, set(), edition, mapping)
    assert [r.code for r in changes.added] == ["61.13", "61.05.21", "61.13.01", "61.13.02"]
    assert changes.retired == (Region("61.05.19", "61.13", "district", "D"), stored["61.05.20"])  # a split stays put
    assert changes.successors["61.05.19"] == (("61.13.01", 1.0),) and changes.unchanged == 2
