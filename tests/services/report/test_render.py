import re
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from services.report.figures import PipelineNotes
from services.report.render import pct, signed, to_html, view
from services.report.texts import TEXT
from tests.services.report.samples import report

MADE = datetime(2026, 6, 30, 5, 0, tzinfo=timezone.utc)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_whole_numbers_group_thousands_the_way_each_language_does(n):
    id_text, en_text = signed(n, "id"), signed(n, "en")
    assert id_text.replace(".", "") == en_text.replace(",", "") == (f"+{n}" if n > 0 else str(n))
    assert re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})*", id_text) and re.fullmatch(r"[+-]?\d{1,3}(,\d{3})*", en_text)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_percentages_have_two_decimals_with_each_languages_decimal_mark(ratio):
    id_text, en_text = pct(ratio, "id"), pct(ratio, "en")
    assert re.fullmatch(r"\d{1,3},\d{2}%", id_text) and re.fullmatch(r"\d{1,3}\.\d{2}%", en_text)
    assert abs(float(en_text[:-1]) - ratio * 100) <= 0.005 + 1e-9
    assert id_text.replace(",", ".") == en_text


def test_known_values():
    assert pct(0.3539, "id") == "35,39%" and pct(0.3539, "en") == "35.39%"
    assert signed(1234, "id") == "+1.234" and signed(-1234, "en") == "-1,234" and signed(0.04, "id", 1) == "0,0"


def test_the_report_is_written_in_either_language_with_its_own_numbers():
    data = report(
        outlook_row=dict(lapse_cliff=40, lapse_cliff_by_payer={"APBD-61.07": 40}), pipeline=PipelineNotes(7, ())
    )
    active = f"{data.figures.active:,}"
    indonesian, english = to_html(data, "id", ["http://w:6066"], MADE), to_html(data, "en", ["http://w:6066"], MADE)
    assert "Laporan cakupan Jamsostek Kabupaten Bengkayang" in indonesian and "Mei 2026" in indonesian
    assert "Jamsostek coverage report, Kabupaten Bengkayang" in english and "May 2026" in english
    assert active.replace(",", ".") + " dari 10.000 pekerja" in indonesian and active + " of 10,000 workers" in english
    assert pct(data.figures.coverage, "id") in indonesian and pct(data.figures.coverage, "en") in english
    assert "data:image/png;base64," in indonesian  # the chart, inline
    assert "APBD-61.07" in indonesian and "31 Mei 2026" in indonesian
    assert "ucj_dead_letters_total" in english and "not a monthly figure" in english
    assert "bukan untuk akhir bulan laporan" in indonesian  # a past month: the cliff is as of today


def test_every_label_exists_in_both_languages():
    assert TEXT["id"].keys() == TEXT["en"].keys()
    for language in ("id", "en"):
        shown = view(report(), language, ["u"], MADE)
        assert all(value != "" for _, value in shown["headline"] + shown["outlook"] + shown["notes"])


def test_names_are_escaped():
    data = report()
    tricky = type(data)(**{**data.__dict__, "name": "<b>Bengkayang</b>"})
    assert "&lt;b&gt;Bengkayang&lt;/b&gt;" in to_html(tricky, "id", ["u"], MADE)
