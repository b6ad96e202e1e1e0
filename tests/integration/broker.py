"""Emptying the session's Kafka broker between tests, so each test starts as on a new broker.

Starting a broker takes 10 to 30 s on a loaded machine; emptying one takes about a second.
A test must find none of the project's topics (their names are fixed: streams/broker/topics.py)
and no consumer group, so every topic but the broker's own (`__consumer_offsets`, ...) and
every group is deleted, and we wait until the broker no longer knows them: deletion in KRaft
completes after the request returns, and a topic created again before that fails.
"""

from __future__ import annotations

import time

from kafka.admin import KafkaAdminClient

from streams.broker.kafka_access import KafkaAccess, kafka_access

POLL_SECONDS = 0.2


def empty_broker(kafka: KafkaAccess | str, timeout: float = 180.0) -> None:
    """Delete every consumer group and every topic that is not the broker's own; wait until they are gone.

    A group with members cannot be deleted: a worker of the previous test may still be
    leaving it, or a SIGKILLed one may still count as a member until its session times out
    (10 s for a worker). We wait for it to empty, up to `timeout`, then fail naming it.
    """
    admin = KafkaAdminClient(**kafka_access(kafka).kafka_python(client_id="ucj-test-cleanup"))
    deadline = time.monotonic() + timeout
    try:
        _delete_groups(admin, deadline, timeout)
        _delete_topics(admin, deadline, timeout)
    finally:
        admin.close()


def _delete_groups(admin: KafkaAdminClient, deadline: float, timeout: float) -> None:
    while groups := [group["group_id"] for group in admin.list_groups()]:
        descriptions = admin.describe_groups(groups)
        members = {group: len(descriptions.get(group, {}).get("members") or ()) for group in groups}
        idle = [group for group, count in members.items() if count == 0]
        if idle:
            admin.delete_groups(idle)  # a failure shows as the group still listed next time
        if time.monotonic() > deadline:
            raise AssertionError(
                f"consumer groups not deleted {timeout:.0f} s after the previous test ended, with their "
                f"member counts (is a process of an earlier test still running?): {members}"
            )
        time.sleep(POLL_SECONDS)


def _delete_topics(admin: KafkaAdminClient, deadline: float, timeout: float) -> None:
    topics = _user_topics(admin)
    if topics:
        admin.delete_topics(topics)
    while topics := _user_topics(admin):
        if time.monotonic() > deadline:
            raise AssertionError(f"topics not deleted after {timeout:.0f} s: {sorted(topics)}")
        time.sleep(POLL_SECONDS)


def _user_topics(admin: KafkaAdminClient) -> list[str]:
    return [topic for topic in admin.list_topics() if not topic.startswith("__")]
