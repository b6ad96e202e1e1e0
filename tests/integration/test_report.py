"""`ucj report` from a real pipeline: the PDF's headline equals what `ucj history` gives for the
month end and what `ucj status` gives for today; the chart is in it, and page 1 turns into a PNG."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from services.worker_client import collect_history as history
from services.worker_client import collect_status as status
from tests.integration.small_province import (  # noqa: F401 (small_registry is a fixture)
    BEHIND,
    CLIFF,
    REGENCIES,
    assisted_until,
    enrolled,
    lapsed,
    small_registry,
)
from tests.integration.streams import send_raw
from tests.integration.waiting import wait_until
from tests.tools import child_env, require_tool

pytestmark = pytest.mark.integration


def pct_id(ratio: float) -> str:
    return f"{ratio * 100:.2f}".replace(".", ",") + "%"


def report(tmp_path: Path, registry: str, url: str, *args: str) -> str:
    """Run `ucj report`, return the PDF's text (pdftotext -layout)."""
    output = tmp_path / f"report-{'-'.join(a.strip('-') for a in args)}.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "report", *args, "--output", str(output), "--url", url],
        capture_output=True,
        text=True,
        timeout=180,
        env=child_env(UCJ_DATABASE_URL=registry, UCJ_DATA_DIR=str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr
    assert "reading the history" in done.stderr  # progress on stderr
    text = subprocess.run(["pdftotext", "-layout", str(output), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())  # one space between words, whatever the layout


def test_report_numbers_equal_history_and_status(kafka_bootstrap, small_registry, tmp_path):
    from tests.integration.conftest import WorkerProcess

    require_tool("pdftotext", "apt-get install poppler-utils")
    require_tool("pdftoppm", "apt-get install poppler-utils")
    require_tool("pdfimages", "apt-get install poppler-utils")
    records = [r for code in REGENCIES if code != CLIFF for r in enrolled(code, 60)]
    records += enrolled(CLIFF, 20) + assisted_until(CLIFF, 40, "2026-08-15")  # 40 of 60 lapse in 47 days
    records += lapsed(BEHIND, 20)  # on 2026-06-30, today: 60 active at the end of May, 40 today
    send_raw(kafka_bootstrap, records)
    worker = WorkerProcess(kafka_bootstrap, small_registry, tmp_path)
    try:
        worker.wait_ready()

        def settled():
            rows = {row.figures.region: row for row in status([worker.url])[0]}
            behind, cliff = rows.get(BEHIND), rows.get("61")
            ready = (
                behind
                and behind.figures.active == 40
                and cliff
                and cliff.outlook
                and cliff.outlook.get("lapse_cliff") == 40
            )
            return rows if ready else None

        rows = wait_until(
            settled, "every event counted and judged by the region stage", timeout=300, processes=[worker]
        )

        # a past month: the month end, as `ucj history` gives it
        may = report(tmp_path, small_registry, worker.url, "--region", BEHIND, "--month", "2026-05")
        [end] = history([worker.url], BEHIND, date(2026, 5, 31), date(2026, 5, 31)).rows
        assert end.active == 60 and end.gap < 0  # ahead of plan
        assert "Angka per akhir bulan, 31 Mei 2026" in may
        assert f"Cakupan {pct_id(end.coverage)} (rencana {pct_id(end.planned)})" in may
        assert (
            f"Di atas rencana {-end.gap * 100:.2f} poin persentase, atau {-end.gap_workers} pekerja".replace(".", ",")
            in may
        )
        assert "Registri tidak memuat angkatan kerja" in may  # districts have counts but no workforce
        assert "Per hari ini, 30 Juni 2026" in may  # the cliff of a past month is as of today

        # the current month: today, as `ucj status` gives it, with the change since the end of May
        june = report(tmp_path, small_registry, worker.url, "--region", BEHIND, "--month", "2026-06")
        today = rows[BEHIND].figures
        assert "Bulan berjalan: angka per hari ini, 30 Juni 2026" in june
        assert f"Cakupan {pct_id(today.coverage)} (rencana {pct_id(today.planned)})" in june
        assert (
            f"Kesenjangan {today.gap * 100:.2f} poin persentase, atau {today.gap_workers} pekerja".replace(".", ",")
            in june
        )
        assert f"Status {'kritis' if rows[BEHIND].outlook['status'] == 'critical' else '?'}" in june
        assert "Perubahan dalam bulan ini -20 peserta" in june
        assert "Rp 16.800" in june  # the assistance budget to close the gap

        # the province in English: the regencies worst first, and the lapse cliff by payer
        province = report(
            tmp_path, small_registry, worker.url, "--region", "61", "--month", "2026-06", "--language", "en"
        )
        assert "Jamsostek coverage report, Kalimantan Barat" in province
        assert province.index("61.07 Kabupaten Bengkayang") < province.index("61.01 Kabupaten Sambas")
        assert "APBD-61.72 40" in province
        assert f"Coverage {rows['61'].figures.coverage * 100:.2f}%" in province

        # the chart is in the PDF, at twice the alert chart's size; page 1 makes a PNG
        pdf = tmp_path / "report-region-61-month-2026-06-language-en.pdf"
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert any(line.split()[3:5] == ["1280", "720"] for line in images.splitlines()[2:]), images
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
        )
        [png] = tmp_path.glob("page*.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        worker.stop()
