# The project image: the ucj command (worker, notifier, gateway, registry, simulator, dashboards push).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY services ./services
COPY dashboards ./dashboards
# URLLIB3_NO_OVERRIDE: see deploy/local/setup.sh (urllib3-future beside urllib3, not over it).
# Installed in place (-e) so that the worker's hot path compiles beside its sources
# (streams/native.py); the compiler is removed once it has.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && URLLIB3_NO_OVERRIDE=1 pip install --no-cache-dir --no-binary urllib3-future -e '.[native]' psycopg[binary] \
    && python streams/native.py build && rm -rf build .mypy_cache \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# Runs as the system user ucj with a fixed uid (10001, which deploy/compose/init-secrets.sh
# hands the services' secret files to), never as root. The code stays root's and read-only to
# it; the one place it writes is its data directory (the worker's state; a volume in
# docker-compose.yml, which copies this directory's owner when it is first made). No .pyc is
# written at run time, so the root filesystem can be mounted read-only.
RUN groupadd --system --gid 10001 ucj \
    && useradd --system --uid 10001 --gid ucj --home-dir /var/lib/ucj --no-create-home --shell /usr/sbin/nologin ucj \
    && mkdir -p /var/lib/ucj && chown ucj:ucj /var/lib/ucj && chmod 0700 /var/lib/ucj
ENV UCJ_DATA_DIR=/var/lib/ucj HOME=/var/lib/ucj PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
ENTRYPOINT ["ucj"]
