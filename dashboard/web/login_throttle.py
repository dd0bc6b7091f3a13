"""Slowing down password guessing on one account from many addresses without locking its owner out.

The design is OWASP's "Slow Down Online Guessing Attacks with Device Cookies":
- a successful login gives the browser a signed device cookie for that account (one cookie, a few accounts);
- a failed login counts against the device cookie it came with (that cookie's own budget,
  login_rate_per_account_ip) or, without a valid one, against the account's budget for *untrusted* clients
  (login_rate_per_account), whatever address it comes from;
- once the account's untrusted budget is spent, untrusted clients are refused (429 with Retry-After) before
  their password is checked — except when they give the right password AND a second factor in the same
  request (`Gate.lets_in`); a client with a valid device cookie for the account (the owner's own browser)
  still gets in with the right password, until its own cookie's budget is spent.
So a stranger guessing from a thousand addresses locks out only strangers; the owner keeps signing in.
The per-IP and per-(account, IP) limits of dashboard.web.auth stay in front of this. Counts live in the app's
Flask-Limiter storage (memory:// or redis://) so several workers share them.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Response, after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse

from dashboard.context import settings, store
from dashboard.services import accounts

DEVICE_COOKIE = "mb_device"
SECURE_DEVICE_COOKIE = "__Host-mb_device"  # with secure cookies, like the session's (dashboard.web.security)
DEVICES_KEPT = 5  # accounts remembered per browser (a family computer)
_SALT = "microbill-device-cookie"
_UNTRUSTED, _DEVICE = "login-untrusted", "login-device"


@dataclass(frozen=True)
class Gate:
    """What the login form may do for this email from this client."""

    account_key: str  # the account's counter (a hash of the normalised email: unknown emails count too)
    device_nonce: str | None  # the client's valid device cookie for this account, its budget not spent
    locked: bool  # untrusted and the account's untrusted budget is spent
    retry_after: int  # seconds until an attempt comes off the budget (when locked)

    @property
    def trusted(self) -> bool:
        return self.device_nonce is not None

    def lets_in(self, *, password_ok: bool, second_factor_ok: bool = False) -> bool:
        """The rule: a right password gets in unless locked; when locked only with a second factor too."""
        return password_ok and (not self.locked or second_factor_ok)


def _limiter():
    return current_app.extensions["microbill_limiter"].limiter


def _budget(rate: str) -> RateLimitItem:
    return parse(rate)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def cookie_name() -> str:
    return SECURE_DEVICE_COOKIE if current_app.config["SESSION_COOKIE_SECURE"] else DEVICE_COOKIE


def _max_age() -> timedelta:
    return timedelta(days=settings().device_cookie_days)


def _devices() -> dict[str, list]:
    """The browser's device cookie: {user id: [nonce, issued at]}; empty when missing or tampered with."""
    raw = request.cookies.get(cookie_name())
    if not raw:
        return {}
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def _valid_nonce(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    entry = _devices().get(str(user_id))
    if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
            and isinstance(entry[1], int | float)):
        return None
    if time.time() - entry[1] > _max_age().total_seconds():
        return None
    return entry[0]


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _retry_after(item: RateLimitItem, *keys: str) -> int:
    reset = _limiter().get_window_stats(item, *keys).reset_time
    return max(1, math.ceil(reset - time.time()))


def gate_for(email: str) -> Gate:
    """Look at this client and this account's counters before the password is checked."""
    configured, limiter = settings(), _limiter()
    key = _account_key(email)
    nonce = _valid_nonce(accounts.user_id_by_email(store(), email))
    if nonce is not None and limiter.test(_budget(configured.login_rate_per_account_ip), _DEVICE, nonce):
        return Gate(key, nonce, locked=False, retry_after=0)
    untrusted = _budget(configured.login_rate_per_account)
    if limiter.test(untrusted, _UNTRUSTED, key):
        return Gate(key, None, locked=False, retry_after=0)
    return Gate(key, None, locked=True, retry_after=_retry_after(untrusted, _UNTRUSTED, key))


def record_failure(gate: Gate) -> None:
    """A wrong password (or a refused locked attempt): against the device cookie, else the untrusted budget."""
    configured = settings()
    if gate.trusted:
        _limiter().hit(_budget(configured.login_rate_per_account_ip), _DEVICE, gate.device_nonce)
    else:
        _limiter().hit(_budget(configured.login_rate_per_account), _UNTRUSTED, gate.account_key)


def trust_this_device(user_id: int) -> None:
    """After a full login: this response gives the browser a fresh device cookie for `user_id`."""
    devices = {uid: entry for uid, entry in _devices().items() if uid != str(user_id)}
    devices[str(user_id)] = [secrets.token_urlsafe(16), int(time.time())]
    kept = dict(list(devices.items())[-DEVICES_KEPT:])
    value = _serializer().dumps(kept)

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(cookie_name(), value, max_age=int(_max_age().total_seconds()), path="/",
                            httponly=True, samesite="Lax", secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))
        return response


def second_factor_given(user_id: int, code: str | None) -> bool:
    """A locked-out client's way in: a real second factor (TOTP or recovery code) entered with the right
    password. Never true for an account without a factor (factors.second_factor_ok says yes to those)."""
    from dashboard.services import factors  # here: factors → reauth → session_rotation → auth → this module

    return bool((code or "").strip()) and factors.has_second_factor(store(), user_id) \
        and factors.second_factor_ok(store(), user_id, "", code)
