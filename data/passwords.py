"""The password policy and the signed single-use links of passwords and registration (issue #12).

Policy (ASVS 6.2): at least 10 characters, at most 128 (long passphrases welcome), and not guessable: zxcvbn's
score ≥ 3, with the user's email as a known input, refuses common passwords (its lists include the top
passwords of breaches), keyboard walks and sequences such as `1234567890`, `password12`, `qwertyuiop`.

Links: an itsdangerous URLSafeTimedSerializer with one salt per purpose signs (user id, fingerprint). The
fingerprint is a keyed digest of the state the link is meant to change (the password hash for a reset; the
email and its confirmation time for a confirmation): once used, the state changes and the link stops matching,
so the link is single-use without a table of spent links, and a reset link dies with any later password change.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

from data.models import User

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn 0-4; 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters are what its patterns see anyway

# Words of this service that make a password guessable to anyone who knows where it is used (ASVS 6.1.2,
# 6.2.11; docs/security.md): given to zxcvbn as known inputs, with the user's email.
CONTEXT_WORDS = ("microbill", "마이크로빌", "소액결제", "휴대폰결제", "휴대폰", "sktelecom", "skt", "olleh", "uplus",
                 "lguplus", "danal", "다날", "mobilians", "모빌리언스")

RESET = "microbill.password-reset"
CONFIRM = "microbill.email-confirm"


class Problem(StrEnum):
    """Why a new password is refused: the message key (dashboard/text/messages/passwords.py)."""

    SHORT = "pw.too_short"
    LONG = "pw.too_long"
    GUESSABLE = "pw.guessable"
    LIKE_EMAIL = "pw.like_email"


def password_problem(password: str, email: str = "") -> Problem | None:
    """None when the password may be used; else why not."""
    if len(password) < MIN_LENGTH:
        return Problem.SHORT
    if len(password) > MAX_LENGTH:
        return Problem.LONG
    local = email.split("@", 1)[0].lower()
    if email and (email.lower() in password.lower() or (len(local) >= 4 and local in password.lower())):
        return Problem.LIKE_EMAIL
    inputs = [*CONTEXT_WORDS, *([email, local] if email else [])]
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)["score"] < MIN_SCORE:
        return Problem.GUESSABLE
    return None


# ---- signed single-use links ----------------------------------------------------------------


class LinkStatus(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # forged, mangled, another purpose, or already used
    EXPIRED = "expired"


@dataclass(frozen=True)
class LinkClaim:
    status: LinkStatus
    user_id: int | None = None
    fingerprint: str = ""


def reset_fingerprint(secret: str, user: User) -> str:
    return _keyed(secret, RESET, user.password_hash)


def confirm_fingerprint(secret: str, user: User) -> str:
    confirmed = user.email_confirmed_at.isoformat() if user.email_confirmed_at else "unconfirmed"
    return _keyed(secret, CONFIRM, f"{user.email}|{confirmed}")


def _keyed(secret: str, purpose: str, state: str) -> str:
    # Keyed, so the token (readable base64) says nothing about the hash it is bound to.
    return hmac.new(f"{secret}|{purpose}".encode(), state.encode(), hashlib.sha256).hexdigest()[:32]


def sign_link(secret: str, purpose: str, user_id: int, fingerprint: str) -> str:
    return URLSafeTimedSerializer(secret, salt=purpose).dumps([user_id, fingerprint])


def read_link(secret: str, purpose: str, token: str, max_age_seconds: float) -> LinkClaim:
    """What a link claims; the caller still compares the fingerprint with the user's state now."""
    try:
        user_id, fingerprint = URLSafeTimedSerializer(secret, salt=purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        return LinkClaim(LinkStatus.EXPIRED)
    except (BadSignature, ValueError, TypeError):
        return LinkClaim(LinkStatus.INVALID)
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return LinkClaim(LinkStatus.INVALID)
    return LinkClaim(LinkStatus.OK, user_id, fingerprint)


def matches(claim: LinkClaim, fingerprint_now: str) -> bool:
    return claim.status is LinkStatus.OK and hmac.compare_digest(claim.fingerprint, fingerprint_now)
