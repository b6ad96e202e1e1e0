import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from services.commands.status import render
from services.worker_client import WorkerUnavailable, collect_status


def serve(body: dict) -> HTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def worker_body(active_61: int, active_6107: int, outlook: dict | None = None) -> dict:
    # no status beside the outlook: /status carries one per region, the region stage's (outlook.status)
    region = dict(workforce=None, planned=0.5, coverage=None, gap=None, gap_workers=None, outlook=outlook)
    return {
        "day": "2025-07-01",
        "partitions": [0],
        "thresholds": {"behind_pp": 0.5, "critical_pp": 5.0},
        "regions": [
            dict(region, region="61", name="Kalimantan Barat", level="province", active=active_61, workforce=1000),
            dict(
                region, region="61.07", name="Kabupaten Bengkayang", level="regency", active=active_6107, workforce=100
            ),
        ],
    }


def test_counts_of_several_workers_are_added_before_ratios_are_derived():
    stage = dict(
        status="critical", pace_per_day=-1.5, eta=None, enrollments_needed_per_month=10, budget_idr=0, lapse_cliff=None
    )
    servers = [serve(worker_body(300, 20)), serve(worker_body(200, 30, outlook=stage))]
    try:
        urls = [f"http://127.0.0.1:{s.server_port}" for s in servers]
        rows, day = collect_status(urls)
    finally:
        for s in servers:
            s.shutdown()
    by_code = {row.figures.region: row.figures for row in rows}
    assert by_code["61"].active == 500 and by_code["61"].coverage == 0.5 and by_code["61"].gap_pp == 0
    # the one status is the region stage's, with the pace rule: on plan, but not gaining
    assert by_code["61"].status == "critical"
    assert by_code["61.07"].active == 50 and by_code["61.07"].status == "critical"
    table = render(rows, day, urls)
    assert "Kabupaten Bengkayang" in table and "50.00" in table
    # the worker running the region stage adds the pace, the ETA and the status with the pace rule
    [bengkayang] = [line for line in table.splitlines() if "Bengkayang" in line]
    assert "-1.5" in bengkayang and "never" in bengkayang and bengkayang.endswith("critical")


def test_no_status_before_the_region_stage_has_judged():
    server = serve(worker_body(300, 20))
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        rows, day = collect_status([url])
    finally:
        server.shutdown()
    assert [row.figures.status for row in rows] == [None, None]  # no status without the pace rule
    table = render(rows, day, [url])
    [bengkayang] = [line for line in table.splitlines() if "Bengkayang" in line]
    assert bengkayang.endswith("  -") and "pace, ETA and status appear once" in table


def test_unreachable_worker_is_a_clear_error():
    with pytest.raises(WorkerUnavailable, match="is `ucj worker` running"):
        collect_status(["http://127.0.0.1:9"])
