"""The report's words in Bahasa Indonesia and English (the notifier's approach: one dict per language,
with its STATUS_WORDS and number formats reused)."""

from __future__ import annotations

from typing import Any

from services.notifier.messages import _TEXT as _ALERT_TEXT

# the alert mails' words for the same figures, so the report and the alerts say them alike
SHARED = (
    "coverage",
    "coverage_value",
    "active",
    "active_value",
    "gap",
    "gap_value",
    "ahead",
    "budget",
    "budget_value",
    "not_available",
)

# most values are format strings; children_title maps a level to its title
TEXT: dict[str, dict[str, Any]] = {
    "id": {
        "title": "Laporan cakupan Jamsostek {name}",
        "subtitle": "{month} · untuk rapat koordinasi bulanan",
        "figures_day_end": "Angka per akhir bulan, {day}.",
        "figures_day_today": "Bulan berjalan: angka per hari ini, {day}.",
        "headline": "Ringkasan",
        "status": "Status",
        "change": "Perubahan dalam bulan ini",
        "change_value": "{active} peserta ({pp}) sejak {previous}",
        "chart": "Cakupan 12 bulan terakhir dibanding rencana",
        "children_title": {"district": "Kecamatan", "regency": "Kabupaten/kota"},
        "region": "Wilayah",
        "change_short": "Perubahan",
        "gap_short": "Kesenjangan (poin / pekerja)",
        "footnote_no_workforce": "Registri tidak memuat angkatan kerja untuk {n} wilayah ini, jadi cakupan, "
        "kesenjangan dan status tidak dapat dihitung (\u201c-\u201d); wilayah itu diurutkan menurut perubahan "
        "peserta aktif dalam bulan ini, penurunan terbesar lebih dulu.",
        "footnote_sorted": "Diurutkan dari yang paling tertinggal (kesenjangan terbesar).",
        "outlook": "Proyeksi",
        "pace": "Laju",
        "pace_value": "{pace} peserta per hari (30 hari sampai {day})",
        "eta": "Target {target} pada {target_date}",
        "eta_value": "tercapai pada {eta} dengan laju ini",
        "eta_none": "tidak tercapai dengan laju ini",
        "required": "Laju yang dibutuhkan",
        "required_value": "{pace} peserta per hari",
        "needed": "Kepesertaan baru yang dibutuhkan",
        "needed_value": "{n} per bulan",
        "budget_none": "tidak diperlukan (tidak ada kesenjangan)",
        "cliff": "Gelombang kepesertaan berakhir (60 hari ke depan)",
        "cliff_as_of": "Per hari ini, {day}: hanya pekerja yang menjalankan tahap wilayah yang mengetahuinya, "
        "jadi angka ini bukan untuk akhir bulan laporan.",
        "cliff_participants": "Peserta yang bantuan iurannya berakhir tanpa perpanjangan",
        "cliff_none": "Tidak ada peserta yang bantuan iurannya berakhir dalam 60 hari ke depan.",
        "cliff_unknown": "Tidak tersedia: tidak ada pekerja yang menjalankan tahap wilayah dengan angka lengkap.",
        "payer": "Pembayar",
        "participants": "Peserta",
        "notes": "Catatan data",
        "workforce": "Angkatan kerja yang memenuhi syarat",
        "workforce_value": "{workforce} pekerja, angka registri tahun {years}",
        "workforce_older": " (tahun {year} belum ada, jadi angka tahun terakhir sebelumnya yang berlaku)",
        "workforce_estimate": "perkiraan bawaan: 1,7 juta pekerja yang dipakai BPJS Ketenagakerjaan Pontianak pada 2023, "
        "dibagi menurut jumlah penduduk",
        "workforce_loaded": "dimuat operator dengan `ucj registry load-workforce`",
        "freshness": "Kejadian terakhir per sumber",
        "freshness_none": "belum ada kejadian yang diproses",
        "dead_letters": "Pesan tidak valid (dead letter)",
        "dead_letters_value": "{n} pesan dikirim ke ucj.dead-letter sejak pekerja terakhir dijalankan "
        "(jumlah berjalan dari metrik ucj_dead_letters_total, dijumlahkan atas semua pekerja; bukan angka bulanan)",
        "generated": "Dibuat {at} dari {urls}. Sumber: peristiwa kepesertaan di Kafka (ucj.participant-events); "
        "rencana dan angkatan kerja dari registri wilayah.",
        "points_short": "poin",
    },
    "en": {
        "title": "Jamsostek coverage report, {name}",
        "subtitle": "{month} · for the monthly coordination meeting",
        "figures_day_end": "Figures at the month end, {day}.",
        "figures_day_today": "Current month: figures as of today, {day}.",
        "headline": "Summary",
        "status": "Status",
        "change": "Change over the month",
        "change_value": "{active} participants ({pp}) since {previous}",
        "chart": "Coverage over the last 12 months against plan",
        "children_title": {"district": "Districts", "regency": "Regencies"},
        "region": "Region",
        "change_short": "Change",
        "gap_short": "Gap (pp / workers)",
        "footnote_no_workforce": "The registry holds no eligible workforce for {n} of these regions, so their "
        "coverage, gap and status cannot be computed (\u201c-\u201d); they are sorted by the change in active "
        "participants over the month, largest fall first.",
        "footnote_sorted": "Sorted worst first (largest gap first).",
        "outlook": "Outlook",
        "pace": "Pace",
        "pace_value": "{pace} participants per day (30 days to {day})",
        "eta": "Target {target} by {target_date}",
        "eta_value": "reached on {eta} at this pace",
        "eta_none": "not reached at this pace",
        "required": "Required pace",
        "required_value": "{pace} participants per day",
        "needed": "New enrollments needed",
        "needed_value": "{n} per month",
        "budget_none": "none needed (no gap)",
        "cliff": "Lapse cliff (next 60 days)",
        "cliff_as_of": "As of today, {day}: only the worker running the region stage knows it, so this is not "
        "the report month's end.",
        "cliff_participants": "Participants whose assistance ends with nothing after it",
        "cliff_none": "No participant's assistance ends in the next 60 days.",
        "cliff_unknown": "Not available: no worker given runs the region stage with complete figures.",
        "payer": "Payer",
        "participants": "Participants",
        "notes": "Data notes",
        "workforce": "Eligible workforce",
        "workforce_value": "{workforce} workers, the registry's figure for {years}",
        "workforce_older": " ({year} has none yet, so the latest earlier year's applies)",
        "workforce_estimate": "the packaged estimate: the 1.7 million workers BPJS Ketenagakerjaan Pontianak used "
        "in 2023, split by population",
        "workforce_loaded": "loaded by an operator with `ucj registry load-workforce`",
        "freshness": "Newest event per source",
        "freshness_none": "no event processed yet",
        "dead_letters": "Invalid messages (dead letters)",
        "dead_letters_value": "{n} messages sent to ucj.dead-letter since the workers last started "
        "(the running total of ucj_dead_letters_total, summed over the workers; not a monthly figure)",
        "generated": "Made {at} from {urls}. Source: the participant events in Kafka (ucj.participant-events); "
        "plans and workforce from the region registry.",
        "points_short": "pp",
    },
}

for _language, _words in TEXT.items():
    _words.update({key: _ALERT_TEXT[_language][key] for key in SHARED})
