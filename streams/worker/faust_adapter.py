"""Every use the worker makes of Faust beyond its documented API, pinned to one version.

tests/streams/worker/test_faust_adapter.py fails when faust-streaming's or aiokafka's version moves:
check each function below, streams/worker/faust_batches.py and streams/worker/faust_table.py, against the new
version's source, then move FAUST_VERSION or AIOKAFKA_VERSION.
"""

from __future__ import annotations

from typing import Callable, Set

import faust
from faust.types import TP
from faust.web.base import BlueprintManager

FAUST_VERSION = "0.15.3"
AIOKAFKA_VERSION = "0.14.0"  # the Kafka client under Faust, whose consumer faust_batches.py tunes

# Faust's built-in pages, off by their public settings (faust-streaming 0.15): /table serves
# a table's contents (every participant's event history), /router the cluster's workers,
# / and /graph the worker's internals, /performance its statistics.
BUILT_IN_PAGES_OFF = dict(
    web_tables_enabled=False,
    web_router_enabled=False,
    web_stats_enabled=False,
    web_graph_enabled=False,
    web_metrics_enabled=False,
)


def serve_own_pages_only(app) -> None:
    """The web server serves the app's own pages (app.page) and nothing of Faust's.

    No setting turns off the index Faust mounts at "/" when the statistics are off, so the
    blueprints it was about to mount are replaced by none: they are mounted only when the
    web server starts (faust/web/base.py, Web.init_server). Call before the app starts.
    """
    if app.web.blueprints.applied:
        raise RuntimeError("the web server has mounted its pages already")
    app.web.blueprints = BlueprintManager()


def highwater(app, tp) -> int | None:
    """The end of a partition as the consumer's last fetch saw it; None before a fetch or once revoked.

    aiokafka answers a partition the consumer is not assigned by failing an assertion."""
    try:
        return app.consumer.highwater(tp)
    except AssertionError:
        return None


def table_reporting_recovery(on_recovered: Callable[[set[int]], None]) -> type[faust.Table]:
    """A faust.Table that, once the state of its active partitions is recovered after a
    rebalance, calls `on_recovered` with their numbers (Table.on_recovery_completed)."""

    class TableReportingRecovery(faust.Table):
        async def on_recovery_completed(self, active_tps: Set[TP], standby_tps: Set[TP]) -> None:
            await super().on_recovery_completed(active_tps, standby_tps)
            on_recovered({tp.partition for tp in active_tps})

    return TableReportingRecovery
