#!/usr/bin/env bash
# Runs once, when the postgres service first initialises its volume (mounted into
# /docker-entrypoint-initdb.d; the image runs it as the postgres user, connected over the
# container's socket as the bootstrap superuser). Makes the roles of least privilege
# (services/registry/roles.py says what each may do):
#   ucj_admin                 LOGIN, owns database ucj (so, in PostgreSQL 15, schema public):
#                             runs the migrations (`ucj registry init`, service registry-init),
#                             which grant the groups their privileges; no superuser, CREATEROLE
#                             or CREATEDB
#   ucj_gateway, ucj_worker,  NOLOGIN groups
#   ucj_notifier
#   gateway, worker, notifier LOGIN, each a member of its group only
# Passwords come from the Docker secrets /run/secrets/postgres_<role>_password, read by psql
# itself (never on a command line). The bootstrap superuser is used by nothing else. PUBLIC
# loses CONNECT and TEMP on the database and CREATE on schema public.
# Safe to run again (e.g. by hand on a volume made before these roles existed:
#   docker compose exec -u postgres postgres bash /docker-entrypoint-initdb.d/50-ucj-roles.sh
# then, as the old owner, REASSIGN OWNED BY ucj TO ucj_admin; see the README).
set -euo pipefail

export UCJ_POSTGRES_SECRETS=${UCJ_POSTGRES_SECRETS:-/run/secrets}
for role in admin gateway worker notifier; do
  file=$UCJ_POSTGRES_SECRETS/postgres_${role}_password
  [ -s "$file" ] || { echo "postgres-roles: $file is missing or empty; run deploy/compose/init-secrets.sh" >&2; exit 1; }
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-ucj}" <<'SQL'
\set admin_password `cat "$UCJ_POSTGRES_SECRETS/postgres_admin_password"`
\set gateway_password `cat "$UCJ_POSTGRES_SECRETS/postgres_gateway_password"`
\set worker_password `cat "$UCJ_POSTGRES_SECRETS/postgres_worker_password"`
\set notifier_password `cat "$UCJ_POSTGRES_SECRETS/postgres_notifier_password"`
SELECT current_database() AS database \gset

SELECT format('CREATE ROLE %I', name) FROM unnest(ARRAY['ucj_admin', 'ucj_gateway', 'ucj_worker', 'ucj_notifier',
  'gateway', 'worker', 'notifier']) AS name WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec

ALTER ROLE ucj_admin LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'admin_password';
ALTER ROLE ucj_gateway NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE ucj_worker NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE ucj_notifier NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE gateway LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'gateway_password';
ALTER ROLE worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'worker_password';
ALTER ROLE notifier LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'notifier_password';
GRANT ucj_gateway TO gateway;
GRANT ucj_worker TO worker;
GRANT ucj_notifier TO notifier;

ALTER DATABASE :"database" OWNER TO ucj_admin;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO ucj_gateway, ucj_worker, ucj_notifier;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
echo "postgres-roles: ucj_admin owns database ${POSTGRES_DB:-ucj}; gateway, worker and notifier log in as members of ucj_gateway, ucj_worker and ucj_notifier"
