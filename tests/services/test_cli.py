import pytest

from services.cli import build_parser

COMMANDS = ["kafka", "registry", "coordinators", "produce", "worker", "simulate", "status", "demo"]


def test_every_command_is_listed(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in COMMANDS)


@pytest.mark.parametrize("command", ["produce", "worker", "simulate", "status", "demo"])
def test_help_explains_and_lists_environment(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "environment:" in out and "UCJ_" in out
    assert len(out.splitlines()) > 8


def test_uninitialised_registry_is_a_sentence_not_a_traceback(tmp_path, monkeypatch, capsys):
    from services.cli import main

    monkeypatch.setenv("UCJ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("UCJ_DATABASE_URL", raising=False)
    assert main(["produce", "-"]) == 1
    assert "run `ucj registry init` first" in capsys.readouterr().err


def test_missing_input_file_is_reported(tmp_path, monkeypatch, capsys):
    from services.cli import main
    from services.registry import Registry

    monkeypatch.setenv("UCJ_DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    Registry(f"sqlite:///{tmp_path / 'r.db'}").init()
    assert main(["produce", str(tmp_path / "missing.jsonl")]) == 1
    assert "No such file or directory" in capsys.readouterr().err


def test_an_alert_hold_shorter_than_two_refreshes_of_the_figures_is_refused(capsys):
    from datetime import timedelta

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["worker", "--alert-hold", "3s"])
    assert exit_.value.code == 2
    assert "shorter than 10s" in capsys.readouterr().err
    assert build_parser().parse_args(["worker", "--alert-hold", "10s"]).alert_hold == timedelta(seconds=10)


def test_version_is_that_of_the_installed_distribution(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"ucj {version('ucj-coverage-monitor')}\n"


def test_version_falls_back_to_pyproject_when_not_installed(monkeypatch):
    import importlib.metadata
    import tomllib
    from pathlib import Path

    from services.cli import version

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert version() == pyproject["project"]["version"]
