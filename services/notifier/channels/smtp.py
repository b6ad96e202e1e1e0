"""Email: a multipart message (text, HTML with the inline chart) sent over SMTP.

TLS, by STARTTLS or from the start (SMTPS, implicit TLS), checks the server's certificate and
host name against the system's trust store, or against `ca_file` when given. A login over an
unencrypted connection is refused unless explicitly allowed.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from services.notifier.channels import DeliveryFailed, DeliveryRefused
from services.notifier.messages import Message


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False  # upgrade a plain connection with STARTTLS (usually port 587)
    implicit_tls: bool = False  # TLS from the first byte, SMTPS (usually port 465)
    ca_file: str | None = None  # PEM of the CAs to trust instead of the system's
    allow_plaintext_login: bool = False
    sender: str = "UCJ coverage monitor <ucj-notifier@localhost>"
    timeout: float = 30.0

    def __repr__(self) -> str:  # the password never shows in a log or traceback
        return f"SmtpSettings(host={self.host!r}, port={self.port}, tls={self.tls!r}, login={bool(self.user)})"

    @property
    def domain(self) -> str:
        local, at, domain = parseaddr(self.sender)[1].rpartition("@")
        return domain if at and domain else "localhost"

    @property
    def tls(self) -> str:
        return "implicit" if self.implicit_tls else "starttls" if self.starttls else "none"

    def problem(self) -> str | None:
        """Why these settings cannot be used, in one sentence; None when they can (with TLS and a
        CA file, the file is read to tell)."""
        if self.starttls and self.implicit_tls:
            return "choose STARTTLS (usually port 587) or implicit TLS (usually port 465), not both"
        if self.user and self.tls == "none" and not self.allow_plaintext_login:
            return (
                "refusing to send the SMTP login over an unencrypted connection: turn on --smtp-starttls or "
                "--smtp-implicit-tls, or allow it with --smtp-allow-plaintext-login (UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN)"
            )
        if self.tls != "none" and self.ca_file:
            try:
                self.tls_context()
            except (OSError, ssl.SSLError) as error:
                return f"cannot use the CA file {self.ca_file}: {error.strerror or error}"
        return None

    def tls_context(self) -> ssl.SSLContext:
        """A context that verifies the server's certificate and host name; raises OSError or
        ssl.SSLError when `ca_file` cannot be read or holds no certificate."""
        return ssl.create_default_context(cafile=self.ca_file)


def message_id(transition_id: str, recipient: str, domain: str) -> str:
    """The same transition to the same recipient always has the same Message-ID, so a resend
    after a crash in the in-doubt window is recognisable as the same message."""
    digest = hashlib.sha256(f"{transition_id}\n{recipient.lower()}".encode()).hexdigest()[:32]
    return f"<ucj.{digest}@{domain}>"


def build_email(
    message: Message,
    *,
    sender: str,
    recipient: str,
    transition_id: str,
    alert_id: str,
    sequence: int,
    chart_png: bytes | None,
    domain: str,
    date: datetime | None = None,
) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = recipient
    email["Date"] = format_datetime(date or datetime.now(timezone.utc))
    email["Message-ID"] = message_id(transition_id, recipient, domain)
    if sequence > 1:  # later transitions of an episode thread under the first one
        first = message_id(f"{alert_id}:1", recipient, domain)
        email["In-Reply-To"] = first
        email["References"] = first
    email["Content-Language"] = message.language
    email["X-UCJ-Alert-Id"] = alert_id
    email["X-UCJ-Transition-Id"] = transition_id
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text)
    chart_cid = f"chart.{transition_id.replace(':', '.')}@{domain}" if chart_png else None
    email.add_alternative(message.html(chart_cid=chart_cid), subtype="html")
    if chart_png:
        html_part = email.get_payload()[1]  # type: ignore[index]  # a multipart's payload is its list of parts
        assert isinstance(html_part, EmailMessage)  # the alternative added just above
        html_part.add_related(chart_png, maintype="image", subtype="png", cid=f"<{chart_cid}>", filename="coverage.png")
    return email


def send_email(settings: SmtpSettings, email: EmailMessage, recipient: str) -> None:
    """Hand the message to the SMTP server; raises DeliveryFailed unless it accepted it.

    Errors name the server, never the recipient's address or the password.
    """
    problem = settings.problem()
    if problem is not None:
        raise DeliveryRefused(problem)
    server = f"SMTP {settings.host}:{settings.port}"
    try:
        context = settings.tls_context() if settings.tls != "none" else None
        connection: smtplib.SMTP
        if settings.implicit_tls:
            connection = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with connection as smtp:
            if settings.starttls:
                smtp.starttls(context=context)
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(email, from_addr=parseaddr(settings.sender)[1] or None, to_addrs=[recipient])
    except ssl.SSLCertVerificationError as error:
        trust = (
            f"the CA file {settings.ca_file}"
            if settings.ca_file
            else "the system's trust store (or set UCJ_SMTP_CA_FILE)"
        )
        raise DeliveryFailed(
            f"{server}: the server's certificate is not trusted ({error.verify_message}); nothing was sent; check {trust}"
        ) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryFailed(f"{server} refused the recipient: {_replies(error.recipients)}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"{server}: {error or type(error).__name__}") from None
    if refused:
        raise DeliveryFailed(f"{server} refused the recipient: {_replies(refused)}")


def _replies(by_recipient: dict) -> str:
    return "; ".join(f"{code} {_text(text)}" for code, text in by_recipient.values())


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
