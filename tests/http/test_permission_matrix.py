"""The permission matrix of family lines (issue #14): every /api/v1 operation and every state-changing Dash
callback, asked by the line's owner, a guardian, a viewer and a stranger, against one shared minor's line.

The expected verdict is never written per role: each operation names the Permission it needs (one table per
surface), and data.access.ROLE_PERMISSIONS — the role table — says who holds it. A role holding it gets the
operation's normal answer; a member without it gets 403 {"error","message"} (the API) or the translated
"members.not_allowed.<role>" (the pages) and the store stays as it was; a stranger gets a 404 / nothing of the
line. The operations themselves come from the app (its OpenAPI document, its callback map), so a new one
without an entry here fails the run instead of going unchecked.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.settings import Settings
from dashboard.text.i18n import t
from data import accounts
from data.access import ROLE_PERMISSIONS, Permission
from data.alerts_store import create_alert
from data.billing import refresh_bills
from data.budgets import save_budget
from data.models import Base, Bill, Line, LineLimit, LineMember, Payment, Transaction, utcnow
from data.tokens import create_token
from data.vocab import month_start, months_back, usage_month
from tests.e2e.fixtures.import_files import history_csv, history_rows

ROLES = ("owner", "guardian", "viewer", "stranger")
# Distinct passwords: a member must pass with their own, never with the owner's.
PASSWORDS = {role: f"{role}-correct horse battery 2026" for role in ROLES}
NICKNAME = "아이 폰"  # the shared line's name: a stranger's answer must not contain it
NUMBER = "010-****-4321"
LIMITS = {"micropayment": 50_000, "content": 30_000}  # a minor's line: under the 100,000-won cap
GOOD_CARD = "4111111111111111"
OLD_AMOUNT, NOW_AMOUNT = 10_000, 3_000
APPROVAL = "[Web발신]\n[다날] 1,200원 결제완료\n넥슨코리아\n11/18 13:23"


# ---- the shared line ------------------------------------------------------------------------------

@dataclass
class Family:
    """A minor's line of `owner`, shared with a guardian and a viewer; `stranger` has no role on it. It was
    registered three months ago and never paid: last month's bill is overdue (a closed bill to pay)."""

    users: dict[str, int]
    line: int
    bill: int  # the newest closed bill (overdue, carrying the older one)
    payment_tx: int  # an approved payment of this month (cancel, categorise)
    alerts: dict[str, int] = field(default_factory=dict)  # recipient role → their copy of one alert
    deposit: int = 0  # a virtual-account payment of the owner waiting for its deposit
    inbox: int = 0  # a forwarded text waiting in the inbox
    import_job: int = 0  # the owner's finished background import

    def user(self, role: str) -> int:
        return self.users[role]


@functools.cache
def password_hash(role: str) -> str:
    """Hashed once per run: four Argon2 hashes per test would dominate the matrix's time."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORDS[role])


def make_family(store, settings: Settings) -> Family:
    from tests.helpers import make_line

    with store.write() as db:
        users = {role: accounts.create_user(db, f"{role}@example.com", PASSWORDS[role],
                                            password_hash=password_hash(role)).id for role in ROLES}
    line = make_line(store, users["owner"], is_minor=True, limits=LIMITS, nickname=NICKNAME, number=NUMBER)
    old, _last, _this = months_back(usage_month(utcnow()), 3)
    with store.write() as db:
        db.get(Line, line).created_at = month_start(old)
        db.execute(LineLimit.__table__.update().where(LineLimit.line_id == line)
                   .values(effective_from=month_start(old)))  # the limits were in force from the start
        db.add_all([LineMember(line_id=line, user_id=users["guardian"], role="guardian"),
                    LineMember(line_id=line, user_id=users["viewer"], role="viewer")])
        db.add(_payment(line, "old-1", OLD_AMOUNT, month_start(old) + timedelta(days=2)))
        recent = _payment(line, "now-1", NOW_AMOUNT, utcnow() - timedelta(minutes=5))
        db.add(recent)
        db.flush()
        payment_tx = recent.id
    bills = refresh_bills(store, line, utcnow(), settings)
    newest = max(bills, key=lambda bill: bill.usage_month)
    return Family(users, line, newest.id, payment_tx)


def _payment(line: int, external_id: str, amount: int, when) -> Transaction:
    row = Transaction(line_id=line, merchant="넥슨", bucket="micropayment", amount=amount, status="approved",
                      source="manual", external_id=external_id)
    row.set_time(when)
    return row


def seed_budget(world: World) -> None:
    store, family = world.store, world.family
    with store.write() as db:
        save_budget(db, db.get(Line, family.line), amount=40_000, thresholds=[50, 80, 100], large_charge=None,
                    notify_new_merchant=False, user_id=family.user("owner"))


def seed_alerts(world: World) -> None:
    """One alert, a copy for each recipient (those whose role receives alerts)."""
    store, family = world.store, world.family
    with store.write() as db:
        for role in ("owner", "guardian", "viewer"):
            if Permission.RECEIVE_ALERTS in ROLE_PERMISSIONS[role]:
                alert = create_alert(db, user_id=family.user(role), line_id=family.line, kind="budget",
                                     rule_key="matrix:budget:80", message="예산의 80%를 썼습니다.")
                family.alerts[role] = alert.id


def block_directly(world: World) -> None:
    store, family = world.store, world.family
    with store.write() as db:
        line = db.get(Line, family.line)
        line.status, line.blocked_at = "blocked", utcnow()


def fingerprint(world: World) -> dict[str, list]:
    """Every stored row about the line (audit rows aside: a refusal may be audited), to prove a refusal
    changed nothing. Tables are found by their `line_id` column, so a new table is included on its own."""
    store, family = world.store, world.family
    with store.read() as db:
        tables = {"lines": [tuple(r) for r in db.execute(select(Base.metadata.tables["lines"])
                                                        .where(Base.metadata.tables["lines"].c.id == family.line))]}
        for table in Base.metadata.sorted_tables:
            if "line_id" in table.c and table.name != "audit_log":
                rows = db.execute(select(table).where(table.c.line_id == family.line)).all()
                tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
        bills = select(Bill.id).where(Bill.line_id == family.line)
        tables["payments"] = sorted((tuple(r) for r in db.execute(
            select(Base.metadata.tables["payments"]).where(Payment.bill_id.in_(bills)))), key=repr)
        rules = Base.metadata.tables["category_rules"]
        tables["category_rules"] = sorted((tuple(r) for r in db.execute(
            select(rules).where(rules.c.user_id == family.user("owner")))), key=repr)
        return tables


@dataclass
class World:
    app: Any
    store: Any
    client: Any
    family: Family


@pytest.fixture
def world(app, store, client) -> World:
    return World(app, store, client, make_family(store, app.server.config["MICROBILL"]))


def seed_exclusion(world: World) -> None:
    from data.forecast_input import exclude_recurring

    with world.store.write() as db:
        exclude_recurring(db, world.family.line, "넥슨", world.family.user("owner"))


def seed_deposit(world: World) -> None:
    """The owner chose a virtual account for the overdue bill: a deposit is waiting to be confirmed."""
    owner = _bearer(world.store, world.family.user("owner"))
    issued = world.client.post(f"/api/v1/bills/{world.family.bill}/payments", headers={
        **owner, "Idempotency-Key": "matrix-deposit"}, json={"method": "virtual_account",
                                                            "password": PASSWORDS["owner"]})
    assert issued.status_code == 201, issued.get_data(as_text=True)
    world.family.deposit = issued.get_json()["payment_id"]


# ---- matrix 1: /api/v1 --------------------------------------------------------------------------

@dataclass
class Asker:
    role: str
    world: World
    headers: dict[str, str]

    @property
    def password(self) -> str:
        return PASSWORDS[self.role]

    @property
    def wrong_passwords(self) -> tuple[str, ...]:
        """Someone else's correct password: for a member the owner's — a guardian must use their own."""
        return (PASSWORDS["guardian" if self.role == "owner" else "owner"],)


Send = Callable[[Asker, "str | None"], Any]  # (asker, password or None) → the response


@dataclass(frozen=True)
class Op:
    """How to ask an operation about the shared line, and what it needs.

    permission None: not about the shared line (the asker's own things), so every signed-in user may.
    password "optional": the request may omit it (then refused, 401/403); "required": the schema requires it
    (refused 401/403 with a wrong one). refused_as 404: a per-recipient resource (another person's alert copy
    is, to the asker, no alert at all)."""

    permission: Permission | None
    send: Send
    setup: Callable[[World], None] | None = None
    password: str | None = None
    refused_as: int = 403


def _bearer(store, user_id: int) -> dict[str, str]:
    with store.write() as db:
        return {"Authorization": f"Bearer {create_token(db, user_id)}"}


def _url(path: str, asker: Asker) -> str:
    family = asker.world.family
    alert = family.alerts.get(asker.role, family.alerts.get("owner", 0))  # their own copy, else the owner's
    return (path.replace("{line_id}", str(family.line)).replace("{bill_id}", str(family.bill))
            .replace("{transaction_id}", str(family.payment_tx)).replace("{payment_id}", str(family.deposit))
            .replace("{alert_id}", str(alert)).replace("{job_id}", str(family.import_job)))


def _req(method: str, path: str, json: dict | None = None) -> Send:
    """A request that carries no password."""
    def send(asker: Asker, _password: str | None):
        return asker.world.client.open(_url(path, asker), method=method, headers=asker.headers, json=json)
    return send


def _with_password(method: str, path: str, body: dict, *, key: bool = False) -> Send:
    def send(asker: Asker, password: str | None):
        payload = {**body, **({"password": password} if password is not None else {})}
        headers = {**asker.headers, **({"Idempotency-Key": f"matrix-{asker.role}-{len(password or '')}"}
                                       if key else {})}
        return asker.world.client.open(_url(path, asker), method=method, json=payload, headers=headers)
    return send


def seed_import_job(world: World) -> None:
    """The owner's finished background import of the line (a job is its starter's: no one else sees it)."""
    from data.import_jobs import create_job, finish

    with world.store.write() as db:
        job = create_job(db, user_id=world.family.user("owner"), line_id=world.family.line, filename="내역.csv",
                         content=b"", mapping=None, dry_run=False, lang="ko", now=utcnow())
        finish(db, job.id, status="done", result_status=201, result='{"added": 0, "duplicates": 0}', now=utcnow())
        world.family.import_job = job.id


def _import(asker: Asker, _password: str | None):
    data = {"file": (io.BytesIO(history_csv(history_rows(3))), "내역.csv")}
    return asker.world.client.post(_url("/api/v1/lines/{line_id}/imports", asker), data=data,
                                   headers=asker.headers, content_type="multipart/form-data")


# op id ("METHOD path" in /api/v1/openapi.json) → the ways to ask it (a limit change: a lowering and a raise).
# An empty tuple: not a user's operation (said why). Every op in the document must be here.
API: dict[str, tuple[Op, ...]] = {
    "GET /api/v1/lines": (Op(None, _req("GET", "/api/v1/lines")),),
    "POST /api/v1/lines": (Op(None, _req("POST", "/api/v1/lines", {"carrier": "SKT", "number": "010-2222-3333"})),),
    "GET /api/v1/lines/{line_id}": (Op(Permission.VIEW, _req("GET", "/api/v1/lines/{line_id}")),),
    "GET /api/v1/lines/{line_id}/transactions": (
        Op(Permission.VIEW, _req("GET", "/api/v1/lines/{line_id}/transactions")),),
    "GET /api/v1/lines/{line_id}/bills": (Op(Permission.VIEW, _req("GET", "/api/v1/lines/{line_id}/bills")),),
    "GET /api/v1/lines/{line_id}/forecast": (Op(Permission.VIEW, _req("GET", "/api/v1/lines/{line_id}/forecast")),),
    "GET /api/v1/lines/{line_id}/budget": (
        Op(Permission.VIEW, _req("GET", "/api/v1/lines/{line_id}/budget"), setup=seed_budget),),
    "PUT /api/v1/lines/{line_id}/budget": (
        Op(Permission.SET_BUDGET, _req("PUT", "/api/v1/lines/{line_id}/budget", {"amount": 30_000})),),
    "DELETE /api/v1/lines/{line_id}/budget": (
        Op(Permission.SET_BUDGET, _req("DELETE", "/api/v1/lines/{line_id}/budget"), setup=seed_budget),),
    "GET /api/v1/alerts": (Op(Permission.VIEW, _req("GET", "/api/v1/alerts?line_id={line_id}"), setup=seed_alerts),),
    "POST /api/v1/alerts/read-all": (
        Op(Permission.VIEW, _req("POST", "/api/v1/alerts/read-all?line_id={line_id}"), setup=seed_alerts),),
    "POST /api/v1/alerts/{alert_id}/read": (
        Op(Permission.RECEIVE_ALERTS, _req("POST", "/api/v1/alerts/{alert_id}/read"), setup=seed_alerts,
           refused_as=404),),
    "POST /api/v1/lines/{line_id}/block": (Op(Permission.BLOCK, _req("POST", "/api/v1/lines/{line_id}/block", {})),),
    "POST /api/v1/lines/{line_id}/unblock": (
        Op(Permission.UNBLOCK, _with_password("POST", "/api/v1/lines/{line_id}/unblock", {}),
           setup=block_directly, password="optional"),),
    "PUT /api/v1/lines/{line_id}/limits/{bucket}": (
        Op(Permission.LOWER_LIMIT, _req("PUT", "/api/v1/lines/{line_id}/limits/micropayment", {"amount": 40_000})),
        Op(Permission.RAISE_LIMIT, _with_password("PUT", "/api/v1/lines/{line_id}/limits/micropayment",
                                                  {"amount": 60_000}), password="optional"),
    ),
    "POST /api/v1/bills/{bill_id}/payments": (
        Op(Permission.MANAGE, _with_password("POST", "/api/v1/bills/{bill_id}/payments",
                                             {"method": "card", "card_number": GOOD_CARD}, key=True),
           password="required"),),
    "POST /api/v1/lines/{line_id}/bills/pay-overdue": (
        Op(Permission.MANAGE, _with_password("POST", "/api/v1/lines/{line_id}/bills/pay-overdue",
                                             {"method": "card", "card_number": GOOD_CARD}, key=True),
           password="required"),),
    "POST /api/v1/payments/{payment_id}/confirm-deposit": (
        Op(Permission.MANAGE, _req("POST", "/api/v1/payments/{payment_id}/confirm-deposit"), setup=seed_deposit),),
    "POST /api/v1/lines/{line_id}/authorizations": (
        Op(Permission.MANAGE, _req("POST", "/api/v1/lines/{line_id}/authorizations", {
            "merchant": "넷마블", "amount": 1_000, "bucket": "micropayment", "external_id": "matrix-auth-1"})),),
    "POST /api/v1/transactions/{transaction_id}/cancel": (
        Op(Permission.MANAGE, _req("POST", "/api/v1/transactions/{transaction_id}/cancel")),),
    "POST /api/v1/lines/{line_id}/recurring-exclusions": (
        Op(Permission.MANAGE, _req("POST", "/api/v1/lines/{line_id}/recurring-exclusions", {"merchant": "넥슨"})),),
    "DELETE /api/v1/lines/{line_id}/recurring-exclusions": (
        Op(Permission.MANAGE, _req("DELETE", "/api/v1/lines/{line_id}/recurring-exclusions", {"merchant": "넥슨"}),
           setup=seed_exclusion),),
    "POST /api/v1/lines/{line_id}/imports": (Op(Permission.MANAGE, _import),),
    "GET /api/v1/imports/jobs/{job_id}": (
        Op(Permission.MANAGE, _req("GET", "/api/v1/imports/jobs/{job_id}"), setup=seed_import_job, refused_as=404),),
    "POST /api/v1/lines/{line_id}/messages": (
        Op(Permission.MANAGE, _req("POST", "/api/v1/lines/{line_id}/messages",
                                   {"text": APPROVAL, "sender": "15663355"})),),
    # The intake token in the URL is the credential, not a user: no role applies (test_message_intake.py).
    "POST /ingest/{token}": (),
}
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
CELLS = [pytest.param(op_id, i, id=f"{op_id}#{i}") for op_id, ops in API.items() for i in range(len(ops))]


def operations(spec: dict) -> dict[str, dict]:
    return {f"{method.upper()} {path}": op for path, item in spec["paths"].items()
            for method, op in item.items() if method in HTTP_METHODS}


def verdict(role: str, permission: Permission | None, refused_as: int = 403) -> str | int:
    """From the role table: "allowed", or the status a refusal answers (a stranger: 404, as for no line)."""
    if permission is None:
        return "allowed"
    if role == "stranger":
        return 404
    return "allowed" if permission in ROLE_PERMISSIONS[role] else refused_as


def test_every_api_operation_has_an_expectation(client):
    """A new operation in the contract fails here until it gets its row in API."""
    documented = set(operations(client.get("/api/v1/openapi.json").get_json()))
    assert sorted(documented - set(API)) == [], "operations without an entry in API"
    assert sorted(set(API) - documented) == [], "entries in API for operations the app no longer has"


def not_allowed_texts(role: str) -> set[str]:
    """What a member is told when their role lacks the permission, in either language."""
    return {t(f"members.not_allowed.{role}", lang) for lang in ("ko", "en")}


def _refusal(response, status: int, op_doc: dict, cell: str, role: str) -> None:
    body = response.get_json(silent=True)
    assert response.status_code == status, f"{cell}: expected {status}, got {response.status_code}: {body}"
    assert isinstance(body, dict) and {"error", "message"} <= set(body), f"{cell}: refusal body {body}"
    if status == 403:  # the refusal says why: the role, not a wrong password
        assert body["message"] in not_allowed_texts(role), f"{cell}: refused with {body['message']!r}"
    assert str(status) in op_doc["responses"], f"{cell}: {status} is answered but not documented"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("op_id", "variant"), CELLS)
def test_api_operation_by_role(world, op_id, variant, role):
    op = API[op_id][variant]
    op_doc = operations(world.client.get("/api/v1/openapi.json").get_json())[op_id]
    if op.setup:
        op.setup(world)
    asker = Asker(role, world, _bearer(world.store, world.family.user(role)))
    expected = verdict(role, op.permission, op.refused_as)
    cell = f"{op_id} [{op.permission}] as {role}"
    before = fingerprint(world)
    if expected != "allowed":
        response = op.send(asker, asker.password if op.password else None)  # their own, correct password
        _refusal(response, expected, op_doc, cell, role)
        assert fingerprint(world) == before, f"{cell}: refused, yet the store changed"
        if role == "stranger":
            assert NICKNAME not in response.get_data(as_text=True), f"{cell}: the line's data leaked"
        return
    if op.password:
        for wrong in ((None,) if op.password == "optional" else ()) + asker.wrong_passwords:
            refused = op.send(asker, wrong)
            assert refused.status_code in (401, 403), f"{cell} with password {wrong!r}: {refused.status_code}"
            assert fingerprint(world) == before, f"{cell}: a wrong password changed the store"
    response = op.send(asker, asker.password if op.password else None)
    assert 200 <= response.status_code < 300, (
        f"{cell}: expected 2xx, got {response.status_code}: {response.get_data(as_text=True)[:300]}")
    assert str(response.status_code) in op_doc["responses"], f"{cell}: {response.status_code} undocumented"
    if op_id == "GET /api/v1/lines":  # the list: the shared line is there for its members only
        listed = [line["id"] for line in response.get_json()]
        assert (world.family.line in listed) == (role != "stranger"), f"{cell}: listed {listed}"


# ---- matrix 2: the pages' state-changing callbacks -----------------------------------------------

PREFS = {"lang": "ko", "theme": "light"}
# Modules whose callbacks change the store: each of their callbacks is in CALLBACKS or in NOT_CHANGING.
STATE_MODULES = ("alerts", "bell", "bills", "block", "budget", "family", "forecast", "import_page", "ingest",
                 "limits", "message_inbox", "subscriptions", "transactions")
# Callbacks of those modules that only read (or keep a browser-side draft: the import's staged file is not the
# store; the commit is "import_page.run", driven through stage → confirm → run).
NOT_CHANGING = {
    "alerts.line_options", "alerts.listing", "bell.bell", "bell.toggle", "bell.banner", "bills.render",
    "bills.relabel", "bills.open_form", "bills.close_form", "bills.card_fields", "family.show", "family.ask_block",
    "forecast.card", "import_page.show_line", "import_page.choose_tab", "import_page.stage",
    "import_page.stage_pasted", "import_page.apply_mapping", "import_page.cancel", "import_page.confirm",
    "ingest.try_text", "limits.show_status", "limits.show_limits", "limits.show_advice", "subscriptions.show",
    "transactions.month_options", "transactions.get_rows", "transactions.count_and_links",
    "transactions.on_select",
}

Values = dict[str, Any]  # "component-id.property" (a pattern id as the app wrote it) → value; ALL: [(id, value)]


@dataclass(frozen=True)
class Press:
    """A press of one callback by `role`: what its inputs and states hold, and which input fired."""

    values: Values
    trigger: str | dict
    prop: str = "n_clicks"


@dataclass(frozen=True)
class Cb:
    """A state-changing callback: the Permission it needs, and how to press it (asker role, their password or
    None) → Press. `done` says the change happened (default: some row about the line changed).
    per_recipient: alerts are each recipient's own — without RECEIVE_ALERTS there is nothing to refuse, only
    nothing to change. members: who may (leaving is for members, not the owner) instead of a Permission."""

    permission: Permission | None
    press: Callable[[World, str, str | None], Press] | None  # None: pressed by its own steps (the import)
    setup: Callable[[World], None] | None = None
    password: str | None = None
    done: Callable[[World], bool] | None = None
    per_recipient: bool = False
    members: frozenset[str] | None = None


def _line_status(world: World) -> str:
    with world.store.read() as db:
        return db.get(Line, world.family.line).status


def _limit(world: World) -> int:
    with world.store.read() as db:
        return db.scalar(select(LineLimit.amount).where(LineLimit.line_id == world.family.line,
                                                        LineLimit.bucket == "micropayment")
                         .order_by(LineLimit.effective_from.desc(), LineLimit.id.desc()).limit(1))


def _role_of(world: World, role: str) -> str | None:
    with world.store.read() as db:
        return db.scalar(select(LineMember.role).where(LineMember.line_id == world.family.line,
                                                       LineMember.user_id == world.family.user(role)))


def _unread(world: World) -> int:
    from data.models import Alert

    with world.store.read() as db:
        return len(db.scalars(select(Alert.id).where(Alert.line_id == world.family.line,
                                                     Alert.read_at.is_(None))).all())


def seed_inbox(world: World) -> None:
    """A forwarded text the intake did not understand, waiting in the inbox."""
    from data.models import InboundMessage

    with world.store.write() as db:
        row = InboundMessage(line_id=world.family.line, received_at=utcnow(), sender="15990000",
                             text="[알림] 우리동네 상점 1,200원 사용", fingerprint="matrix-inbox", channel="api",
                             kind="unknown", outcome="inbox")
        db.add(row)
        db.flush()
        world.family.inbox = row.id


def seed_intake(world: World) -> None:
    from data.intake_tokens import issue_token
    from data.line_actions import lock_line

    with world.store.write() as db:
        issue_token(db, lock_line(db, world.family.line))


def _all(type_: str, value: Any = 1, **keys) -> list[tuple[dict, Any]]:
    return [({"type": type_, **keys}, value)]


def _limits_press(amount: int) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, password: str | None) -> Press:
        return Press({"limits-save.n_clicks": 1, "line-picker.value": world.family.line,
                      "limits-bucket.value": "micropayment", "limits-amount.value": amount,
                      "limits-password.value": password, "limits-version.data": 0, "prefs.data": PREFS}, "limits-save")
    return press


def _budget_press(button: str) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, _password: str | None) -> Press:
        return Press({"line-picker.value": world.family.line, f"budget-{button}.n_clicks": 1,
                      "budget-amount.value": 30_000, "budget-thresholds.value": "50, 80, 100",
                      "budget-new-merchant.value": False, "prefs.data": PREFS}, f"budget-{button}")
    return press


def _tx_press(button: str) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, _password: str | None) -> Press:
        return Press({f"{button}.n_clicks": 1, "tx-grid.selectedRows": [{"id": world.family.payment_tx}],
                      "tx-recat-category.value": "game", "tx-recat-always.value": True,
                      "line-picker.value": world.family.line, "tx-refresh.data": 0, "prefs.data": PREFS}, button)
    return press


def _manual_press(world: World, _role: str, _password: str | None) -> Press:
    entry = {"when": "2026-11-18T10:00", "merchant": "우리동네 상점", "amount": "1000", "bucket": "micropayment",
             "category": "other", "status": "approved"}
    return Press({"tx-manual-submit.n_clicks": 1, **{f"tx-manual-{k}.value": v for k, v in entry.items()},
                  "line-picker.value": world.family.line, "tx-refresh.data": 0, "prefs.data": PREFS},
                 "tx-manual-submit")


def _inbox_press(button: str) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, _password: str | None) -> Press:
        index = world.family.inbox
        clicked = {"type": f"inbox-{button}", "index": index}
        return Press({"line-picker.value": world.family.line, f'{{"index":["ALL"],"type":"inbox-{button}"}}.n_clicks':
                      [(clicked, 1)],
                      '{"index":["ALL"],"type":"inbox-amount"}.value': _all("inbox-amount", "1,200", index=index),
                      '{"index":["ALL"],"type":"inbox-merchant"}.value': _all("inbox-merchant", "우리동네 상점",
                                                                              index=index),
                      '{"index":["ALL"],"type":"inbox-bucket"}.value': _all("inbox-bucket", "micropayment",
                                                                            index=index),
                      "prefs.data": PREFS}, clicked)
    return press


def _ingest_press(button: str) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, _password: str | None) -> Press:
        return Press({"line-picker.value": world.family.line, f"ingest-{button}.n_clicks": 1, "prefs.data": PREFS},
                     f"ingest-{button}")
    return press


def _pay_press(world: World, role: str, password: str | None) -> Press:
    return Press({"pay-submit.n_clicks": 1, "pay-target.data": {"bill": world.family.bill},
                  "pay-key.data": f"matrix-ui-{role}-{len(password or '')}", "pay-method.value": "card",
                  "pay-card.value": GOOD_CARD, "pay-password.value": password, "line-picker.value": world.family.line,
                  "bills-refresh.data": 0, "prefs.data": PREFS}, "pay-submit")


def _member_press(kind: str, value: Any, prop: str = "n_clicks") -> Callable[[World, str, str | None], Press]:
    """A member row's control, for the viewer's row (the guardian's when the viewer is asking to remove)."""
    def press(world: World, role: str, _password: str | None) -> Press:
        target = "guardian" if role == "viewer" and kind == "member-remove" else "viewer"
        clicked = {"type": kind, "line": world.family.line, "user": world.family.user(target)}
        return Press({f'{{"line":["ALL"],"type":"{kind}","user":["ALL"]}}.{prop}': [(clicked, value)],
                      "prefs.data": PREFS, "family-refresh.data": 0}, clicked, prop)
    return press


def _leave_press(world: World, _role: str, _password: str | None) -> Press:
    clicked = {"type": "member-leave", "line": world.family.line}
    return Press({'{"line":["ALL"],"type":"member-leave"}.n_clicks': [(clicked, 1)], "prefs.data": PREFS,
                  "family-refresh.data": 0, "line-picker.value": world.family.line}, clicked)


def _invite_press(world: World, _role: str, _password: str | None) -> Press:
    clicked = {"type": "invite-send", "line": world.family.line}
    return Press({'{"line":["MATCH"],"type":"invite-send"}.n_clicks': (clicked, 1),
                  '{"line":["MATCH"],"type":"invite-email"}.value': ({"type": "invite-email",
                                                                      "line": world.family.line}, "newbie@example.com"),
                  '{"line":["MATCH"],"type":"invite-role"}.value': ({"type": "invite-role", "line": world.family.line},
                                                                     "viewer"),
                  "prefs.data": PREFS}, clicked)


def _alert_press(module: str, button: str) -> Callable[[World, str, str | None], Press]:
    def press(world: World, role: str, _password: str | None) -> Press:
        alert = world.family.alerts.get(role, world.family.alerts["owner"])  # their copy, else the owner's
        if button == "read-all":
            return Press({f"{module}-read-all.n_clicks": 1, "alerts-filter-line.value": world.family.line,
                          "alerts-version.data": 0}, f"{module}-read-all")
        clicked = {"type": f"{module.rstrip('s')}-read", "index": alert}
        return Press({f'{{"index":["ALL"],"type":"{clicked["type"]}"}}.n_clicks': [(clicked, 1)],
                      "alerts-version.data": 0}, clicked)
    return press


def _block_press(button: str) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, _password: str | None) -> Press:
        return Press({f"{button}.n_clicks": 1, "line-picker.value": world.family.line,
                      "family-block-target.data": world.family.line, "prefs.data": PREFS,
                      "line-status-version.data": 0}, button)
    return press


def _unblock_press(world: World, _role: str, password: str | None) -> Press:
    return Press({"unblock-button.n_clicks": 1, "line-picker.value": world.family.line,
                  "unblock-password.value": password, "line-status-version.data": 0, "prefs.data": PREFS},
                 "unblock-button")


def _advice_press(world: World, _role: str, _password: str | None) -> Press:
    clicked = {"type": "advice-apply", "bucket": "micropayment", "amount": 40_000}
    return Press({'{"amount":["ALL"],"bucket":["ALL"],"type":"advice-apply"}.n_clicks': [(clicked, 1)],
                  "line-picker.value": world.family.line, "limits-version.data": 0, "prefs.data": PREFS}, clicked)


def _merchant_press(type_: str, **extra) -> Callable[[World, str, str | None], Press]:
    def press(world: World, _role: str, _password: str | None) -> Press:
        clicked = {"type": type_, "merchant": "넥슨", **extra}
        pattern = json.dumps({k: ["ALL"] for k in sorted({**extra, "merchant": 0})} | {"type": type_},
                             sort_keys=True, separators=(",", ":"))
        return Press({f"{pattern}.n_clicks": [(clicked, 1)], "line-picker.value": world.family.line,
                      "forecast-refresh.data": 0, "subscriptions-refresh.data": 0, "prefs.data": PREFS}, clicked)
    return press


def _deposit_press(world: World, _role: str, _password: str | None) -> Press:
    clicked = {"type": "deposit-confirm", "index": world.family.deposit}
    return Press({'{"index":["ALL"],"type":"deposit-confirm"}.n_clicks': [(clicked, 1)], "bills-refresh.data": 0,
                  "prefs.data": PREFS}, clicked)


# "module.function" of the callback (several callbacks share an output id through allow_duplicate, so the
# output id alone does not name one) → the ways to press it.
CALLBACKS: dict[str, tuple[Cb, ...]] = {
    "block.on_block": (Cb(Permission.BLOCK, _block_press("block-button"),
                          done=lambda w: _line_status(w) == "blocked"),),
    "family.decide_block": (Cb(Permission.BLOCK, _block_press("family-block-confirm"),
                               done=lambda w: _line_status(w) == "blocked"),),
    "limits.unblock_line": (Cb(Permission.UNBLOCK, _unblock_press, setup=block_directly, password="optional",
                               done=lambda w: _line_status(w) != "blocked"),),
    "limits.save_limit": (
        Cb(Permission.LOWER_LIMIT, _limits_press(40_000), done=lambda w: _limit(w) == 40_000),
        Cb(Permission.RAISE_LIMIT, _limits_press(60_000), password="optional", done=lambda w: _limit(w) == 60_000),
    ),
    "limits.apply_advice": (Cb(Permission.LOWER_LIMIT, _advice_press, done=lambda w: _limit(w) == 40_000),),
    "budget.budget_form": (
        Cb(Permission.SET_BUDGET, _budget_press("save")),
        Cb(Permission.SET_BUDGET, _budget_press("delete"), setup=seed_budget),
    ),
    "transactions.on_action": (Cb(Permission.MANAGE, _tx_press("tx-recat-save")),
                               Cb(Permission.MANAGE, _tx_press("tx-cancel"))),
    "transactions.on_manual": (Cb(Permission.MANAGE, _manual_press),),
    "subscriptions.mark": (Cb(Permission.MANAGE, _merchant_press("subscription-mark", mark="cancelled")),),
    "forecast.toggle": (Cb(Permission.MANAGE, _merchant_press("recurring-exclude")),),
    "message_inbox.inbox": (Cb(Permission.MANAGE, _inbox_press("save"), setup=seed_inbox),
                            Cb(Permission.MANAGE, _inbox_press("dismiss"), setup=seed_inbox)),
    "bills.pay": (Cb(Permission.MANAGE, _pay_press, password="required"),),
    "bills.confirm_deposit": (Cb(Permission.MANAGE, _deposit_press, setup=seed_deposit),),
    "ingest.intake": (Cb(Permission.MANAGE, _ingest_press("rotate")),
                      Cb(Permission.MANAGE, _ingest_press("revoke"), setup=seed_intake)),
    "import_page.run": (Cb(Permission.MANAGE, None),),  # stage → confirm → run: see _import_through_the_page
    "family.invite": (Cb(Permission.MANAGE, _invite_press),),
    "family.change_role": (Cb(Permission.MANAGE, _member_press("member-role", "guardian", "value"),
                              done=lambda w: _role_of(w, "viewer") == "guardian"),),
    "family.remove": (Cb(Permission.MANAGE, _member_press("member-remove", 1)),),
    "family.leave": (Cb(None, _leave_press, members=frozenset({"guardian", "viewer"})),),
    "alerts.read_one": (Cb(Permission.RECEIVE_ALERTS, _alert_press("alerts", "read"), setup=seed_alerts,
                           per_recipient=True),),
    "alerts.read_all": (Cb(Permission.RECEIVE_ALERTS, _alert_press("alerts", "read-all"), setup=seed_alerts,
                           per_recipient=True),),
    "bell.read_one": (Cb(Permission.RECEIVE_ALERTS, _alert_press("bell", "read"), setup=seed_alerts,
                         per_recipient=True),),
    "bell.read_all": (Cb(Permission.RECEIVE_ALERTS, _alert_press("bell", "read-all"), setup=seed_alerts,
                         per_recipient=True),),
}
CB_CELLS = [pytest.param(name, i, id=f"{name}#{i}") for name, cbs in CALLBACKS.items() for i in range(len(cbs))]


def callback_specs(app) -> dict[str, tuple[str, dict]]:
    """"module.function" → (the callback map's output key, its spec), for the app's server-side callbacks."""
    found = {}
    for key, spec in app.callback_map.items():
        func = getattr(spec.get("callback"), "__wrapped__", spec.get("callback"))
        module = getattr(func, "__module__", "") or ""
        if module.startswith("callbacks."):
            found[f"{module.removeprefix('callbacks.')}.{func.__name__}"] = (key, spec)
    return found


def test_every_state_changing_callback_has_an_expectation(app):
    names = {name for name in callback_specs(app) if name.split(".")[0] in STATE_MODULES}
    assert sorted(names - set(CALLBACKS) - NOT_CHANGING) == [], "callbacks without an entry in CALLBACKS"
    assert sorted((set(CALLBACKS) | NOT_CHANGING) - names) == [], "entries for callbacks the app no longer has"


def _prop_id(component: str | dict, prop: str) -> str:
    if isinstance(component, dict):
        return json.dumps(component, sort_keys=True, separators=(",", ":")) + "." + prop
    return f"{component}.{prop}"


def _items(deps: list[dict], values: Values) -> list:
    """The renderer's inputs/state list: plain ids as {id, property, value}; an ALL pattern as a list of
    them (none when the test gives none); a MATCH pattern as the one concrete item."""
    items = []
    for dep in deps:
        key = f"{dep['id']}.{dep['property']}"
        given = values.get(key)
        if dep["id"].startswith("{") and '["ALL"]' not in dep["id"]:  # MATCH only: one item
            concrete, value = given
            items.append({"id": concrete, "property": dep["property"], "value": value})
        elif dep["id"].startswith("{"):
            items.append([{"id": cid, "property": dep["property"], "value": v} for cid, v in (given or [])])
        else:
            items.append({"id": dep["id"], "property": dep["property"], "value": given})
    return items


def fire(world: World, client, name: str, press: Press):
    """POST the callback as the renderer does. Not tests.helpers.dash_update: that one names every input as
    changed (so a multi-input callback sees the wrong trigger) and cannot send pattern ids."""
    from tests.helpers import csrf_header

    key, spec = callback_specs(world.app)[name]
    trigger = press.trigger if isinstance(press.trigger, dict) else {}
    outputs = []
    for part in key.strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        if component.startswith("{"):  # a MATCH output: the id of the card whose control fired
            component = {k: trigger.get(k) if v == ["MATCH"] else v for k, v in json.loads(component).items()}
        outputs.append({"id": component, "property": prop})
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": _items(spec["inputs"], press.values), "state": _items(spec["state"], press.values),
            "changedPropIds": [_prop_id(press.trigger, press.prop)]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def _answer(response) -> str:
    """What the page would show: the decoded response (PreventUpdate: nothing)."""
    assert response.status_code in (200, 204), f"HTTP {response.status_code}: {response.get_data(as_text=True)[:300]}"
    return "" if response.status_code == 204 else str(response.get_json())


def _import_through_the_page(world: World, client) -> str:
    """Upload a file as the asker (stage), then import it (confirm → the background job's commit)."""
    import base64

    from tests.http.test_import_job_owner import run_job

    upload = {"contents": "data:text/csv;base64," + base64.b64encode(history_csv(history_rows(3))).decode(),
              "name": "내역.csv"}
    values = {"import-file.data": upload, "line-picker.value": world.family.line, "prefs.data": PREFS}
    staged = fire(world, client, "import_page.stage", Press(values, "import-file", "data"))
    shown = _answer(staged)
    job = staged.get_json()["response"].get("import-job", {}).get("data") if staged.status_code == 200 else None
    if not job:
        return shown
    confirm = {"import-confirm.n_clicks": 1, "import-job.data": job, "line-picker.value": world.family.line,
               "prefs.data": PREFS}
    confirmed = fire(world, client, "import_page.confirm", Press(confirm, "import-confirm"))
    shown += _answer(confirmed)
    job = confirmed.get_json()["response"].get("import-job", {}).get("data") if confirmed.status_code == 200 else None
    return shown + (str(run_job(world.app, client, job)) if job else "")


def _press(world: World, client, name: str, cb: Cb, role: str, password: str | None) -> str:
    if name == "import_page.run":
        return _import_through_the_page(world, client)
    return _answer(fire(world, client, name, cb.press(world, role, password)))


def _signed_in(world: World, role: str):
    from tests.helpers import login

    client = world.app.server.test_client()
    assert login(client, f"{role}@example.com", PASSWORDS[role]).status_code in (302, 303)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "variant"), CB_CELLS)
def test_callback_by_role(world, name, variant, role):
    cb = CALLBACKS[name][variant]
    if cb.setup:
        cb.setup(world)
    client = _signed_in(world, role)
    cell = f"{name}#{variant} [{cb.permission or 'member'}] as {role}"
    allowed = role in cb.members if cb.members is not None else verdict(role, cb.permission) == "allowed"
    before = fingerprint(world)
    if not allowed:
        shown = _press(world, client, name, cb, role, PASSWORDS[role] if cb.password else None)
        assert fingerprint(world) == before, f"{cell}: refused, yet the store changed"
        if role == "stranger":
            assert NICKNAME not in shown and NUMBER not in shown, f"{cell}: the line's data appeared: {shown[:300]}"
        elif not cb.per_recipient and cb.members is None:
            assert any(text in shown for text in not_allowed_texts(role)), f"{cell}: no refusal shown: {shown[:400]}"
        return
    if cb.password:
        someone_elses = PASSWORDS["guardian" if role == "owner" else "owner"]
        for attempt in ((None,) if cb.password == "optional" else ()) + (someone_elses,):
            _press(world, client, name, cb, role, attempt)
            assert fingerprint(world) == before, f"{cell}: changed with password {attempt!r}"
    shown = _press(world, client, name, cb, role, PASSWORDS[role] if cb.password else None)
    done = cb.done(world) if cb.done else fingerprint(world) != before
    assert done, f"{cell}: allowed, but nothing changed; the page said: {shown[:400]}"


# ---- the guardian's second factor -----------------------------------------------------------------

def test_a_guardian_with_two_step_verification_unblocks_and_raises_with_their_own_code(world):
    """The guardian's own factor guards the owner's line: their password alone, or the owner's password with
    their code, is refused; their password and a current code unblock and raise."""
    import pyotp

    from dashboard.services import factors
    from tests.http.test_factors_login import next_code

    guardian = world.family.user("guardian")
    with world.app.server.test_request_context():
        secret = factors.start_totp(world.store, guardian).secret
        recovery = factors.confirm_totp(world.store, guardian, "", pyotp.TOTP(secret).now(), PASSWORDS["guardian"])
    block_directly(world)
    headers = _bearer(world.store, guardian)
    unblock_url = f"/api/v1/lines/{world.family.line}/unblock"
    limit_url = f"/api/v1/lines/{world.family.line}/limits/micropayment"
    post = world.client.post
    assert post(unblock_url, json={"password": PASSWORDS["guardian"]}, headers=headers).status_code == 403
    assert post(unblock_url, json={"password": PASSWORDS["owner"], "code": next_code(secret)},
                headers=headers).status_code == 403
    raise_ = {"amount": 60_000, "password": PASSWORDS["guardian"]}
    assert world.client.put(limit_url, json=raise_, headers=headers).status_code == 403
    assert (_line_status(world), _limit(world)) == ("blocked", 50_000)
    ok = post(unblock_url, json={"password": PASSWORDS["guardian"], "code": next_code(secret)}, headers=headers)
    assert ok.status_code == 200 and _line_status(world) != "blocked"  # "restricted": the bill is overdue
    # A TOTP step counts once: the raise right after takes one of the guardian's recovery codes.
    raised = world.client.put(limit_url, json={**raise_, "code": recovery[0]}, headers=headers)
    assert raised.status_code == 200 and _limit(world) == 60_000
