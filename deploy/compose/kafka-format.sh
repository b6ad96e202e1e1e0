#!/usr/bin/env bash
# One shot, before the broker's first start (docker-compose.yml service kafka-format): formats
# the broker's storage with a SCRAM-SHA-512 credential for each UCJ principal (KIP-900:
# kafka-storage format --add-scram), from the Docker secrets /run/secrets/kafka_*_password.
# The broker then starts with its users already known, and no password is ever in its
# configuration or environment. Storage that is formatted already is left as it is: change a
# password afterwards as ucj-admin with kafka-configs.sh --alter --add-config
# 'SCRAM-SHA-512=[password=...]' --entity-type users --entity-name ucj-<name>.
# Runs as root in the apache/kafka image (secret files are 0600), hands the data to appuser.
set -euo pipefail

data=${KAFKA_LOG_DIRS:?}
if [ -e "$data/meta.properties" ]; then
  echo "kafka-format: $data is formatted already; SCRAM credentials are those it was formatted with"
  exit 0
fi

# The broker's own settings, from the same KAFKA_* variables its image renders them from.
config=$(mktemp)
cat > "$config" <<PROPERTIES
process.roles=$KAFKA_PROCESS_ROLES
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_CONTROLLER_QUORUM_VOTERS
controller.listener.names=$KAFKA_CONTROLLER_LISTENER_NAMES
listeners=$KAFKA_LISTENERS
advertised.listeners=$KAFKA_ADVERTISED_LISTENERS
listener.security.protocol.map=$KAFKA_LISTENER_SECURITY_PROTOCOL_MAP
inter.broker.listener.name=$KAFKA_INTER_BROKER_LISTENER_NAME
log.dirs=$data
PROPERTIES

scram=()
for principal in admin gateway producer worker notifier; do
  file=/run/secrets/kafka_${principal}_password
  [ -s "$file" ] || { echo "kafka-format: $file is missing or empty; run deploy/compose/init-secrets.sh" >&2; exit 1; }
  scram+=(--add-scram "SCRAM-SHA-512=[name=ucj-$principal,password=$(cat "$file")]")
done
# The passwords are on this command line for the seconds it runs, visible only inside this
# one-shot container: kafka-storage takes them no other way.
/opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config "$config" "${scram[@]}"
rm -f "$config"
chown -R appuser:appuser "$data"
echo "kafka-format: formatted $data with SCRAM-SHA-512 credentials for ucj-admin, ucj-gateway, ucj-producer, ucj-worker, ucj-notifier"
