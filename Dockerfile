# The project image: the ucj command (worker, notifier, registry, simulator, dashboards push).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY services ./services
COPY dashboards ./dashboards
RUN pip install --no-cache-dir . psycopg[binary]
ENV UCJ_DATA_DIR=/var/lib/ucj
ENTRYPOINT ["ucj"]
