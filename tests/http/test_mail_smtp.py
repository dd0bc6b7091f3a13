"""Alert delivery against real local servers: aiosmtpd for mail, http.server for the webhook. No mocks."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from sqlalchemy import select

from dashboard.alerts.delivery import mailer, webhook
from dashboard.alerts.delivery.outbox import deliver_pending
from data.models import Alert, Notification, Transaction
from data.vocab import KST
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} mails, got {len(self.messages)}"
        return self.messages


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def notification_status(store) -> str | None:
    with store.read() as db:
        return db.scalar(select(Notification.status))


def body_text(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def start_smtp(port: int | None = None, *, password: str | None = None) -> tuple[Controller, Mailbox]:
    box = Mailbox(port or free_port())
    kwargs = {}
    if password is not None:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.password == password.encode()
            if ok:
                box.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)
        kwargs = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **kwargs)
    controller.start()
    return controller, box


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    controller, box = start_smtp()
    yield box
    controller.stop()


def mail_config(database_url: str, tmp_path, port: int, **extra) -> dict:
    return {"database_url": database_url, "instance_path": str(tmp_path / "instance"), "secret_key": "mail-secret",
            "env": "testing", "smtp_host": "127.0.0.1", "smtp_port": port, "base_url": "http://microbill.test",
            **extra}


@pytest.fixture
def mail_app(database_url, tmp_path, smtp):
    from dashboard.app import create_app

    app = create_app(mail_config(database_url, tmp_path, smtp.port))
    yield app
    app.server.extensions["microbill_store"].dispose()


def last_dawn(hour: int = 3) -> datetime:
    """The latest `hour`:00 KST that is already past (the API refuses future payments)."""
    now = datetime.now(KST)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at < now - timedelta(minutes=30) else at - timedelta(days=1)


def authorize(client, line: int, headers: dict, external_id: str, amount: int, at: datetime | None = None,
              merchant: str = "컬쳐랜드", category: str = "gift_voucher") -> dict:
    body = {"merchant": merchant, "amount": amount, "bucket": "micropayment", "external_id": external_id,
            "category": category, "pg": "다날"}
    if at is not None:
        body["occurred_at"] = at.isoformat()
    response = client.post(f"/api/v1/lines/{line}/authorizations", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def owner(store, email: str = "victim@example.com") -> tuple[int, dict]:
    uid = make_user(store, email)
    line = make_line(store, uid, nickname="내 폰", limits={"micropayment": 500_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    return line, bearer(store, uid)


@pytest.mark.month_edges
def test_dawn_voucher_burst_mails_korean_alert_with_block_link(mail_app, smtp):
    store = mail_app.server.extensions["microbill_store"]
    client = mail_app.server.test_client()
    line, headers = owner(store)
    dawn = last_dawn()
    for i in range(3):
        assert authorize(client, line, headers, f"v{i}", 50_000, dawn + timedelta(minutes=2 * i))["approved"]
    msg = smtp.wait(1)[0]
    assert str(msg["Subject"]) == "[마이크로빌] 부정결제 의심 · 내 폰"
    assert smtp.recipients[0] == ["victim@example.com"]
    text = body_text(msg)
    assert "부정결제가 의심됩니다" in text and "새벽 시간 연속 결제" in text and "상품권·게임머니·교통카드" in text
    assert "가맹점: 컬쳐랜드" in text and "금액: 50,000원" in text
    assert f"결제 시각: {(dawn + timedelta(minutes=4)):%Y-%m-%d %H:%M} (한국 시간)" in text
    assert "연속 결제: 3건, 합계 150,000원" in text
    assert "지금 차단하기: http://microbill.test/b/" in text and "080-000-1618" in text  # KT loss/theft line
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "지금 차단하기" in html and "http://microbill.test/b/" in html
    token = text.split("http://microbill.test/b/", 1)[1].split()[0]
    assert client.get(f"/b/{token}").status_code == 200
    wait_for(lambda: notification_status(store) == "sent")


def test_budget_level_mail_has_no_block_link(mail_app, smtp):
    store = mail_app.server.extensions["microbill_store"]
    client = mail_app.server.test_client()
    line, headers = owner(store)
    assert client.put(f"/api/v1/lines/{line}/budget", json={"amount": 100_000}, headers=headers).status_code == 200
    paid = authorize(client, line, headers, "b1", 85_000, merchant="쿠팡", category="shopping")
    msg = smtp.wait(1)[0]
    assert str(msg["Subject"]) == "[마이크로빌] 예산 도달 · 내 폰"
    text = body_text(msg)
    assert "예산의 80%에 도달했습니다 (85,000원 / 예산 100,000원)" in text
    # The charge that crossed the level: merchant, amount and its time in KST.
    assert "가맹점: 쿠팡" in text and "금액: 85,000원" in text
    with store.read() as db:
        paid_at = db.get(Transaction, paid["transaction_id"]).occurred_at
    assert f"결제 시각: {paid_at.astimezone(KST):%Y-%m-%d %H:%M} (한국 시간)" in text  # KST, not UTC
    assert "/b/" not in text and "http://microbill.test/alerts" in text


def test_smtp_down_then_retried_by_the_outbox_and_the_cli(database_url, tmp_path, store_for_url):
    from dashboard.app import create_app
    from dashboard.cli import main

    port = free_port()  # nothing listens yet
    app = create_app(mail_config(database_url, tmp_path, port, smtp_timeout=2.0))
    settings = app.server.config["MICROBILL"]
    store = app.server.extensions["microbill_store"]
    client = app.server.test_client()
    line, headers = owner(store)
    client.put(f"/api/v1/lines/{line}/budget", json={"amount": 100_000, "large_charge": 30_000}, headers=headers)
    authorize(client, line, headers, "big", 40_000, merchant="쿠팡", category="shopping")
    report = deliver_pending(store, settings)  # the request's own attempt may have claimed it first

    def failed_once() -> bool:
        with store.read() as db:
            return bool(db.scalar(select(Notification.last_error)))

    wait_for(failed_once)
    with store.read() as db:
        row = db.scalar(select(Notification))
        assert row.status == "pending" and row.attempts >= 1 and "Connection" in (row.last_error or "")
        assert row.next_attempt_at > datetime.now(UTC)
    assert report.sent == []

    controller, box = start_smtp(port)
    try:
        env = {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path / "cli"),
               "MICROBILL_SECRET_KEY": "mail-secret", "MICROBILL_SMTP_HOST": "127.0.0.1",
               "MICROBILL_SMTP_PORT": str(port)}
        result = CliRunner().invoke(main, ["deliver-notifications"], env=env)
        assert result.exit_code == 0 and json.loads(result.output) == {"sent": 0, "retrying": 0, "failed": 0}
        later = deliver_pending(store, settings, now=datetime.now(UTC) + timedelta(hours=1))
        assert len(later.sent) == 1
        assert "고액 결제" in str(box.wait(1)[0]["Subject"])
        with store.read() as db:
            row = db.scalar(select(Notification))
            assert row.status == "sent" and row.sent_at and row.last_error is None
    finally:
        controller.stop()
        app.server.extensions["microbill_store"].dispose()


def test_failed_for_good_after_max_attempts(database_url, tmp_path):
    from dashboard.app import create_app

    app = create_app(mail_config(database_url, tmp_path, free_port(), notify_max_attempts=2, smtp_timeout=1.0))
    settings, store = app.server.config["MICROBILL"], app.server.extensions["microbill_store"]
    line, headers = owner(store)
    client = app.server.test_client()
    client.put(f"/api/v1/lines/{line}/budget", json={"amount": 10_000}, headers=headers)
    authorize(client, line, headers, "x", 9_000, merchant="쿠팡", category="shopping")
    for hours in (1, 2, 3):
        deliver_pending(store, settings, now=datetime.now(UTC) + timedelta(hours=hours))
    with store.read() as db:
        row = db.scalar(select(Notification))
        assert row.status == "failed" and row.attempts == 2
    app.server.extensions["microbill_store"].dispose()


def test_smtp_login_when_a_user_is_configured(database_url, tmp_path, store_for_url):
    from dashboard.app import create_app

    controller, box = start_smtp(password="s3cret")
    try:
        app = create_app(mail_config(database_url, tmp_path, box.port, smtp_user="mailer", smtp_password="s3cret"))
        store = app.server.extensions["microbill_store"]
        line, headers = owner(store)
        client = app.server.test_client()
        client.put(f"/api/v1/lines/{line}/budget", json={"amount": 10_000}, headers=headers)
        authorize(client, line, headers, "x", 9_000, merchant="쿠팡", category="shopping")
        box.wait(1)
        assert box.logins == ["mailer"]
        app.server.extensions["microbill_store"].dispose()
    finally:
        controller.stop()


# ---- TLS ---------------------------------------------------------------------------------------

@pytest.fixture
def tls_context(tmp_path, monkeypatch) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1, which this process trusts through
    SSL_CERT_FILE (read by OpenSSL when the mailer builds its default context): verification stays on."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    # OpenSSL checks validity against the machine's time, not the suite's fixed clock: a wide window.
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2000, 1, 1, tzinfo=UTC)).not_valid_after(datetime(2100, 1, 1, tzinfo=UTC))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_mail_over_tls_from_the_configured_sender(database_url, tmp_path, tls_context, monkeypatch, mode):
    from dashboard.app import create_app

    box = Mailbox(free_port())
    # STARTTLS required: the server refuses the mail unless the client upgrades first.
    tls = {"tls_context": tls_context, "require_starttls": True} if mode == "starttls" else {
        "ssl_context": tls_context}
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **tls)
    controller.start()
    sender = "마이크로빌 알림 <alerts@microbill.test>"
    app = create_app(mail_config(database_url, tmp_path, box.port, smtp_tls=mode, smtp_sender=sender))
    try:
        store = app.server.extensions["microbill_store"]
        line, headers = owner(store)
        client = app.server.test_client()
        client.put(f"/api/v1/lines/{line}/budget", json={"amount": 10_000}, headers=headers)
        authorize(client, line, headers, "x", 9_000, merchant="쿠팡", category="shopping")
        msg = box.wait(1)[0]
        assert str(msg["From"]) == sender and str(msg["Subject"]) == "[마이크로빌] 예산 도달 · 내 폰"
        wait_for(lambda: notification_status(store) == "sent")

        monkeypatch.delenv("SSL_CERT_FILE")  # a certificate nobody vouches for: refused, not sent
        with pytest.raises(ssl.SSLCertVerificationError):
            mailer.send(mailer.build_message(sender, "x@example.com", "제목", "본문"), app.server.config["MICROBILL"])
        assert len(box.messages) == 1
    finally:
        controller.stop()
        app.server.extensions["microbill_store"].dispose()


# ---- webhook -----------------------------------------------------------------------------------

@dataclass
class Hooks:
    url: str
    received: list[tuple[dict, bytes]] = field(default_factory=list)
    fail_first: int = 0


@pytest.fixture
def hook_server() -> Iterator[Hooks]:
    hooks = Hooks("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hooks.received.append((dict(self.headers), body))
            status = 503 if len(hooks.received) <= hooks.fail_first else 204
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hooks
    server.shutdown()


def test_webhook_is_signed_and_retried_with_backoff(hook_server):
    hook_server.fail_first = 2
    waits: list[float] = []
    status = webhook.post_json(hook_server.url, {"hello": "세계"}, "shh", attempts=3, backoff=0.5, sleep=waits.append)
    assert status == 204 and waits == [0.5, 1.0] and len(hook_server.received) == 3
    headers, body = hook_server.received[-1]
    assert headers["X-Microbill-Signature"] == webhook.signature("shh", body)
    assert webhook.verify("shh", body, headers["X-Microbill-Signature"])
    assert not webhook.verify("other", body, headers["X-Microbill-Signature"])
    assert json.loads(body) == {"hello": "세계"}
    hook_server.fail_first = 99
    with pytest.raises(webhook.WebhookError, match="HTTP 503"):
        webhook.post_json(hook_server.url, {}, "shh", attempts=2, backoff=0, sleep=lambda _: None)


def test_alert_webhook_through_the_outbox(database_url, tmp_path, hook_server):
    from dashboard.app import create_app

    app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "i"), "secret_key": "k",
                      "env": "testing", "webhook_url": hook_server.url, "webhook_secret": "hook-secret",
                      "webhook_backoff": 0.01})
    store = app.server.extensions["microbill_store"]
    line, headers = owner(store)
    client = app.server.test_client()
    client.put(f"/api/v1/lines/{line}/budget", json={"amount": 10_000}, headers=headers)
    authorize(client, line, headers, "x", 9_000, merchant="쿠팡", category="shopping")
    deadline = time.monotonic() + 10
    while not hook_server.received and time.monotonic() < deadline:
        time.sleep(0.05)
    headers_in, body = hook_server.received[0]
    assert webhook.verify("hook-secret", body, headers_in["X-Microbill-Signature"])
    payload = json.loads(body)
    assert payload["event"] == "alert.created" and payload["alert"]["kind"] == "budget_threshold"
    assert payload["line"]["number_masked"] == "010-****-5678" and "block_link_id" not in payload["alert"]["detail"]
    assert headers_in["X-Microbill-Delivery"] == str(payload["delivery_id"])
    with store.read() as db:
        assert db.scalar(select(Alert.kind)) == "budget_threshold"
    app.server.extensions["microbill_store"].dispose()
