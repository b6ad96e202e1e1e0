"""Kafka topic names (public contract, see the design note) and their layout."""

PARTICIPANT_EVENTS = "ucj.participant-events"
DEAD_LETTER = "ucj.dead-letter"
COVERAGE_ALERTS = "ucj.coverage-alerts"

# Partition count of the events topic; the participant table is co-partitioned with it.
# It bounds how many workers can share the load.
EVENT_PARTITIONS = 8
