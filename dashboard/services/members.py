"""Members of a line and e-mail invitations (issue #14, docs/families.md): one unit of work per thing a person
does. The pages (/family), the invitation page (/invite/<token>) and any API call these.

    invite(store, settings, owner_id, line_id, email, role, *, base_url, ip=None) -> dict
    invitation_preview(store, settings, token) -> InvitationPreview            # the GET page; changes nothing
    accept(store, settings, user_id, token, *, ip=None) -> int                   # the line id
    members(store, user_id, line_id) -> list[dict]                               # any role may read
    invitations(store, user_id, line_id) -> list[dict]                           # pending ones; the owner
    change_role(store, owner_id, line_id, member_id, role, *, ip=None) -> None
    remove(store, owner_id, line_id, member_id, *, ip=None) -> None
    leave(store, user_id, line_id, *, ip=None) -> None
    revoke_invitation(store, owner_id, invitation_id, *, ip=None) -> None

The owner (Permission.MANAGE) changes the members; every change is audited ("member.<action>") in its
transaction and the owner hears of it: an in-app alert of kind "member" and a mail after the commit — also of
their own changes, since a change made with a stolen session must not go unnoticed.
The mailed link is the invitation row's random id signed with the app secret (itsdangerous), valid 7 days
(INVITATION_TTL) and single use (a conditional UPDATE, data/members.py). It is accepted only by the account whose
e-mail it was sent to. Access ends at once on removal: permissions are read from the database on every request.
The mail-sending functions without a `settings` argument take the current app's (or send no mail outside one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import has_app_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from dashboard.alerts.text import line_label
from dashboard.services.access import LINE_NOT_FOUND, locked_line, permitted_line
from dashboard.services.errors import Forbidden, Invalid, NotFound, ServiceError
from dashboard.services.members_mail import InvitationMail, NoticeMail, notice_key, send_later
from dashboard.settings import Settings
from dashboard.text.i18n import t
from data import members as member_store
from data.access import MEMBER_ROLES, OWNER, Permission, line_with, members_of
from data.accounts import normalise_email
from data.alerts_store import create_alert
from data.audit import audit
from data.db import Store
from data.models import Line, LineInvitation, User, utcnow

log = logging.getLogger(__name__)

INVITATION_TTL = timedelta(days=7)  # no setting for it: a week is long enough to register first
SALT = "microbill.invitation"
INVITES_PER_HOUR = 20  # per owner: nobody buries someone's inbox under invitations
ALERT_KIND = "member"


class InvitationGone(ServiceError):
    """The link was used, withdrawn or is too old (key invite.used | invite.revoked | invite.expired)."""

    status = 410


@dataclass(frozen=True)
class InvitationPreview:
    """What the invitation page shows; `status` ok | invalid | expired | used | revoked (the rest empty when
    invalid). `account_exists`: an account with the invited address exists (else: register first)."""

    status: str
    line_label: str = ""
    role: str = ""
    inviter_email: str = ""
    email: str = ""
    account_exists: bool = False


# ---- the signed token -------------------------------------------------------------------------------------


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def sign(settings: Settings, invitation_id: str) -> str:
    return _serializer(settings).dumps(invitation_id)


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/invite/{token}"


def _unsign(settings: Settings, token: str) -> tuple[str | None, str]:
    """(invitation id, "ok") or (None, "invalid" | "expired"). The row's own expiry is what counts; the
    signature's age (a little longer) only guards tokens of rows that are gone."""
    try:
        value = _serializer(settings).loads(token, max_age=INVITATION_TTL.total_seconds() + 3600)
    except SignatureExpired:
        return None, member_store.EXPIRED
    except BadSignature:
        return None, member_store.INVALID
    return (value, member_store.OK) if isinstance(value, str) else (None, member_store.INVALID)


def _invitation(db: Session, settings: Settings, token: str, *, lock: bool) -> tuple[LineInvitation | None, str]:
    invitation_id, status = _unsign(settings, token)
    if invitation_id is None:
        return None, status
    invitation = db.get(LineInvitation, invitation_id, with_for_update=lock)
    return invitation, member_store.status_of(invitation)


# ---- helpers -------------------------------------------------------------------------------------------------


def _address(email: object) -> str:
    """The normalised address, or Invalid("invite.bad_email")."""
    if not isinstance(email, str) or not email.strip() or len(email) > 254:
        raise Invalid("invite.bad_email")
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("invite.bad_email") from None
    return normalise_email(email)


def _role(role: object) -> str:
    if role not in MEMBER_ROLES:
        raise Invalid("invite.bad_role")
    return str(role)


def _email_of(db: Session, user_id: int) -> str:
    user = db.get(User, user_id)
    return user.email if user is not None else ""


def _settings(settings: Settings | None) -> Settings | None:
    if settings is not None:
        return settings
    if has_app_context():
        from dashboard.context import settings as current  # only inside an app: the CLI passes its own

        return current()
    return None


def _notify_owner(db: Session, line: Line, action: str, member: str, role: str, ref: object,
                  base_url: str) -> NoticeMail:
    """The owner's in-app alert (in this transaction) and the mail to send after it."""
    now = utcnow()
    key = notice_key(action, role)
    values = {"email": member, "line": line_label(line)}
    create_alert(db, user_id=line.user_id, line_id=line.id, kind=ALERT_KIND,
                 rule_key=f"member:{action}:{ref}:{now.isoformat()}", message=t(key, "ko", **values),
                 detail={"msg": {"key": key, "values": values}, "action": action, "member": member, "role": role},
                 now=now)
    return NoticeMail(to=_email_of(db, line.user_id), action=action, member=member, line=line_label(line),
                      role=role, family_link=f"{base_url.rstrip('/')}/family")


def _send(settings: Settings | None, mails: list[InvitationMail | NoticeMail]) -> None:
    settings = _settings(settings)
    if settings is None:
        log.warning("member mail not sent: no settings outside an app")
        return
    for mail in mails:
        if mail.to:
            send_later(settings, mail)


def _base_url(settings: Settings | None) -> str:
    settings = _settings(settings)
    return settings.base_url if settings is not None else ""


# ---- inviting --------------------------------------------------------------------------------------------------


def invite(store: Store, settings: Settings, owner_id: int, line_id: object, email: object, role: object, *,
           base_url: str, ip: str | None = None) -> dict:
    """Invite an address to the line with a role; an earlier pending invitation of the same address to this line
    is withdrawn (only the newest link works). {"id", "email", "role", "expires_at"}."""
    with store.write() as db:
        line = locked_line(db, owner_id, line_id, Permission.MANAGE)  # the lock: one change of members at a time
        address, role = _address(email), _role(role)
        owner_email = _email_of(db, line.user_id)
        if address == owner_email:
            raise Invalid("invite.self")
        invitee = member_store.user_by_email(db, address)
        if invitee is not None and member_store.member(db, line.id, invitee.id) is not None:
            raise Invalid("invite.already_member")
        if member_store.invitations_sent_since(db, owner_id, utcnow() - timedelta(hours=1)) >= INVITES_PER_HOUR:
            raise Invalid("invite.too_many")
        invitation, replaced = member_store.create_invitation(db, line_id=line.id, email=address, role=role,
                                                              invited_by=owner_id, ttl=INVITATION_TTL)
        audit(db, "member.invite", user_id=owner_id, line_id=line.id, ip=ip, invitation=invitation.id,
              email=address, role=role, replaced=replaced)
        notice = _notify_owner(db, line, "invite", address, role, invitation.id, base_url)
        mail = InvitationMail(to=address, inviter=owner_email, line=line_label(line), role=role,
                              link=invitation_url(base_url, sign(settings, invitation.id)),
                              register_link=f"{base_url.rstrip('/')}/register", days=INVITATION_TTL.days)
        result = {"id": invitation.id, "email": address, "role": role, "expires_at": invitation.expires_at}
    _send(settings, [mail, notice])
    return result


def invitation_preview(store: Store, settings: Settings, token: str) -> InvitationPreview:
    """What accepting would meet, for the GET page (mail scanners open links: a GET changes nothing)."""
    with store.read() as db:
        invitation, status = _invitation(db, settings, token, lock=False)
        if invitation is None:
            return InvitationPreview(status)
        line = db.get(Line, invitation.line_id)
        return InvitationPreview(
            status, line_label=line_label(line) if line is not None else "", role=invitation.role,
            inviter_email=_email_of(db, invitation.invited_by), email=invitation.email,
            account_exists=member_store.user_by_email(db, invitation.email) is not None)


def accept(store: Store, settings: Settings, user_id: int, token: str, *, ip: str | None = None) -> int:
    """Become a member with the invitation's role; the line id. Only the account with the invited address may
    (Forbidden "invite.other_email"); the link works once (InvitationGone "invite.used")."""
    with store.write() as db:
        invitation, status = _invitation(db, settings, token, lock=True)
        if invitation is None:
            raise (InvitationGone if status == member_store.EXPIRED else NotFound)(f"invite.{status}")
        if status != member_store.OK:
            raise InvitationGone(f"invite.{status}")
        email = _email_of(db, user_id)
        if email != normalise_email(invitation.email):
            raise Forbidden("invite.other_email", email=invitation.email)
        line = db.get(Line, invitation.line_id)
        if line is None:
            raise NotFound("invite.invalid")
        if line.user_id == user_id:
            raise Invalid("invite.self")
        if not member_store.spend_invitation(db, invitation.id):
            raise InvitationGone("invite.used")  # another accept won the race
        _member, before = member_store.add_member(db, line.id, user_id, invitation.role)
        audit(db, "member.accept", user_id=user_id, line_id=line.id, ip=ip, invitation=invitation.id,
              role=invitation.role, role_before=before)
        notice = _notify_owner(db, line, "accept", email, invitation.role, user_id, settings.base_url)
        line_id = line.id
    _send(settings, [notice])
    return line_id


# ---- reading ------------------------------------------------------------------------------------------------


def members(store: Store, user_id: int, line_id: object) -> list[dict]:
    """The line's members (not the owner), oldest first: [{"user_id", "email", "role", "since"}]. Any role may
    read them: a guardian sees who else watches the line."""
    with store.read() as db:
        line = permitted_line(db, user_id, line_id, Permission.VIEW)
        return [{"user_id": user.id, "email": user.email, "role": member.role, "since": member.created_at}
                for member, user in members_of(db, line.id)]


def invitations(store: Store, user_id: int, line_id: object) -> list[dict]:
    """The line's pending invitations (the owner's): [{"id", "email", "role", "expires_at"}], oldest first."""
    with store.read() as db:
        line = permitted_line(db, user_id, line_id, Permission.MANAGE)
        return [{"id": row.id, "email": row.email, "role": row.role, "expires_at": row.expires_at}
                for row in member_store.pending_invitations(db, line.id)]


# ---- changing ------------------------------------------------------------------------------------------------


def _member_id(member_id: object) -> int:
    try:
        return int(member_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFound("invite.not_member") from None


def change_role(store: Store, owner_id: int, line_id: object, member_id: object, role: object, *,
                ip: str | None = None, settings: Settings | None = None) -> None:
    """Give a member another role (the same role: nothing happens)."""
    with store.write() as db:
        line = locked_line(db, owner_id, line_id, Permission.MANAGE)
        role, uid = _role(role), _member_id(member_id)
        before = member_store.set_role(db, line.id, uid, role)
        if before is None:
            raise NotFound("invite.not_member")
        if before == role:
            return
        audit(db, "member.role", user_id=owner_id, line_id=line.id, ip=ip, member=uid, role=role,
              role_before=before)
        notice = _notify_owner(db, line, "role", _email_of(db, uid), role, uid, _base_url(settings))
    _send(settings, [notice])


def remove(store: Store, owner_id: int, line_id: object, member_id: object, *, ip: str | None = None,
           settings: Settings | None = None) -> None:
    """End a membership at once, with the member's copies of the line's alerts."""
    with store.write() as db:
        line = locked_line(db, owner_id, line_id, Permission.MANAGE)
        uid = _member_id(member_id)
        email = _email_of(db, uid)
        role = member_store.remove_member(db, line.id, uid)
        if role is None:
            raise NotFound("invite.not_member")
        audit(db, "member.remove", user_id=owner_id, line_id=line.id, ip=ip, member=uid, email=email, role=role)
        notice = _notify_owner(db, line, "remove", email, role, uid, _base_url(settings))
    _send(settings, [notice])


def leave(store: Store, user_id: int, line_id: object, *, ip: str | None = None,
          settings: Settings | None = None) -> None:
    """A member stops sharing a line (the owner cannot leave their own)."""
    with store.write() as db:
        access = line_with(db, user_id, line_id, Permission.VIEW)
        if access.line is None:
            raise NotFound(LINE_NOT_FOUND)
        if access.role == OWNER:
            raise Invalid("invite.owner_cannot_leave")
        line = locked_line(db, user_id, access.line.id, Permission.VIEW)
        email = _email_of(db, user_id)
        role = member_store.remove_member(db, line.id, user_id)
        if role is None:  # removed meanwhile
            raise NotFound(LINE_NOT_FOUND)
        audit(db, "member.leave", user_id=user_id, line_id=line.id, ip=ip, role=role)
        notice = _notify_owner(db, line, "leave", email, role, user_id, _base_url(settings))
    _send(settings, [notice])


def revoke_invitation(store: Store, owner_id: int, invitation_id: object, *, ip: str | None = None,
                      settings: Settings | None = None) -> None:
    """Withdraw a pending invitation: its link stops working (one already accepted: Conflict-like 410)."""
    with store.write() as db:
        invitation = (db.get(LineInvitation, invitation_id, with_for_update=True)
                      if isinstance(invitation_id, str) and len(invitation_id) <= 40 else None)
        if invitation is None:
            raise NotFound("invite.no_invitation")
        try:
            line = locked_line(db, owner_id, invitation.line_id, Permission.MANAGE)
        except NotFound:
            raise NotFound("invite.no_invitation") from None  # someone else's: the same as none
        if invitation.accepted_at is not None:
            raise InvitationGone("invite.used")
        if not member_store.revoke_invitation(db, invitation.id):
            return  # withdrawn already
        audit(db, "member.revoke", user_id=owner_id, line_id=line.id, ip=ip, invitation=invitation.id,
              email=invitation.email)
        notice = _notify_owner(db, line, "revoke", invitation.email, invitation.role, invitation.id,
                               _base_url(settings))
    _send(settings, [notice])
