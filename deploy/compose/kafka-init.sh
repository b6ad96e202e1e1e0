#!/usr/bin/env bash
# One shot, once the broker is healthy (docker-compose.yml service kafka-init), as ucj-admin:
# creates the pipeline's topics (as streams/broker/topics.py makes them) and the ACLs of each
# principal (the broker denies what no ACL allows: allow.everyone.if.no.acl.found=false).
# The ACLs are exactly services/dev/kafka_local/principals.py GRANTS (what `ucj kafka up --secure`
# grants) and the topics exactly what streams/broker/topics.py creates; tests/deploy/test_compose_kafka_init.py
# runs this script and fails when either drifts.
# Safe to run again: existing topics and ACLs are left as they are.
set -euo pipefail

umask 077
bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
bin=${KAFKA_BIN:-/opt/kafka/bin}  # the image's tools (tests/deploy/test_compose_kafka_init.py runs this with recorders)
password_file=${KAFKA_ADMIN_PASSWORD_FILE:-/run/secrets/kafka_admin_password}
[ -s "$password_file" ] || { echo "kafka-init: $password_file is missing or empty; run deploy/compose/init-secrets.sh" >&2; exit 1; }
# ucj-admin's client settings, in a file only this container sees (never in its environment)
config=$(mktemp)
trap 'rm -f "$config"' EXIT
cat > "$config" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ucj-admin" password="$(cat "$password_file")";
PROPERTIES

topic() {  # topic NAME PARTITIONS [--config K=V ...]
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$config" \
    --create --if-not-exists --replication-factor 1 --topic "$1" --partitions "$2" "${@:3}"
}
topic ucj.participant-events 8 --config retention.ms=-1 --config retention.bytes=-1  # the source of truth
topic ucj-coverage-rekeyed-events 8                                                  # as many as the events topic
topic ucj.dead-letter 1 --config retention.ms=7776000000                             # 90 days
topic ucj.coverage-alerts 1 --config retention.ms=-1 --config retention.bytes=-1     # the alert log
topic ucj-coverage-region-partials 1 --config cleanup.policy=compact

allow() {  # allow PRINCIPAL kafka-acls arguments...
  "$bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$config" \
    --add --allow-principal "User:$1" "${@:2}" >/dev/null
  echo "kafka-init: allowed $*"
}
for publisher in ucj-gateway ucj-producer; do
  allow "$publisher" --operation Write --topic ucj.participant-events
  allow "$publisher" --operation IdempotentWrite --cluster
done
allow ucj-worker --operation Read --operation DescribeConfigs --topic ucj.participant-events
allow ucj-worker --operation Read --group ucj-coverage
allow ucj-worker --operation Read --operation Write --operation Create --operation Describe --operation DescribeConfigs \
  --resource-pattern-type prefixed --topic ucj-coverage-
allow ucj-worker --operation Write --topic ucj.dead-letter
allow ucj-worker --operation Read --operation Write --topic ucj.coverage-alerts
allow ucj-notifier --operation Read --topic ucj.coverage-alerts
allow ucj-notifier --operation Read --group ucj-notifier
echo "kafka-init: topics and ACLs are in place"
