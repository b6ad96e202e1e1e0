#!/usr/bin/env bash
# Installs what the product and its tests need on a fresh Debian machine:
# Java and Maven (for the local Kafka), PostgreSQL (for the registry tests on PostgreSQL),
# promtool and amtool (for the Prometheus and Alertmanager configuration tests),
# a Python virtualenv with the project, the worker's hot path compiled (mypyc, with gcc),
# and Kafka's jars.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=()
# want "PACKAGE..." WHY: root installs the packages; anyone else is told WHY they matter and how
want() {
  if [ "$(id -u)" -eq 0 ]; then
    read -ra wanted <<< "$1"
    apt_packages+=("${wanted[@]}")
  else
    echo "note: $2; install it with: sudo apt-get install $1" >&2
  fi
}
command -v java >/dev/null || apt_packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || apt_packages+=(maven)
# The registry tests start a throwaway PostgreSQL server from the Debian package's binaries.
# Without it they skip (fail under CI=true).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
  || want postgresql "PostgreSQL is not installed, so the registry tests on PostgreSQL will skip"
# tests/deploy check deploy/prometheus with promtool and deploy/alertmanager with amtool
# (Debian packages prometheus and prometheus-alertmanager, both in /usr/bin). Without them
# those tests skip (fail under CI=true).
command -v promtool >/dev/null || want prometheus "promtool is not installed, so its tests in tests/deploy will skip"
command -v amtool >/dev/null || want prometheus-alertmanager "amtool is not installed, so its tests in tests/deploy will skip"
# streams/native.py compiles the worker's hot path with mypyc, which needs a C compiler
command -v cc >/dev/null || want "gcc libc6-dev" "no C compiler, so the worker's hot path runs interpreted (slower)"
# docs/make_pictures.py renders the README's pictures with headless Chromium; only that
# script needs it (no test does)
command -v chromium >/dev/null || want chromium "Chromium is not installed, so docs/make_pictures.py cannot render"
# `ucj report` makes its PDF with WeasyPrint, which needs Pango and a font; its test reads the
# PDF with poppler-utils (pdftotext, pdftoppm, pdfimages).
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' \
    || want "$package" "$package is not installed, so \`ucj report\` or its test cannot run"
done
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${apt_packages[*]}; install them with: sudo apt-get install ${apt_packages[*]}" >&2
    exit 2
  fi
  echo "==> apt-get install ${apt_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

python=${PYTHON:-python3}
stamp=.venv/.ucj-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "==> creating .venv and installing the project"
  "$python" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  # grafana-client needs niquests, whose urllib3-future wheel overwrites urllib3 at every
  # interpreter start (a .pth file), which breaks requests-based tools such as schemathesis's
  # CLI. Built from source with URLLIB3_NO_OVERRIDE, it lives beside urllib3 instead.
  if compgen -G ".venv/lib/python3*/site-packages/urllib3_future.pth" > /dev/null; then
    .venv/bin/pip uninstall -q -y urllib3-future urllib3
  fi
  URLLIB3_NO_OVERRIDE=1 .venv/bin/pip install -q --no-binary urllib3-future -e '.[test,native]'
  echo "$wanted" > "$stamp"
fi

# The worker's hot path, compiled again whenever its sources changed (streams/native.py). A
# failed build leaves it interpreted, which CI refuses (tests/streams/test_native.py).
if [ "$(.venv/bin/python streams/native.py status)" != "hot path: compiled" ]; then
  echo "==> compiling the worker's hot path (mypyc)"
  if ! .venv/bin/python streams/native.py build > .venv/native-build.log 2>&1; then
    .venv/bin/python streams/native.py clean >/dev/null
    echo "warning: the hot path did not compile (see .venv/native-build.log); it runs interpreted" >&2
    if [ "${CI:-}" = true ]; then
      cat .venv/native-build.log >&2
      exit 1
    fi
  fi
fi

# tests/deploy/test_compose.py validates docker-compose.yml with the official Compose
# implementation (`docker-compose config`, which needs no Docker daemon). Built once from the
# Go module proxy into .venv/bin/docker-compose (a few minutes), and kept while its version
# is the one wanted. Without it that test skips (fails under CI=true), so a failed build is
# a warning here and an error under CI.
compose_version=v2.29.7
if [ "$(.venv/bin/docker-compose version --short 2>/dev/null)" != "${compose_version#v}" ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  echo "==> building docker-compose $compose_version with $go (a few minutes; log in .venv/compose-build.log)"
  if GOBIN="$PWD/.venv/compose-build" "$go" install -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$compose_version" \
      "github.com/docker/compose/v2/cmd@$compose_version" > .venv/compose-build.log 2>&1; then
    mv .venv/compose-build/cmd .venv/bin/docker-compose && rmdir .venv/compose-build
  else
    echo "warning: docker-compose did not build (see .venv/compose-build.log); the compose validation test will skip" >&2
    if [ "${CI:-}" = true ]; then
      cat .venv/compose-build.log >&2
      exit 1
    fi
  fi
fi

echo "==> Kafka jars"
.venv/bin/python -c "from services.dev.kafka_local.manager import ensure_jars; print(ensure_jars())"
