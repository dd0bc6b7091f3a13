"""The members' mails: the invitation (to the invited address) and the owner's notice of a change of a line's
members (someone was invited, joined, changed role, was removed, left; an invitation was withdrawn).

Each mail says it in Korean, then in English (the reader's language is unknown: the invited person may have no
account yet). Like the account mails (passwords_mail), they are sent after the transaction, on a thread: the
page answers at once, and a mail server that is away never undoes a change that was made.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from dashboard.alerts.delivery import mailer
from dashboard.settings import Settings
from dashboard.text.i18n import LANGS, t

log = logging.getLogger(__name__)

# The owner's notice of these says "if it was not you…": the owner did it, or someone with their session did.
OWNER_ACTIONS = ("invite", "role", "remove", "revoke")


@dataclass(frozen=True)
class InvitationMail:
    to: str
    inviter: str  # the owner's e-mail
    line: str  # the line's label (nickname or masked number)
    role: str  # guardian | viewer
    link: str  # {base_url}/invite/<token>
    register_link: str  # {base_url}/register
    days: int


@dataclass(frozen=True)
class NoticeMail:
    """To the owner: `action` invite | accept | role | remove | leave | revoke about `member` (an e-mail)."""

    to: str
    action: str
    member: str
    line: str
    role: str  # the role given (invite, accept, role) or held (remove, leave)
    family_link: str  # {base_url}/family


def notice_key(action: str, role: str) -> str:
    """The message key of a notice (the alert keeps it, so the English UI renders the alert again)."""
    return f"membermail.alert.{action}.{role}" if action in ("invite", "accept", "role") else \
        f"membermail.alert.{action}"


def _both(parts_of) -> str:
    """Korean, a dash, then English."""
    blocks = ["\n".join(parts_of(lang)) for lang in LANGS]
    return "\n\n—\n\n".join(blocks) + "\n"


def compose_invitation(mail: InvitationMail) -> tuple[str, str]:
    subject = " / ".join(t("membermail.invite_subject", lang) for lang in LANGS)

    def parts(lang: str) -> list[str]:
        return [t("membermail.invite_body", lang, inviter=mail.inviter, line=mail.line,
                  as_role=t(f"invite.as.{mail.role}", lang)),
                t(f"invite.can.{mail.role}", lang), "",
                t("membermail.invite_link", lang, days=mail.days), mail.link, "",
                t("membermail.invite_register", lang, email=mail.to), mail.register_link, "",
                t("membermail.invite_ignore", lang)]

    return subject, _both(parts)


def compose_notice(mail: NoticeMail) -> tuple[str, str]:
    subject = " / ".join(t("membermail.notice_subject", lang) for lang in LANGS)
    key = notice_key(mail.action, mail.role)

    def parts(lang: str) -> list[str]:
        lines = [t(key, lang, email=mail.member, line=mail.line), "",
                 t("membermail.notice_link", lang), mail.family_link]
        if mail.action in OWNER_ACTIONS:
            lines += ["", t("membermail.notice_not_you", lang)]
        return lines

    return subject, _both(parts)


def send_later(settings: Settings, mail: InvitationMail | NoticeMail) -> None:
    """Deliver on a thread; a failure is logged (the owner can invite again), never shown."""
    subject, text = compose_invitation(mail) if isinstance(mail, InvitationMail) else compose_notice(mail)
    message = mailer.build_message(settings.smtp_sender, mail.to, subject, text)
    name = "invitation" if isinstance(mail, InvitationMail) else f"member-{mail.action}"

    def deliver() -> None:
        try:
            mailer.send(message, settings)
        except Exception:  # any SMTP or network failure: logged, the change is made already
            log.exception("member mail (%s) not delivered", name)

    if settings.smtp_host:
        threading.Thread(target=deliver, name=f"member-mail-{name}", daemon=True).start()
    else:
        log.warning("member mail (%s) not sent: MICROBILL_SMTP_HOST is not set", name)
