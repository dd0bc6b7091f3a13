"""GET /export/transactions.csv|.xlsx: the filtered list, Excel-safe, and only for the line's owner."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data.importing.normalize import merchant_key
from data.models import AuditLog, Transaction
from tests.helpers import login, make_line, make_user

WHEN = datetime(2025, 5, 11, 5, 23, 5, tzinfo=UTC)  # 14:23:05 KST
ROWS = [
    ('=HYPERLINK("http://x")', "game", 12_300),
    ("<img src=x onerror=alert(1)>", "other", 3_300),
    ("+82 상품권", "gift_voucher", 50_000),
    ("@SUM(A1)", "game", 1_100),
    ("-1+2", "other", 2_200),
    ("\t탭", "other", 4_400),
    ("넷마블", "game", 5_500),
]


@pytest.fixture
def line(store) -> int:
    owner = make_user(store)
    line_id = make_line(store, owner)
    with store.write() as db:
        for index, (merchant, category, amount) in enumerate(ROWS):
            tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg="다날",
                             product="=1+1", category=category, bucket="micropayment", amount=amount,
                             status="approved", source="manual", external_id=f"x{index}", refund=False)
            tx.set_time(WHEN + timedelta(minutes=index))
            db.add(tx)
    return line_id


def url(fmt: str, **params) -> str:
    return f"/export/transactions.{fmt}?{urlencode(params)}"


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel shows Korean"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_csv_is_the_filtered_sorted_list_with_bom_and_escaping(client, store, line):
    login(client)
    sort = json.dumps([{"colId": "amount", "sort": "desc"}])
    response = client.get(url("csv", line=line, category="game", sort=sort))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="transactions-{line}-all.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = csv_rows(response.data)
    assert header[:3] == ["결제일시", "이용업체명", "결제대행사"]
    merchant, amount, product, category = (header.index(h) for h in ("이용업체명", "금액", "구매상품", "분류"))
    assert [r[merchant] for r in rows] == ["'=HYPERLINK(\"http://x\")", "넷마블", "'@SUM(A1)"]
    assert [r[amount] for r in rows] == ["12300", "5500", "1100"]  # numbers stay numbers
    assert {r[product] for r in rows} == {"'=1+1"} and {r[category] for r in rows} == {"게임"}
    assert rows[0][0] == "2025-05-11 14:23:05"  # KST wall time
    with store.read() as db:
        audit = db.scalar(select(AuditLog).where(AuditLog.action == "transactions.export"))
        assert audit.line_id == line and json.loads(audit.detail)["rows"] == 3


def test_every_formula_prefix_is_escaped_and_text_is_literal(client, store, line):
    login(client)
    _, *rows = csv_rows(client.get(url("csv", line=line)).data)
    merchants = {r[1] for r in rows}
    assert merchants == {"'=HYPERLINK(\"http://x\")", "<img src=x onerror=alert(1)>", "'+82 상품권", "'@SUM(A1)",
                         "'-1+2", "'\t탭", "넷마블"}


def test_xlsx_cells_are_strings_and_escaped(client, store, line):
    login(client)
    response = client.get(url("xlsx", line=line, q="=HYPERLINK"))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    values = list(sheet.iter_rows(min_row=2, values_only=False))
    assert len(values) == 1
    cells = dict(zip(header, values[0], strict=True))
    assert cells["이용업체명"].value == "'=HYPERLINK(\"http://x\")" and cells["이용업체명"].data_type == "s"
    assert cells["구매상품"].value == "'=1+1" and cells["구매상품"].data_type == "s"
    assert cells["금액"].value == 12_300 and cells["금액"].data_type == "n"
    assert cells["결제일시"].value == datetime(2025, 5, 11, 14, 23, 5)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    everything = load_workbook(io.BytesIO(client.get(url("xlsx", line=line)).data)).active
    merchants = {row[1] for row in everything.iter_rows(min_row=2, values_only=True)}
    assert "<img src=x onerror=alert(1)>" in merchants  # HTML is just text in a cell
    assert not any(c.data_type == "f" for row in everything.iter_rows() for c in row)


def test_grid_filter_model_and_hostile_models(client, store, line):
    login(client)
    model = json.dumps({"amount": {"filterType": "number", "type": "greaterThan", "filter": 5_000}})
    _, *rows = csv_rows(client.get(url("csv", line=line, filter=model)).data)
    assert sorted(int(r[5]) for r in rows) == [5_500, 12_300, 50_000]
    hostile = json.dumps({"merchant) OR 1=1 --": {"type": "contains", "filter": "x"}})
    for params in ({"filter": hostile}, {"sort": "not json"}, {"filter": "[" * 5000}, {"month": "'; DROP"}):
        response = client.get(url("csv", line=line, **params))
        assert response.status_code == 200 and len(csv_rows(response.data)) == len(ROWS) + 1


def test_foreign_missing_or_odd_lines_are_404(client, store, line):
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for fmt in ("csv", "xlsx"):
        for probe in ({"line": line}, {"line": "1 OR 1=1"}, {"line": 999_999}, {}):
            response = client.get(url(fmt, **probe))
            assert response.status_code == 404, (fmt, probe)
            assert "HYPERLINK" not in response.get_data(as_text=True)
    assert client.get(url("pdf", line=line)).status_code == 404


def test_anonymous_is_sent_to_login(client, store, line):
    response = client.get(url("csv", line=line))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_too_many_rows_asks_to_narrow_instead_of_cutting(client, store, line, monkeypatch):
    import dashboard.web.export_routes as routes

    monkeypatch.setitem(routes.MAX_ROWS, "xlsx", len(ROWS) - 1)
    login(client)
    response = client.get(url("xlsx", line=line))
    assert response.status_code == 413 and "좁혀서" in response.get_data(as_text=True)
    assert client.get(url("xlsx", line=line, category="game")).status_code == 200
