"""Sending one mail over SMTP (smtplib): plain, STARTTLS or implicit TLS, optional login."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

TLS_MODES = ("none", "starttls", "ssl")


class SmtpSettings(Protocol):
    smtp_host: str
    smtp_port: int
    smtp_tls: str
    smtp_user: str
    smtp_password: str
    smtp_sender: str
    smtp_timeout: float


def build_message(sender: str, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A UTF-8 mail; the Korean subject is RFC 2047-encoded by the email package."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="microbill")
    msg.set_content(text, charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send(msg: EmailMessage, settings: SmtpSettings) -> None:
    """Deliver to the configured server; raises (smtplib.SMTPException, OSError) on failure."""
    if settings.smtp_tls not in TLS_MODES:
        raise ValueError(f"MICROBILL_SMTP_TLS must be one of {TLS_MODES}, not {settings.smtp_tls!r}")
    context = ssl.create_default_context()
    if settings.smtp_tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                timeout=settings.smtp_timeout, context=context)
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    with client:
        client.ehlo()
        if settings.smtp_tls == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        client.send_message(msg)
