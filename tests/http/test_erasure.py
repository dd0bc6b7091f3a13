"""Deleting the account (and downloading everything first), on SQLite and PostgreSQL: every row of the user is
gone, the audit log is kept but anonymised, and another user's rows are untouched."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from callbacks.account_delete import INPUT_IDS
from data.erasure import OWNED, export_tables
from data.models import (
    Alert,
    AuditLog,
    Base,
    Bill,
    BlockLink,
    Budget,
    CategoryRule,
    ImportJob,
    ImportMapping,
    InboundMessage,
    IntakeToken,
    Line,
    LineInvitation,
    LineMember,
    MessageTemplate,
    Notification,
    Passkey,
    Payment,
    RecurringExclusion,
    Transaction,
    utcnow,
)
from tests.helpers import PASSWORD, csrf_header, dash_update, login, make_line, make_user
from tests.http.test_factors_login import enable_totp, submit_factor
from tests.http.test_passwords import api_status, api_token

TABLES = sorted(table.name for table in Base.metadata.sorted_tables)


def fill(store, uid: int, tag: str, *, passkey: bool = True) -> None:
    """One or more rows of the user in every table that can hold them; `tag` marks their text. A passkey is a
    second factor: the password alone then no longer logs in."""
    line = make_line(store, uid, nickname=f"{tag}-line")
    now = utcnow()
    with store.write() as db:
        paid = Transaction(line_id=line, merchant=f"{tag}-merchant", bucket="micropayment", amount=12_000,
                           status="approved", source="manual", external_id=f"{tag}-1")
        paid.set_time(now - timedelta(days=2))
        db.add(paid)
        db.flush()
        cancel = Transaction(line_id=line, merchant=f"{tag}-merchant", bucket="micropayment", amount=12_000,
                             status="cancelled", source="manual", external_id=f"{tag}-2", cancels_id=paid.id)
        cancel.set_time(now - timedelta(days=1))
        bill = Bill(line_id=line, usage_month="2026-10", due_date=date(2026, 11, 21), micropayment_amount=12_000)
        db.add_all([cancel, bill])
        db.flush()
        carried = Bill(line_id=line, usage_month="2026-11", due_date=date(2026, 12, 21), carried_from_id=bill.id)
        alert = Alert(user_id=uid, line_id=line, kind="large_charge", rule_key=f"{tag}-rule", message=f"{tag} alert")
        db.add_all([carried, alert])
        db.flush()
        db.add_all([
            Payment(bill_id=bill.id, user_id=uid, method="card", amount=12_000, status="succeeded",
                    idempotency_key=f"{tag}-key", request_hash="0" * 64, card_last4="4242"),
            Budget(line_id=line, amount=100_000, thresholds="50,80,100"),
            Notification(alert_id=alert.id, channel="email"),
            BlockLink(id=f"{tag}-link".ljust(20, "x"), line_id=line, alert_id=alert.id,
                      expires_at=now + timedelta(hours=1)),
            CategoryRule(user_id=uid, merchant_key=f"{tag}-merchant", category="game"),
            ImportMapping(user_id=uid, signature=hashlib.sha256(tag.encode()).hexdigest(), mapping="{}"),
            ImportJob(user_id=uid, line_id=line, status="done", filename=f"{tag}.csv", dry_run=False, lang="ko",
                      rows_stored=1, result_status=201, result='{"added": 1, "duplicates": 0}'),
            RecurringExclusion(line_id=line, merchant=f"{tag}-merchant"),
            IntakeToken(line_id=line, token_hash=hashlib.sha256(f"{tag}-intake".encode()).hexdigest()),
            InboundMessage(line_id=line, received_at=now, sender="1588-0000", text=f"{tag} message",
                           fingerprint=hashlib.sha256(tag.encode()).hexdigest(), channel="api", kind="payment",
                           outcome="stored", transaction_id=paid.id),
            MessageTemplate(user_id=uid, sender="15880000", pattern=r"(?P<amount>\d+) (?P<merchant>\w+)"),
            LineInvitation(id=f"{tag}-invitation", line_id=line, email=f"{tag}-friend@example.com", role="viewer",
                           invited_by=uid, expires_at=now + timedelta(days=7)),
        ])
        if passkey:
            db.add(Passkey(user_id=uid, credential_id=f"{tag}-credential", public_key=b"\x01\x02", sign_count=0,
                           transports="internal", name=f"{tag} phone"))
    api_token_for(store, uid)


def api_token_for(store, uid: int) -> str:
    from dashboard.services import accounts

    return accounts.create_token(store, uid, "automation", days=90)


def counts(store) -> dict[str, int]:
    with store.read() as db:
        return {table.name: db.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def log_in_with_factor(app, email: str, code: str):
    client = app.server.test_client()
    assert login(client, email).headers["Location"].endswith("/login/factor")
    assert submit_factor(client, code).status_code == 302
    return client


def rows_of(store, uid: int) -> dict[str, list[dict]]:
    with store.read() as db:
        return export_tables(db, uid)


def two_users(app, store):
    """Both with TOTP (and its recovery codes), a passkey and rows everywhere; both logged in (factor entered).
    Returns (owner id, other id, the owner's browser, the owner's unused recovery codes)."""
    owner = make_user(store, "owner@example.com")
    other = make_user(store, "other@example.com")
    _, codes = enable_totp(app, store, owner)
    _, their_codes = enable_totp(app, store, other)
    fill(store, owner, "mine")
    fill(store, other, "theirs")
    with store.write() as db:  # each watches the other's line: the memberships between them (line_members)
        lines = dict(db.execute(select(Line.user_id, Line.id)).all())
        db.add_all([LineMember(line_id=lines[owner], user_id=other, role="viewer"),
                    LineMember(line_id=lines[other], user_id=owner, role="guardian")])
    client = log_in_with_factor(app, "owner@example.com", codes[0])
    log_in_with_factor(app, "other@example.com", their_codes[0])  # a session of the other user, too
    return owner, other, client, codes[1:]


DELETE = ".." + "...".join([f"{i}.invalid" for i in INPUT_IDS] + [f"{i}-error.children" for i in INPUT_IDS]
                           + ["delete-result.children"] + [f"{i}.value" for i in INPUT_IDS]
                           + ["delete-redirect.href"]) + ".."


def delete(client, password: str, code: str = "", typed: str = "owner@example.com"):
    inputs = [{"id": "delete-submit", "property": "n_clicks", "value": 1}]
    state = [{"id": "delete-password", "property": "value", "value": password},
             {"id": "delete-code", "property": "value", "value": code},
             {"id": "delete-typed", "property": "value", "value": typed},
             {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    response = dash_update(client, DELETE, inputs, state, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def test_every_table_is_covered():
    """A new table with user rows must be added to data.erasure.OWNED (or this test says which)."""
    assert {owned.model.__tablename__ for owned in OWNED} | {"audit_log"} == set(TABLES)


def test_deleting_removes_every_row_of_the_user_and_none_of_anyone_else(app, store, clock):
    owner, other, client, codes = two_users(app, store)
    token = api_token_for(store, owner)
    before = counts(store)
    assert [name for name in TABLES if not before[name]] == []
    theirs_before = rows_of(store, other)
    with store.read() as db:
        own_audit = db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.user_id == owner))
        their_audit = db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.user_id == other))

    # The login's factor is no longer fresh 11 minutes later (and the clock stays there: going back would make
    # the signed session cookie written then "from the future").
    with time_machine.travel(clock + timedelta(minutes=11), tick=True):
        client.get("/_dash-layout")
        answer = delete(client, PASSWORD)
        assert answer["delete-code"]["invalid"] and "코드" in answer["delete-code-error"]["children"]
        assert counts(store) | {"audit_log": 0} == before | {"audit_log": 0}  # nothing deleted
        answer = delete(client, PASSWORD, code=codes[0])
        assert answer["delete-redirect"]["href"] == "/login"

        after = counts(store)
        theirs_after = rows_of(store, other)
        # Another user's rows, every column, untouched — but for the memberships between the two accounts,
        # which end with either: one was on the deleted user's line, the other the deleted user's own.
        assert theirs_after["line_members"] == []
        assert theirs_after | {"line_members": []} == theirs_before | {"line_members": []}
        theirs_before["line_members"] = []
        # Only the other user's rows are left, in every table (each had some of the owner's before).
        assert {name: after[name] for name in TABLES if name != "audit_log"} == {
            name: len(rows) for name, rows in theirs_before.items() if name != "audit_log"}
        assert all(before[name] > after[name] for name in TABLES if name != "audit_log")
        with store.read() as db:
            assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.user_id == owner)) == 0
            assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.user_id == other)) == their_audit
            details = " ".join(db.scalars(select(AuditLog.detail)))
            assert "owner@example.com" not in details and "mine" not in details
            assert db.scalar(select(AuditLog.id).where(AuditLog.action == "account.delete")) is not None
        assert after["audit_log"] >= before["audit_log"] and own_audit > 0  # kept, anonymised

        assert client.get("/_dash-layout").status_code == 401  # logged out
        assert "계정과 모든 데이터를 삭제했습니다" in client.get("/login").get_data(as_text=True)
        assert api_status(app, token) == 401
        assert login(app.server.test_client()).status_code == 401
        assert login(app.server.test_client(), "other@example.com").headers["Location"].endswith("/login/factor")


def test_a_wrong_password_or_confirmation_deletes_nothing(app, store):
    _owner, _other, client, _codes = two_users(app, store)
    before = counts(store)
    answer = delete(client, "not the password")
    assert answer["delete-password"]["invalid"] and "비밀번호" in answer["delete-password-error"]["children"]
    answer = delete(client, PASSWORD, typed="other@example.com")
    assert answer["delete-typed"]["invalid"] and answer["delete-typed-error"]["children"] == "계정 이메일과 다릅니다."
    assert not answer["delete-password"]["invalid"]
    after = counts(store)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items()
                                                                   if k != "audit_log"}
    assert client.get("/_dash-layout").status_code == 200


def test_the_export_holds_every_table_with_only_the_users_rows_and_no_secrets(app, store):
    owner, _other, client, _codes = two_users(app, store)
    response = client.get("/account/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {f"{name}.csv" for name in TABLES} | {"microbill-export.json"} == names
    tables = json.loads(archive.read("microbill-export.json"))
    assert set(tables) == set(TABLES)
    for name in ("lines", "transactions", "bills", "payments", "budgets", "alerts", "audit_log"):
        assert tables[name], name
    everything = json.dumps(tables, ensure_ascii=False) + "".join(
        archive.read(n).decode("utf-8-sig") for n in names if n.endswith(".csv"))
    assert "mine-merchant" in everything and "theirs" not in everything and "other@example.com" not in everything
    assert {row["user_id"] for row in tables["audit_log"]} == {owner}
    for secret in ("password_hash", "token_hash", "code_hash", "totp_secret", "public_key"):
        assert secret not in everything
    csv_text = archive.read("transactions.csv").decode("utf-8-sig")
    assert csv_text.count("mine-merchant") == 2


def test_the_export_is_only_for_a_logged_in_session(app, store):
    uid = make_user(store)
    token = api_token(app, store, uid)
    anonymous = app.server.test_client()
    assert anonymous.get("/account/export.zip").status_code == 302  # to the login page
    bearer = anonymous.get("/account/export.zip", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 404
