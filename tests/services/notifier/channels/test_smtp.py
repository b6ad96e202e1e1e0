import ssl
import subprocess
from dataclasses import replace
from email import message_from_bytes, policy

import pytest

from services.notifier.channels import DeliveryFailed, DeliveryRefused
from services.notifier.channels.smtp import SmtpSettings, build_email, message_id, send_email
from services.notifier.chart import coverage_chart
from services.notifier.messages import render
from tests.services.notifier.samples import alert, history
from tests.tools import free_port, require_tool


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
    from aiosmtpd.controller import Controller

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


# --- TLS and login: aiosmtpd serving certificates made for the test by a throwaway CA -------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A throwaway CA, a server certificate it signed for localhost and 127.0.0.1, and one for
    mail.example only (to connect to 127.0.0.1 with: a host name mismatch). Paths by name."""
    openssl = require_tool("openssl", "apt-get install openssl")
    folder = tmp_path_factory.mktemp("tls")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*argv: str) -> None:
        subprocess.run([openssl, *argv], cwd=folder, check=True, capture_output=True, timeout=60)

    run(
        "req",
        "-x509",
        *key,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=UCJ test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    for name, names in (("server", "DNS:localhost,IP:127.0.0.1"), ("elsewhere", "DNS:mail.example")):
        (folder / f"{name}.ext").write_text(
            f"subjectAltName={names}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        )
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={names.split(',')[0][4:]}")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
        )
    return {
        name: str(folder / name) for name in ("ca.pem", "server.pem", "server.key", "elsewhere.pem", "elsewhere.key")
    }


class Sink:
    """aiosmtpd handler and authenticator: what it received, and the logins it saw."""

    def __init__(self):
        self.received = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, bool(session.authenticated)))
        return "250 OK"

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.logins.append((auth_data.login.decode(), auth_data.password.decode(), encrypted))
        return AuthResult(success=auth_data.password == b"s3cret")


@pytest.fixture
def smtp_server(certificates):
    """start(tls="starttls"|"implicit"|"none", certificate="server"|"elsewhere") -> (sink, port)."""
    from aiosmtpd.controller import Controller

    controllers = []

    def start(tls: str, certificate: str = "server"):
        sink = Sink()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificates[f"{certificate}.pem"], certificates[f"{certificate}.key"])
        # aiosmtpd counts only STARTTLS as TLS for AUTH; an implicit TLS connection is one from the start
        options = dict(authenticator=sink, auth_require_tls=tls == "starttls")
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif tls == "implicit":
            options.update(ssl_context=context)
        controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        controllers.append(controller)
        return sink, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def tls_settings(port: int, tls: str, **changes) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        starttls=tls == "starttls",
        implicit_tls=tls == "implicit",
        sender="UCJ <ucj@kalbar.example>",
        timeout=30,
        **changes,
    )


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(smtp_server, tls):
    sink, port = smtp_server(tls)
    with pytest.raises(DeliveryFailed) as refused:
        send_email(tls_settings(port, tls, user="ucj", password="s3cret"), email_for(alert()), "kab@example.org")
    assert str(refused.value).startswith(f"SMTP 127.0.0.1:{port}: the server's certificate is not trusted (")
    assert "nothing was sent; check the system's trust store (or set UCJ_SMTP_CA_FILE)" in str(refused.value)
    assert sink.received == [] and sink.logins == []  # the password never left


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_a_certificate_from_the_ca_file_delivers_with_login(smtp_server, certificates, tls):
    sink, port = smtp_server(tls)
    settings = tls_settings(port, tls, user="ucj", password="s3cret", ca_file=certificates["ca.pem"])
    send_email(settings, email_for(alert()), "kab@example.org")
    assert sink.logins == [("ucj", "s3cret", True)]  # over TLS
    assert sink.received == [(["kab@example.org"], True)]


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_a_certificate_for_another_host_is_refused(smtp_server, certificates, tls):
    sink, port = smtp_server(tls, certificate="elsewhere")
    with pytest.raises(
        DeliveryFailed,
        match=r"not trusted \(IP address mismatch, certificate is not valid for '127.0.0.1'.*check the CA file",
    ):
        send_email(tls_settings(port, tls, ca_file=certificates["ca.pem"]), email_for(alert()), "kab@example.org")
    assert sink.received == []


def test_a_login_over_plaintext_is_refused_unless_allowed(smtp_server):
    sink, port = smtp_server("none")
    settings = tls_settings(port, "none", user="ucj", password="s3cret")
    with pytest.raises(DeliveryRefused) as refused:
        send_email(settings, email_for(alert()), "kab@example.org")
    assert str(refused.value) == (
        "refusing to send the SMTP login over an unencrypted connection: turn on --smtp-starttls or "
        "--smtp-implicit-tls, or allow it with --smtp-allow-plaintext-login (UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN)"
    )
    assert sink.logins == [] and sink.received == []

    send_email(replace(settings, allow_plaintext_login=True), email_for(alert()), "kab@example.org")
    assert sink.logins == [("ucj", "s3cret", False)] and len(sink.received) == 1


def test_no_login_over_plaintext_needs_no_permission(smtp_server):
    sink, port = smtp_server("none")  # the demo's mail sink: no TLS, no login
    send_email(tls_settings(port, "none"), email_for(alert()), "kab@example.org")
    assert sink.received == [(["kab@example.org"], False)]


def test_settings_that_cannot_work_say_why(tmp_path):
    assert SmtpSettings(starttls=True, implicit_tls=True).problem() == (
        "choose STARTTLS (usually port 587) or implicit TLS (usually port 465), not both"
    )
    assert SmtpSettings(user="ucj", starttls=True).problem() is None
    assert SmtpSettings(user="ucj", allow_plaintext_login=True).problem() is None
    (tmp_path / "empty.pem").write_text("")
    for ca_file in (tmp_path / "missing.pem", tmp_path / "empty.pem"):
        with pytest.raises(DeliveryRefused, match=f"cannot use the CA file {ca_file}: "):
            send_email(
                SmtpSettings(port=free_port(), starttls=True, ca_file=str(ca_file)), email_for(alert()), "a@b.id"
            )


def test_the_password_never_shows_in_the_settings_repr():
    settings = SmtpSettings(user="ucj", password="s3cret", starttls=True)
    assert "s3cret" not in repr(settings) and "login=True" in repr(settings)
