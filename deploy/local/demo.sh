#!/usr/bin/env bash
# The demo command: sets up a fresh machine, then runs the whole stack on embedded defaults
# (local Kafka, SQLite registry, worker, simulator) with a live status view. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/setup.sh
exec .venv/bin/ucj demo "$@"
