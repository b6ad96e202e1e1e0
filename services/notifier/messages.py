"""What an alert says to a person: subject, plain text and HTML, in Bahasa Indonesia or English.

Pure: the same alert, language and dashboard URL always give the same message.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta, timezone
from urllib.parse import quote

from services.notifier.formatting import long_date, number, percent, points, rupiah
from streams.domain.alerts import AlertTransition
from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH

PONTIANAK = timezone(timedelta(hours=7), "WIB")  # the design note's dates are taken in Asia/Pontianak

STATUS_WORDS = {
    "id": {"on_track": "sesuai rencana", "behind": "tertinggal", "critical": "kritis"},
    "en": {"on_track": "on track", "behind": "behind", "critical": "critical"},
}

_TEXT = {
    "id": {
        "raised": "peringatan dibuka",
        "updated": "peringatan meningkat",
        "resolved": "peringatan selesai",
        "subject_status": "[UCJ] {name}: {status} — {transition}",
        "subject_escalated": "[UCJ] {name}: {status} (sebelumnya {previous}) — {transition}",
        "subject_resolved": "[UCJ] {name}: kembali sesuai rencana — {transition}",
        "subject_cliff": "[UCJ] {name}: gelombang kepesertaan berakhir, status akan {status_after} — {transition}",
        "subject_cliff_resolved": "[UCJ] {name}: risiko gelombang kepesertaan berakhir teratasi — {transition}",
        "lead_raised": "Status cakupan Jamsostek {name} ({code}) sekarang {status}. Peringatan dibuka pada {day}.",
        "lead_updated": "Status cakupan Jamsostek {name} ({code}) memburuk dari {previous} menjadi {status} pada {day}.",
        "lead_resolved": "{name} ({code}) kembali sesuai rencana pada {day}. Peringatan ini ditutup.",
        "lead_cliff_raised": "{name} ({code}) menghadapi gelombang kepesertaan berakhir: jika tidak diperpanjang, "
        "status cakupannya menjadi {status_after}. Peringatan dibuka pada {day}.",
        "lead_cliff_updated": "Risiko gelombang kepesertaan berakhir di {name} ({code}) meningkat pada {day}.",
        "lead_cliff_resolved": "Risiko gelombang kepesertaan berakhir di {name} ({code}) sudah teratasi pada {day}. "
        "Peringatan ini ditutup.",
        "coverage": "Cakupan",
        "coverage_value": "{coverage} (rencana {planned})",
        "active": "Peserta aktif",
        "active_value": "{active} dari {workforce} pekerja",
        "gap": "Kesenjangan",
        "gap_value": "{pp}, atau {workers} pekerja",
        "ahead": "Di atas rencana",
        "ahead_value": "{pp}, atau {workers} pekerja",
        "pace": "Laju saat ini",
        "pace_value": "{pace} peserta per hari (30 hari terakhir)",
        "eta": "Target {target} pada {target_date}",
        "eta_value": "tercapai pada {eta} dengan laju saat ini",
        "eta_none": "tidak tercapai dengan laju saat ini",
        "needed": "Dibutuhkan",
        "needed_value": "{n} kepesertaan baru per bulan",
        "budget": "Anggaran bantuan iuran untuk menutup kesenjangan",
        "budget_value": "{budget} ({workers} pekerja × {rate} × {months} bulan)",
        "not_available": "tidak tersedia",
        "cliff_title": "Gelombang kepesertaan berakhir ({days} hari ke depan)",
        "cliff_participants": "Peserta yang kepesertaannya berakhir tanpa perpanjangan",
        "cliff_first_end": "Mulai berakhir",
        "cliff_by_payer": "Menurut pembayar",
        "cliff_after": "Cakupan sesudahnya",
        "cliff_after_value": "{coverage} ({status})",
        "self_paid": "mandiri (bayar sendiri)",
        "dashboard": "Dasbor",
        "alert_id": "ID peringatan",
        "alert_id_value": "{alert_id} (transisi {sequence})",
        "chart": "Cakupan dibanding rencana",
        "footer": "Pesan otomatis dari UCJ coverage monitor (Pemprov Kalimantan Barat dan BPJS Ketenagakerjaan).",
    },
    "en": {
        "raised": "alert raised",
        "updated": "alert escalated",
        "resolved": "alert resolved",
        "subject_status": "[UCJ] {name}: {status} — {transition}",
        "subject_escalated": "[UCJ] {name}: {status} (was {previous}) — {transition}",
        "subject_resolved": "[UCJ] {name}: back on track — {transition}",
        "subject_cliff": "[UCJ] {name}: lapse cliff ahead, would turn {status_after} — {transition}",
        "subject_cliff_resolved": "[UCJ] {name}: lapse cliff cleared — {transition}",
        "lead_raised": "Jamsostek coverage in {name} ({code}) is now {status}. Alert raised on {day}.",
        "lead_updated": "Jamsostek coverage in {name} ({code}) worsened from {previous} to {status} on {day}.",
        "lead_resolved": "{name} ({code}) is back on track as of {day}. This alert is resolved.",
        "lead_cliff_raised": "{name} ({code}) faces a lapse cliff: unless coverage is renewed, its status would turn "
        "{status_after}. Alert raised on {day}.",
        "lead_cliff_updated": "The lapse cliff ahead of {name} ({code}) grew on {day}.",
        "lead_cliff_resolved": "The lapse cliff ahead of {name} ({code}) has cleared as of {day}. This alert is resolved.",
        "coverage": "Coverage",
        "coverage_value": "{coverage} (plan {planned})",
        "active": "Active participants",
        "active_value": "{active} of {workforce} workers",
        "gap": "Gap",
        "gap_value": "{pp}, or {workers} workers",
        "ahead": "Ahead of plan",
        "ahead_value": "{pp}, or {workers} workers",
        "pace": "Current pace",
        "pace_value": "{pace} participants per day (last 30 days)",
        "eta": "Target {target} by {target_date}",
        "eta_value": "reached on {eta} at the current pace",
        "eta_none": "not reached at the current pace",
        "needed": "Needed",
        "needed_value": "{n} new enrollments per month",
        "budget": "Assistance budget to close the gap",
        "budget_value": "{budget} ({workers} workers × {rate} × {months} months)",
        "not_available": "not available",
        "cliff_title": "Lapse cliff (next {days} days)",
        "cliff_participants": "Participants whose coverage ends with nothing after it",
        "cliff_first_end": "First end date",
        "cliff_by_payer": "By payer",
        "cliff_after": "Coverage afterwards",
        "cliff_after_value": "{coverage} ({status})",
        "self_paid": "self-paid",
        "dashboard": "Dashboard",
        "alert_id": "Alert id",
        "alert_id_value": "{alert_id} (transition {sequence})",
        "chart": "Coverage against plan",
        "footer": "Automatic message from the UCJ coverage monitor (Pemprov Kalimantan Barat and BPJS Ketenagakerjaan).",
    },
}


@dataclass(frozen=True)
class Section:
    title: str | None
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Message:
    language: str
    subject: str
    lead: str
    sections: tuple[Section, ...]
    dashboard_url: str | None

    @property
    def text(self) -> str:
        """The message as plain text (the email's text part, the webhook's `text`)."""
        t = _TEXT[self.language]
        lines = [self.lead, ""]
        for section in self.sections:
            if section.title:
                lines.append(section.title + ":")
            for label, value in section.rows:  # no column padding: it wraps badly on phones
                lines.append(f"{label}: {value}")
            lines.append("")
        if self.dashboard_url:
            lines += [f"{t['dashboard']}: {self.dashboard_url}", ""]
        lines.append(t["footer"])
        return "\n".join(lines) + "\n"

    def html(self, chart_cid: str | None = None) -> str:
        """The message as HTML; `chart_cid` names an inline image part holding the chart."""
        t = _TEXT[self.language]
        parts = [
            f'<!DOCTYPE html><html lang="{self.language}"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.subject)}</title></head>",
            '<body style="font-family: sans-serif; font-size: 15px; max-width: 640px">',
            f"<p><strong>{html.escape(self.lead)}</strong></p>",
        ]
        for section in self.sections:
            if section.title:
                parts.append(f"<h3>{html.escape(section.title)}</h3>")
            parts.append('<table cellpadding="4" style="border-collapse: collapse">')
            for label, value in section.rows:
                parts.append(
                    f'<tr><td style="color: #555; vertical-align: top">{html.escape(label)}</td>'
                    f"<td>{html.escape(value)}</td></tr>"
                )
            parts.append("</table>")
        if chart_cid:
            parts.append(
                f'<p><img src="cid:{html.escape(chart_cid)}" width="640" height="360" '
                f'style="max-width: 100%; height: auto" alt="{html.escape(t["chart"])}"></p>'
            )
        if self.dashboard_url:
            url = html.escape(self.dashboard_url)
            parts.append(f'<p>{html.escape(t["dashboard"])}: <a href="{url}">{url}</a></p>')
        parts.append(f'<p style="color: #777; font-size: 12px">{html.escape(t["footer"])}</p></body></html>')
        return "\n".join(parts)


def dashboard_link(base_url: str | None, alert: AlertTransition) -> str | None:
    """The Grafana dashboard of the alert's regency (of the province for province alerts)."""
    if not base_url:
        return None
    region = alert.regency_code or alert.region_code
    return f"{base_url.rstrip('/')}/d/ucj-regency?var-regency={quote(region)}"


def render(alert: AlertTransition, language: str, dashboard_url: str | None = None) -> Message:
    if language not in _TEXT:
        raise ValueError(f"unknown language {language!r}; choose from {tuple(_TEXT)}")
    t = _TEXT[language]
    words = STATUS_WORDS[language]
    day = alert.at.astimezone(PONTIANAK).date() if alert.at.tzinfo else alert.at.date()
    values = dict(
        name=alert.region_name,
        code=alert.region_code,
        status=words.get(alert.status, alert.status),
        previous=words.get(alert.previous_status or "", alert.previous_status or "?"),
        transition=t[alert.transition],
        day=long_date(day, language),
        status_after=words.get(alert.lapse_cliff.status_after, alert.lapse_cliff.status_after)
        if alert.lapse_cliff
        else "?",
    )
    cliff = alert.kind == "lapse_cliff"
    if cliff and alert.transition == "resolved":
        subject = t["subject_cliff_resolved"]
    elif cliff and alert.lapse_cliff is not None:
        subject = t["subject_cliff"]
    elif alert.transition == "resolved":
        subject = t["subject_resolved"]
    elif alert.transition == "updated" and alert.previous_status and alert.previous_status != alert.status:
        subject = t["subject_escalated"]
    else:
        subject = t["subject_status"]
    lead = t[f"lead_{'cliff_' if cliff else ''}{alert.transition}"]
    sections = [Section(None, tuple(_figure_rows(alert, language)))]
    if alert.lapse_cliff is not None:
        sections.append(_cliff_section(alert, language))
    link = dashboard_link(dashboard_url, alert)
    footer_rows = ((t["alert_id"], t["alert_id_value"].format(alert_id=alert.alert_id, sequence=alert.sequence)),)
    sections.append(Section(None, footer_rows))
    return Message(
        language=language,
        subject=subject.format(**values),
        lead=lead.format(**values),
        sections=tuple(sections),
        dashboard_url=link,
    )


def _figure_rows(alert: AlertTransition, language: str):
    t = _TEXT[language]
    f = alert.figures
    na = t["not_available"]

    def n(value, decimals: int = 0) -> str:
        return na if value is None else number(value, language, decimals)

    def pct(ratio) -> str:
        return na if ratio is None else percent(ratio, language)

    yield t["coverage"], t["coverage_value"].format(coverage=pct(f.coverage), planned=pct(f.planned))
    if f.workforce is not None:
        yield t["active"], t["active_value"].format(active=n(f.active), workforce=n(f.workforce))
    if f.gap_pp is not None:
        behind = f.gap_pp > 0
        label, template = (t["gap"], t["gap_value"]) if behind else (t["ahead"], t["ahead_value"])
        workers = na if f.gap_workers is None else number(abs(f.gap_workers), language)
        yield label, template.format(pp=points(abs(f.gap_pp), language), workers=workers)
    if f.pace_per_day is not None:
        pace = ("+" if f.pace_per_day > 0 else "") + number(f.pace_per_day, language, 1)
        yield t["pace"], t["pace_value"].format(pace=pace)
    if f.target_date is not None and f.target_ratio is not None:
        label = t["eta"].format(
            target=percent(f.target_ratio, language), target_date=long_date(f.target_date, language)
        )
        if f.eta is None:
            yield label, t["eta_none"]
        else:
            yield label, t["eta_value"].format(eta=long_date(f.eta, language))
    if f.enrollments_needed_per_month is not None and f.enrollments_needed_per_month > 0:
        yield t["needed"], t["needed_value"].format(n=number(f.enrollments_needed_per_month, language))
    if f.budget_idr is not None and f.budget_idr > 0:
        detail = t["budget_value"].format(
            budget=rupiah(f.budget_idr),
            workers=n(f.gap_workers),
            rate=rupiah(ASSISTANCE_IDR_PER_WORKER_MONTH),
            months=n(f.months_left, 1),
        )
        yield t["budget"], detail


def _cliff_section(alert: AlertTransition, language: str) -> Section:
    t = _TEXT[language]
    cliff = alert.lapse_cliff
    assert cliff is not None
    rows = [(t["cliff_participants"], number(cliff.participants, language))]
    if cliff.first_end is not None:
        rows.append((t["cliff_first_end"], long_date(cliff.first_end, language)))
    if cliff.by_payer:
        payers = sorted(cliff.by_payer.items(), key=lambda item: (-item[1], item[0]))
        rows.append(
            (
                t["cliff_by_payer"],
                "; ".join(
                    f"{t['self_paid'] if payer == 'self_paid' else payer}: {number(count, language)}"
                    for payer, count in payers
                ),
            )
        )
    coverage = t["not_available"] if cliff.coverage_after is None else percent(cliff.coverage_after, language)
    status = STATUS_WORDS[language].get(cliff.status_after, cliff.status_after)
    rows.append((t["cliff_after"], t["cliff_after_value"].format(coverage=coverage, status=status)))
    return Section(t["cliff_title"].format(days=cliff.horizon_days), tuple(rows))
