"""A second user asking for the first user's line gets no data."""

from __future__ import annotations

from data.models import Transaction, utcnow
from data.vocab import usage_month
from tests.helpers import csrf_header, dash_update, login, make_line, make_user, overview_inputs

OVERVIEW = "..overview-usage.children...monthly-chart.figure.."


def _spend(store, line_id: int, amount: int) -> None:
    now = utcnow()
    with store.write() as db:
        db.add(Transaction(line_id=line_id, occurred_at=now, usage_month=usage_month(now), merchant="넥슨",
                           bucket="micropayment", amount=amount, status="approved", source="manual",
                           external_id="x1"))


def _overview(client, line_id):
    inputs = overview_inputs(line_id)
    response = dash_update(client, OVERVIEW, inputs, headers=csrf_header(client))
    assert response.status_code == 200
    return response.get_json()["response"]


def test_owner_sees_their_usage(client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    _spend(store, line, 12_300)
    login(client)
    result = _overview(client, line)
    figure = result["monthly-chart"]["figure"]
    assert 12_300 in figure["data"][0]["y"]
    assert "12,300원" in str(result["overview-usage"]["children"])


def test_other_user_gets_nothing_for_a_foreign_line(client, store):
    owner = make_user(store, "owner@example.com")
    line = make_line(store, owner)
    _spend(store, line, 12_300)
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for probe in (line, str(line), None, "1 OR 1=1", 999_999):
        result = _overview(client, probe)
        assert result["monthly-chart"]["figure"]["data"] == []
        assert "12,300" not in str(result)


def test_line_picker_lists_only_own_lines(client, store):
    owner = make_user(store, "owner@example.com")
    make_line(store, owner, nickname="남의 폰")
    other = make_user(store, "other@example.com")
    mine = make_line(store, other, nickname="내 폰")
    login(client, "other@example.com")
    body = {"output": "..line-picker.options...line-picker.value..",
            "outputs": [{"id": "line-picker", "property": "options"}, {"id": "line-picker", "property": "value"}],
            "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
            "state": [{"id": "line-picker", "property": "value", "value": None},
                      {"id": "prefs", "property": "data", "value": {"lang": "ko"}}],
            "changedPropIds": ["url.pathname"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    options = response.get_json()["response"]["line-picker"]["options"]
    assert [o["value"] for o in options] == [mine]
    assert "남의 폰" not in str(options)
