"""The limit advisor on /limits through /_dash-update-component and its service: the suggestion from the last
six months, one click to apply it (lowering at once, raising only with the password), the gift-voucher
warning, and nothing for anyone else's line."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dashboard.context import settings
from dashboard.services import limits as limits_service
from dashboard.services.errors import NotFound
from data.line_actions import stored_limit
from data.models import Transaction, utcnow
from data.vocab import month_start, months_back, previous_month, usage_month
from tests.helpers import PASSWORD, csrf_header, login, make_line, make_user

PREFS = {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}
# Busiest months 41,200원 (the 90th percentile of these six): 50,000원 is enough.
MICRO = (30_000, 35_000, 41_200, 20_000, 41_200, 33_000)


def past_months(count: int = 6) -> list[str]:
    """The last `count` complete KST months before the (fixed) clock's month, oldest first."""
    return months_back(previous_month(usage_month(utcnow())), count)


def seed(store, line_id: int, amounts: dict[str, tuple[int, ...]], category: str = "game") -> None:
    """One approved charge per month and bucket (raw rows: history as an import would leave it)."""
    with store.write() as db:
        for bucket, values in amounts.items():
            for month, amount in zip(past_months(len(values)), values, strict=True):
                row = Transaction(line_id=line_id, merchant="넥슨코리아", merchant_key="넥슨코리아", pg="다날",
                                  category=category, bucket=bucket, amount=amount, status="approved",
                                  source="import", external_id=f"{bucket}-{month}-{category}", refund=False)
                row.set_time(month_start(month) + timedelta(days=9))
                db.add(row)


def line_with_history(store, owner: int, limits: dict[str, int], **amounts: tuple[int, ...]) -> int:
    line = make_line(store, owner, limits=limits, effective_from=utcnow() - timedelta(days=250))
    seed(store, line, amounts)
    return line


def _callback(client, output_contains: str, inputs: list, state: list):
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if output_contains in d["output"])
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in spec["output"].strip(".").split("...")]
    flat = [i for group in inputs for i in (group if isinstance(group, list) else [group])]
    changed = [f"{json.dumps(i['id'], sort_keys=True, separators=(',', ':')) if isinstance(i['id'], dict) else i['id']}"
               f".{i['property']}" for i in flat]
    body = {"output": spec["output"], "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": changed}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"], ensure_ascii=False) if response.status_code == 200 else ""


def advisor(client, line_id, lang: str = "ko") -> str:
    return _callback(client, "advice-body.children",
                     [{"id": "line-picker", "property": "value", "value": line_id},
                      {"id": "limits-version", "property": "data", "value": 0},
                      {"id": "line-status-version", "property": "data", "value": 0},
                      {**PREFS, "value": {"lang": lang, "theme": "light"}}], [])


def apply(client, line_id, bucket: str, amount: int, password: str | None = None) -> str:
    button = {"type": "advice-apply", "bucket": bucket, "amount": amount}
    return _callback(client, "advice-feedback.children",
                     [[{"id": button, "property": "n_clicks", "value": 1}]],
                     [{"id": "line-picker", "property": "value", "value": line_id},
                      {"id": "limits-password", "property": "value", "value": password},
                      {"id": "limits-version", "property": "data", "value": 0}, PREFS,
                      {"id": "limits-code", "property": "value", "value": None}])


def limit_now(store, line_id: int, bucket: str) -> int | None:
    with store.read() as db:
        return stored_limit(db, line_id, bucket, utcnow())


@pytest.mark.month_edges
def test_the_suggestion_lowers_the_limit_in_one_click(client, store):
    line = line_with_history(store, make_user(store), {"micropayment": 300_000, "content": 200_000}, micropayment=MICRO,
                             content=(0, 0, 0, 5_000, 0, 0))
    login(client)
    card = advisor(client, line)
    assert "추천 한도 50,000원" in card and "41,200원" in card and "한도 50,000원이면 충분해요" in card
    assert "추천 한도 10,000원" in card  # content: one step
    assert "이 한도로 바꾸기" in card and "상품권" not in card
    english = advisor(client, line, "en")
    assert "Suggested 50,000원" in english and "Use this limit" in english

    feedback = apply(client, line, "micropayment", 50_000)  # no password: lowering needs none
    assert "소액결제 한도를 50,000원(으)로 바꿨습니다" in feedback
    assert limit_now(store, line, "micropayment") == 50_000
    assert "그대로" in advisor(client, line)  # the advice now keeps it


@pytest.mark.month_edges
def test_a_suggested_raise_needs_the_password(client, store):
    line = line_with_history(store, make_user(store), {"micropayment": 30_000, "content": 10_000}, micropayment=MICRO)
    login(client)
    assert "50,000원으로 올리기를 권해요" in advisor(client, line)
    assert "비밀번호" in apply(client, line, "micropayment", 50_000)
    assert "비밀번호가 올바르지 않습니다" in apply(client, line, "micropayment", 50_000, "wrong password")
    assert limit_now(store, line, "micropayment") == 30_000
    assert "50,000원(으)로 바꿨습니다" in apply(client, line, "micropayment", 50_000, PASSWORD)
    assert limit_now(store, line, "micropayment") == 50_000


@pytest.mark.month_edges
def test_gift_vouchers_near_the_limit_warn_without_a_link(app, client, store):
    owner = make_user(store)
    line = line_with_history(store, owner, {"micropayment": 300_000, "content": 200_000},
                             micropayment=(50_000, 60_000, 40_000, 55_000, 60_000, 65_000))
    with store.write() as db:  # two months taken to the limit by vouchers
        for month in past_months()[2:5:2]:
            row = Transaction(line_id=line, merchant="컬쳐랜드", merchant_key="컬쳐랜드", pg="다날",
                              category="gift_voucher", bucket="micropayment", amount=240_000, status="approved",
                              source="import", external_id=f"voucher-{month}", refund=False)
            row.set_time(month_start(month) + timedelta(days=20))
            db.add(row)
    login(client)
    card = advisor(client, line)
    assert "advice-voucher-warning" in card and "상품권 현금화" in card and "불법" in card
    assert "href" not in card
    assert "상품권 결제를 빼면" in card and "추천 한도 70,000원" in card  # lower on purpose: 65,000 → 70,000
    with app.server.app_context():
        advice = limits_service.limit_advice(store, settings(), owner, line)
    assert advice.voucher_months == 2 and advice.row("micropayment").suggested == 70_000


@pytest.mark.month_edges
def test_too_little_history_gives_no_suggestion(client, store):
    line = line_with_history(store, make_user(store), {"micropayment": 300_000, "content": 200_000},
                             micropayment=(30_000, 40_000))
    login(client)
    card = advisor(client, line)
    assert "사용 기록이 2개월뿐이라 아직 추천하지 않아요" in card and "이 한도로 바꾸기" not in card


def test_another_users_line_gets_no_advice_and_no_change(app, client, store):
    owner = make_user(store)
    line = line_with_history(store, owner, {"micropayment": 300_000, "content": 200_000}, micropayment=MICRO)
    other = make_user(store, "other@example.com")
    with app.server.app_context(), pytest.raises(NotFound):
        limits_service.limit_advice(store, settings(), other, line)
    login(client, "other@example.com")
    for probe in (line, str(line), "1 OR 1=1", None):
        assert "등록된 회선이 없습니다" in advisor(client, probe)
    assert "등록된 회선이 없습니다" in apply(client, line, "micropayment", 0)
    assert limit_now(store, line, "micropayment") == 300_000
