import dataclasses

from services.notifier.messages import dashboard_link, render
from tests.services.notifier.samples import BENGKAYANG, alert, figures, lapse_cliff_alert

DASHBOARD = "https://grafana.example.org/"


def test_raised_in_indonesian_says_status_gap_eta_pace_needed_and_budget():
    message = render(alert(), "id", DASHBOARD)
    assert message.subject == "[UCJ] Bengkayang: tertinggal — peringatan dibuka"
    text = message.text
    assert "sekarang tertinggal" in text
    assert "Cakupan: 40,0% (rencana 45,0%)" in text
    assert "Peserta aktif: 60.000 dari 150.000 pekerja" in text
    assert "Kesenjangan: 5,0 poin persentase, atau 100 pekerja" in text
    assert "Target 59,6% pada 31 Desember 2026: tercapai pada 3 Maret 2027 dengan laju saat ini" in text
    assert "+12,5 peserta per hari" in text
    assert "1.206 kepesertaan baru per bulan" in text
    # gap_workers x 16,800 x months left = 100 x 16,800 x 6
    assert "Rp 10.080.000 (100 pekerja × Rp 16.800 × 6,0 bulan)" in text
    assert "https://grafana.example.org/d/ucj-regency?var-regency=61.07" in text


def test_raised_in_english():
    message = render(alert(status="critical"), "en", DASHBOARD)
    assert message.subject == "[UCJ] Bengkayang: critical — alert raised"
    text = message.text
    assert "Coverage: 40.0% (plan 45.0%)" in text
    assert "Gap: 5.0 percentage points, or 100 workers" in text
    assert "reached on 3 March 2027 at the current pace" in text
    assert "1,206 new enrollments per month" in text
    assert "Rp 10.080.000" in text  # rupiah stays Indonesian-style in English too


def test_eta_none_is_not_reached_at_the_current_pace():
    late = alert(figures=figures(eta=None, pace_per_day=-3.0))
    assert "tidak tercapai dengan laju saat ini" in render(late, "id").text
    assert "not reached at the current pace" in render(late, "en").text
    assert "-3,0 peserta per hari" in render(late, "id").text


def test_escalation_names_both_statuses():
    message = render(alert(transition="updated", status="critical", previous_status="behind"), "id")
    assert message.subject == "[UCJ] Bengkayang: kritis (sebelumnya tertinggal) — peringatan meningkat"
    assert "memburuk dari tertinggal menjadi kritis" in message.text


def test_resolved_says_back_on_track_without_a_budget():
    resolved = alert(
        transition="resolved",
        status="on_track",
        figures=figures(coverage=0.452, gap_pp=-0.2, gap_workers=-300, budget_idr=0, enrollments_needed_per_month=0),
    )
    indonesian = render(resolved, "id")
    assert indonesian.subject == "[UCJ] Bengkayang: kembali sesuai rencana — peringatan selesai"
    assert "kembali sesuai rencana" in indonesian.text
    assert "Di atas rencana: 0,2 poin persentase, atau 300 pekerja" in indonesian.text
    assert "Rp" not in indonesian.text and "Dibutuhkan" not in indonesian.text
    english = render(resolved, "en")
    assert english.subject == "[UCJ] Bengkayang: back on track — alert resolved"
    assert "is back on track" in english.text


def test_lapse_cliff_details():
    message = render(lapse_cliff_alert(), "id")
    assert message.subject.startswith("[UCJ] Bengkayang: gelombang kepesertaan berakhir, status akan kritis")
    text = message.text
    assert "Gelombang kepesertaan berakhir (60 hari ke depan):" in text
    assert "berakhir tanpa perpanjangan: 1.234" in text
    assert "Mulai berakhir: 31 Agustus 2026" in text
    assert "APBD-61: 1.000; mandiri (bayar sendiri): 234" in text
    assert "Cakupan sesudahnya: 39,2% (kritis)" in text
    english = render(lapse_cliff_alert(), "en").text
    assert "APBD-61: 1,000; self-paid: 234" in english
    assert "First end date: 31 August 2026" in english


def test_missing_figures_read_not_available():
    district = alert(
        "61.07.01",
        figures=figures(
            workforce=None,
            coverage=None,
            planned=None,
            gap_pp=None,
            gap_workers=None,
            budget_idr=None,
            enrollments_needed_per_month=None,
            target_date=None,
        ),
    )
    text = render(district, "en").text
    assert "Coverage: not available (plan not available)" in text
    assert "Gap" not in text and "Active participants" not in text


def test_dashboard_link_of_regency_district_and_province():
    assert dashboard_link("http://g:3000/", alert()) == "http://g:3000/d/ucj-regency?var-regency=61.07"
    assert dashboard_link("http://g:3000", alert("61.07.01")) == "http://g:3000/d/ucj-regency?var-regency=61.07"
    assert dashboard_link("http://g:3000", alert("61")) == "http://g:3000/d/ucj-regency?var-regency=61"
    assert dashboard_link(None, alert()) is None
    assert "Dasbor" not in render(alert(), "id").text


def test_html_escapes_and_references_the_chart():
    tricky = alert(region_name="<Bengkayang & Co>")
    page = render(tricky, "id", DASHBOARD).html(chart_cid="chart.1@x")
    assert "&lt;Bengkayang &amp; Co&gt;" in page and "<Bengkayang" not in page
    assert 'src="cid:chart.1@x"' in page
    assert 'href="https://grafana.example.org/d/ucj-regency?var-regency=61.07"' in page
    assert "cid:" not in render(alert(), "id").html()


def test_dates_are_taken_in_pontianak():
    from datetime import datetime, timezone

    evening_utc = alert(at=datetime(2026, 6, 30, 18, 0, tzinfo=timezone.utc))  # 1 July 01:00 in Pontianak
    assert "1 Juli 2026" in render(evening_utc, "id").text


def test_rendering_is_deterministic():
    assert render(alert(), "id", DASHBOARD) == render(dataclasses.replace(alert()), "id", DASHBOARD)
    assert BENGKAYANG in render(alert(), "id").text
