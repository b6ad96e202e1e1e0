from email import message_from_bytes, policy

from services.notifier.channels.smtp import SmtpSettings, build_email, message_id
from services.notifier.chart import coverage_chart
from services.notifier.messages import render
from tests.services.notifier.samples import alert, history


def email_for(transition, recipient="kab@example.org", chart=True):
    return build_email(
        render(transition, "id", "http://grafana"),
        sender="UCJ <ucj@kalbar.example>",
        recipient=recipient,
        transition_id=transition.transition_id,
        alert_id=transition.alert_id,
        sequence=transition.sequence,
        chart_png=coverage_chart(history(), "Bengkayang") if chart else None,
        domain="kalbar.example",
    )


def test_message_id_is_deterministic_per_transition_and_recipient():
    first = message_id("coverage_status:61.07:1:1", "a@x.org", "d")
    assert first == message_id("coverage_status:61.07:1:1", "A@X.org", "d")
    assert first != message_id("coverage_status:61.07:1:1", "b@x.org", "d")
    assert first != message_id("coverage_status:61.07:1:2", "a@x.org", "d")
    assert first.startswith("<ucj.") and first.endswith("@d>")


def test_email_is_text_and_html_with_the_inline_chart():
    raised = alert()
    parsed = message_from_bytes(email_for(raised).as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "[UCJ] Bengkayang: tertinggal — peringatan dibuka"
    assert parsed["To"] == "kab@example.org"
    assert parsed["Message-ID"] == message_id(raised.transition_id, "kab@example.org", "kalbar.example")
    assert parsed["X-UCJ-Transition-Id"] == raised.transition_id
    assert parsed["In-Reply-To"] is None
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    assert "Rp 10.080.000" in text
    html = parsed.get_body(("html",)).get_content()
    [image] = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    cid = image["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


def test_later_transitions_thread_under_the_first_and_no_chart_is_fine():
    resolved = alert(transition="resolved", status="on_track")
    parsed = message_from_bytes(email_for(resolved, chart=False).as_bytes(), policy=policy.default)
    assert parsed["In-Reply-To"] == message_id(f"{resolved.alert_id}:1", "kab@example.org", "kalbar.example")
    assert not [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert "cid:" not in parsed.get_body(("html",)).get_content()


def test_settings_domain():
    assert SmtpSettings(sender="UCJ <ucj@kalbar.go.id>").domain == "kalbar.go.id"
    assert SmtpSettings(sender="nobody").domain == "localhost"


def test_send_email_to_a_real_smtp_server_and_its_refusal():
    import pytest
    from aiosmtpd.controller import Controller

    from services.notifier.channels import DeliveryFailed
    from services.notifier.channels.smtp import send_email
    from tests.tools import free_port

    class Handler:
        refuse = False
        received = []

        async def handle_DATA(self, server, session, envelope):
            if self.refuse:
                return "451 4.3.0 try again later"
            self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, sender="UCJ <ucj@kalbar.example>", timeout=30)
        send_email(settings, email_for(alert()), "kab@example.org")
        [(mail_from, rcpt_tos, content)] = handler.received
        assert mail_from == "ucj@kalbar.example" and rcpt_tos == ["kab@example.org"]
        assert b"Message-ID: <ucj." in content
        handler.refuse = True
        with pytest.raises(DeliveryFailed, match="451"):
            send_email(settings, email_for(alert()), "kab@example.org")
    finally:
        controller.stop()
    with pytest.raises(DeliveryFailed, match="SMTP 127.0.0.1"):
        send_email(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2), email_for(alert()), "kab@example.org")
