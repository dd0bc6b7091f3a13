"""Second factors in the store: TOTP (RFC 6238), single-use recovery codes and passkey rows.

TOTP accepts the code of the current 30-second step and one step either side (clock drift), and never a
step at or before the last one accepted (`users.totp_last_step`): a code seen over a shoulder or in a proxy
log cannot be replayed, even within its own window. Recovery codes are random (~119 bits), shown once,
stored as SHA-256 (high-entropy secrets need no slow salted hash) and spent on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from data.models import Passkey, RecoveryCode, User, utcnow

RECOVERY_CODE_COUNT = 10
TOTP_WINDOW = 1  # steps either side of now
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without mistakes


# ---- TOTP --------------------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits, RFC 4226's recommended length


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def normalise_code(code: str) -> str:
    """What the user meant: ASCII letters and digits only (spaces, dashes and look-alike digits dropped)."""
    return "".join(ch for ch in code.lower() if ch.isascii() and ch.isalnum())


def matching_step(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step whose code `code` is (within the window), if later than `after_step`; else None."""
    code = normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if (after_step is None or step > after_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def spend_totp(session: Session, user: User, code: str, now: datetime | None = None) -> bool:
    """Accept an enabled TOTP code once: the step is recorded with a conditional UPDATE, so two requests
    racing with the same code cannot both win (the second sees the step already taken)."""
    if user.totp_secret is None or user.totp_enabled_at is None:
        return False
    return _take_step(session, user, user.totp_secret, code, now)


def _take_step(session: Session, user: User, secret: str, code: str, now: datetime | None) -> bool:
    step = matching_step(secret, code, now or utcnow(), user.totp_last_step)
    if step is None:
        return False
    last = User.totp_last_step
    taken = session.execute(
        update(User).where(User.id == user.id, (last.is_(None)) | (last < step)).values(totp_last_step=step)
    ).rowcount
    session.refresh(user)
    return taken == 1


def enable_totp(session: Session, user: User, secret: str, code: str, now: datetime | None = None) -> bool:
    """Turn TOTP on with the secret the user scanned, proven by a first code from their app."""
    if not _take_step(session, user, secret, code, now):
        return False
    user.totp_secret = secret
    user.totp_enabled_at = now or utcnow()
    return True


def disable_totp(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None


# ---- recovery codes ----------------------------------------------------------------------------

def _digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


# 24 symbols of 31: ~119 bits. ASVS 5.0 6.5.2 lets a plain hash store a lookup secret only from 112 bits on
# (below that it needs a salted password hash), so a SHA-256 of the code is enough and lookup stays one query.
RECOVERY_CODE_LENGTH = 24


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i:i + 6] for i in range(0, RECOVERY_CODE_LENGTH, 6))


def replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    """Ten new codes (the old ones stop working); the plain codes are returned once, never stored."""
    delete_recovery_codes(session, user_id)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_digest(code)) for code in codes)
    return codes


def delete_recovery_codes(session: Session, user_id: int) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def spend_recovery_code(session: Session, user_id: int, code: str) -> bool:
    """Single use: a conditional UPDATE marks it used, so the same code cannot win twice, even concurrently."""
    if len(normalise_code(code)) != RECOVERY_CODE_LENGTH:
        return False
    spent = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _digest(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    return spent == 1


def unused_recovery_codes(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


# ---- passkeys ----------------------------------------------------------------------------------

def passkeys_of(session: Session, user_id: int) -> list[Passkey]:
    return list(session.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)))


def passkey_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id)) or 0


def passkey_by_credential(session: Session, credential_id: str) -> Passkey | None:
    return session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


def owned_passkey(session: Session, user_id: int, passkey_id: int) -> Passkey | None:
    return session.scalar(select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id))


def add_passkey(session: Session, user_id: int, *, credential_id: str, public_key: bytes, sign_count: int,
                transports: list[str], name: str) -> Passkey:
    row = Passkey(user_id=user_id, credential_id=credential_id, public_key=public_key, sign_count=sign_count,
                  transports=",".join(transports)[:200], name=name)
    session.add(row)
    session.flush()
    return row


def has_any_factor(session: Session, user_id: int) -> bool:
    user = session.get(User, user_id)
    return user is not None and (user.totp_enabled_at is not None or passkey_count(session, user_id) > 0)
