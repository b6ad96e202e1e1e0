"""Client-library log records that read as failures but are part of normal operation.

aiokafka logs at ERROR when the group coordinator is not available yet, which happens on every
worker start against a new or restarted broker (Kafka creates `__consumer_offsets` and elects its
leaders first) and during a coordinator move; it retries by itself and the worker joins its group
a moment later. Shown as `[ERROR] Group Coordinator Request failed: [Error 15]
GroupCoordinatorNotAvailableError`, it alarms whoever reads the log, and teaches them to ignore
ERROR. `install()` demotes exactly those records to INFO, on the logger that makes them, so it holds
whatever handlers Faust installs later. Any other error, from that logger too, stays an ERROR.
"""

from __future__ import annotations

import logging

COORDINATOR_LOGGER = "aiokafka.consumer.group_coordinator"
TRANSIENT = ("GroupCoordinatorNotAvailableError",)  # retriable: aiokafka looks the coordinator up again


class DemoteTransient(logging.Filter):
    """Lowers an ERROR record naming a transient, retried condition to INFO; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and any(name in record.getMessage() for name in TRANSIENT):
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.msg = f"{record.getMessage()} (transient: the client retries)"
            record.args = ()
        return True


def install() -> None:
    """Idempotent: at most one filter on the coordinator's logger."""
    logger = logging.getLogger(COORDINATOR_LOGGER)
    if not any(isinstance(existing, DemoteTransient) for existing in logger.filters):
        logger.addFilter(DemoteTransient())
