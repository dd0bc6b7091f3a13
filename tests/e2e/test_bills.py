"""/bills in the browser: an overdue bill shows its late fee and the restriction; paying by card lifts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.text.formatting import won
from data.billing import due_date, late_fee
from data.models import Line, Transaction, utcnow
from data.vocab import kst_today, month_start, months_back, usage_month
from tests.e2e.pages import browser_login, by_css, screenshots
from tests.helpers import PASSWORD
from tests.http.test_api_bills import line_in_arrears


def _last_month_usage(store, line_id: int) -> None:
    start = month_start(months_back(usage_month(utcnow()), 2)[0])
    with store.write() as db:
        for n, (amount, bucket) in enumerate(((23_000, "micropayment"), (3_300, "content"))):
            row = Transaction(line_id=line_id, merchant="멜론", bucket=bucket, amount=amount, status="approved",
                              source="manual", external_id=f"last-{n}")
            row.set_time(start + timedelta(days=5 + n))
            db.add(row)


def _type(dash_duo, selector: str, text: str) -> None:
    field = dash_duo.wait_for_element(selector)
    field.clear()
    field.send_keys(text)


def _status(store, line_id: int) -> str:
    with store.read() as db:
        return db.scalar(select(Line.status).where(Line.id == line_id))


@pytest.mark.month_edges
def test_overdue_bill_shows_late_fee_and_restriction_and_paying_by_card_lifts_it(dash_duo, app, store, output_dir):
    _uid, line, _old, last = line_in_arrears(store)
    _last_month_usage(store, line)
    # Last month's own 26,300원 get their 2% only once its due date (the 21st of this month) has passed.
    own_fee = late_fee(26_300, 0.02) if kst_today() > due_date(last, 21) else 0
    owed = won(10_200 + 26_300 + own_fee)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, "owner@example.com")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/bills")

    alert = dash_duo.wait_for_element("#restriction-alert", timeout=15)
    assert "제한" in alert.text and owed in alert.text
    fees = [el.text for el in by_css(dash_duo, ".bill-late-fee")]
    assert fees[-1].split() == ["연체", "가산금", "200원"] and len(fees) == 1 + bool(own_fee)
    badges = [el.text for el in by_css(dash_duo, ".bill-status")]
    assert badges == ["연체", "다음 청구서로 이월"]
    assert _status(store, line) == "restricted"
    assert "미납 제한" in dash_duo.find_element("#line-picker").text

    shots = screenshots(dash_duo, output_dir, "bills", "#restriction-alert")
    assert all(p.stat().st_size > 10_000 for p in shots)

    dash_duo.wait_for_element(".bill-card.border-danger .bill-pay").click()
    dash_duo.wait_for_text_to_equal("#pay-summary", f"납부 금액 {owed}", timeout=10)
    _type(dash_duo, "#pay-card", "4000 0000 0000 0002")
    _type(dash_duo, "#pay-password", PASSWORD)
    dash_duo.find_element("#pay-submit").click()
    dash_duo.wait_for_contains_text("#pay-message", "거절", timeout=15)
    assert _status(store, line) == "restricted"

    _type(dash_duo, "#pay-card", "4111 1111 1111 1111")
    _type(dash_duo, "#pay-password", PASSWORD)
    dash_duo.find_element("#pay-submit").click()
    dash_duo.wait_for_contains_text("#pay-message", f"{owed} 납부가 완료되었습니다", timeout=15)
    assert "제한이 해제" in dash_duo.find_element("#pay-message").text
    assert _status(store, line) == "active"
    assert not dash_duo.find_element("#pay-submit").is_enabled()  # a second click cannot pay again
    dash_duo.driver.save_screenshot(str(output_dir / "bills-paid-form-1280.png"))

    dash_duo.find_element("#pay-close").click()
    dash_duo._wait_for(lambda _: not by_css(dash_duo, "#restriction-alert"), timeout=10, msg="restriction shown")
    paid = ["납부 완료", "다음 청구서로 이월"]
    dash_duo._wait_for(lambda _: [el.text for el in by_css(dash_duo, ".bill-status")] == paid,
                       timeout=10, msg="bill not shown as paid")
    dash_duo._wait_for(lambda _: "미납 제한" not in dash_duo.find_element("#line-picker").text, timeout=10,
                       msg="line picker still says restricted")
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(entry["message"] for entry in logs)
