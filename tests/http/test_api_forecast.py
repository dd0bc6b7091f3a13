"""The forecast through the API and the CLI, from the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from dashboard.cli import main
from data.models import Transaction
from data.vocab import KST, usage_month
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer

AS_OF = datetime(2026, 5, 15, 12, 0, tzinfo=KST)


def _history(store, line_id: int) -> None:
    """A monthly 10,900원 subscription on the 20th for a year, plus a 30,000원 charge this month."""
    rows = []
    for back in range(12, 0, -1):
        when = (AS_OF.replace(day=20) - timedelta(days=30.4 * back)).replace(day=20)
        rows.append(("멜론", 10_900, when))
    rows.append(("넥슨코리아", 30_000, AS_OF - timedelta(days=3)))
    with store.write() as db:
        for index, (merchant, amount, when) in enumerate(rows):
            db.add(Transaction(line_id=line_id, occurred_at=when.astimezone(UTC), usage_month=usage_month(when),
                               merchant=merchant, bucket="micropayment", amount=amount, status="approved",
                               source="manual", external_id=f"h{index}"))


def _forecast(client, line: int, headers: dict) -> dict:
    return client.get(f"/api/v1/lines/{line}/forecast", query_string={"as_of": AS_OF.isoformat()},
                      headers=headers).get_json()


def test_forecast_api_fields_and_recurring_exclusion(client, store):
    uid = make_user(store)
    line = make_line(store, uid, limits={"micropayment": 50_000, "content": 0},
                     effective_from=datetime(2025, 1, 1, tzinfo=UTC))
    _history(store, line)
    headers = bearer(store, uid)
    body = _forecast(client, line, headers)
    assert body["billing_month"] == "2026-05" and body["spent_to_date"] == 30_000
    assert body["low"] <= body["expected"] <= body["high"] and body["expected"] >= 30_000
    assert body["due_date"] == "2026-06-21" and 0 <= body["p_exceed_limit"] <= 1
    assert [item["merchant"] for item in body["upcoming_recurring"]] == ["멜론"]
    excluded = client.post(f"/api/v1/lines/{line}/recurring-exclusions", json={"merchant": "멜론"}, headers=headers)
    assert excluded.status_code == 200
    after = _forecast(client, line, headers)
    assert after["upcoming_recurring"] == [] and after["excluded_recurring"] == ["멜론"]
    assert after["expected"] <= body["expected"]


def test_forecast_of_another_users_line_is_404_and_bad_date_422(client, store):
    owner = make_user(store, "owner@example.com")
    line = make_line(store, owner)
    other = make_user(store, "other@example.com")
    assert client.get(f"/api/v1/lines/{line}/forecast", headers=bearer(store, other)).status_code == 404
    bad = client.get(f"/api/v1/lines/{line}/forecast?as_of=yesterday", headers=bearer(store, owner))
    assert bad.status_code == 422


def test_forecast_cli_json(database_url, store_for_url, tmp_path):
    uid = make_user(store_for_url)
    line = make_line(store_for_url, uid)
    _history(store_for_url, line)
    env = {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path)}
    result = CliRunner().invoke(main, ["forecast", "--line", str(line), "--as-of", "2026-05-15", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["billing_month"] == "2026-05" and data["spent_to_date"] == 30_000
    missing = CliRunner().invoke(main, ["forecast", "--line", "999999"], env=env)
    assert missing.exit_code != 0
