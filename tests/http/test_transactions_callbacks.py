"""Transactions page callbacks through the Flask test client: rows, counts, writes — and ownership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data.importing.normalize import merchant_key
from data.models import CategoryRule, Transaction
from data.vocab import usage_month
from tests.helpers import csrf_header, login, make_line, make_user

PREFS = {"lang": "ko", "theme": "light"}
FILTERS = ("tx-month", "tx-bucket", "tx-status", "tx-category", "tx-search")
PROBES = ("1 OR 1=1", None, 999_999, "", [1], {"id": 1})


def call(app, client, marker: str, inputs: list[dict], state: list[dict]) -> dict:
    """POST /_dash-update-component for the callback whose output key contains `marker`."""
    key = marker if marker in app.callback_map else next(k for k in app.callback_map if marker in k)
    parts = key.strip(".").split("...")
    outputs = [{"id": p.split(".", 1)[0], "property": p.split(".", 1)[1]} for p in parts]
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    if response.status_code == 204:
        return {}
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def controls(**values) -> list[dict]:
    return [{"id": i, "property": "value", "value": values.get(i.removeprefix("tx-"))} for i in FILTERS]


def get_rows(app, client, line_id, request=None, **filters) -> dict:
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, **(request or {})}
    state = [{"id": "line-picker", "property": "value", "value": line_id}, *controls(**filters),
             {"id": "prefs", "property": "data", "value": PREFS}]
    result = call(app, client, "tx-grid.getRowsResponse",
                  [{"id": "tx-grid", "property": "getRowsRequest", "value": request}], state)
    return result["tx-grid"]["getRowsResponse"]


def count_and_links(app, client, line_id, request=None, **filters) -> dict:
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, **(request or {})}
    state = [{"id": "line-picker", "property": "value", "value": line_id}, *controls(**filters),
             {"id": "prefs", "property": "data", "value": PREFS}]
    return call(app, client, "tx-count.children",
                [{"id": "tx-grid", "property": "getRowsRequest", "value": request}], state)


def action(app, client, trigger: str, line_id, tx_id, category="game", always=False) -> dict:
    inputs = [{"id": "tx-recat-save", "property": "n_clicks", "value": 1 if trigger == "tx-recat-save" else None},
              {"id": "tx-cancel", "property": "n_clicks", "value": 1 if trigger == "tx-cancel" else None}]
    state = [{"id": "tx-grid", "property": "selectedRows", "value": [{"id": tx_id}]},
             {"id": "tx-recat-category", "property": "value", "value": category},
             {"id": "tx-recat-always", "property": "value", "value": always},
             {"id": "line-picker", "property": "value", "value": line_id},
             {"id": "tx-refresh", "property": "data", "value": 0},
             {"id": "prefs", "property": "data", "value": PREFS}]
    key = next(k for k in app.callback_map if "tx-action-msg.children" in k)
    parts = key.strip(".").split("...")
    body = {"output": key, "outputs": [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in parts],
            "inputs": inputs, "state": state, "changedPropIds": [f"{trigger}.n_clicks"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


MANUAL_FIELDS = ("when", "merchant", "amount", "bucket", "category", "status", "pg", "product")


def manual(app, client, line_id, **values) -> dict:
    state = [*({"id": f"tx-manual-{f}", "property": "value", "value": values.get(f)} for f in MANUAL_FIELDS),
             {"id": "line-picker", "property": "value", "value": line_id},
             {"id": "tx-refresh", "property": "data", "value": 0},
             {"id": "prefs", "property": "data", "value": PREFS}]
    return call(app, client, "tx-manual-msg.children",
                [{"id": "tx-manual-submit", "property": "n_clicks", "value": 1}], state)


def spend(store, line_id: int, merchant: str, amount: int, *, category="other", when=None, ext=None) -> int:
    moment = when or datetime.now(UTC) - timedelta(minutes=5)
    with store.write() as db:
        tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg="다날",
                         product="상품", category=category, bucket="micropayment", amount=amount,
                         status="approved", source="manual", external_id=ext or f"{merchant}-{amount}",
                         refund=False)
        tx.set_time(moment)
        db.add(tx)
        db.flush()
        return tx.id


@pytest.fixture
def owner_line(client, store):
    owner = make_user(store)
    line = make_line(store, owner)
    ids = {"nexon": spend(store, line, "(주)다날_넥슨", 12_300, category="game"),
           "voucher": spend(store, line, "컬쳐랜드", 50_000, category="gift_voucher"),
           "xss": spend(store, line, "<img src=x onerror=alert(1)>", 3_300)}
    return owner, line, ids


def test_owner_gets_rows_with_labels_and_kst_times(app, client, store, owner_line):
    _, line, ids = owner_line
    login(client)
    response = get_rows(app, client, line)
    assert response["rowCount"] == 3
    first = response["rowData"][-1]
    assert first["merchant"] == "(주)다날_넥슨" and first["category_label"] == "게임"
    assert first["bucket_label"] == "소액결제" and first["status_label"] == "승인" and first["amount"] == 12_300
    assert len(first["occurred_at"]) == 16  # "YYYY-MM-DD HH:MM" in KST
    assert response["rowData"][0]["merchant"] == "<img src=x onerror=alert(1)>"  # data, shown as text
    sorted_rows = get_rows(app, client, line, {"sortModel": [{"colId": "amount", "sort": "desc"}]})
    assert [r["amount"] for r in sorted_rows["rowData"]] == [50_000, 12_300, 3_300]
    narrowed = get_rows(app, client, line, category="gift_voucher")
    assert [r["merchant"] for r in narrowed["rowData"]] == ["컬쳐랜드"] and narrowed["rowCount"] == 1
    searched = get_rows(app, client, line, search="넥슨")
    assert [r["id"] for r in searched["rowData"]] == [ids["nexon"]]
    hostile = get_rows(app, client, line, {"sortModel": [{"colId": "id; DROP TABLE users", "sort": "asc"}],
                                           "filterModel": {"merchant": {"filterType": "text", "type": "contains",
                                                                        "filter": "' OR 1=1 --"}}})
    assert hostile == {"rowData": [], "rowCount": 0}


def test_count_label_and_export_links_follow_the_filters(app, client, store, owner_line):
    _, line, _ = owner_line
    login(client)
    result = count_and_links(app, client, line, {"sortModel": [{"colId": "amount", "sort": "asc"}]},
                             category="game", search="넥슨")
    assert result["tx-count"]["children"] == "1건"
    href = result["tx-export-csv"]["href"]
    assert href.startswith("/export/transactions.csv?") and f"line={line}" in href
    assert "category=game" in href and "q=%EB%84%A5%EC%8A%A8" in href and "sort=" in href
    assert result["tx-export-xlsx"]["href"].startswith("/export/transactions.xlsx?")
    later_block = count_and_links(app, client, line, {"startRow": 100, "endRow": 200})
    assert later_block == {}  # only the first block of a query is counted


def test_other_user_gets_nothing_for_a_foreign_line(app, client, store, owner_line):
    _, line, ids = owner_line
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for probe in (line, str(line), *PROBES):
        assert get_rows(app, client, probe) == {"rowData": [], "rowCount": 0}
        links = count_and_links(app, client, probe)
        assert links["tx-count"]["children"] == "" and links["tx-export-csv"]["href"] is None
    months = call(app, client, "tx-month.options", [{"id": "line-picker", "property": "value", "value": line}],
                  [{"id": "tx-month", "property": "value", "value": None},
                   {"id": "prefs", "property": "data", "value": PREFS}])
    assert months["tx-month"]["options"] == [{"label": "전체", "value": "all"}]
    selected = call(app, client, "tx-selected.children",
                    [{"id": "tx-grid", "property": "selectedRows", "value": [{"id": ids["nexon"]}]},
                     {"id": "tx-refresh", "property": "data", "value": 0}],
                    [{"id": "prefs", "property": "data", "value": PREFS}])
    assert "넥슨" not in str(selected) and selected["tx-actions"]["disabled"] is True


def test_other_user_cannot_write_to_foreign_rows(app, client, store, owner_line):
    _, line, ids = owner_line
    other = make_user(store, "other@example.com")
    own_line = make_line(store, other, number="010-****-0000")
    login(client, "other@example.com")
    for trigger in ("tx-recat-save", "tx-cancel"):
        for line_id in (line, own_line):  # the foreign line, then their own line with a foreign row id
            result = action(app, client, trigger, line_id, ids["nexon"], category="shopping", always=True)
            assert "alert-danger" in str(result["tx-action-msg"]["children"])
    added = manual(app, client, line, when="2025-05-11T14:23", merchant="침입", amount="1000",
                   bucket="micropayment", category="auto", status="approved")
    assert "회선을 먼저 선택하세요" in str(added)
    with store.read() as db:
        assert db.get(Transaction, ids["nexon"]).category == "game"
        assert db.scalars(select(CategoryRule)).all() == []
        assert db.scalar(select(Transaction).where(Transaction.merchant == "침입")) is None
        assert db.scalar(select(Transaction).where(Transaction.cancels_id.is_not(None))) is None


def test_recategorise_with_a_rule_and_select_summary(app, client, store, owner_line):
    owner, line, ids = owner_line
    other_line = make_line(store, owner, number="010-****-1111")
    elsewhere = spend(store, other_line, "넥슨코리아", 1_100, ext="tablet")
    login(client)
    summary = call(app, client, "tx-selected.children",
                   [{"id": "tx-grid", "property": "selectedRows", "value": [{"id": ids["nexon"]}]},
                    {"id": "tx-refresh", "property": "data", "value": 0}],
                   [{"id": "prefs", "property": "data", "value": PREFS}])
    assert "(주)다날_넥슨" in str(summary["tx-selected"]["children"]) and "12,300원" in str(summary)
    assert summary["tx-recat-category"]["value"] == "game" and summary["tx-actions"]["disabled"] is False
    assert "(주)다날_넥슨" in summary["tx-recat-always"]["label"]
    result = action(app, client, "tx-recat-save", line, ids["nexon"], category="shopping", always=True)
    assert "지난 결제 2건" in str(result["tx-action-msg"]["children"]) and result["tx-refresh"]["data"] == 1
    with store.read() as db:
        assert db.get(Transaction, elsewhere).category == "shopping"
    filtered = get_rows(app, client, line, category="shopping")
    assert [r["id"] for r in filtered["rowData"]] == [ids["nexon"]]


def test_cancel_this_month(app, client, store, owner_line):
    _, line, ids = owner_line
    login(client)
    result = action(app, client, "tx-cancel", line, ids["voucher"])
    assert "청구 금액에서 빠집니다" in str(result["tx-action-msg"]["children"])
    again = action(app, client, "tx-cancel", line, ids["voucher"])
    assert "이미 취소된 결제입니다" in str(again["tx-action-msg"]["children"])
    rows = get_rows(app, client, line, status="cancelled")["rowData"]
    assert [r["status_label"] for r in rows] == ["취소 (청구 차감)"]


def test_manual_add_validates_in_korean_and_stores(app, client, store, owner_line):
    _, line, _ = owner_line
    login(client)
    bad = manual(app, client, line, when="", merchant="", amount="0", bucket="micropayment", category="auto",
                 status="approved")
    message = str(bad["tx-manual-msg"]["children"])
    assert "결제 일시를 정확히 입력하세요" in message and "이용업체명을 입력하세요" in message
    assert bad["tx-manual-when"]["invalid"] is True and bad["tx-manual-bucket"]["invalid"] is False
    assert "tx-refresh" not in bad
    now_kst = (datetime.now(UTC) + timedelta(hours=9) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    good = manual(app, client, line, when=now_kst, merchant="넷마블", amount="5,500", bucket="micropayment",
                  category="auto", status="approved", pg="", product="")
    assert "넷마블 5,500원 결제를 추가했습니다" in str(good["tx-manual-msg"]["children"])
    assert good["tx-refresh"]["data"] == 1
    with store.read() as db:
        row = db.scalar(select(Transaction).where(Transaction.merchant == "넷마블"))
        assert row.source == "manual" and row.category == "game" and row.usage_month == usage_month(row.occurred_at)


def test_transactions_page_is_routed_and_linked(app, client, store, owner_line):
    login(client)
    page = call(app, client, "page.children", [{"id": "url", "property": "pathname", "value": "/transactions"}],
                [{"id": "prefs", "property": "data", "value": PREFS}])
    text = str(page)
    assert "tx-grid" in text and "결제 내역" in text and "dangerously_allow_code" not in text
    layout = str(client.get("/_dash-layout").get_json())
    assert "'/transactions'" in layout and "결제 내역" in layout  # the nav link


def test_no_export_link_for_a_list_too_big_for_the_format(app, client, store, owner_line, monkeypatch):
    import dashboard.web.export_routes as routes

    _, line, _ = owner_line
    monkeypatch.setitem(routes.MAX_ROWS, "xlsx", 2)
    login(client)
    result = count_and_links(app, client, line)
    assert result["tx-export-xlsx"]["href"] is None and result["tx-export-csv"]["href"]
    assert "좁혀서" in result["tx-count"]["children"]
    assert count_and_links(app, client, line, category="game")["tx-export-xlsx"]["href"]
