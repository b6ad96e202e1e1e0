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
ENV UCJ_DATA_DIR=/var/lib/ucj
ENTRYPOINT ["ucj"]
