"""The account mails (password reset, sign-up confirmation, "someone tried to sign up with your address",
"your password was changed").

Each mail says it in Korean, then in English (the address owner's language is unknown). Sent after the
transaction, on a thread: the answer to the form takes as long whether or not a mail goes out, so its timing
does not tell a known address from an unknown one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from dashboard.alerts.delivery import mailer
from dashboard.settings import Settings
from dashboard.text.i18n import LANGS, t

log = logging.getLogger(__name__)

RESET = "reset"
CONFIRM = "confirm"
KNOWN = "known"
CHANGED = "changed"  # after a change or a reset: the owner hears of it, whoever did it


@dataclass(frozen=True)
class AccountMail:
    kind: str  # RESET | CONFIRM | KNOWN | CHANGED
    to: str
    link: str  # the reset or confirmation link; for KNOWN the login page; for CHANGED the "forgot" page
    extra_link: str = ""  # KNOWN: the "forgot password" page
    minutes: int = 0  # how long the link works


def compose(mail: AccountMail) -> tuple[str, str]:
    """(subject, plain text): both languages, Korean first."""
    subject = " / ".join(t(f"pwmail.{mail.kind}_subject", lang) for lang in LANGS)
    parts = []
    for lang in LANGS:
        parts += [t(f"pwmail.{mail.kind}_body", lang, minutes=mail.minutes, hours=mail.minutes // 60), "",
                  mail.link]
        if mail.extra_link:
            parts += [t("pwmail.known_forgot", lang), mail.extra_link]
        if mail.kind != CHANGED:  # there, "not you" is the whole point of the mail
            parts += ["", t("pwmail.not_you", lang)]
        parts += ["", "—", ""]
    return subject, "\n".join(parts).rstrip("—\n ") + "\n"


def send_later(settings: Settings, mail: AccountMail) -> None:
    """Deliver on a thread; a failure is logged (the person can ask again), never shown."""
    subject, text = compose(mail)
    message = mailer.build_message(settings.smtp_sender, mail.to, subject, text)

    def deliver() -> None:
        try:
            mailer.send(message, settings)
        except Exception:  # any SMTP or network failure: logged, the form has answered already
            log.exception("account mail (%s) not delivered", mail.kind)

    if settings.smtp_host:
        threading.Thread(target=deliver, name=f"account-mail-{mail.kind}", daemon=True).start()
    else:
        log.warning("account mail (%s) not sent: MICROBILL_SMTP_HOST is not set", mail.kind)
