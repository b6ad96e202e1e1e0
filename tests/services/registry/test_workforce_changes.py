"""What a workforce load changes: a merge keeps what the file leaves out, a replaced year does not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.registry.csv_files import WorkforceFigure
from services.registry.workforce_changes import WorkforceLoadReport, workforce_changes

codes = st.sampled_from(["61", "61.01", "61.02", "61.07", "61.71"])
years = st.sampled_from([2024, 2025, 2026])
figures = st.dictionaries(st.tuples(codes, years), st.integers(1, 5), max_size=12)


def apply(stored, changes):
    after = {key: value for key, value in stored.items() if key not in changes.removed}
    return after | changes.updated | changes.added


@given(stored=figures, incoming=figures.filter(bool), replace_year=st.booleans())
def test_the_changes_bring_the_store_to_the_file(stored, incoming, replace_year):
    changes = workforce_changes(stored, [WorkforceFigure(c, y, n) for (c, y), n in incoming.items()], replace_year)
    after = apply(stored, changes)

    for key, value in incoming.items():
        assert after[key] == value
    untouched = {key: value for key, value in stored.items() if key not in incoming}
    if replace_year:
        assert {k: v for k, v in untouched.items() if k[1] not in changes.years} == {
            k: v for k, v in after.items() if k not in incoming
        }
    else:
        assert changes.removed == ()
        assert {k: v for k, v in after.items() if k not in incoming} == untouched
    assert changes.loaded == len(incoming)


def test_counts_and_summary():
    stored = {("61.01", 2025): 10, ("61.02", 2025): 20, ("61.07", 2025): 30, ("61.01", 2024): 5}
    incoming = [
        WorkforceFigure("61.01", 2025, 11),
        WorkforceFigure("61.02", 2025, 20),
        WorkforceFigure("61.71", 2025, 7),
    ]

    merged = WorkforceLoadReport.of(workforce_changes(stored, incoming, replace_year=False), ";")
    assert merged == WorkforceLoadReport((2025,), False, added=1, updated=1, unchanged=1, removed=0, delimiter=";")
    assert merged.summary() == (
        "merged into year 2025 with 3 figures: 1 regions added, 1 updated, 1 unchanged, 0 removed "
        "(the year's other regions keep their figures)"
    )
    replaced = workforce_changes(stored, incoming, replace_year=True)
    assert replaced.removed == (("61.07", 2025),)  # 2024 is not in the file, so it stays
    assert WorkforceLoadReport.of(replaced, ",").summary().startswith("replaced year 2025 with 3 figures: ")
