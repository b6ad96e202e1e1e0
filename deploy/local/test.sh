#!/usr/bin/env bash
# The test command: sets up a fresh machine, checks lint, format and types, then runs every
# test. The integration tests start one Kafka broker for the session (and stop it). pytest
# lists every skip with its reason (-rfEs, pyproject.toml) and the 25 slowest tests. Extra
# arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/setup.sh
bash deploy/local/checks.sh
echo "==> pytest"
exec .venv/bin/python -m pytest -q -p no:cacheprovider --durations=25 "$@"
