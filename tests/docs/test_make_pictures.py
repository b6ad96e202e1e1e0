"""docs/make_pictures.py's pure helpers: terminal text to HTML, and a mail to the page a browser renders."""

from __future__ import annotations

import base64
import importlib.util
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "make_pictures.py"


def _load():
    spec = importlib.util.spec_from_file_location("make_pictures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


pictures = _load()


def test_plain_text_is_escaped_and_unstyled():
    assert pictures.ansi_to_spans("gap < 0 & falling") == "gap &lt; 0 &amp; falling"


def test_a_coloured_word_becomes_a_styled_span():
    red = pictures.PALETTE[1]
    assert pictures.ansi_to_spans("status \x1b[1;31mbehind\x1b[0m ok") == (
        f'status <span style="color:{red};font-weight:bold">behind</span> ok'
    )


def test_256_and_true_colours_and_partial_resets():
    assert pictures.ansi_to_spans("\x1b[38;5;196mA\x1b[48;2;0;128;255mB\x1b[39mC\x1b[49mD") == (
        '<span style="color:#ff0000">A</span>'
        '<span style="color:#ff0000;background-color:#0080ff">B</span>'
        '<span style="background-color:#0080ff">C</span>D'
    )


def test_reverse_video_swaps_the_terminal_colours():
    assert pictures.ansi_to_spans("\x1b[7mX\x1b[27mY") == (
        f'<span style="color:{pictures.BACKGROUND};background-color:{pictures.FOREGROUND}">X</span>Y'
    )


def test_other_escapes_are_dropped_and_the_screen_trimmed():
    screen = "\x1b[H\x1b[2Jtitle   \r\nrow\x1b[K\n\n  \n\x1b[0m\n"
    assert pictures.ansi_to_spans(pictures.trim_screen(screen)) == "title\nrow"


def test_the_page_holds_the_text_in_a_pre():
    page = pictures.ansi_to_html("Kabupaten Sambas \x1b[33mbehind\x1b[0m\n\n")
    assert page.startswith("<!DOCTYPE html>")
    assert f'<pre>Kabupaten Sambas <span style="color:{pictures.PALETTE[3]}">behind</span></pre>' in page


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _alert_mail(html: str, cid: str = "chart.a.1@ucj.example") -> bytes:
    """Built as the notifier builds it (services/notifier/channels/smtp.py): text, HTML, related chart."""
    message = EmailMessage()
    message["Subject"] = "UCJ: Kabupaten Sambas is behind plan"
    message["From"] = "ucj <ucj@ucj.example>"
    message["To"] = "koordinator.sambas@ucj.example"
    message["Date"] = "Wed, 02 Dec 2026 07:00:00 +0000"
    message.set_content("plain text\n")
    message.add_alternative(html, subtype="html")
    message.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid=f"<{cid}>", filename="coverage.png")
    return message.as_bytes()


def test_cid_images_become_data_uris_and_the_headers_are_shown():
    page = pictures.eml_to_html(
        _alert_mail(
            '<!DOCTYPE html><html><head><title>t</title></head><body style="font-family: sans-serif">'
            '<p>Sambas <b>&amp;</b> plan</p><img src="cid:chart.a.1@ucj.example" width="640"></body></html>'
        )
    )
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode("ascii")
    assert f'<img src="{data_uri}" width="640">' in page
    assert "cid:" not in page
    body = page.index('<body style="font-family: sans-serif">')
    header = page.index("UCJ: Kabupaten Sambas is behind plan")
    assert body < header < page.index("<p>Sambas <b>&amp;</b> plan</p>")
    assert "koordinator.sambas@ucj.example" in page
    assert "ucj &lt;ucj@ucj.example&gt;" in page  # header values are escaped


def test_a_reference_to_a_missing_image_is_an_error():
    mail = _alert_mail('<html><body><img src="cid:other@ucj.example"></body></html>')
    with pytest.raises(pictures.PictureError, match="cid:other@ucj.example"):
        pictures.eml_to_html(mail)


def test_a_mail_without_html_is_an_error():
    message = EmailMessage()
    message["Subject"] = "text only"
    message.set_content("hello\n")
    with pytest.raises(pictures.PictureError, match="no HTML part"):
        pictures.eml_to_html(message.as_bytes())


def test_help_lists_status_and_email(capsys):
    with pytest.raises(SystemExit) as exit:
        pictures.main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert "status" in out and "email" in out


def test_the_regencys_coverage_alert_is_picked(tmp_path):
    def saved(name: str, alert_id: str) -> Path:
        message = EmailMessage()
        message["Subject"] = name
        message["X-UCJ-Alert-Id"] = alert_id
        message.set_content("x\n")
        path = tmp_path / f"{name}.eml"
        path.write_bytes(message.as_bytes())
        return path

    mails = [
        saved("0001", "lapse_cliff:61.01:1"),
        saved("0002", "coverage_status:61.02:1"),
        saved("0003", "coverage_status:61.01:1"),
        saved("0004", "coverage_status:61.01:2"),
    ]
    assert pictures.alert_mail(mails, "61.01") == mails[2]
    assert pictures.alert_mail(mails[:2], "61.01") is None
