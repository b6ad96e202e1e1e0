#!/usr/bin/env bash
# Makes the secrets docker-compose.yml reads, one file each, in DIR (default: the directory
# UCJ_SECRETS_DIR names, else deploy/compose/secrets): random passwords (openssl rand), mode
# 0600. A file that exists is never overwritten: Kafka's SCRAM credentials and PostgreSQL's
# password are set from these files once, when their volumes are first made.
#
#   deploy/compose/init-secrets.sh [DIR]
#
# Run it as root (as Docker runs): Grafana reads its password as its own user (uid 472), so
# root hands that one file to it; the other containers read theirs as root.
set -euo pipefail

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

# Passwords in hex: no character that needs quoting in a URL, a JAAS line or --add-scram.
for principal in admin gateway producer worker notifier; do
  secret "kafka_${principal}_password" "$(openssl rand -hex 32)"  # Kafka principal ucj-<name>
done
secret postgres_password "$(openssl rand -hex 32)"
secret grafana_admin_password "$(openssl rand -hex 24)"
# The services' database URL, with the PostgreSQL password in it (UCJ_DATABASE_URL_FILE).
secret database_url "postgresql+psycopg://ucj:$(cat "$dir/postgres_password")@postgres:5432/ucj"

if [ "$(id -u)" -eq 0 ]; then
  chown 472 "$dir/grafana_admin_password"  # the grafana/grafana image's user
else
  echo "note: not root, so Grafana (uid 472) cannot read $dir/grafana_admin_password;" \
    "run: sudo chown 472 $dir/grafana_admin_password" >&2
fi
echo "$made new secret(s) in $dir; existing ones kept"
