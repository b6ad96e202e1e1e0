"""Kafka itself: how clients reach the broker, the topics, offsets, and topics read back to an end."""
