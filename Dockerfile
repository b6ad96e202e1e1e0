# The project image: the ucj command (worker, notifier, gateway, registry, simulator, dashboards push).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY services ./services
COPY dashboards ./dashboards
# URLLIB3_NO_OVERRIDE: see deploy/local/setup.sh (urllib3-future beside urllib3, not over it)
RUN URLLIB3_NO_OVERRIDE=1 pip install --no-cache-dir --no-binary urllib3-future . psycopg[binary]
ENV UCJ_DATA_DIR=/var/lib/ucj
ENTRYPOINT ["ucj"]
