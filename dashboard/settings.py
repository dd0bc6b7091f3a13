"""Settings from `MICROBILL_*` environment variables (12-factor), with embedded defaults.

Domain defaults (limits, fees, due day) come from shared/DOMAIN.md and are settings, never literals in code.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PREFIX = "MICROBILL_"


@dataclass(frozen=True)
class Settings:
    instance_path: str = ""
    database_url: str = ""  # empty → SQLite file in the instance folder
    secret_key: str = ""
    env: str = "development"  # "production" refuses to start without a secret key
    ratelimit_storage_uri: str = "memory://"  # redis://… when several workers share limits
    # Operations (issue #13; docs/operations.md): /metrics for Prometheus, and how logs are written.
    metrics: bool = False  # serve /metrics
    metrics_token: str = ""  # when set, /metrics answers only `Authorization: Bearer <token>` (else a 404)
    log_format: str = "text"  # json: one JSON object per line, with the request id
    login_rate_per_ip: str = "20 per minute"
    login_rate_per_account_ip: str = "5 per minute"
    session_cookie_secure: bool = False
    unavailable_retry_after: int = 5  # seconds, in the Retry-After of a 503 (database or its disk away)
    # Domain (shared/DOMAIN.md)
    legal_max: int = 1_000_000
    limit_step: int = 10_000
    arrears_cap: int = 300_000
    minor_cap: int = 100_000
    due_day: int = 21
    late_fee_rate: float = 0.02
    demo_seed: int = 2025
    # Alerts and their delivery (issue #6). Mail is off while smtp_host is empty, the webhook while webhook_url is.
    base_url: str = "http://127.0.0.1:8050"  # absolute links in mail (block-now link)
    public_url: str | None = None  # the intake URL shown on /ingest; None → the request's own host
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_tls: str = "none"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "Microbill <alerts@microbill.local>"
    smtp_timeout: float = 10.0
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_attempts: int = 3  # tries per delivery, with backoff
    webhook_backoff: float = 0.5  # seconds, doubled each retry
    notify_max_attempts: int = 6  # outbox tries before a notification is marked failed
    budget_thresholds: str = "50,80,100"  # default percents of a new budget
    forecast_alert_probability: float = 0.5  # P(month total ≥ budget) that raises the forecast alert
    forecast_cache_minutes: int = 60  # how long a line's "still to come" forecast is reused
    forecast_from_day: int = 3  # KST day of month from which the forecast may alert (day 1 is all noise)
    fraud_night_start_hour: int = 0  # KST, inclusive
    fraud_night_end_hour: int = 6  # KST, exclusive
    fraud_night_count: int = 3
    fraud_night_window_minutes: int = 60
    fraud_voucher_categories: str = "gift_voucher,game,transport"  # 상품권, 게임머니, 교통카드
    fraud_voucher_count: int = 3
    fraud_voucher_window_minutes: int = 30
    fraud_small_count: int = 5
    fraud_small_max_amount: int = 10_000
    fraud_small_window_minutes: int = 10
    fraud_auth_code_count: int = 3  # authentication-code messages within the window below: a fraud signal
    fraud_auth_code_window_minutes: int = 10
    block_link_ttl_hours: int = 24
    alert_news_hours: int = 24  # a charge of an earlier month still gets large-charge/new-merchant alerts this long
    import_max_bytes: int = 20_000_000  # largest history file accepted for import (issue #3)
    import_inline_bytes: int = 1_000_000  # API imports up to this size answer at once; bigger ones are a job (202)
    import_job_seconds: int = 600  # an import job (page preview/commit, API job) is stopped past this (issue #13)
    # Background jobs (issue #13; docs/operations.md): set → Celery on this Redis (`microbill worker`) runs the
    # page's import jobs, the API's import jobs and the notification outbox, and uploads are staged in it.
    redis_url: str = ""
    ingest_max_bytes: int = 16_384  # largest forwarded text message body (docs/ingest.md)
    ingest_rate: str = "30 per minute"  # per intake token (Flask-Limiter syntax)
    # Accounts a thief cannot keep (issue #12; docs/security.md).
    # -- sessions, tokens, proxies
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    session_remember_days: int = 30  # "keep me signed in"
    api_token_days: int = 90  # default expiry of a new API token
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is trusted (werkzeug ProxyFix)
    # Failed logins per account from clients without its device cookie, across all addresses (OWASP device
    # cookies: dashboard/web/login_throttle.py); a device cookie is trusted this long after its login.
    login_rate_per_account: str = "10 per 15 minutes"
    device_cookie_days: int = 180
    # -- passwords, registration
    password_reset_minutes: int = 30
    require_email_confirmation: str = "auto"  # auto: on when smtp_host is set; true; false
    email_confirmation_hours: int = 24  # lifetime of the sign-up confirmation link
    account_mail_rate: str = "3 per hour"  # reset / confirmation mails per address (Flask-Limiter syntax)
    # -- second factors
    second_factor_fresh_minutes: int = 10  # unblock / raising a limit need a factor entered this recently
    webauthn_rp_id: str = ""  # passkeys are bound to it; empty: the host the page came from (never an IP)
    webauthn_origin: str = ""  # e.g. https://bill.example.com; empty: the request's scheme and host
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _coerce(raw: str, current: Any) -> Any:
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    return raw


def load_settings(overrides: dict[str, Any] | None = None, instance_path: str | None = None) -> Settings:
    """Defaults ← environment ← explicit overrides (tests pass a dict)."""
    base = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        raw = os.environ.get(PREFIX + f.name.upper())
        if raw is not None:
            values[f.name] = _coerce(raw, getattr(base, f.name))
    known = {f.name for f in fields(Settings)}
    for key, value in (overrides or {}).items():
        name = key.lower().removeprefix(PREFIX.lower())
        if name in known:
            values[name] = value
        else:
            values.setdefault("extra", {})[key] = value
    settings = replace(base, **values)
    inst = Path(settings.instance_path or instance_path or Path.cwd() / "instance")
    inst.mkdir(parents=True, exist_ok=True)
    settings = replace(settings, instance_path=str(inst))
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{inst / 'microbill.sqlite3'}")
    if not settings.secret_key:
        settings = replace(settings, secret_key=_dev_secret(settings, inst))
    return settings


def _dev_secret(settings: Settings, inst: Path) -> str:
    if settings.env == "production":
        raise RuntimeError("MICROBILL_SECRET_KEY must be set in production")
    # Generated once into the instance folder so sessions survive restarts of the dev server.
    path = inst / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
