"""Every worker start logged `[ERROR] Group Coordinator Request failed: [Error 15]
GroupCoordinatorNotAvailableError` (aiokafka, while the broker elects the coordinator; it retries):
the CLI demotes exactly that to INFO, on aiokafka's own logger, so Faust's handlers show it as INFO."""

from __future__ import annotations

import logging

import pytest
from aiokafka import errors

from services import cli
from services.common import transient_logs


@pytest.fixture
def coordinator_log(caplog):
    logger = logging.getLogger(transient_logs.COORDINATOR_LOGGER)
    saved = list(logger.filters)
    transient_logs.install()
    transient_logs.install()
    caplog.set_level(logging.DEBUG)
    yield logger
    logger.filters[:] = saved


def test_the_coordinator_not_available_yet_is_info(coordinator_log, caplog):
    coordinator_log.error("Group Coordinator Request failed: %s", errors.GroupCoordinatorNotAvailableError())
    coordinator_log.error("Heartbeat send request failed: %s. Will retry.", errors.GroupCoordinatorNotAvailableError())
    assert [(r.levelname, r.levelno) for r in caplog.records] == [("INFO", logging.INFO)] * 2
    assert "GroupCoordinatorNotAvailableError" in caplog.records[0].getMessage()
    assert "transient" in caplog.records[0].getMessage()
    assert sum(isinstance(f, transient_logs.DemoteTransient) for f in coordinator_log.filters) == 1


def test_every_other_error_stays_an_error(coordinator_log, caplog):
    coordinator_log.error("Attempt to join group failed due to fatal error: %s", errors.InvalidSessionTimeoutError())
    logging.getLogger("aiokafka.consumer.fetcher").error("GroupCoordinatorNotAvailableError elsewhere")
    coordinator_log.warning("Group Coordinator Request failed: GroupCoordinatorNotAvailableError")
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR", "WARNING"]


def test_the_cli_installs_it_for_every_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UCJ_DATA_DIR", str(tmp_path))
    logger = logging.getLogger(transient_logs.COORDINATOR_LOGGER)
    saved = list(logger.filters)
    logger.filters[:] = []
    try:
        assert cli.main(["kafka", "status", "--data-dir", str(tmp_path / "kafka")]) == 3  # stopped
        installed = any(isinstance(f, transient_logs.DemoteTransient) for f in logger.filters)
    finally:
        logger.filters[:] = saved
    assert installed
