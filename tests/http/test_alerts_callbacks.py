"""The alerts UI over HTTP (Dash callbacks through the Flask test client): the bell on every page, read
marks, the overview banner, the budget form's Korean validation and the alert history filters — and
that another user's alert or line never shows up or changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from callbacks import pages
from data.alerts_store import create_alert
from data.budgets import save_budget
from data.importing.normalize import merchant_key
from data.models import Alert, Budget, Line, Transaction, utcnow
from tests.helpers import csrf_header, login, make_line, make_user

KO = {"lang": "ko", "theme": "light"}
EN = {"lang": "en", "theme": "dark"}


# ---- calling callbacks the way the renderer does ------------------------------------------------------

def callback_key(app, output: str, first_input: str) -> str:
    """The callback_map key of the callback writing `output` whose first input is `first_input` (several
    callbacks write alerts-version.data; their keys carry a hash)."""
    for key, spec in app.callback_map.items():
        if output in key and spec["inputs"][0]["id"] == first_input:
            return key
    raise KeyError(f"{output} / {first_input}")


def fire(app, client, output: str, inputs: list, state: list[dict], changed: str | None = None) -> dict:
    """POST /_dash-update-component; `inputs[0]` (or `changed`) is what the user touched. {} = no update."""
    key = callback_key(app, output, _input_id(inputs[0]))
    parts = key.strip(".").split("...")
    outputs = [{"id": p.split(".", 1)[0], "property": p.split(".", 1)[1]} for p in parts]
    first = inputs[0][0] if isinstance(inputs[0], list) and inputs[0] else inputs[0]
    changed = changed or f"{_prop_id(first['id'])}.{first['property']}"
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": [changed]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    if response.status_code == 204:
        return {}
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def _prop_id(component_id) -> str:
    return json.dumps(component_id, sort_keys=True, separators=(",", ":")) if isinstance(component_id, dict) \
        else component_id


def _input_id(spec) -> str:
    if isinstance(spec, list):  # an ALL wildcard: the callback's input id is the pattern
        return json.dumps({**spec[0]["id"], "index": ["ALL"]}, sort_keys=True, separators=(",", ":")) if spec \
            else ""
    return spec["id"]


def text_of(tree) -> str:
    return json.dumps(tree, ensure_ascii=False)


def props(tree, name: str) -> list:
    """Every value of prop `name` in a serialised component tree."""
    found = []
    if isinstance(tree, dict):
        if name in tree.get("props", {}):
            found.append(tree["props"][name])
        for value in tree.get("props", {}).values():
            found += props(value, name)
    elif isinstance(tree, list):
        for item in tree:
            found += props(item, name)
    return found


# ---- data --------------------------------------------------------------------------------------------

@pytest.fixture
def people(client, store):
    """The owner (logged in) with two lines, and a stranger with one line and an unread fraud alert."""
    owner = make_user(store, "owner@example.com")
    phone = make_line(store, owner, nickname="내 폰", effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    kid = make_line(store, owner, nickname="아이 폰", number="010-****-1111",
                    effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    stranger = make_user(store, "stranger@example.com")
    theirs = make_line(store, stranger, nickname="남의 폰", number="010-****-9999")
    foreign = alert(store, stranger, theirs, "fraud_burst", "fraud_night:2026-11-25", "남의 부정결제 알림")
    login(client)
    return {"owner": owner, "phone": phone, "kid": kid, "stranger": stranger, "theirs": theirs, "foreign": foreign}


def alert(store, user: int, line: int, kind: str, key: str, message: str, read: bool = False) -> int:
    with store.write() as db:
        row = create_alert(db, user_id=user, line_id=line, kind=kind, rule_key=key, message=message)
        if read:
            row.read_at = utcnow()
        return row.id


def spend(store, line: int, amount: int) -> None:
    with store.write() as db:
        tx = Transaction(line_id=line, merchant="쿠팡", merchant_key=merchant_key("쿠팡"), category="shopping",
                         bucket="micropayment", amount=amount, status="approved", source="manual",
                         external_id=f"s{amount}", refund=False)
        tx.set_time(utcnow())
        db.add(tx)


def unread(store, alert_id: int) -> bool:
    with store.read() as db:
        return db.get(Alert, alert_id).read_at is None


# ---- the bell ----------------------------------------------------------------------------------------

def bell(app, client, path: str = "/", is_open: bool = False, prefs: dict = KO) -> dict:
    inputs = [{"id": "bell-interval", "property": "n_intervals", "value": 1},
              {"id": "url", "property": "pathname", "value": path},
              {"id": "alerts-version", "property": "data", "value": 0},
              {"id": "bell-panel", "property": "is_open", "value": is_open}]
    return fire(app, client, "bell-count.children", inputs, [{"id": "prefs", "property": "data", "value": prefs}])


def test_bell_counts_the_owners_unread_alerts_on_every_page(app, client, store, people):
    alert(store, people["owner"], people["phone"], "budget_threshold", "budget:80:2026-11", "예산 80% 도달")
    alert(store, people["owner"], people["kid"], "large_charge", "large:1", "고액 결제 60,000원")
    alert(store, people["owner"], people["kid"], "new_merchant", "merchant:x", "이미 읽은 알림", read=True)
    for page in [*pages(), "/no-such-page"]:
        result = bell(app, client, getattr(page, "path", page))
        assert result["bell-count"]["children"] == "2", page
        assert "d-none" not in result["bell-count"]["className"]
        assert result["bell-button"]["aria-label"] == "읽지 않은 알림 2건"
        assert "bell-list" not in result  # the list is built only while the panel is open
    listing = bell(app, client, is_open=True)["bell-list"]["children"]
    text = text_of(listing)
    assert "예산 80% 도달" in text and "고액 결제 60,000원" in text and "이미 읽은 알림" in text
    assert "남의 부정결제 알림" not in text  # the stranger's alert
    assert sorted(props(listing, "data-read")) == ["0", "0", "1"]
    assert bell(app, client, prefs=EN)["bell-button"]["aria-label"] == "2 unread notifications"


def test_bell_without_unread_alerts_hides_the_badge(app, client, store, people):
    result = bell(app, client, "/alerts", is_open=True)
    assert result["bell-count"]["children"] == "" and "d-none" in result["bell-count"]["className"]
    assert result["bell-button"]["aria-label"] == "알림"
    assert "새 알림이 없습니다." in text_of(result["bell-list"])


def read_one(app, client, button_type: str, alert_id: int) -> dict:
    pressed = [{"id": {"type": button_type, "index": alert_id}, "property": "n_clicks", "value": 1}]
    return fire(app, client, "alerts-version.data", [pressed],
                [{"id": "alerts-version", "property": "data", "value": 3}])


@pytest.mark.parametrize("button_type", ["bell-read", "alert-read"])  # the bell's list and the history page
def test_mark_read_marks_only_the_owners_alert(app, client, store, people, button_type):
    mine = alert(store, people["owner"], people["phone"], "budget_threshold", "budget:50:2026-11", "예산 50%")
    assert read_one(app, client, button_type, mine) == {"alerts-version": {"data": 4}}  # the bell refreshes
    assert not unread(store, mine)
    assert bell(app, client)["bell-count"]["children"] == ""
    assert read_one(app, client, button_type, people["foreign"]) == {}  # someone else's id: nothing
    assert unread(store, people["foreign"])


def test_mark_all_read_from_the_bell_leaves_other_users_alone(app, client, store, people):
    ids = [alert(store, people["owner"], line, "large_charge", f"large:{line}", "고액") for line in
           (people["phone"], people["kid"])]
    result = fire(app, client, "alerts-version.data", [{"id": "bell-read-all", "property": "n_clicks", "value": 1}],
                  [{"id": "alerts-version", "property": "data", "value": 0}])
    assert result == {"alerts-version": {"data": 1}}
    assert not any(unread(store, i) for i in ids) and unread(store, people["foreign"])


# ---- the overview banner -----------------------------------------------------------------------------

def banner(app, client, path: str = "/", prefs: dict = KO):
    inputs = [{"id": "url", "property": "pathname", "value": path},
              {"id": "bell-interval", "property": "n_intervals", "value": 1},
              {"id": "alerts-version", "property": "data", "value": 0}]
    return fire(app, client, "alerts-banner.children", inputs,
                [{"id": "prefs", "property": "data", "value": prefs}])["alerts-banner"]["children"]


def test_banner_while_a_fraud_alert_is_unread_or_a_budget_is_over(app, client, store, people):
    assert banner(app, client) is None  # the stranger's unread fraud alert is not ours
    fraud = alert(store, people["owner"], people["phone"], "fraud_burst", "fraud_night:2026-11-25", "부정결제")
    shown = text_of(banner(app, client))
    assert "부정결제가 의심되는 알림이 1건 있습니다" in shown and "/alerts" in shown

    # Any line over its budget, not only the one picked in the top bar.
    with store.write() as db:
        save_budget(db, db.get(Line, people["kid"]), amount=100_000, thresholds=[50, 100], large_charge=None,
                    notify_new_merchant=False, user_id=people["owner"])
    spend(store, people["kid"], 99_000)
    assert "예산" not in text_of(banner(app, client)).replace("/budget", "")
    spend(store, people["kid"], 21_000)
    result = banner(app, client)
    ids = props(result, "id")
    assert ids == ["alerts-banner-fraud", "alerts-banner-budget"]
    assert "아이 폰: 이번 달 사용액 120,000원이 예산 100,000원을 넘었습니다." in text_of(result)
    assert "this month's 120,000원 is over the 100,000원 budget" in text_of(banner(app, client, prefs=EN))

    assert banner(app, client, "/budget") is None  # the overview only
    read_one(app, client, "bell-read", fraud)
    assert props(banner(app, client), "id") == ["alerts-banner-budget"]


# ---- the budget form ---------------------------------------------------------------------------------

BUDGET = "budget-amount.value"


def budget_form(app, client, line, action: str | None = None, prefs: dict = KO, **values) -> dict:
    inputs = [{"id": "line-picker", "property": "value", "value": line},
              {"id": "budget-save", "property": "n_clicks", "value": 1 if action == "save" else None},
              {"id": "budget-delete", "property": "n_clicks", "value": 1 if action == "delete" else None}]
    state = [{"id": "budget-amount", "property": "value", "value": values.get("amount")},
             {"id": "budget-thresholds", "property": "value", "value": values.get("thresholds", "50, 80, 100")},
             {"id": "budget-large", "property": "value", "value": values.get("large")},
             {"id": "budget-new-merchant", "property": "value", "value": values.get("new_merchant", False)},
             {"id": "prefs", "property": "data", "value": prefs}]
    changed = f"budget-{action}.n_clicks" if action else "line-picker.value"
    return fire(app, client, BUDGET, inputs, state, changed)


def errors(result: dict) -> dict[str, str]:
    return {field: result[f"budget-{field}-error"]["children"] for field in ("amount", "thresholds", "large")
            if result[f"budget-{field}"]["invalid"]}


@pytest.mark.parametrize(("values", "expected"), [
    ({"amount": 600_000, "thresholds": "80, 50", "large": -5},
     {"amount": "예산은 이 회선의 총 한도 500,000원을 넘을 수 없습니다.",
      "thresholds": "알림 기준은 작은 값부터 겹치지 않게 최대 10개까지 입력하세요.",
      "large": "고액 결제 기준은 0원보다 큰 정수여야 합니다."}),
    ({"amount": None}, {"amount": "예산 금액을 입력하세요."}),
    ({"amount": 0}, {"amount": "예산은 0원보다 커야 합니다."}),
    ({"amount": 1.5}, {"amount": "예산은 원 단위 정수로 입력하세요."}),
    ({"amount": 100_000, "thresholds": "50, 팔십"},
     {"thresholds": "알림 기준은 숫자를 쉼표로 구분해 입력하세요 (예: 50, 80, 100)."}),
    ({"amount": 100_000, "thresholds": "0, 50"}, {"thresholds": "알림 기준은 1부터 100 사이여야 합니다."}),
    ({"amount": 100_000, "thresholds": " "}, {"thresholds": "알림 기준을 하나 이상 입력하세요."}),
])
def test_budget_form_refuses_in_korean_next_to_each_field(app, client, store, people, values, expected):
    result = budget_form(app, client, people["phone"], "save", **values)
    assert errors(result) == expected
    notice = text_of(result["budget-feedback"]["children"])
    assert all(message in notice for message in expected.values())
    with store.read() as db:
        assert db.get(Budget, people["phone"]) is None


def test_budget_form_loads_saves_and_removes(app, client, store, people):
    empty = budget_form(app, client, people["phone"])
    assert empty["budget-amount-help"]["children"] == "이 회선의 총 한도 500,000원 이하"
    assert empty["budget-thresholds"]["value"] == "50, 80, 100"
    english = budget_form(app, client, people["phone"], "save", prefs=EN, amount=600_000)
    assert errors(english) == {"amount": "The budget cannot exceed this line's total limit of 500,000원."}

    saved = budget_form(app, client, people["phone"], "save", amount=200_000, thresholds="50,90", large=30_000,
                        new_merchant=True)
    assert "예산을 저장했습니다." in text_of(saved["budget-feedback"])
    assert (saved["budget-amount"]["value"], saved["budget-thresholds"]["value"]) == (200_000, "50, 90")
    assert errors(saved) == {}
    with store.read() as db:
        row = db.get(Budget, people["phone"])
        assert (row.amount, row.thresholds, row.large_charge, row.notify_new_merchant) == (200_000, "50,90", 30_000,
                                                                                           True)
    loaded = budget_form(app, client, people["phone"])
    assert (loaded["budget-amount"]["value"], loaded["budget-large"]["value"]) == (200_000, 30_000)

    removed = budget_form(app, client, people["phone"], "delete")
    assert "예산을 삭제했습니다." in text_of(removed["budget-feedback"])
    with store.read() as db:
        assert db.get(Budget, people["phone"]) is None


@pytest.mark.parametrize("probe", ["theirs", "1 OR 1=1", None, 999_999])
def test_budget_form_never_touches_another_users_line(app, client, store, people, probe):
    line = people.get(probe, probe) if isinstance(probe, str) else probe
    for action in (None, "save", "delete"):
        result = budget_form(app, client, line, action, amount=1_000)
        assert "먼저 회선을 등록하세요." in text_of(result["budget-feedback"])
    with store.read() as db:
        assert db.scalar(select(Budget)) is None


# ---- the alert history page --------------------------------------------------------------------------

def history(app, client, line=None, kind=None, unread_only=False) -> tuple[list[str], str, str]:
    inputs = [{"id": "alerts-filter-line", "property": "value", "value": line},
              {"id": "alerts-filter-kind", "property": "value", "value": kind},
              {"id": "alerts-filter-unread", "property": "value", "value": unread_only},
              {"id": "alerts-version", "property": "data", "value": 0}]
    result = fire(app, client, "alerts-list.children", inputs, [{"id": "prefs", "property": "data", "value": KO}])
    listing = result["alerts-list"]["children"]
    return props(listing, "data-kind"), result["alerts-count"]["children"], text_of(listing)


def test_alert_history_filters_by_line_kind_and_unread(app, client, store, people):
    owner, phone, kid = people["owner"], people["phone"], people["kid"]
    alert(store, owner, phone, "budget_threshold", "budget:80:2026-11", "예산 80%")
    alert(store, owner, phone, "fraud_burst", "fraud_night:2026-11-26", "부정결제 의심", read=True)
    alert(store, owner, kid, "large_charge", "large:9", "고액 결제")
    kinds, count, text = history(app, client)
    assert kinds == ["large_charge", "fraud_burst", "budget_threshold"] and count == "3건"
    assert "내 폰 (010-****-5678)" in text and "아이 폰 (010-****-1111)" in text and "남의" not in text
    assert history(app, client, line=kid)[:2] == (["large_charge"], "1건")
    assert history(app, client, kind="fraud_burst")[0] == ["fraud_burst"]
    assert history(app, client, unread_only=True)[0] == ["large_charge", "budget_threshold"]
    assert history(app, client, line=phone, unread_only=True)[0] == ["budget_threshold"]
    empty = history(app, client, kind="blocked_attempt")
    assert empty[0] == [] and "조건에 맞는 알림이 없습니다." in empty[2]

    options = fire(app, client, "alerts-filter-line.options", [{"id": "url", "property": "pathname",
                                                                "value": "/alerts"}],
                   [{"id": "prefs", "property": "data", "value": KO}])["alerts-filter-line"]["options"]
    assert [o["value"] for o in options] == [phone, kid]


def test_alert_history_of_another_users_line_is_empty_and_cannot_be_marked(app, client, store, people):
    alert(store, people["owner"], people["phone"], "budget_threshold", "budget:80:2026-11", "예산 80%")
    kinds, count, text = history(app, client, line=people["theirs"])
    assert kinds == [] and count == "" and "남의" not in text
    result = fire(app, client, "alerts-version.data",
                  [{"id": "alerts-read-all", "property": "n_clicks", "value": 1}],
                  [{"id": "alerts-filter-line", "property": "value", "value": people["theirs"]},
                   {"id": "alerts-version", "property": "data", "value": 0}])
    assert result == {} and unread(store, people["foreign"])
