"""`ucj registry ...`, driven through the subcommand's own parser."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from services.registry import Registry
from services.registry.cli import add_parser
from tests.services.registry.conftest import create_tables_from_before_migrations


def ucj(*argv: str) -> int:
    """Run like `ucj ARGV...`, with only the registry subcommand installed."""
    parser = argparse.ArgumentParser(prog="ucj")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.registry")


def test_init_reports_what_it_loaded_then_that_nothing_was_needed(database_url: str, caplog) -> None:
    assert ucj("registry", "init", "--database-url", database_url) == 0
    assert "loaded 2,334 regions, 42 workforce figures, 3 plan points into " in caplog.text
    caplog.clear()

    assert ucj("registry", "init", "--database-url", database_url) == 0
    assert "already initialised; nothing to add" in caplog.text


def test_show_prints_levels_years_and_plan(database_url: str, capsys) -> None:
    ucj("registry", "init", "--database-url", database_url)
    capsys.readouterr()

    assert ucj("registry", "show", "--database-url", database_url) == 0
    out = capsys.readouterr().out
    assert "regions: 1 province, 14 regency, 174 district, 2,145 village (2,334 in all)" in out
    assert "  2024: 14 regions\n  2025: 14 regions\n  2026: 14 regions\n" in out
    assert "  61 Kalimantan Barat: 2024-06-01 0.3539, 2024-12-31 0.5014, 2025-12-31 0.5956" in out


def test_show_before_init_fails_with_a_hint(database_url: str, capsys) -> None:
    assert ucj("registry", "show", "--database-url", database_url) == 1
    assert "run `ucj registry init` first" in capsys.readouterr().err


def test_load_workforce(database_url: str, write_csv, caplog) -> None:
    ucj("registry", "init", "--database-url", database_url)
    path = write_csv("region_code,year,eligible_workforce\n61.01,2027,5000\n61.02,2027,6000\n")

    assert ucj("registry", "load-workforce", str(path), "--database-url", database_url) == 0
    assert (
        "merged into year 2027 with 2 figures: 2 regions added, 0 updated, 0 unchanged, 0 removed "
        f"(the year's other regions keep their figures), from {path} (comma-delimited) into "
    ) in caplog.text
    with Registry(database_url) as registry:
        assert registry.workforce_figures()[2027] == {"61.01": 5000, "61.02": 6000}


def test_load_workforce_merges_a_partial_year_unless_told_to_replace_it(database_url: str, write_csv, caplog) -> None:
    ucj("registry", "init", "--database-url", database_url)
    path = write_csv("\ufeffregion_code;year;eligible_workforce\r\n61.01;2025;5000\r\n61.02;2025;94585\r\n")

    assert ucj("registry", "load-workforce", str(path), "--database-url", database_url) == 0
    assert "merged into year 2025 with 2 figures: 0 regions added, 1 updated, 1 unchanged, 0 removed" in caplog.text
    assert f"from {path} (semicolon-delimited) into " in caplog.text
    with Registry(database_url) as registry:
        assert len(registry.workforce_figures()[2025]) == 14
    caplog.clear()

    assert ucj("registry", "load-workforce", str(path), "--replace-year", "--database-url", database_url) == 0
    assert (
        "replaced year 2025 with 2 figures: 0 regions added, 0 updated, 2 unchanged, 12 removed, from " in caplog.text
    )
    with Registry(database_url) as registry:
        assert registry.workforce_figures()[2025] == {"61.01": 5000, "61.02": 94585}


def test_load_workforce_help_explains_merge_and_replace(capsys) -> None:
    with pytest.raises(SystemExit):
        ucj("registry", "load-workforce", "--help")
    out = " ".join(capsys.readouterr().out.split())
    assert "--replace-year" in out and "merges into what is stored" in out
    assert "comma or semicolon delimited" in out and "byte order mark" in out


def test_load_workforce_lists_every_bad_row_and_loads_nothing(database_url: str, write_csv, capsys) -> None:
    ucj("registry", "init", "--database-url", database_url)
    path = write_csv("region_code,year,eligible_workforce\n61.01,2027,5000\n61.99,2027,1\n61.02,2027,-5\n")

    assert ucj("registry", "load-workforce", str(path), "--database-url", database_url) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:3: unknown region '61.99'",
        f"{path}:4: eligible_workforce must be a positive whole number, got '-5'",
        "nothing loaded: 2 bad rows",
    ]
    with Registry(database_url) as registry:
        assert 2027 not in registry.workforce_figures()


def test_load_plan(database_url: str, write_csv, caplog, capsys) -> None:
    ucj("registry", "init", "--database-url", database_url)
    good = write_csv("region_code,date,ratio\n61.07,2025-12-31,0.6\n")
    bad = write_csv("region_code,date,ratio\n61.07,2025-12-31,60\n")

    assert ucj("registry", "load-plan", str(good), "--database-url", database_url) == 0
    assert (
        f"loaded 1 plan points for regions 61.07 (replacing 0 stored rows), from {good} (comma-delimited)"
        in caplog.text
    )
    assert ucj("registry", "load-plan", str(bad), "--database-url", database_url) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}:2: ratio must be a number from 0 to 1, got '60'",
        "nothing loaded: 1 bad rows",
    ]


def test_load_of_a_missing_file(database_url: str, tmp_path: Path, capsys) -> None:
    ucj("registry", "init", "--database-url", database_url)
    missing = tmp_path / "nope.csv"
    assert ucj("registry", "load-plan", str(missing), "--database-url", database_url) == 2
    assert f"{missing}: cannot read" in capsys.readouterr().err


def test_database_url_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("UCJ_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    assert ucj("registry", "init") == 0
    assert (tmp_path / "from-env.db").is_file()


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("UCJ_DATABASE_URL", raising=False)
    monkeypatch.setenv("UCJ_DATA_DIR", str(tmp_path / "state"))
    assert ucj("registry", "init") == 0
    assert (tmp_path / "state" / "registry.db").is_file()


def test_flag_overrides_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("UCJ_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    assert ucj("registry", "init", "--database-url", f"sqlite:///{tmp_path / 'from-flag.db'}") == 0
    assert (tmp_path / "from-flag.db").is_file()
    assert not (tmp_path / "from-env.db").exists()


@pytest.mark.parametrize(
    ("argv", "description"),
    [
        (["registry"], "The region registry holds the regions"),
        (["registry", "init"], "Create the tables (or apply the schema migrations an existing registry lacks)"),
        (["registry", "upgrade"], "Bring an existing registry to the schema of this version"),
        (["registry", "load-workforce"], "region_code,year,eligible_workforce"),
        (["registry", "load-plan"], "region_code,date,ratio"),
        (["registry", "show"], "Print the schema revision, the number of regions per level"),
    ],
)
def test_help_has_a_description_and_the_environment(argv: list[str], description: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        ucj(*argv, "--help")
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert description in " ".join(out.split())
    assert "environment:\n  UCJ_DATABASE_URL" in out
    assert "UCJ_DATA_DIR" in out


def test_init_says_it_created_the_schema(database_url: str, caplog) -> None:
    assert ucj("registry", "init", "--database-url", database_url) == 0
    assert "created the schema (revision 0005) in " in caplog.text


def test_upgrade_of_a_registry_from_before_migrations(database_url: str, caplog) -> None:
    create_tables_from_before_migrations(database_url)
    assert ucj("registry", "upgrade", "--database-url", database_url) == 0
    assert "was created before schema migrations; marked it as revision 0001" in caplog.text
    assert "from revision 0001 to 0005" in caplog.text
    caplog.clear()

    assert ucj("registry", "upgrade", "--database-url", database_url) == 0
    assert "is already at schema revision 0005; nothing to do" in caplog.text


def test_show_prints_the_schema_revision(database_url: str, capsys) -> None:
    ucj("registry", "init", "--database-url", database_url)
    capsys.readouterr()
    assert ucj("registry", "show", "--database-url", database_url) == 0
    assert "schema revision: 0005 (current)" in capsys.readouterr().out


def test_show_says_when_an_upgrade_is_needed(database_url: str, capsys) -> None:
    create_tables_from_before_migrations(database_url)
    with Registry(database_url) as old, old.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO regions (code, parent_code, level, name) VALUES ('61', NULL, 'province', 'Kalimantan Barat')"
            )
        )
    assert ucj("registry", "show", "--database-url", database_url) == 0
    assert (
        "schema revision: none (created before migrations); this version needs 0005: run `ucj registry upgrade`"
        in capsys.readouterr().out
    )


def test_load_regions_with_a_mapping_then_show(
    registry: Registry, database_url: str, tmp_path: Path, caplog, capsys
) -> None:
    from tests.services.registry.test_edition_store import split_sintang

    edition, mapping, moves = split_sintang(tmp_path)
    assert ucj("registry", "load-regions", str(edition), "--database-url", database_url) == 2
    assert "have no mapping row" in capsys.readouterr().err

    assert ucj("registry", "load-regions", str(edition), "--mapping", str(mapping), "--database-url", database_url) == 0
    assert f"loaded a region edition: {1 + len(moves):,} regions added, 0 changed, " in caplog.text
    assert f"{len(moves):,} retired; carried 6 workforce figures and 0 plans" in caplog.text
    assert f"from {edition} (comma-delimited) into " in caplog.text
    assert ucj("registry", "show", "--database-url", database_url) == 0
    assert f"  of which {len(moves):,} retired by a newer edition" in capsys.readouterr().out

    assert (
        ucj(
            "registry",
            "load-regions",
            str(edition),
            "--mapping",
            str(tmp_path / "nope.csv"),
            "--database-url",
            database_url,
        )
        == 2
    )
    assert f"{tmp_path / 'nope.csv'}: cannot read" in capsys.readouterr().err


def test_load_regions_help_says_what_keeps_its_history(capsys) -> None:
    with pytest.raises(SystemExit):
        ucj("registry", "load-regions", "--help")
    out = " ".join(capsys.readouterr().out.split())
    assert "--mapping" in out and "retired, not deleted" in out and "does not rewrite the codes of events" in out
