#!/usr/bin/env bash
# Makes the secrets docker-compose.yml reads, one file each, in DIR (default: the directory
# UCJ_SECRETS_DIR names, else deploy/compose/secrets): random passwords (openssl rand), mode
# 0600 (umask 077: never readable by group or others, even for a moment; the UCJ services
# refuse a secret file that is). A file that exists is never overwritten: Kafka's SCRAM
# credentials and PostgreSQL's passwords are set from these files once, when their volumes
# are first made.
#
#   deploy/compose/init-secrets.sh [DIR]
#
# Run it as root (as Docker runs). Compose hands a file secret to a container as a bind mount
# of the host file, with the host file's owner and mode (the long syntax's uid, gid and mode
# apply to Swarm only; docker compose ignores them with a warning), so each file belongs to
# the user of the container that reads it, and stays 0600:
#   uid 10001  the project image's user (Dockerfile): database_url_{admin,gateway,worker,notifier}
#              and kafka_{gateway,worker,notifier}_password
#   uid 999    the postgres image's user, which runs deploy/compose/postgres-roles.sh:
#              postgres_{admin,gateway,worker,notifier}_password
#   uid 472    the grafana image's user: grafana_admin_password
#   root       the rest, read by containers that start as root (Kafka's format and init steps,
#              PostgreSQL's entrypoint): kafka_{admin,producer}_password, postgres_password
set -euo pipefail

UCJ_UID=10001       # Dockerfile: the ucj user
POSTGRES_UID=999    # postgres:15 (Debian): the postgres user
GRAFANA_UID=472     # grafana/grafana: the grafana user

dir=${1:-${UCJ_SECRETS_DIR:-$(dirname "$0")/secrets}}
umask 077
mkdir -p "$dir"

made=0
# secret NAME VALUE: writes VALUE to DIR/NAME, unless that file exists (shell builtins only,
# so no value shows in a process list)
secret() {
  local path="$dir/$1"
  [ -e "$path" ] && return 0
  printf '%s\n' "$2" > "$path.tmp"
  chmod 0600 "$path.tmp"
  mv "$path.tmp" "$path"
  echo "made $path"
  made=$((made + 1))
}

# Passwords in hex: no character that needs quoting in a URL, a JAAS line, --add-scram or SQL.
for principal in admin gateway producer worker notifier; do
  secret "kafka_${principal}_password" "$(openssl rand -hex 32)"  # Kafka principal ucj-<name>
done
# PostgreSQL: the bootstrap superuser (postgres; its entrypoint and postgres-roles.sh only),
# ucj_admin (owns the schema, runs migrations) and one login per service, a member of its
# group (ucj registry grant-roles, services/registry/roles.py).
secret postgres_password "$(openssl rand -hex 32)"
for role in admin gateway worker notifier; do
  secret "postgres_${role}_password" "$(openssl rand -hex 32)"
done
secret grafana_admin_password "$(openssl rand -hex 24)"
# Each service's database URL, with its own login and password (UCJ_DATABASE_URL_FILE).
secret database_url_admin "postgresql+psycopg://ucj_admin:$(cat "$dir/postgres_admin_password")@postgres:5432/ucj"
for role in gateway worker notifier; do
  secret "database_url_${role}" "postgresql+psycopg://${role}:$(cat "$dir/postgres_${role}_password")@postgres:5432/ucj"
done

owners=(
  "$UCJ_UID:database_url_admin database_url_gateway database_url_worker database_url_notifier kafka_gateway_password kafka_worker_password kafka_notifier_password"
  "$POSTGRES_UID:postgres_admin_password postgres_gateway_password postgres_worker_password postgres_notifier_password"
  "$GRAFANA_UID:grafana_admin_password"
)
if [ "$(id -u)" -eq 0 ]; then
  for entry in "${owners[@]}"; do
    for name in ${entry#*:}; do
      chown "${entry%%:*}" "$dir/$name"
    done
  done
else
  echo "note: not root, so the containers' users cannot read their secrets; as root run:" >&2
  for entry in "${owners[@]}"; do
    echo "  (cd $dir && chown ${entry%%:*} ${entry#*:})" >&2
  done
fi
echo "$made new secret(s) in $dir; existing ones kept"
