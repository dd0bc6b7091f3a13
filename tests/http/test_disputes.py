"""Dispute packs over HTTP (GET /disputes/…, on SQLite and PostgreSQL): a dawn voucher burst through the
authorization API, the line blocked, then the pack of the fraud alert and of chosen charges as PDF (read back
with pypdf: Korean text, amounts) and CSV; the cancellation window in the grid, the selected-row panel, the
alert history and the bell; and that another user's charge or alert gives a 404 and nothing else."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from data.alerts_store import create_alert
from data.authorize import cancel_payment
from data.models import Alert, AuditLog, Transaction
from data.vocab import KST, days_in_month, previous_month, usage_month
from tests.helpers import login, make_line, make_user
from tests.http.test_alerts_callbacks import KO, bell, fire, history, props, text_of
from tests.http.test_api_lines import bearer
from tests.http.test_mail_smtp import authorize, last_dawn
from tests.http.test_transactions_callbacks import get_rows, spend

EMAIL = "victim@example.com"
BURST = (50_000, 30_000, 10_000)


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel shows Korean"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def charge(store, line: int, merchant: str, amount: int, when: datetime, pg: str | None = "다날",
           external_id: str | None = None) -> int:
    """A stored approved charge; without a PG it is an app-store one (content bucket)."""
    tx_id = spend(store, line, merchant, amount, category="game", when=when, ext=external_id or merchant)
    if pg != "다날":
        with store.write() as db:
            tx = db.get(Transaction, tx_id)
            tx.pg, tx.bucket = pg, "micropayment" if pg else "content"
    return tx_id


@pytest.fixture
def burst(client, store) -> dict:
    """The victim's KT line: three dawn gift-voucher charges through the API (a fraud alert), then blocked."""
    uid = make_user(store, EMAIL)
    line = make_line(store, uid, nickname="내 폰", limits={"micropayment": 500_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    headers = bearer(store, uid)
    dawn = last_dawn()
    ids = [authorize(client, line, headers, f"v{i}", amount, dawn + timedelta(minutes=2 * i))["transaction_id"]
           for i, amount in enumerate(BURST)]
    assert client.post(f"/api/v1/lines/{line}/block", json={"reason": "fraud"}, headers=headers).status_code == 200
    with store.read() as db:
        fraud = db.scalar(select(Alert).where(Alert.line_id == line, Alert.kind == "fraud_burst"))
    login(client, EMAIL)
    return {"user": uid, "line": line, "alert": fraud.id, "ids": ids, "dawn": dawn}


def test_fraud_alert_pack_pdf_holds_its_charges_in_korean(client, store, burst):
    response = client.get(f"/disputes/alert/{burst['alert']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="dispute-{burst["line"]}-')
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "휴대폰 소액결제 이의신청 자료" in text
    assert "010-****-5678 (내 폰)" in text
    assert text.count("컬쳐랜드 ") >= 3  # the merchant of each charge (the product repeats it)
    for amount in ("50,000원", "30,000원", "10,000원"):
        assert amount in text
    assert "이의 제기 결제 3건 · 청구(예정) 금액 90,000원" in text
    assert burst["dawn"].astimezone(KST).strftime("%Y-%m-%d %H:%M") in text  # each charge's time, KST
    assert "차단 (부정 결제)" in text  # when the line was blocked
    assert "부정결제 의심" in text  # the alert raised
    assert "다날 1566-3355" in text and "휴대폰에서 114 (무료)" in text and "사건사고사실확인원" in text
    assert "제58조 제3항" in text and "2주 이내" in text
    assert "12일 남음 · 11월 30일" in text  # the suite's clock: 18 November


def test_fraud_alert_pack_csv_has_one_row_per_charge(client, store, burst):
    response = client.get(f"/disputes/alert/{burst['alert']}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = csv_rows(response.data)
    assert [int(r["금액"]) for r in rows] == list(BURST)
    assert {r["이용업체명"] for r in rows} == {"컬쳐랜드"} and {r["결제대행사"] for r in rows} == {"다날"}
    assert {r["회선"] for r in rows} == {"010-****-5678"} and {r["통신사"] for r in rows} == {"KT"}
    assert {r["상태"] for r in rows} == {"승인 (청구 예정)"}
    assert all("부정결제 의심" in r["관련 알림"] for r in rows) and all(r["회선 차단 일시"] for r in rows)
    assert rows[0]["일시 (KST)"] == burst["dawn"].astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")
    assert rows[0]["취소 기한"] == "11월 30일까지 취소하면 청구서에서 빠집니다 (12일 남음)."
    with store.read() as db:
        audit = db.scalar(select(AuditLog).where(AuditLog.action == "disputes.pack"))
    assert audit.line_id == burst["line"] and json.loads(audit.detail)["transaction_ids"] == burst["ids"]


def test_chosen_charges_pack_says_what_each_one_is(client, store, burst):
    line, user = burst["line"], burst["user"]
    now = datetime.now(KST)
    last_month = charge(store, line, "넥슨코리아", 33_000, now - timedelta(days=30), external_id="old")
    kept = charge(store, line, "(주)다날_넥슨", 5_500, now - timedelta(hours=1), external_id="kept")
    with store.write() as db:
        cancel_payment(db, user, kept)  # cancelled this month: off the bill
    app_store = charge(store, line, "구글플레이", 5_900, now - timedelta(hours=2), pg=None, external_id="play")
    ids = [burst["ids"][0], last_month, kept, app_store]
    response = client.get("/disputes/charges.csv", query_string=[("tx", i) for i in ids])
    assert response.status_code == 200
    statuses = {r["거래ID"]: r["상태"] for r in csv_rows(response.data)}
    assert statuses == {"old": "승인 (청구됨)", "v0": "승인 (청구 예정)", "play": "승인 (청구 예정)",
                        "kept": "취소됨 (청구 제외)"}
    text = pdf_text(client.get("/disputes/charges.pdf", query_string=[("tx", i) for i in ids]).data)
    assert "이의 제기 결제 4건 · 청구(예정) 금액 88,900원" in text  # 50,000 + 33,000 + 5,900
    assert "환불만 가능" not in text and "앱 마켓 결제" in text  # the app-store charge: refund via the store
    english = pdf_text(client.get("/disputes/charges.pdf", query_string=[("tx", ids[0]), ("lang", "en")]).data)
    assert "Phone micropayment dispute pack" in english and "50,000원" in english


def test_another_users_charges_and_alerts_are_404(app, client, store, burst):
    make_user(store, "other@example.com")
    other = app.server.test_client()
    login(other, "other@example.com")
    second_line = make_line(store, burst["user"], number="010-****-1111")  # the victim's second line
    second = charge(store, second_line, "넷마블", 3_300, datetime.now(UTC) - timedelta(hours=1))
    for fmt in ("pdf", "csv"):
        assert other.get(f"/disputes/alert/{burst['alert']}.{fmt}").status_code == 404
        for probe in ([burst["ids"][0]], burst["ids"], [second]):
            assert other.get(f"/disputes/charges.{fmt}", query_string=[("tx", i) for i in probe]).status_code == 404
    own = burst["ids"][0]
    stranger = make_user(store, "stranger@example.com")
    theirs = charge(store, make_line(store, stranger), "남의 결제", 1_000, datetime.now(UTC), external_id="s")
    for probe in ([own, theirs], ["1 OR 1=1"], [0], [2**31], [-1], ["9" * 30]):
        response = client.get("/disputes/charges.pdf", query_string=[("tx", i) for i in probe])
        assert response.status_code == 404, probe
    assert client.get("/disputes/alert/999999.pdf").status_code == 404
    assert client.get(f"/disputes/alert/{2**31}.pdf").status_code == 404
    assert client.get(f"/disputes/alert/{burst['alert']}.xlsx").status_code == 404
    assert client.get("/disputes/charges.pdf").status_code == 422  # nothing chosen
    mixed = client.get("/disputes/charges.pdf", query_string=[("tx", own), ("tx", second)])
    assert mixed.status_code == 422 and "한 회선" in mixed.get_data(as_text=True)
    with store.read() as db:
        packs = db.scalars(select(AuditLog).where(AuditLog.action == "disputes.pack")).all()
    assert packs == []  # no refusal wrote a file or an audit row
    anonymous = app.server.test_client().get(f"/disputes/alert/{burst['alert']}.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_too_many_charges_are_refused_not_cut(client, store, burst, monkeypatch):
    from dashboard.services import disputes

    monkeypatch.setattr(disputes, "MAX_CHARGES", 2)
    response = client.get("/disputes/charges.csv", query_string=[("tx", i) for i in burst["ids"]])
    assert response.status_code == 422 and "2건까지" in response.get_data(as_text=True)


# ---- the window in the pages ---------------------------------------------------------------------------

def test_grid_and_selected_row_show_this_months_window(app, client, store, burst):
    old = charge(store, burst["line"], "넥슨코리아", 33_000, datetime.now(KST) - timedelta(days=40), external_id="o")
    rows = {r["id"]: r for r in get_rows(app, client, burst["line"])["rowData"]}
    assert [rows[i]["window"] for i in burst["ids"]] == ["12일 남음"] * 3
    assert rows[burst["ids"][0]]["window_days"] == 12
    assert rows[old]["window"] == ""  # last month's: billed already
    state = [{"id": "prefs", "property": "data", "value": KO}]
    selected = fire(app, client, "tx-selected.children",
                    [{"id": "tx-grid", "property": "selectedRows", "value": [{"id": burst["ids"][1]}]},
                     {"id": "tx-refresh", "property": "data", "value": 0}], state)
    assert "11월 30일까지 취소하면 청구서에서 빠집니다 (12일 남음)." in text_of(selected["tx-selected"])


def test_alert_history_shows_the_window_steps_and_pack_of_a_fraud_alert(app, client, store, burst):
    kinds, _count, text = history(app, client)
    assert "fraud_burst" in kinds
    assert "결제 3건 중 3건: 11월 30일까지 취소하면 청구서에서 빠집니다 (12일 남음)." in text
    assert "본인이 하지 않은 결제라면 지금 하세요" in text
    assert "다날 고객센터(1566-3355)" in text and "KT 고객센터(휴대폰 114)" in text and "사건사고사실확인원" in text
    inputs = [{"id": "alerts-filter-line", "property": "value", "value": None},
              {"id": "alerts-filter-kind", "property": "value", "value": "fraud_burst"},
              {"id": "alerts-filter-unread", "property": "value", "value": False},
              {"id": "alerts-version", "property": "data", "value": 0}]
    listing = fire(app, client, "alerts-list.children", inputs, [{"id": "prefs", "property": "data", "value": KO}])
    hrefs = props(listing["alerts-list"]["children"], "href")
    assert hrefs == [f"/disputes/alert/{burst['alert']}.pdf", f"/disputes/alert/{burst['alert']}.csv"]
    assert all(client.get(href).status_code == 200 for href in hrefs)  # what the page links to downloads


def test_bell_shows_the_window_without_the_steps(app, client, store, burst):
    text = text_of(bell(app, client, is_open=True)["bell-list"])
    assert "11월 30일까지 취소하면 청구서에서 빠집니다" in text
    assert "사건사고사실확인원" not in text and "/disputes/alert/" not in text


@pytest.mark.month_edges
def test_window_at_the_month_edges(app, client, store):
    """Mid-month, 00:30 on the 1st, 23:00 on the last day and 29 February: a charge of this month is open to its
    last day ("오늘까지" on it), last month's is billed (blank in the grid, a refund on its alert)."""
    uid = make_user(store, EMAIL)
    line = make_line(store, uid)
    now = datetime.now(KST)
    fresh = charge(store, line, "넷마블", 3_300, now - timedelta(minutes=1), external_id="fresh")
    old = charge(store, line, "넥슨코리아", 5_500, now.replace(day=1, hour=12) - timedelta(days=1), external_id="old")
    with store.write() as db:
        for tx_id in (fresh, old):
            create_alert(db, user_id=uid, line_id=line, kind="large_charge", rule_key=f"large:{tx_id}",
                         message=f"고액 결제 {tx_id}", detail={"transaction_id": tx_id})
    login(client, EMAIL)
    left = days_in_month(usage_month(now)) - now.day
    rows = {r["id"]: r["window"] for r in get_rows(app, client, line)["rowData"]}
    assert rows == {fresh: "오늘까지" if left == 0 else f"{left}일 남음", old: ""}
    _kinds, _count, text = history(app, client)
    assert f"{previous_month(usage_month(now))} 이용분은 청구가 확정되어" in text
    assert ("오늘(" if left == 0 else f"({left}일 남음)") in text
    rows = csv_rows(client.get("/disputes/charges.csv", query_string=[("tx", fresh), ("tx", old)]).data)
    assert [r["상태"] for r in rows] == ["승인 (청구됨)", "승인 (청구 예정)"]
