#!/usr/bin/env bash
# The static checks (settings in pyproject.toml): ruff's lint and format, and mypy (strict on
# streams/domain and the worker's chain, normal elsewhere). Any violation fails, with the
# command that fixes what can be fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "==> ruff check"
.venv/bin/ruff check . || { echo "ruff found problems: fix them, or run .venv/bin/ruff check --fix ." >&2; exit 1; }
echo "==> ruff format --check"
.venv/bin/ruff format --check . || { echo "files are not formatted: run .venv/bin/ruff format ." >&2; exit 1; }
echo "==> mypy"
.venv/bin/python -m mypy
