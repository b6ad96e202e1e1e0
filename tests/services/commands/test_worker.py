"""`ucj worker`'s name in the consumer group: the same for every restart of one worker, distinct for two."""

from pathlib import Path

from services.commands.worker import instance_id


def test_a_worker_keeps_its_instance_id_and_two_workers_differ(tmp_path: Path):
    one, two = tmp_path / "worker-6066", tmp_path / "worker-6067"
    assert instance_id(one) == instance_id(tmp_path / "." / "worker-6066")  # the same directory however it is written
    assert instance_id(one) != instance_id(two)
    assert len(instance_id(one)) < 250  # Kafka takes ids up to 249 characters
