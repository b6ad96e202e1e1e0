"""Loading workforce and plan CSVs: every bad row is reported, and a bad file loads nothing."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy

from services.registry import CsvRejected, LoadReport, Registry
from services.registry.csv_files import PROGRESS_EVERY
from services.registry.workforce_changes import WorkforceLoadReport

WORKFORCE_HEADER = "region_code,year,eligible_workforce\n"
PLAN_HEADER = "region_code,date,ratio\n"


def rejected(registry: Registry, load, path) -> list[tuple[int, str]]:
    """The problems a load reports, after checking that it changed nothing."""
    before = (registry.workforce_figures(), registry.plans())
    with pytest.raises(CsvRejected) as caught:
        load(path)
    assert (registry.workforce_figures(), registry.plans()) == before
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", [(1, "empty file; expected header region_code,year,eligible_workforce")]),
        ("\n\n", [(1, "empty file; expected header region_code,year,eligible_workforce")]),
        (WORKFORCE_HEADER, [(1, "no data rows after the header")]),
        ("61.01,2025,100\n", [(1, "no header; expected header region_code,year,eligible_workforce")]),
        (
            "region_code,year\n61.01,2025\n",
            [(1, "missing column(s) eligible_workforce; expected header region_code,year,eligible_workforce")],
        ),
        (
            "region_code,year,year,eligible_workforce\n",
            [(1, "repeated column(s) year; expected header region_code,year,eligible_workforce")],
        ),
        (WORKFORCE_HEADER + "61.99,2025,100\n", [(2, "unknown region '61.99'")]),
        (WORKFORCE_HEADER + ",2025,100\n", [(2, "region_code is empty")]),
        (
            WORKFORCE_HEADER + "61.01,2025,12.5\n",
            [(2, "eligible_workforce must be a positive whole number, got '12.5'")],
        ),
        (WORKFORCE_HEADER + "61.01,2025,-3\n", [(2, "eligible_workforce must be a positive whole number, got '-3'")]),
        (WORKFORCE_HEADER + "61.01,2025,0\n", [(2, "eligible_workforce must be a positive whole number, got '0'")]),
        (WORKFORCE_HEADER + "61.01,2025,\n", [(2, "eligible_workforce must be a positive whole number, got ''")]),
        (WORKFORCE_HEADER + "61.01,20x5,100\n", [(2, "year must be a whole number from 2000 to 2100, got '20x5'")]),
        (WORKFORCE_HEADER + "61.01,1999,100\n", [(2, "year must be a whole number from 2000 to 2100, got '1999'")]),
        (WORKFORCE_HEADER + "61.01,2025\n", [(2, "expected 3 fields, got 2")]),
        (WORKFORCE_HEADER + "61.01,2025,100,7\n", [(2, "expected 3 fields, got 4")]),
        (
            WORKFORCE_HEADER + "61.01,2025,100\n61.02,2025,5\n61.01,2025,200\n",
            [(4, "duplicate of line 2 (61.01, 2025)")],
        ),
        (
            WORKFORCE_HEADER + "61.99,1,x\n",
            [
                (
                    2,
                    "unknown region '61.99'; year must be a whole number from 2000 to 2100, got '1'; "
                    "eligible_workforce must be a positive whole number, got 'x'",
                )
            ],
        ),
    ],
)
def test_workforce_rule(registry: Registry, write_csv, text: str, problems: list[tuple[int, str]]) -> None:
    assert rejected(registry, registry.load_workforce_csv, write_csv(text)) == problems


def test_workforce_reports_every_bad_row_with_its_line(registry: Registry, write_csv) -> None:
    path = write_csv(
        WORKFORCE_HEADER
        + "61.01,2025,100\n"  # 2: good
        + "61.99,2025,100\n"  # 3
        + "\n"  # 4: blank lines are skipped but still counted
        + "61.02,2025,-1\n"  # 5
        + "61.03,2025,100\n"  # 6: good
        + "61.01,2025,100\n"  # 7
    )
    problems = rejected(registry, registry.load_workforce_csv, path)

    assert [line for line, _ in problems] == [3, 5, 7]
    assert "duplicate of line 2" in problems[2][1]


def test_workforce_file_that_is_not_utf8(registry: Registry, tmp_path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(WORKFORCE_HEADER.encode() + b"61.01,2025,100\n61.02,2025,1\xe9\n")
    assert rejected(registry, registry.load_workforce_csv, path) == [(3, "not UTF-8 text")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("61.99,2025-01-01,0.5", "unknown region '61.99'"),
        ("61.01,2025-02-30,0.5", "date must be an ISO date YYYY-MM-DD, got '2025-02-30'"),
        ("61.01,01/02/2025,0.5", "date must be an ISO date YYYY-MM-DD, got '01/02/2025'"),
        ("61.01,2025-1-2,0.5", "date must be an ISO date YYYY-MM-DD, got '2025-1-2'"),
        ("61.01,2025-01-01,1.2", "ratio must be a number from 0 to 1, got '1.2'"),
        ("61.01,2025-01-01,-0.1", "ratio must be a number from 0 to 1, got '-0.1'"),
        ("61.01,2025-01-01,59%", "ratio must be a number from 0 to 1, got '59%'"),
        ("61.01,2025-01-01,nan", "ratio must be a number from 0 to 1, got 'nan'"),
        ("61.01,2025-01-01,inf", "ratio must be a number from 0 to 1, got 'inf'"),
        ("61.01,2025-01-01,", "ratio must be a number from 0 to 1, got ''"),
    ],
)
def test_plan_rule(registry: Registry, write_csv, row: str, message: str) -> None:
    path = write_csv(PLAN_HEADER + "61.01,2024-01-01,0.3\n" + row + "\n")
    assert rejected(registry, registry.load_plan_csv, path) == [(3, message)]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", [(1, "empty file; expected header region_code,date,ratio")]),
        ("region_code,ratio\n61,0.5\n", [(1, "missing column(s) date; expected header region_code,date,ratio")]),
        (PLAN_HEADER + "61,2025-01-01,0.5\n61,2025-01-01,0.6\n", [(3, "duplicate of line 2 (61, 2025-01-01)")]),
    ],
)
def test_plan_file_rule(registry: Registry, write_csv, text: str, problems: list[tuple[int, str]]) -> None:
    assert rejected(registry, registry.load_plan_csv, write_csv(text)) == problems


def test_spreadsheet_exports_are_accepted(registry: Registry, write_csv) -> None:
    # BOM, CRLF line ends, header case and spacing, an extra column, padded values.
    text = "\ufeffRegion_Code , Year,eligible_workforce,note\r\n 61.01 ,2027, 5000 ,official\r\n"
    report = registry.load_workforce_csv(write_csv(text))
    assert report == WorkforceLoadReport(years=(2027,), replace_year=False, added=1, updated=0, unchanged=0, removed=0)
    assert registry.workforce_figures()[2027] == {"61.01": 5000}


def test_indonesian_locale_exports_are_accepted(registry: Registry, write_csv) -> None:
    # Semicolons, a BOM, CRLF, and the decimal comma in a ratio.
    path = write_csv('\ufeffregion_code;date;ratio\r\n61.07;2025-12-31;0,6\r\n61.07;2026-12-31;"0,65"\r\n')
    assert registry.load_plan_csv(path) == LoadReport(loaded=2, replaced=0, scope=("61.07",), delimiter=";")
    assert registry.plans()["61.07"] == [(datetime.date(2025, 12, 31), 0.6), (datetime.date(2026, 12, 31), 0.65)]


def test_semicolon_file_problems_name_the_header_with_semicolons(registry: Registry, write_csv) -> None:
    path = write_csv("region_code;year\n61.01;2025\n")
    assert rejected(registry, registry.load_workforce_csv, path) == [
        (1, "missing column(s) eligible_workforce; expected header region_code;year;eligible_workforce")
    ]


def test_workforce_load_merges_into_the_years_in_the_file(registry: Registry, write_csv) -> None:
    before = registry.workforce_figures()
    report = registry.load_workforce_csv(
        write_csv(WORKFORCE_HEADER + "61.01,2025,1000\n61,2025,1700000\n61.02,2025,94585\n")
    )

    assert report == WorkforceLoadReport(years=(2025,), replace_year=False, added=1, updated=1, unchanged=1, removed=0)
    after = registry.workforce_figures()
    assert after[2025] == before[2025] | {"61": 1_700_000, "61.01": 1000}  # the 12 regencies not named keep theirs
    assert after[2024] == before[2024] and after[2026] == before[2026]


def test_workforce_load_can_replace_every_figure_of_the_years_in_the_file(registry: Registry, write_csv) -> None:
    before = registry.workforce_figures()
    path = write_csv(WORKFORCE_HEADER + "61.01,2025,1000\n61,2025,1700000\n")
    report = registry.load_workforce_csv(path, replace_year=True)

    assert report == WorkforceLoadReport(years=(2025,), replace_year=True, added=1, updated=1, unchanged=0, removed=13)
    after = registry.workforce_figures()
    assert after[2025] == {"61": 1_700_000, "61.01": 1000}
    assert after[2024] == before[2024] and after[2026] == before[2026]


def test_a_long_file_reports_progress(registry: Registry, write_csv) -> None:
    days = [datetime.date(2025, 1, 1) + datetime.timedelta(days=n) for n in range(PROGRESS_EVERY * 2 + 5)]
    path = write_csv(PLAN_HEADER + "".join(f"61.07,{day},0.5\n" for day in days))
    seen: list[int] = []
    assert registry.load_plan_csv(path, progress=seen.append).loaded == len(days)
    assert seen == [PROGRESS_EVERY, PROGRESS_EVERY * 2]


def test_plan_load_replaces_the_plans_of_the_regions_in_the_file(registry: Registry, write_csv) -> None:
    registry.load_plan_csv(write_csv(PLAN_HEADER + "61.07,2025-01-01,0.4\n61.07,2025-12-31,0.6\n"))
    report = registry.load_plan_csv(write_csv(PLAN_HEADER + "61.07,2026-06-30,0.65\n61.08,2026-06-30,0.5\n"))

    assert report == LoadReport(loaded=2, replaced=2, scope=("61.07", "61.08"))
    plans = registry.plans()
    assert plans["61.07"] == [(datetime.date(2026, 6, 30), 0.65)]  # old points are gone
    assert plans["61.08"] == [(datetime.date(2026, 6, 30), 0.5)]
    assert len(plans["61"]) == 3  # regions not in the file keep their plan


def test_a_failed_write_keeps_the_old_figures(registry: Registry, write_csv, monkeypatch) -> None:
    before = registry.workforce_figures()

    def failing_insert(*args, **kwargs):
        raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("disk full"))

    # Fails after the old figures of 2025 were deleted, in the same transaction.
    monkeypatch.setattr("services.registry.registry.insert", failing_insert)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        registry.load_workforce_csv(write_csv(WORKFORCE_HEADER + "61.01,2025,1000\n61,2025,5\n"), replace_year=True)
    assert registry.workforce_figures() == before
