import pytest

from services.cli import build_parser

COMMANDS = ["kafka", "registry", "produce", "worker", "simulate", "status", "demo"]


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
