"""Passwords and registration (issue #12, point 2): one unit of work per thing a person does.

    change_password(store, settings, user_id, session_id, current, new, repeat, links, *, ip) -> Changed
    request_reset(store, settings, email, links, *, ip) -> None        # same answer for any address
    reset_link_status(store, settings, token) -> LinkStatus            # the GET page of /reset/<token>
    reset_password(store, settings, token, new, repeat, links, *, ip) -> Changed
    register(store, settings, email, password, repeat, links, *, ip) -> Registered
    confirm_link_status(store, settings, token) -> LinkStatus        # the GET page of /confirm/<token>
    confirm_email(store, settings, token, *, ip) -> LinkStatus
    resend_confirmation(store, settings, email, links) -> None         # same answer for any address
    confirmation_required(settings) -> bool

A changed or reset password ends the user's other sessions (a reset: all of them) and revokes every API token,
in the same transaction as the change and its audit row, and the owner gets a mail saying so. Mails go out
after the commit (passwords_mail).
Refusals of a form: FieldErrors (one message key per field), or LinkRefused for a dead link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.services.errors import Conflict, Invalid, ServiceError
from dashboard.services.passwords_mail import CHANGED, CONFIRM, KNOWN, RESET, AccountMail, send_later
from dashboard.settings import Settings
from dashboard.web.reauth import FAILURES, Reauth, verify_password
from data import accounts, passwords, sessions, tokens
from data.audit import audit
from data.db import Store
from data.models import User, utcnow

CURRENT, NEW, REPEAT, EMAIL = "current", "new", "repeat", "email"
TRUE_WORDS = {"1", "true", "yes", "on"}


class FieldErrors(Invalid):
    """The form's refusals, one message key per field; nothing was changed."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


class LinkRefused(ServiceError):
    """A reset or confirmation link that is forged, used already or too old (key pw.link_<status>)."""

    status = 410

    def __init__(self, status: passwords.LinkStatus) -> None:
        super().__init__(f"pw.link_{status.value}")
        self.link_status = status


@dataclass(frozen=True)
class Links:
    """Absolute URLs the mails point to (on MICROBILL_BASE_URL: dashboard.web.password_routes.links)."""

    reset: Callable[[str], str]  # token → /reset/<token>
    confirm: Callable[[str], str]  # token → /confirm/<token>
    login: str
    forgot: str


@dataclass(frozen=True)
class Changed:
    sessions_ended: int
    tokens_revoked: int


@dataclass(frozen=True)
class Registered:
    """`user_id` set when the account is usable at once (no confirmation needed): the route logs it in."""

    user_id: int | None


def confirmation_required(settings: Settings) -> bool:
    """MICROBILL_REQUIRE_EMAIL_CONFIRMATION: auto → on exactly when mail can be sent."""
    wanted = settings.require_email_confirmation.strip().lower()
    return bool(settings.smtp_host) if wanted == "auto" else wanted in TRUE_WORDS


# ---- the policy, per field ----------------------------------------------------------------------


def new_password_errors(new: str | None, repeat: str | None, email: str) -> dict[str, str]:
    """Message keys for the new-password fields (empty: acceptable)."""
    if not new:
        return {NEW: "pw.required"}
    problem = passwords.password_problem(new, email)
    errors = {NEW: problem.value} if problem else {}
    if new != (repeat or ""):
        errors[REPEAT] = "pw.mismatch"
    return errors


def _locked_user(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id, with_for_update=True)


def _end_everything(db: Session, user_id: int, keep_session: str | None) -> Changed:
    return Changed(sessions.end_other_sessions(db, user_id, keep_session), tokens.revoke_all_tokens(db, user_id))


# ---- change (logged in) -------------------------------------------------------------------------


def change_password(store: Store, settings: Settings, user_id: int, session_id: str, current: str | None,
                    new: str | None, repeat: str | None, links: Links, *, ip: str | None = None) -> Changed:
    """Needs the current password; ends every other session and every API token, and tells the owner by mail.
    FieldErrors otherwise."""
    with store.read() as db:
        email = db.scalar(select(User.email).where(User.id == user_id)) or ""
    errors = new_password_errors(new, repeat, email)
    verdict = verify_password(user_id, current, store)  # throttled like logins
    if verdict is not Reauth.OK:
        errors = {CURRENT: FAILURES[verdict][0], **errors}
    elif new and current == new:
        errors[NEW] = "pw.same"
    if errors:
        raise FieldErrors(errors)
    new_hash = accounts.hash_password(new or "")  # before the write lock
    with store.write() as db:
        user = _locked_user(db, user_id)
        if user is None:
            raise FieldErrors({CURRENT: "actions.password_wrong"})
        accounts.set_password(db, user, new_hash)
        changed = _end_everything(db, user_id, session_id)
        audit(db, "password.change", user_id=user_id, ip=ip, sessions_ended=changed.sessions_ended,
              tokens_revoked=changed.tokens_revoked)
    send_later(settings, AccountMail(CHANGED, email, links.forgot))
    return changed


# ---- reset by mail ------------------------------------------------------------------------------


def _user_by_email(db: Session, email: str | None) -> User | None:
    return db.scalar(select(User).where(User.email == accounts.normalise_email(email or "")))


def request_reset(store: Store, settings: Settings, email: str | None, links: Links, *,
                  ip: str | None = None) -> None:
    """Mail a reset link to a known address; an unknown one gets nothing, and the caller answers the same."""
    with store.write() as db:
        user = _user_by_email(db, email)
        if user is None:
            return
        audit(db, "password.reset_request", user_id=user.id, ip=ip)
        token = passwords.sign_link(settings.secret_key, passwords.RESET, user.id,
                                    passwords.reset_fingerprint(settings.secret_key, user))
        to = user.email
    send_later(settings, AccountMail(RESET, to, links.reset(token), minutes=settings.password_reset_minutes))


def _reset_claim(settings: Settings, token: str) -> passwords.LinkClaim:
    return passwords.read_link(settings.secret_key, passwords.RESET, token, settings.password_reset_minutes * 60)


def _reset_user(db: Session, settings: Settings, claim: passwords.LinkClaim, *, lock: bool) -> User:
    """The user a live link is for; LinkRefused when it is dead (a used link no longer matches the hash)."""
    if claim.status is not passwords.LinkStatus.OK or claim.user_id is None:
        raise LinkRefused(claim.status)
    user = db.get(User, claim.user_id, with_for_update=lock)
    if user is None or not passwords.matches(claim, passwords.reset_fingerprint(settings.secret_key, user)):
        raise LinkRefused(passwords.LinkStatus.INVALID)
    return user


def reset_link_status(store: Store, settings: Settings, token: str) -> passwords.LinkStatus:
    try:
        with store.read() as db:
            _reset_user(db, settings, _reset_claim(settings, token), lock=False)
    except LinkRefused as refused:
        return refused.link_status
    return passwords.LinkStatus.OK


def reset_password(store: Store, settings: Settings, token: str, new: str | None, repeat: str | None,
                   links: Links, *, ip: str | None = None) -> Changed:
    """Set the password from a live link: the link dies (the hash changed), every session and token ends.
    Nobody is logged in: the login form asks for the second factor, which a mailbox alone must not replace."""
    claim = _reset_claim(settings, token)
    with store.read() as db:
        email = _reset_user(db, settings, claim, lock=False).email
    errors = new_password_errors(new, repeat, email)
    if errors:
        raise FieldErrors(errors)
    new_hash = accounts.hash_password(new or "")
    with store.write() as db:
        user = _reset_user(db, settings, claim, lock=True)  # again under the lock: two tabs, one use
        accounts.set_password(db, user, new_hash)
        if user.email_confirmed_at is None:  # the link came through the mailbox: the address is proven
            user.email_confirmed_at = utcnow()
        changed = _end_everything(db, user.id, None)
        audit(db, "password.reset", user_id=user.id, ip=ip, sessions_ended=changed.sessions_ended,
              tokens_revoked=changed.tokens_revoked)
    send_later(settings, AccountMail(CHANGED, email, links.forgot))
    return changed


# ---- registration and confirmation --------------------------------------------------------------


def register(store: Store, settings: Settings, email: str, password: str | None, repeat: str | None,
             links: Links, *, ip: str | None = None) -> Registered:
    """Sign up. With confirmation on, a new and a known address get the same answer (a mail each: the link,
    or a notice to the owner); off (no mail), a known address is refused with Conflict("auth.taken")."""
    errors = new_password_errors(password, repeat, accounts.normalise_email(email))
    if errors:
        raise FieldErrors(errors)
    password_hash = accounts.hash_password(password or "")  # both paths pay for it: same time for either address
    confirm = confirmation_required(settings)
    with store.write() as db:
        known = _user_by_email(db, email)
        if known is not None:
            audit(db, "auth.register_known", user_id=known.id, ip=ip)
            to = known.email
        else:
            user = accounts.create_user(db, email, "", password_hash=password_hash, confirmed=not confirm)
            to, user_id = user.email, user.id
            token = passwords.sign_link(settings.secret_key, passwords.CONFIRM, user.id,
                                        passwords.confirm_fingerprint(settings.secret_key, user))
    if known is not None:
        if not confirm:
            raise Conflict("auth.taken")
        send_later(settings, AccountMail(KNOWN, to, links.login, extra_link=links.forgot))
        return Registered(None)
    if not confirm:
        return Registered(user_id)
    send_later(settings, AccountMail(CONFIRM, to, links.confirm(token), minutes=settings.email_confirmation_hours * 60))
    return Registered(None)


def _confirm_claim(settings: Settings, token: str) -> passwords.LinkClaim:
    return passwords.read_link(settings.secret_key, passwords.CONFIRM, token, settings.email_confirmation_hours * 3600)


def confirm_link_status(store: Store, settings: Settings, token: str) -> passwords.LinkStatus:
    """What the GET page of /confirm/<token> says (read-only)."""
    claim = _confirm_claim(settings, token)
    if claim.status is not passwords.LinkStatus.OK or claim.user_id is None:
        return claim.status
    with store.read() as db:
        user = db.get(User, claim.user_id)
        live = user is not None and passwords.matches(claim, passwords.confirm_fingerprint(settings.secret_key, user))
    return passwords.LinkStatus.OK if live else passwords.LinkStatus.INVALID


def confirm_email(store: Store, settings: Settings, token: str, *, ip: str | None = None) -> passwords.LinkStatus:
    """Mark the address confirmed; the link is spent (its fingerprint held the unconfirmed state)."""
    claim = _confirm_claim(settings, token)
    if claim.status is not passwords.LinkStatus.OK or claim.user_id is None:
        return claim.status
    with store.write() as db:
        user = _locked_user(db, claim.user_id)
        if user is None or not passwords.matches(claim, passwords.confirm_fingerprint(settings.secret_key, user)):
            return passwords.LinkStatus.INVALID
        user.email_confirmed_at = utcnow()
        audit(db, "auth.email_confirm", user_id=user.id, ip=ip)
    return passwords.LinkStatus.OK


def resend_confirmation(store: Store, settings: Settings, email: str | None, links: Links) -> None:
    """A new confirmation link for an unconfirmed address (the caller throttles and answers the same)."""
    with store.read() as db:
        user = _user_by_email(db, email)
        if user is None or user.email_confirmed_at is not None:
            return
        token = passwords.sign_link(settings.secret_key, passwords.CONFIRM, user.id,
                                    passwords.confirm_fingerprint(settings.secret_key, user))
        to = user.email
    send_later(settings, AccountMail(CONFIRM, to, links.confirm(token), minutes=settings.email_confirmation_hours * 60))


def is_unconfirmed(store: Store, user_id: int) -> bool:
    with store.read() as db:
        return db.scalar(select(User.email_confirmed_at).where(User.id == user_id)) is None
