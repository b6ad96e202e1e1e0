"""A new edition of the region codes: a regency split keeps its history (workforce, plan,
coordinators, sources), and a bad edition or mapping loads nothing."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest

from services.registry import CsvRejected, Registry
from services.registry.edition_store import EditionReport

SEED = Path(__file__).parents[3] / "services" / "data" / "kalbar_regions.csv"
MOVED = {"61.05.19": "61.13.01", "61.05.20": "61.13.02", "61.05.21": "61.13.03"}  # three districts of Sintang


def renamed(code: str) -> str:
    for old, new in MOVED.items():
        if code == old or code.startswith(old + "."):
            return new + code[len(old) :]
    return code


def split_sintang(tmp_path: Path) -> tuple[Path, Path, list[tuple[str, str]]]:
    """An edition in which Kabupaten Sintang (61.05) gives three districts, with their villages,
    to a new regency 61.13; and the mapping of every code that changes (semicolons, as Excel saves it)."""
    with SEED.open(encoding="utf-8") as seed:
        rows = list(csv.DictReader(seed))
    edition, moves = [], []
    for row in rows:
        code = renamed(row["code"])
        parent = "61.13" if row["parent"] == "61.05" and row["code"] in MOVED else renamed(row["parent"])
        edition.append([code, parent, row["level"], row["name"]])
        if code != row["code"]:
            moves.append((row["code"], code))
    edition.append(["61.13", "61", "regency", "Kabupaten Sintang Timur"])
    edition_path = tmp_path / "wilayah-2026.csv"
    with edition_path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["code", "parent", "level", "name"], *edition])
    mapping_path = tmp_path / "mapping.csv"
    lines = ["old_code;new_code;share", "61.05;61.05;0,7", "61.05;61.13;0,3"] + [f"{old};{new};" for old, new in moves]
    mapping_path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return edition_path, mapping_path, moves


def test_a_regency_split_keeps_its_history(registry: Registry, tmp_path: Path, write_csv) -> None:
    registry.load_plan_csv(write_csv("region_code,date,ratio\n61.05,2025-12-31,0.55\n"))
    rina = registry.add_coordinator("Rina", "61.05", email="rina@sintang.go.id")
    source, _ = registry.add_source("disnaker-sintang-timur", ["61.05.19"])
    before = registry.workforce_figures()
    edition, mapping, moves = split_sintang(tmp_path)
    villages = len(moves) - len(MOVED)

    report = registry.load_regions_csv(edition, mapping)

    assert report == EditionReport(
        added=1 + len(moves),
        changed=0,
        unchanged=2334 - len(moves),
        retired=len(moves),
        workforce_figures_carried=6,
        plans_carried=1,
        coordinators_repointed=0,
        coordinators_copied=1,
        source_regions_repointed=1,
        delimiter=",",
    )
    tree = registry.region_tree()
    retired = registry.retired_regions()
    assert {code for code in tree.codes_at("regency") if code not in retired} >= {"61.05", "61.13"}
    assert sorted(c for c in tree.children_of("61.13") if c not in retired) == ["61.13.01", "61.13.02", "61.13.03"]
    assert len([c for c in tree.children_of("61.13.01") if c not in retired]) == len(
        [c for _, c in moves if c.startswith("61.13.01.")]
    )
    assert villages > 0 and all(tree.regency_of(new) == "61.13" for _, new in moves)
    # The old codes stay valid for events and now count in the new regency.
    assert retired["61.05.19"] == ("61.13.01",)
    assert tree.self_and_ancestors("61.05.19") == ("61.05.19", "61.13", "61")
    old_village, new_village = next((o, n) for o, n in moves if o.startswith("61.05.19."))
    assert tree.self_and_ancestors(old_village) == (old_village, "61.13.01", "61.13", "61")
    assert "61.05" not in retired

    after = registry.workforce_figures()
    for year, figures in before.items():
        assert after[year]["61.05"] + after[year]["61.13"] == figures["61.05"]
        assert after[year]["61.13"] == round(figures["61.05"] * 0.3)
        assert {c: n for c, n in after[year].items() if c not in ("61.05", "61.13")} == {
            c: n for c, n in figures.items() if c != "61.05"
        }
    assert registry.plans()["61.13"] == registry.plans()["61.05"] == [(datetime.date(2025, 12, 31), 0.55)]
    assert [(c.id, c.name) for c in registry.active_coordinators("61.05")] == [(rina.id, "Rina")]
    assert [(c.name, c.email) for c in registry.active_coordinators("61.13")] == [("Rina", "rina@sintang.go.id")]
    assert [s.regions for s in registry.sources() if s.name == source.name] == [("61.13.01",)]

    # Loading the same edition again changes nothing more.
    again = registry.load_regions_csv(edition)
    assert (again.added, again.changed, again.retired, again.unchanged) == (0, 0, 0, 2334 + 1)


def test_codes_that_leave_without_a_mapping_load_nothing(registry: Registry, tmp_path: Path) -> None:
    edition, _, moves = split_sintang(tmp_path)
    tree = registry.region_tree()
    with pytest.raises(CsvRejected) as caught:
        registry.load_regions_csv(edition)
    [(line, message)] = caught.value.problems
    assert line == 1 and message.startswith(
        f"{len(moves)} codes of the registry are not in this edition and have no mapping row (61.05.19, "
    )
    assert registry.region_tree().regions == tree.regions and registry.retired_regions() == {}


def test_mapping_problems_name_their_lines(registry: Registry, tmp_path: Path, write_csv) -> None:
    edition, _, _ = split_sintang(tmp_path)
    mapping = write_csv("old_code,new_code,share\n61.05,61.13,0.3\n61.99,61.13,\n61.05.19,61.13.09,\n")
    with pytest.raises(CsvRejected) as caught:
        registry.load_regions_csv(edition, mapping)
    assert caught.value.path == str(mapping)
    assert caught.value.problems == [
        (2, "61.05 has one successor, which takes all of its workforce: leave its share empty or 1"),
        (2, "61.05 is in the new edition too, so list it among its own successors (61.05,61.05,share)"),
        (3, "old_code 61.99 is not a region of the registry"),
        (4, "new_code 61.13.09 is not in the new edition"),
    ]


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        ("61,,province,Kalimantan Barat\n61.01,61.99,regency,X\n", [(3, "parent 61.99 is not a code of this file")]),
        ("61,,province,Kalimantan Barat\n61.01,61,district,X\n", [(3, "a district cannot be under 61, a province")]),
        ("61,,province,K\n61.01,,regency,X\n", [(3, "a regency needs a parent code")]),
        ("61,,province,K\n61.01,61,kota,X\n", [(3, "level must be province, regency, district, village, got 'kota'")]),
        (
            "61.01,61,regency,X\n",
            [(1, "an edition has exactly one province, this one has 0"), (2, "parent 61 is not a code of this file")],
        ),
    ],
)
def test_an_edition_that_is_not_one_tree_loads_nothing(registry: Registry, write_csv, rows: str, problems) -> None:
    with pytest.raises(CsvRejected) as caught:
        registry.load_regions_csv(write_csv("code,parent,level,name\n" + rows))
    assert caught.value.problems == problems
    assert registry.retired_regions() == {}
