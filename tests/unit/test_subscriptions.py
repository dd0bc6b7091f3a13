"""Subscriptions: found in the demo personas' and in hand-made histories (every planted one, nothing among
one-off charges), and the two alerts — a new subscription, a price rise — firing once each, as a pure rule
and inside the alert engine on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
from collections import namedtuple
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from dashboard.alerts.engine import evaluate
from dashboard.alerts.rules import Charge
from dashboard.alerts.subscription_rules import findings
from dashboard.forecasting import forecast_bill, frame_from_charges
from dashboard.forecasting.frame import kst_day_of, payments_before
from dashboard.forecasting.subscriptions import CONFIRM_CHARGES, Subscription, find
from dashboard.settings import load_settings
from data.demo import PERSONAS, generate_history
from data.forecast_input import exclude_recurring
from data.importing.normalize import merchant_key
from data.models import Alert, Line, Transaction
from data.subscriptions import HISTORY_DAYS, HISTORY_LIMIT
from data.vocab import KST
from tests.conftest import SUITE_NOW
from tests.helpers import make_line, make_user


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (KST moment, amount, merchant[, pay_type[, status]])."""
    records = [{"occurred_at": moment, "amount": amount, "merchant": merchant,
                "pay_type": rest[0] if rest else "one_off", "status": rest[1] if len(rest) > 1 else "approved",
                "bucket": "micropayment"} for moment, amount, merchant, *rest in rows]
    result = pd.DataFrame(records)
    result["occurred_at"] = pd.to_datetime(result["occurred_at"], utc=True)
    return result


def subscriptions(rows: list[tuple] | pd.DataFrame, now: datetime) -> list[Subscription]:
    history = rows if isinstance(rows, pd.DataFrame) else frame(rows)
    payments = payments_before(history, now)
    marked = history["pay_type"].to_numpy()[payments.rows] == "recurring"
    return find(payments, kst_day_of(now), marked)


def monthly(merchant: str, amount: int, months: list[tuple[int, int]], day: int, hour: int = 9,
            pay_type: str = "one_off") -> list[tuple]:
    """One charge a month on `day` (clamped to short months) of each (year, month)."""
    out = []
    for year, month in months:
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        out.append((kst(year, month, min(day, last), hour, 7), amount, merchant, pay_type))
    return out


def months(first: tuple[int, int], count: int) -> list[tuple[int, int]]:
    year, month = first
    return [(year + (month - 1 + k) // 12, (month - 1 + k) % 12 + 1) for k in range(count)]


# ---- the demo personas: every planted subscription, and nothing else -----------------------------------

def planted(charges) -> dict[str, list]:
    """The generator's subscriptions: its 자동결제 (pay_type "recurring") payments, per merchant."""
    out: dict[str, list] = {}
    for charge in charges:
        if charge.pay_type == "recurring" and charge.status == "approved":
            out.setdefault(charge.merchant, []).append(charge)
    return out


def planted_rises(charges) -> list[tuple[str, int, int, int, int]]:
    """(merchant, old price, new price, charges at the old price, at the new price) per planted price rise."""
    out = []
    for merchant, paid in planted(charges).items():
        amounts = [c.amount for c in paid]
        for k in range(1, len(amounts)):
            if amounts[k] > amounts[k - 1]:
                out.append((merchant, amounts[k - 1], amounts[k], amounts[:k].count(amounts[k - 1]),
                            amounts[k:].count(amounts[k])))
    return out


@pytest.mark.parametrize("marked", [True, False], ids=["marked", "amounts-only"])
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_planted_subscription_is_found_and_no_one_off_charge_is_one(persona: str, marked: bool) -> None:
    for seed in range(6):
        charges = generate_history(persona, seed, SUITE_NOW)
        history = frame_from_charges(charges)
        payments = payments_before(history, SUITE_NOW)
        kinds = history["pay_type"].to_numpy()[payments.rows]
        found = find(payments, kst_day_of(SUITE_NOW), kinds == "recurring" if marked else None)
        for sub in found:
            assert set(kinds[sub.members]) == {"recurring"}, (seed, sub.merchant, sub.amount)
        enough = 2 if marked else CONFIRM_CHARGES
        expected = {m for m, paid in planted(charges).items() if len(paid) >= enough}
        assert expected <= {sub.merchant for sub in found}, seed
        for sub in found:
            product = {c.product for c in planted(charges)[sub.merchant]}
            weekly = any("자동충전" in p for p in product)  # the webtoon coins top up every week
            assert sub.cadence == ("weekly" if weekly else "monthly"), (seed, sub.merchant)
        changes = {(s.merchant, c.old, c.new) for s in found for c in s.changes}
        for merchant, old, new, _, at_new in planted_rises(charges):
            if marked or at_new >= 2:  # a new price charged once, unmarked, waits for its confirmation
                assert (merchant, old, new) in changes, seed


def test_a_subscription_that_the_user_stopped_is_listed_as_stopped() -> None:
    charges = generate_history("subscriber", 3, SUITE_NOW)
    found = {s.merchant: s for s in subscriptions(frame_from_charges(charges), SUITE_NOW)}
    stopped = found["밀리의서재"]  # the subscriber cancels 밀리의서재 part-way through the history
    assert not stopped.active and stopped.next_date is None and stopped.yearly_cost == 0
    assert found["네이버웹툰"].active and found["네이버웹툰"].cadence == "weekly"


# ---- hand-made histories -------------------------------------------------------------------------

NOW = kst(2026, 11, 18, 14)


def test_a_monthly_subscription_with_its_next_date_and_yearly_cost() -> None:
    rows = monthly("멜론", 10_900, months((2026, 5), 6), day=20)
    [sub] = subscriptions(rows, NOW)
    assert (sub.merchant, sub.cadence, sub.amount, sub.day) == ("멜론", "monthly", 10_900, 20)
    assert sub.next_date == date(2026, 11, 20) and sub.yearly_cost == 12 * 10_900
    assert sub.dates_in(date(2026, 11, 1), date(2026, 11, 30)) == [date(2026, 11, 20)]


def test_the_31st_is_the_last_day_of_short_months_and_a_retry_the_next_day_still_counts() -> None:
    rows = monthly("티빙", 7_900, months((2026, 1), 10), day=31)
    rows[4] = (rows[4][0] + timedelta(days=1), *rows[4][1:])  # May 31 failed, retried on June 1
    [sub] = subscriptions(rows, NOW)
    assert sub.day == 31 and len(sub.members) == 10
    assert sub.next_date == date(2026, 11, 30)  # November has 30 days


def test_a_weekly_top_up_that_skips_weeks() -> None:
    start = kst(2026, 8, 3, 21)  # a Monday
    rows = [(start + timedelta(weeks=k), 2_000, "네이버웹툰") for k in range(15) if k not in (4, 9)]
    [sub] = subscriptions(rows, NOW)
    assert sub.cadence == "weekly" and sub.day == 0
    assert sub.next_date == date(2026, 11, 23)
    assert sub.yearly_cost == round(2_000 * 52 * 13 / 15)


def test_a_yearly_plan_needs_the_automatic_payment_mark() -> None:
    rows = [(kst(2025, 11, 25, 10), 39_000, "밀리의서재", "recurring"), (kst(2026, 3, 2, 10), 1_000, "편의점"),
            (kst(2026, 11, 24, 10), 39_000, "밀리의서재", "recurring")]
    [sub] = subscriptions(rows, NOW + timedelta(days=7))
    assert (sub.cadence, sub.amount, sub.yearly_cost) == ("yearly", 39_000, 39_000)
    assert sub.next_date == date(2027, 11, 24)
    unmarked = [(moment, amount, merchant) for moment, amount, merchant, *_ in rows]
    assert subscriptions(unmarked, NOW + timedelta(days=7)) == []  # a purchase repeated a year later


def test_one_off_charges_that_only_look_regular_are_not_subscriptions() -> None:
    early = (2, 5, 3, 7, 4, 1, 6, 3)  # a game pass bought early in each month
    habit = [(kst(y, m, d, 16), 9_900, "구글플레이") for (y, m), d in zip(months((2026, 3), 8), early, strict=True)]
    any_time = [(kst(y, m, 12, h), 33_000, "넥슨코리아") for (y, m), h in zip(months((2026, 4), 7),
                                                                           (2, 13, 22, 8, 18, 0, 11), strict=True)]
    twice = monthly("쿠팡", 32_400, months((2026, 10), 2), day=8)  # bought again a month later
    assert subscriptions(habit + any_time + twice, NOW) == []
    marked = [(moment, amount, merchant, "recurring") for moment, amount, merchant, _ in twice]
    [sub] = subscriptions(marked, NOW)  # the carrier says 자동결제: two charges are enough
    assert sub.merchant == "쿠팡" and sub.next_date == date(2026, 12, 8)


def test_a_price_rise_counts_once_charged_twice_and_a_purchase_at_the_renewal_is_not_one() -> None:
    rows = monthly("구글플레이", 10_450, months((2026, 1), 8), day=7, hour=18)
    rows += [(kst(2026, 9, 7, 18, 4), 1_200, "구글플레이")]  # a game, minutes before the renewal
    rows += monthly("구글플레이", 14_900, [(2026, 9)], day=7, hour=18)
    [pending] = subscriptions(rows, kst(2026, 9, 20))
    assert pending.amount == 10_450 and pending.changes == ()
    assert pending.pending is not None  # one charge at another price: not confirmed yet
    rows += monthly("구글플레이", 14_900, [(2026, 10), (2026, 11)], day=7, hour=18)
    [sub] = subscriptions(rows, NOW)
    assert sub.amount == 14_900 and [(c.on, c.old, c.new) for c in sub.changes] == [(date(2026, 9, 7), 10_450, 14_900)]
    assert sub.pending is None and sub.yearly_cost == 12 * 14_900


def test_a_fully_cancelled_charge_is_not_a_renewal() -> None:
    rows = monthly("웨이브", 7_900, months((2026, 4), 7), day=3)
    history = frame(rows)
    history["external_id"] = [f"w{k}" for k in range(len(history))]
    cancel = history.iloc[[2]].assign(status="cancelled", external_id="w2-C", cancels="w2",
                                      occurred_at=history["occurred_at"].iloc[2] + pd.Timedelta(hours=1))
    [sub] = subscriptions(pd.concat([history, cancel], ignore_index=True), NOW)
    assert len(sub.members) == 6  # June's renewal was cancelled the same month: it is not on the bill


# ---- the alerts as a pure rule --------------------------------------------------------------------------

Row = namedtuple("Row", "id occurred_at amount status cancels_id refund pay_type")


def alerts_over(charges, *, marked: bool = True, marks: dict[str, str] | None = None) -> dict[str, tuple]:
    """Every charge of a history evaluated in time order, as the engine does (the merchant's earlier rows,
    newest first, HISTORY_DAYS and HISTORY_LIMIT); rule key → (kind, the charge) for what fired first."""
    ids = {c.external_id: k for k, c in enumerate(charges)}
    earlier: dict[str, list[Row]] = {}
    fired: dict[str, tuple] = {}
    for k, c in enumerate(charges):
        rows = earlier.setdefault(c.merchant, [])
        pay_type = c.pay_type if marked else "one_off"
        if c.status == "approved":
            since = c.occurred_at - timedelta(days=HISTORY_DAYS)
            history = [row for row in reversed(rows) if row.occurred_at >= since][:HISTORY_LIMIT]
            charge = Charge(k, c.occurred_at, c.amount, c.merchant, c.merchant, c.category, c.status)
            for finding in findings("내 폰", charge, pay_type, history, (marks or {}).get(c.merchant)):
                fired.setdefault(finding.rule_key, (finding.kind, c))
        rows.append(Row(k, c.occurred_at, c.amount, c.status, ids.get(c.cancels), False, pay_type))
    return fired


@pytest.mark.parametrize("marked", [True, False], ids=["marked", "amounts-only"])
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_demo_alerts_fire_once_per_planted_subscription_and_price_rise(persona: str, marked: bool) -> None:
    for seed in range(2):
        charges = generate_history(persona, seed, SUITE_NOW)
        fired = alerts_over(charges, marked=marked)
        assert all(c.pay_type == "recurring" for _, c in fired.values()), seed  # none from a one-off charge
        new = sorted(c.merchant for kind, c in fired.values() if kind == "subscription_new")
        enough = 2 if marked else CONFIRM_CHARGES
        assert new == sorted(m for m, paid in planted(charges).items() if len(paid) >= enough), seed
        rises = {(c.merchant, c.amount) for kind, c in fired.values() if kind == "subscription_price_rise"}
        expected = {(m, new_price) for m, _, new_price, at_old, at_new in planted_rises(charges)
                    if at_old >= enough and (marked or at_new >= 2)}
        assert rises == expected, seed


def _charges(rows: list[tuple]):
    Demo = namedtuple("Demo", "occurred_at amount merchant pay_type status category external_id cancels")
    return [Demo(moment.astimezone(UTC), amount, merchant, rest[0] if rest else "one_off", "approved", "other",
                 f"h{k}", None) for k, (moment, amount, merchant, *rest) in enumerate(sorted(rows))]


def test_a_new_subscription_is_told_at_its_third_charge_or_its_second_marked_one() -> None:
    rows = monthly("멜론", 10_900, months((2026, 5), 6), day=20)
    fired = alerts_over(_charges(rows))
    [(key, (kind, charge))] = fired.items()
    assert key == "subscription_new:멜론:10900" and kind == "subscription_new"
    assert charge.occurred_at == rows[2][0].astimezone(UTC)
    marked = [(*row[:3], "recurring") for row in rows]
    [(kind, charge)] = alerts_over(_charges(marked)).values()
    assert charge.occurred_at == rows[1][0].astimezone(UTC)


def test_a_price_rise_is_told_once_and_a_purchase_at_the_same_store_never() -> None:
    rows = monthly("구글플레이", 10_450, months((2026, 1), 5), day=7, hour=18)
    rows += [(kst(2026, 6, 7, 18, 1), 1_200, "구글플레이"), (kst(2026, 7, 6, 18), 33_000, "구글플레이")]
    rows += monthly("구글플레이", 14_900, months((2026, 6), 4), day=7, hour=18)
    fired = alerts_over(_charges(rows))
    assert sorted(fired) == ["subscription_new:구글플레이:10450", "subscription_price_rise:구글플레이:14900"]
    _, charge = fired["subscription_price_rise:구글플레이:14900"]
    assert charge.occurred_at == kst(2026, 7, 7, 18, 7).astimezone(UTC)  # the second charge at the new price
    marked = [(*row[:3], "recurring") for row in rows if row[1] != 1_200 and row[1] != 33_000]
    _, charge = alerts_over(_charges(marked))["subscription_price_rise:구글플레이:14900"]
    assert charge.occurred_at == kst(2026, 6, 7, 18, 7).astimezone(UTC)  # marked 자동결제: at once


def test_a_merchant_marked_not_a_subscription_raises_nothing() -> None:
    rows = monthly("멜론", 10_900, months((2026, 5), 6), day=20)
    assert alerts_over(_charges(rows), marks={"멜론": "not_subscription"}) == {}
    assert len(alerts_over(_charges(rows), marks={"멜론": "cancelled"})) == 1


def test_the_rule_is_quiet_for_charges_without_an_earlier_one_at_a_rhythm() -> None:
    charge = Charge(1, kst(2026, 11, 18, 12).astimezone(UTC), 10_900, "멜론", "멜론", "other", "approved")
    assert findings("내 폰", charge, None, [], None) == []
    week_ago = Row(0, charge.occurred_at - timedelta(days=3), 10_900, "approved", None, False, "one_off")
    assert findings("내 폰", charge, None, [week_ago], None) == []


# ---- in the engine, on a real store ---------------------------------------------------------------------

_ext = itertools.count(1)


@pytest.fixture
def cfg(database_url, tmp_path):
    return load_settings({"database_url": database_url, "instance_path": str(tmp_path / "inst"),
                          "secret_key": "k"})


@pytest.fixture
def line_id(store_for_url):
    return make_line(store_for_url, make_user(store_for_url), effective_from=datetime(2020, 1, 1, tzinfo=UTC),
                     nickname="내 폰")


def charge(store, cfg, line_id: int, at: datetime, amount: int, merchant: str = "멜론",
           pay_type: str = "one_off") -> list[str]:
    """Add one approved charge and evaluate it in its transaction, as an authorization does; keys fired."""
    with store.write() as db:
        tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg="다날",
                         category="subscription", bucket="micropayment", amount=amount, status="approved",
                         pay_type=pay_type, source="api", external_id=f"s{next(_ext)}", refund=False)
        tx.set_time(at.astimezone(UTC))
        db.add(tx)
        db.flush()
        return [a.rule_key for a in evaluate(db, db.get(Line, line_id), tx, at, cfg)]


def test_the_engine_raises_each_subscription_alert_once(store_for_url, cfg, line_id) -> None:
    store = store_for_url
    days = [kst(y, m, 20, 9) for y, m in months((2026, 3), 8)]
    fired = [charge(store, cfg, line_id, day, 10_900 if day.month < 8 else 11_900) for day in days]
    assert fired == [[], [], ["subscription_new:멜론:10900"], [], [], [], ["subscription_price_rise:멜론:11900"], []]
    with store.read() as db:
        alerts = {a.kind: a for a in db.query(Alert).filter(Alert.line_id == line_id)}
    assert set(alerts) == {"subscription_new", "subscription_price_rise"}
    assert "멜론" in alerts["subscription_new"].message and "10,900원" in alerts["subscription_new"].message
    assert "10,900원에서 11,900원으로" in alerts["subscription_price_rise"].message


def test_the_engine_reads_the_automatic_payment_mark_and_the_user_s_marks(store_for_url, cfg, line_id) -> None:
    store = store_for_url
    renewals = [charge(store, cfg, line_id, kst(2026, month, 5, 8), 7_900, "티빙", "recurring") for month in (9, 10)]
    assert renewals == [[], ["subscription_new:티빙:7900"]]  # marked 자동결제: the second charge tells
    with store.write() as db:
        exclude_recurring(db, line_id, "웨이브", None, reason="not_subscription")
    for month in (8, 9, 10, 11):
        assert charge(store, cfg, line_id, kst(2026, month, 3, 8), 7_900, "웨이브") == []


def test_only_the_cancelled_mark_leaves_the_forecast(store_for_url, line_id) -> None:
    """excluded_merchants reads only "cancelled" marks: a merchant marked "not a subscription" is not dropped
    from the forecast (how it is forecast instead: tests/unit/test_forecast_marks.py)."""
    from data.forecast_input import excluded_merchants, history_frame

    store = store_for_url
    with store.write() as db:
        for y, m in months((2026, 5), 6):
            for merchant in ("멜론", "지니뮤직"):
                tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant, category="subscription",
                                 bucket="micropayment", amount=8_000, status="approved", source="api",
                                 external_id=f"f{next(_ext)}", refund=False)
                tx.set_time(kst(y, m, 25, 9).astimezone(UTC))
                db.add(tx)
        exclude_recurring(db, line_id, "멜론", None)
        exclude_recurring(db, line_id, "지니뮤직", None, reason="not_subscription")
        assert excluded_merchants(db, line_id) == ["멜론"]
        fc = forecast_bill(history_frame(db, line_id, NOW), NOW, exclude_merchants=excluded_merchants(db, line_id))
    assert [item.merchant for item in fc.upcoming_recurring] == ["지니뮤직"]
    assert fc.recurring_due == 8_000
