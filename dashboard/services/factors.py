"""Second factors: TOTP with ten recovery codes, and passkeys (WebAuthn) as first or second factor.

    has_second_factor(store, user_id) -> bool
    second_factor_ok(store, user_id, session_id, code) -> bool   # a code now, or a recent factor on the session
    factor_check(store, user_id, session_id, code) -> FactorVerdict   # the same, saying why not (and throttled)
    status(store, user_id) -> FactorStatus                        # the /account card
    start_totp(store, user_id) -> TotpSetup                       # a pending secret (not enabled yet)
    confirm_totp(store, user_id, session_id, code, password, *, ip) -> list[str]   # on; ten recovery codes, once
    disable_totp(store, user_id, password, code, *, ip)           # password + a TOTP or recovery code, now
    new_recovery_codes(store, user_id, session_id, password, code, *, ip) -> list[str]
    passkey_registration(store, user_id, session_id, rp, password, code) -> (options_json, challenge)
    add_passkey(store, user_id, session_id, rp, credential, challenge, name, *, ip) -> PasskeyView
    passkey_authentication(store, rp, user_id=None) -> (options_json, challenge)
    passkey_user(store, rp, credential, challenge, *, first_factor, expected_user=None, ip) -> int | None
    mark_step_up(store, user_id, session_id)                      # a passkey step-up in a logged-in session
    rename_passkey(store, user_id, passkey_id, name, *, ip)
    remove_passkey(store, user_id, session_id, passkey_id, password, code, *, ip)

Codes are throttled per user with the same budget as failed logins (dashboard.web.reauth's limiter); every
use and refusal is audited. Adding a factor needs the password (and an existing factor: a code, or one entered
within second_factor_fresh_minutes); turning TOTP off needs the password and a TOTP or recovery code typed
now; removing a passkey the password and a factor (a code, or a passkey step-up just made).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app, has_app_context
from flask_login import current_user
from limits import parse
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from dashboard.context import settings
from dashboard.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from dashboard.web.reauth import Reauth, refusal, verify_password
from data import factors
from data.audit import audit
from data.db import Store
from data.models import User, UserSession, utcnow
from data.vocab import DB_INT_MAX

ISSUER = "Microbill"
NAME_MAX = 60

FACTOR_NEEDED = "factor.needed"  # "2단계 인증 코드를 입력하세요"
FACTOR_WRONG = "factor.wrong"
FACTOR_THROTTLED = "factor.throttled"


class FactorVerdict(StrEnum):
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"
    THROTTLED = "throttled"


class FactorThrottled(ServiceError):
    status = 429


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser thinks it is talking to (WebAuthn binds credentials to `rp_id` and checks `origin`)."""

    rp_id: str
    origin: str
    name: str = ISSUER


@dataclass(frozen=True)
class PasskeyView:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class FactorStatus:
    email: str
    totp_enabled: bool
    recovery_left: int
    passkeys: list[PasskeyView]

    @property
    def any(self) -> bool:
        return self.totp_enabled or bool(self.passkeys)


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    uri: str


# ---- the checks other features call ------------------------------------------------------------

def has_second_factor(store: Store, user_id: int) -> bool:
    with store.read() as db:
        return factors.has_any_factor(db, user_id)


def second_factor_ok(store: Store, user_id: int, session_id: str, code: str | None) -> bool:
    """True when the user has no factor, `code` is a valid TOTP or unused recovery code (spent now), or the
    session entered a factor within second_factor_fresh_minutes (a passkey step-up, a code at login)."""
    return factor_check(store, user_id, session_id, code) is FactorVerdict.OK


def factor_check(store: Store, user_id: int, session_id: str, code: str | None) -> FactorVerdict:
    """second_factor_ok, saying why not. A right code also marks the session (a step-up)."""
    code = (code or "").strip()
    if code and _throttled(user_id):
        return FactorVerdict.THROTTLED
    with store.write() as db:
        if not factors.has_any_factor(db, user_id):
            return FactorVerdict.OK
        if not code:
            return FactorVerdict.OK if _fresh(db, user_id, session_id) else FactorVerdict.MISSING
        kind = _spend_code(db, user_id, code)
        if kind is None:
            audit(db, "factor.refused", user_id=user_id)
        else:
            _mark(db, user_id, session_id)
            audit(db, "factor.used", user_id=user_id, kind=kind)
    if kind is None:
        _hit(user_id)
        return FactorVerdict.WRONG
    return FactorVerdict.OK


def factor_for_action(store: Store, user_id: int, code: str | None) -> FactorVerdict:
    """The second factor of a sensitive action (unblock, raising a limit) by the current caller, checked after
    a right password. A bearer token has no session, so only a code counts for it (the API's `code` field).
    A code entered now raises the session's privilege: its id rotates at the end of this request."""
    caller = str(getattr(current_user, "id", "") or "")
    session_id = "" if caller.startswith("token:") else caller
    verdict = factor_check(store, user_id, session_id, code)
    if verdict is FactorVerdict.OK and session_id and (code or "").strip():
        from dashboard.web.session_rotation import rotate_at_end_of_request  # it imports the web layer

        rotate_at_end_of_request(second_factor=True)
    return verdict


def factor_refusal(verdict: FactorVerdict) -> ServiceError:
    """The refusal for a failed factor check (403, or 429 when throttled)."""
    if verdict is FactorVerdict.THROTTLED:
        return FactorThrottled(FACTOR_THROTTLED)
    return Forbidden(FACTOR_WRONG if verdict is FactorVerdict.WRONG else FACTOR_NEEDED)


def _spend_code(db: Session, user_id: int, code: str) -> str | None:
    """Which kind of code was spent ("totp" | "recovery"), None when it was neither."""
    user = db.get(User, user_id)
    if user is not None and factors.spend_totp(db, user, code):
        return "totp"
    if factors.spend_recovery_code(db, user_id, code):
        return "recovery"
    return None


def _fresh(db: Session, user_id: int, session_id: str) -> bool:
    row = db.get(UserSession, session_id) if session_id else None
    if row is None or row.user_id != user_id or row.second_factor_at is None:
        return False
    return utcnow() - row.second_factor_at <= timedelta(minutes=settings().second_factor_fresh_minutes)


def _mark(db: Session, user_id: int, session_id: str) -> None:
    row = db.get(UserSession, session_id) if session_id else None
    if row is not None and row.user_id == user_id:
        row.second_factor_at = utcnow()


# Wrong codes count against the app's limiter storage (shared by workers), with the failed-login budget:
# a 6-digit code must not be guessable by trying them all.
def _limiter():
    if not has_app_context():
        return None
    extension = current_app.extensions.get("microbill_limiter")
    return None if extension is None else extension.limiter


def _throttled(user_id: int) -> bool:
    limiter = _limiter()
    return limiter is not None and not limiter.test(parse(settings().login_rate_per_account_ip), "factor",
                                                    f"user:{user_id}")


def _hit(user_id: int) -> None:
    limiter = _limiter()
    if limiter is not None:
        limiter.hit(parse(settings().login_rate_per_account_ip), "factor", f"user:{user_id}")


def mark_step_up(store: Store, user_id: int, session_id: str) -> None:
    with store.write() as db:
        _mark(db, user_id, session_id)


# ---- the /account card ---------------------------------------------------------------------------

def _view(row) -> PasskeyView:
    return PasskeyView(row.id, row.name, row.created_at, row.last_used_at)


def status(store: Store, user_id: int) -> FactorStatus:
    with store.read() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("factor.not_found")
        return FactorStatus(user.email, user.totp_enabled_at is not None,
                            factors.unused_recovery_codes(db, user_id),
                            [_view(p) for p in factors.passkeys_of(db, user_id)])


# ---- TOTP --------------------------------------------------------------------------------------

def start_totp(store: Store, user_id: int) -> TotpSetup:
    """A new pending secret (kept on the user, not enabled until confirm_totp sees a first code)."""
    with store.write() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("factor.not_found")
        if user.totp_enabled_at is not None:
            raise Conflict("factor.totp_already")
        user.totp_secret = factors.new_totp_secret()
        user.totp_last_step = None
        return TotpSetup(user.totp_secret, factors.totp_uri(user.totp_secret, user.email, ISSUER))


def pending_totp(store: Store, user_id: int) -> TotpSetup | None:
    with store.read() as db:
        user = db.get(User, user_id)
        if user is None or user.totp_secret is None or user.totp_enabled_at is not None:
            return None
        return TotpSetup(user.totp_secret, factors.totp_uri(user.totp_secret, user.email, ISSUER))


def confirm_totp(store: Store, user_id: int, session_id: str, code: str | None, password: str | None, *,
                 ip: str | None = None) -> list[str]:
    """Enable TOTP with a first code from the app; returns the ten recovery codes (shown once). Like any
    change of how the account signs in, it needs the password (and the passkey of a user who has one, entered
    recently): a stolen session must not be able to add a factor of its own."""
    _password_then(user_id, password, store)
    _existing_factor(store, user_id, session_id, None)
    if _throttled(user_id):
        raise FactorThrottled(FACTOR_THROTTLED)
    with store.write() as db:
        user = db.get(User, user_id)
        if user is None or user.totp_secret is None or user.totp_enabled_at is not None:
            raise Conflict("factor.totp_not_pending")
        ok = factors.enable_totp(db, user, user.totp_secret, code or "")
        if ok:
            _mark(db, user_id, session_id)
            audit(db, "factor.totp_enable", user_id=user_id, ip=ip)
            return factors.replace_recovery_codes(db, user_id)
    _hit(user_id)
    raise Invalid("factor.code_wrong")


def _password_then(user_id: int, password: str | None, store: Store) -> None:
    verdict = verify_password(user_id, password, store)
    if verdict is not Reauth.OK:
        raise refusal(verdict, "factor.password_needed")


def _existing_factor(store: Store, user_id: int, session_id: str, code: str | None) -> None:
    """A user who already has a factor proves it (a code now, or a factor entered recently) before adding one."""
    verdict = factor_check(store, user_id, session_id, code)
    if verdict is not FactorVerdict.OK:
        raise factor_refusal(verdict)


def _code_now(store: Store, user_id: int, code: str | None) -> None:
    """A TOTP or recovery code entered now (a recent factor is not enough to remove one)."""
    if not (code or "").strip():
        raise Forbidden(FACTOR_NEEDED)
    verdict = factor_check(store, user_id, "", code)
    if verdict is not FactorVerdict.OK:
        raise factor_refusal(verdict)


def disable_totp(store: Store, user_id: int, password: str | None, code: str | None, *,
                 ip: str | None = None) -> None:
    """Turn TOTP off (and drop the recovery codes): the password and a TOTP or recovery code, now."""
    _password_then(user_id, password, store)
    with store.read() as db:
        user = db.get(User, user_id)
        if user is None or user.totp_enabled_at is None:
            raise Conflict("factor.totp_off")
    _code_now(store, user_id, code)
    with store.write() as db:
        user = db.get(User, user_id)
        factors.disable_totp(db, user)
        if factors.passkey_count(db, user_id) == 0:
            factors.delete_recovery_codes(db, user_id)  # no factor left: nothing for them to recover
        audit(db, "factor.totp_disable", user_id=user_id, ip=ip)


def new_recovery_codes(store: Store, user_id: int, session_id: str, password: str | None, code: str | None, *,
                       ip: str | None = None) -> list[str]:
    """Ten new recovery codes (the old ones stop working): the password and a factor."""
    _password_then(user_id, password, store)
    verdict = factor_check(store, user_id, session_id, code)
    if verdict is not FactorVerdict.OK:
        raise factor_refusal(verdict)
    with store.write() as db:
        if not factors.has_any_factor(db, user_id):
            raise Conflict("factor.none")
        audit(db, "factor.recovery_new", user_id=user_id, ip=ip)
        return factors.replace_recovery_codes(db, user_id)


# ---- passkeys ----------------------------------------------------------------------------------

def _descriptors(rows) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(r.credential_id)) for r in rows]


def passkey_registration(store: Store, user_id: int, session_id: str, rp: RelyingParty, password: str | None,
                         code: str | None) -> tuple[str, bytes]:
    """Options for navigator.credentials.create (a discoverable credential, so it can sign in alone), after
    the password and, for a user with a factor already, that factor (a code now or one entered recently)."""
    _password_then(user_id, password, store)
    _existing_factor(store, user_id, session_id, code)
    with store.read() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("factor.not_found")
        existing = factors.passkeys_of(db, user_id)
        options = generate_registration_options(
            rp_id=rp.rp_id, rp_name=rp.name, user_id=str(user.id).encode(), user_name=user.email,
            exclude_credentials=_descriptors(existing),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.PREFERRED),
        )
    return options_to_json(options), options.challenge


def clean_name(name: str | None, fallback: str) -> str:
    name = " ".join((name or "").split())[:NAME_MAX]
    return name or fallback


def add_passkey(store: Store, user_id: int, session_id: str, rp: RelyingParty, credential: str | dict,
                challenge: bytes, name: str | None, *, ip: str | None = None) -> PasskeyView:
    """Verify the browser's attestation against our challenge and keep the credential (audited); the session
    has just used the new passkey, so it counts as a factor entered now."""
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                expected_rp_id=rp.rp_id, expected_origin=rp.origin)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise Invalid("factor.passkey_failed") from None
    transports = _transports(credential)
    credential_id = bytes_to_base64url(verified.credential_id)
    with store.write() as db:
        if factors.passkey_by_credential(db, credential_id) is not None:
            raise Conflict("factor.passkey_exists")
        count = factors.passkey_count(db, user_id)
        row = factors.add_passkey(db, user_id, credential_id=credential_id,
                                  public_key=verified.credential_public_key, sign_count=verified.sign_count,
                                  transports=transports, name=clean_name(name, f"passkey {count + 1}"))
        _mark(db, user_id, session_id)
        audit(db, "factor.passkey_add", user_id=user_id, ip=ip, passkey_id=row.id)
        return _view(row)


def _transports(credential: str | dict) -> list[str]:
    try:
        data = json.loads(credential) if isinstance(credential, str) else credential
        found = data.get("response", {}).get("transports") or []
        return [str(t)[:20] for t in found][:6]
    except (ValueError, AttributeError):
        return []


def passkey_authentication(store: Store, rp: RelyingParty, user_id: int | None = None) -> tuple[str, bytes]:
    """Options for navigator.credentials.get: the user's own passkeys (second factor), or none listed
    (first factor: the authenticator offers its discoverable credentials, so no email is needed)."""
    allowed = []
    if user_id is not None:
        with store.read() as db:
            allowed = _descriptors(factors.passkeys_of(db, user_id))
    options = generate_authentication_options(
        rp_id=rp.rp_id, allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED if user_id is None
        else UserVerificationRequirement.PREFERRED)
    return options_to_json(options), options.challenge


def passkey_user(store: Store, rp: RelyingParty, credential: str | dict, challenge: bytes, *,
                 first_factor: bool, expected_user: int | None = None, ip: str | None = None) -> int | None:
    """The user whose passkey signed our challenge (its counter and last use updated, audited); None when the
    assertion fails, or belongs to someone other than `expected_user`. As a first factor (no password) the
    authenticator must have verified the user (PIN or biometrics)."""
    credential_id = _credential_id(credential)
    with store.write() as db:
        row = factors.passkey_by_credential(db, credential_id) if credential_id else None
        if row is None or (expected_user is not None and row.user_id != expected_user):
            audit(db, "factor.passkey_refused", user_id=expected_user, ip=ip)
            return None
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=rp.rp_id,
                expected_origin=rp.origin, credential_public_key=row.public_key,
                credential_current_sign_count=row.sign_count, require_user_verification=first_factor)
        except (WebAuthnException, ValueError, KeyError, TypeError):
            audit(db, "factor.passkey_refused", user_id=row.user_id, ip=ip)
            return None
        row.sign_count = verified.new_sign_count
        row.last_used_at = utcnow()
        audit(db, "factor.passkey_used", user_id=row.user_id, ip=ip, passkey_id=row.id, first=first_factor)
        return row.user_id


def _credential_id(credential: str | dict) -> str | None:
    try:
        data = json.loads(credential) if isinstance(credential, str) else credential
        raw = data.get("rawId") or data.get("id")
        return bytes_to_base64url(base64url_to_bytes(raw)) if isinstance(raw, str) and len(raw) <= 700 else None
    except (ValueError, AttributeError, TypeError):
        return None


def _passkey_id(value: object) -> int:
    """A passkey id from the browser: anything a row id cannot be is nobody's passkey."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= DB_INT_MAX:
        raise NotFound("factor.not_found")
    return value


def rename_passkey(store: Store, user_id: int, passkey_id: object, name: str | None, *,
                   ip: str | None = None) -> None:
    passkey_id = _passkey_id(passkey_id)
    with store.write() as db:
        row = factors.owned_passkey(db, user_id, passkey_id)
        if row is None:
            raise NotFound("factor.not_found")
        row.name = clean_name(name, row.name)
        audit(db, "factor.passkey_rename", user_id=user_id, ip=ip, passkey_id=row.id)


def remove_passkey(store: Store, user_id: int, session_id: str, passkey_id: object, password: str | None,
                   code: str | None, *, ip: str | None = None) -> None:
    """Remove a passkey: the password, and a factor (a code now, or a passkey step-up just made)."""
    passkey_id = _passkey_id(passkey_id)
    with store.read() as db:
        if factors.owned_passkey(db, user_id, passkey_id) is None:
            raise NotFound("factor.not_found")
    _password_then(user_id, password, store)
    verdict = factor_check(store, user_id, session_id, code)
    if verdict is not FactorVerdict.OK:
        raise factor_refusal(verdict)
    with store.write() as db:
        row = factors.owned_passkey(db, user_id, passkey_id)
        if row is None:
            raise NotFound("factor.not_found")
        db.delete(row)
        db.flush()
        if not factors.has_any_factor(db, user_id):
            factors.delete_recovery_codes(db, user_id)
        audit(db, "factor.passkey_remove", user_id=user_id, ip=ip, passkey_id=passkey_id)
