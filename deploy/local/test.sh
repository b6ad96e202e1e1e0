#!/usr/bin/env bash
# The test command: sets up a fresh machine, then runs every test. The integration tests
# start their own Kafka broker (and stop it). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/setup.sh
echo "==> pytest"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
