"""Alert rules for forwarded text messages: pure, like rules.py (plain values in, a Finding out).

- An authentication-code message (인증번호) at night, or several within minutes, is itself a fraud signal:
  someone is trying to pay with this phone number (the femtocell and smishing frauds in docs/alerts.md).
- A smishing text ("결제완료, 취소문의 070-…") creates no charge but warns the user not to call back.
- A payment message on a line blocked in Microbill: the carrier still took it, so the block must be
  mirrored at the carrier (the block page says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.alerts.rules import Charge, Finding, FraudParams, charge_detail, charge_values, kst_text
from data.vocab import to_kst


@dataclass(frozen=True)
class AuthCodeParams:
    count: int = 3  # codes within `window` that make a burst
    window: timedelta = timedelta(minutes=10)

    @classmethod
    def from_settings(cls, s) -> AuthCodeParams:
        return cls(count=s.fraud_auth_code_count, window=timedelta(minutes=s.fraud_auth_code_window_minutes))


def _is_night(moment: datetime, fraud: FraudParams) -> bool:
    hour = to_kst(moment).hour
    if fraud.night_start <= fraud.night_end:
        return fraud.night_start <= hour < fraud.night_end
    return hour >= fraud.night_start or hour < fraud.night_end


def auth_code_signal(line: str, at: datetime, earlier: Sequence[datetime], fraud: FraudParams,
                     params: AuthCodeParams) -> Finding | None:
    """`at`: this code message's time; `earlier`: the line's other code messages within `params.window`.
    One alert per KST hour (a retried attack is one story), with a block-now link."""
    recent = [moment for moment in earlier if at - params.window <= moment <= at]
    burst = len(recent) + 1 >= params.count
    night = _is_night(at, fraud)
    if not (burst or night):
        return None
    hour = to_kst(at).strftime("%Y-%m-%dT%H")
    key = "alerts.msg.auth_code_burst" if burst else "alerts.msg.auth_code_night"
    return Finding("auth_code_burst", f"authcode:{hour}", key,
                   {"line": line, "count": len(recent) + 1, "time": kst_text(at)},
                   {"occurred_at": at.isoformat(), "count": len(recent) + 1, "night": night},
                   block_link=True)


def smishing_warning(line: str, at: datetime, sender: str) -> Finding:
    """One warning per KST day: the same campaign sends the same text again."""
    day = to_kst(at).strftime("%Y-%m-%d")
    return Finding("smishing", f"smishing:{day}", "alerts.msg.smishing",
                   {"line": line, "time": kst_text(at), "sender": sender or "?"},
                   {"occurred_at": at.isoformat(), "sender": sender})


def blocked_charge(line: str, charge: Charge) -> Finding:
    """A charge the carrier approved on a line blocked here. One per charge: each is money to dispute."""
    return Finding("blocked_charge", f"blocked_charge:{charge.id}", "alerts.msg.blocked_charge",
                   charge_values(line, charge), charge_detail(charge))
