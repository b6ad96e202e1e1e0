"""Email: a multipart message (text, HTML with the inline chart) sent over SMTP."""
from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from services.notifier.channels import DeliveryFailed
from services.notifier.messages import Message


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "UCJ coverage monitor <ucj-notifier@localhost>"
    timeout: float = 30.0

    @property
    def domain(self) -> str:
        local, at, domain = parseaddr(self.sender)[1].rpartition("@")
        return domain if at and domain else "localhost"


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
        html_part = email.get_payload()[1]
        html_part.add_related(chart_png, maintype="image", subtype="png", cid=f"<{chart_cid}>", filename="coverage.png")
    return email


def send_email(settings: SmtpSettings, email: EmailMessage, recipient: str) -> None:
    """Hand the message to the SMTP server; raises DeliveryFailed unless it accepted it."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(email, from_addr=parseaddr(settings.sender)[1] or None, to_addrs=[recipient])
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryFailed(f"SMTP refused {recipient}: {error.recipients}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"SMTP {settings.host}:{settings.port}: {error or type(error).__name__}") from None
    if refused:
        raise DeliveryFailed(f"SMTP refused {recipient}: {refused}")


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
