"""The engine on a real store (SQLite and PostgreSQL): rules fire once, in the charge's transaction."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.alerts.engine import FORECAST_MEMO, evaluate, evaluate_import
from dashboard.settings import load_settings
from data.alerts_store import detail_of
from data.budgets import save_budget
from data.importing.normalize import merchant_key
from data.models import Alert, BlockLink, Line, Notification, Transaction
from data.vocab import KST
from tests.helpers import make_line, make_user

_ext = itertools.count(1)


@pytest.fixture
def cfg(database_url, tmp_path):
    return load_settings({"database_url": database_url, "instance_path": str(tmp_path / "inst"),
                          "secret_key": "k", "smtp_host": "127.0.0.1", "webhook_url": "http://127.0.0.1:9/hook"})


@pytest.fixture
def line_id(store_for_url):
    uid = make_user(store_for_url)
    return make_line(store_for_url, uid, limits={"micropayment": 300_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC), nickname="내 폰")


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def add_tx(db, line_id: int, at: datetime, amount: int, merchant: str = "컬쳐랜드", category: str = "gift_voucher",
           status: str = "approved", decline_reason: str | None = None, cancels_id: int | None = None,
           source: str = "api") -> Transaction:
    tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), category=category,
                     bucket="micropayment", amount=amount, status=status, source=source,
                     external_id=f"t{next(_ext)}", decline_reason=decline_reason, cancels_id=cancels_id, refund=False)
    tx.set_time(at.astimezone(UTC))
    db.add(tx)
    db.flush()
    return tx


def charge(store, cfg, line_id: int, at: datetime, amount: int, now: datetime | None = None, **kw) -> list[str]:
    """Add one charge and evaluate it in the same transaction; the rule keys that fired."""
    with store.write() as db:
        line = db.get(Line, line_id)
        tx = add_tx(db, line_id, at, amount, **kw)
        return [a.rule_key for a in evaluate(db, line, tx, now or at, cfg)]


def set_budget(store, line_id: int, amount: int, thresholds=(50, 80, 100), **kw) -> None:
    with store.write() as db:
        save_budget(db, db.get(Line, line_id), amount=amount, thresholds=list(thresholds),
                    large_charge=kw.get("large_charge"), notify_new_merchant=kw.get("notify_new_merchant", False),
                    user_id=None)


def test_budget_levels_fire_once_each_per_month(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000)
    day = kst(2026, 11, 10, 14)
    shop = {"merchant": "쿠팡", "category": "shopping"}
    assert charge(store, cfg, line_id, day, 30_000, **shop) == []
    assert charge(store, cfg, line_id, day + timedelta(hours=1), 25_000, **shop) == ["budget:50:2026-11"]
    assert charge(store, cfg, line_id, day + timedelta(hours=2), 1_000, **shop) == []
    assert charge(store, cfg, line_id, day + timedelta(hours=3), 30_000, **shop) == ["budget:80:2026-11"]
    assert charge(store, cfg, line_id, day + timedelta(hours=4), 20_000, **shop) == ["budget:100:2026-11"]
    assert charge(store, cfg, line_id, day + timedelta(hours=5), 20_000, **shop) == []
    with store.read() as db:
        alert = db.scalar(select(Alert).where(Alert.rule_key == "budget:80:2026-11"))
        assert alert.kind == "budget_threshold" and "80%" in alert.message and "86,000원" in alert.message
        assert {n.channel for n in db.scalars(select(Notification).where(Notification.alert_id == alert.id))} == {
            "email", "webhook"}


def test_month_boundary_2359_kst_vs_0001_next_day(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000, thresholds=[80])
    shop = {"merchant": "쿠팡", "category": "shopping"}
    last = kst(2026, 11, 30, 23, 59)
    assert charge(store, cfg, line_id, last, 85_000, **shop) == ["budget:80:2026-11"]
    nxt = kst(2026, 12, 1, 0, 1)
    # The new month starts from zero: 10,000 is 10% of December's budget.
    assert charge(store, cfg, line_id, nxt, 10_000, **shop) == []
    assert charge(store, cfg, line_id, nxt + timedelta(minutes=1), 75_000, **shop) == ["budget:80:2026-12"]


def test_cancellation_lowers_usage_and_never_alerts(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000, thresholds=[50, 80])
    at = kst(2026, 11, 10, 14)
    with store.write() as db:
        paid = add_tx(db, line_id, at, 40_000, merchant="쿠팡", category="shopping")
        paid_id = paid.id
    with store.write() as db:
        cancel = add_tx(db, line_id, at + timedelta(minutes=5), 40_000, merchant="쿠팡", category="shopping",
                        status="cancelled", cancels_id=paid_id)
        assert evaluate(db, db.get(Line, line_id), cancel, at, cfg) == []
    assert charge(store, cfg, line_id, at + timedelta(hours=1), 45_000, merchant="쿠팡", category="shopping") == []


def test_past_month_charge_added_today_does_not_move_budget_alerts(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000)
    keys = charge(store, cfg, line_id, kst(2026, 10, 10, 14), 90_000, now=kst(2026, 11, 10, 14),
                  merchant="쿠팡", category="shopping")
    assert keys == []


def test_large_charge_gets_a_block_link_and_mail(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 300_000, large_charge=50_000)
    at = kst(2026, 11, 10, 14)
    assert charge(store, cfg, line_id, at, 49_000, merchant="쿠팡", category="shopping") == []
    keys = charge(store, cfg, line_id, at + timedelta(minutes=1), 50_000, merchant="쿠팡", category="shopping")
    assert len(keys) == 1 and keys[0].startswith("large:")
    with store.read() as db:
        alert = db.scalar(select(Alert).where(Alert.kind == "large_charge"))
        link = db.get(BlockLink, detail_of(alert)["block_link_id"])
        assert link.line_id == line_id and link.alert_id == alert.id and link.used_at is None
        assert timedelta(hours=23) < link.expires_at - datetime.now(UTC) <= timedelta(hours=24)
        assert "50,000원" in alert.message and "2026-11-10 14:01" in alert.message


def test_new_merchant_alert_once_per_merchant(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 300_000, notify_new_merchant=True)
    at = kst(2026, 11, 10, 14)
    shop = {"category": "shopping"}
    assert charge(store, cfg, line_id, at, 1_000, merchant="쿠팡", **shop) == []  # first charge ever: no history
    assert charge(store, cfg, line_id, at + timedelta(hours=1), 1_000, merchant="쿠팡", **shop) == []
    assert charge(store, cfg, line_id, at + timedelta(hours=2), 1_000, merchant="(주)11번가", **shop) == [
        f"merchant:{merchant_key('(주)11번가')}"]
    assert charge(store, cfg, line_id, at + timedelta(hours=3), 1_000, merchant="11번가", **shop) == []


def test_dawn_voucher_burst_is_one_fraud_alert_and_a_new_day_is_another(store_for_url, cfg, line_id):
    store = store_for_url
    keys = [charge(store, cfg, line_id, kst(2026, 11, 25, 3, m), 50_000) for m in (0, 2, 4, 6, 8)]
    assert keys == [[], [], ["fraud_night:2026-11-25"], [], []]
    with store.read() as db:
        alert = db.scalar(select(Alert).where(Alert.kind == "fraud_burst"))
        detail = detail_of(alert)
        assert detail["patterns"] == ["night", "voucher"] and detail["count"] == 3
        assert "새벽" in alert.message and "150,000원" in alert.message
        assert db.get(BlockLink, detail["block_link_id"]) is not None
    assert charge(store, cfg, line_id, kst(2026, 11, 26, 14, 0), 50_000) == []
    assert charge(store, cfg, line_id, kst(2026, 11, 26, 14, 5), 50_000) == []
    assert charge(store, cfg, line_id, kst(2026, 11, 26, 14, 9), 50_000) == ["fraud_voucher:2026-11-26"]


def test_attempts_on_a_blocked_line_alert_once_an_hour(store_for_url, cfg, line_id):
    store = store_for_url
    blocked = {"status": "declined", "decline_reason": "blocked"}
    at = kst(2026, 11, 25, 3, 10)
    assert charge(store, cfg, line_id, at, 50_000, **blocked) == ["blocked:2026-11-25T03"]
    assert charge(store, cfg, line_id, at + timedelta(minutes=1), 50_000, **blocked) == []
    assert charge(store, cfg, line_id, at + timedelta(minutes=2), 50_000, **blocked) == []
    assert charge(store, cfg, line_id, at + timedelta(hours=1), 50_000, **blocked) == ["blocked:2026-11-25T04"]


def test_alert_rolls_back_with_the_charge(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 10_000, thresholds=[50])
    with pytest.raises(RuntimeError), store.write() as db:
        tx = add_tx(db, line_id, kst(2026, 11, 10, 14), 9_000, merchant="쿠팡", category="shopping")
        assert evaluate(db, db.get(Line, line_id), tx, kst(2026, 11, 10, 14), cfg)
        raise RuntimeError("authorization failed later")
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(Alert)) == 0
        assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_no_outbox_rows_without_mail_or_webhook_settings(store_for_url, cfg, line_id):
    store = store_for_url
    quiet = load_settings({"database_url": cfg.database_url, "instance_path": cfg.instance_path, "secret_key": "k"})
    set_budget(store, line_id, 10_000, thresholds=[50])
    assert charge(store, quiet, line_id, kst(2026, 11, 10, 14), 9_000, merchant="쿠팡", category="shopping")
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(Notification)) == 0


def _steady_history(db, line_id: int, months: list[tuple[int, int]], per_day: int, days: int = 28) -> None:
    for year, month in months:
        for day in range(1, days + 1):
            add_tx(db, line_id, kst(year, month, day, 12), per_day, merchant=f"가게{day % 5}", category="shopping")


def steady_spender(store, line_id: int, past: list[tuple[int, int]], current: tuple[int, int], days: int,
                   per_day: int, budget: int) -> None:
    """Past months of `per_day` spending, `days` days of the current month, a budget with one 100 % level
    and no remembered forecast."""
    with store.write() as db:
        _steady_history(db, line_id, past, per_day)
        _steady_history(db, line_id, [current], per_day, days=days)
    set_budget(store, line_id, budget, thresholds=[100])
    FORECAST_MEMO._items.clear()


def test_forecast_over_budget_fires_once_and_the_memo_skips_work(store_for_url, cfg, line_id):
    store = store_for_url
    steady_spender(store, line_id, [(2026, 8), (2026, 9), (2026, 10)], (2026, 11), 9, 8_000, 180_000)
    now = kst(2026, 11, 10, 12)
    # ~8,000 a day for 30 days ≈ 240,000 expected against a 180,000 budget; 80,000 spent so far.
    assert charge(store, cfg, line_id, now, 8_000, merchant="가게1", category="shopping") == ["forecast:2026-11"]
    with store.read() as db:
        alert = db.scalar(select(Alert).where(Alert.kind == "forecast_over_budget"))
        detail = detail_of(alert)
        assert detail["expected"] > 180_000 and detail["used"] == 80_000
        assert "예산" in alert.message
    assert charge(store, cfg, line_id, now + timedelta(hours=1), 8_000, merchant="가게1", category="shopping") == []


def test_forecast_stays_quiet_when_on_track(store_for_url, cfg, line_id):
    store = store_for_url
    steady_spender(store, line_id, [(2026, 8), (2026, 9), (2026, 10)], (2026, 11), 9, 3_000, 280_000)
    assert charge(store, cfg, line_id, kst(2026, 11, 10, 12), 3_000, merchant="가게1", category="shopping") == []
    assert len(FORECAST_MEMO._items) == 1  # computed once, remembered


def test_import_of_past_months_makes_one_summary_alert(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000, large_charge=50_000)
    now = kst(2026, 11, 20, 12)
    with store.write() as db:
        line = db.get(Line, line_id)
        rows = []
        for month in (8, 9, 10):  # three past months, each with a dawn voucher burst and a large charge
            rows += [add_tx(db, line_id, kst(2026, month, 5, 3, m), 40_000, source="import") for m in (0, 3, 6)]
            rows.append(add_tx(db, line_id, kst(2026, month, 12, 15), 70_000, merchant="쿠팡", category="shopping",
                               source="import"))
        rows.append(add_tx(db, line_id, kst(2026, 11, 3, 15), 70_000, merchant="쿠팡", category="shopping",
                           source="import"))
        alerts = evaluate_import(db, line, rows, now, cfg)
        kinds = sorted(a.kind for a in alerts)
        summary = next(a for a in alerts if a.kind == "import_summary")
        detail = detail_of(summary)
    # This month's large charge alerts normally; the past becomes one summary.
    assert kinds == ["budget_threshold", "import_summary", "large_charge"]
    assert [f["patterns"] for f in detail["fraud"]] == [["night", "voucher"]] * 3
    assert len(detail["large_transaction_ids"]) == 3
    assert detail["months_over_budget"] == ["2026-08", "2026-09", "2026-10"]
    assert "2026-08~2026-10" in summary.message and "부정결제 의심 3건" in summary.message
    with store.write() as db:  # the same findings again (a re-import): no second summary
        past = list(db.scalars(select(Transaction).where(Transaction.usage_month < "2026-11")))
        assert evaluate_import(db, db.get(Line, line_id), past, now, cfg) == []


def test_english_rendering_from_stored_values(store_for_url, cfg, line_id):
    from dashboard.alerts.text import alert_text

    store = store_for_url
    for m in (0, 2, 4):
        charge(store, cfg, line_id, kst(2026, 11, 25, 3, m), 50_000)
    with store.read() as db:
        alert = db.scalar(select(Alert))
        assert alert_text(alert, "en").startswith("내 폰: possible fraud — repeated charges at night")
        assert alert_text(alert, "ko") == alert.message
        assert json.loads(alert.detail)["msg"]["key"] == "alerts.msg.fraud"


def test_the_importers_hook_evaluates_stored_rows(store_for_url, cfg, line_id):
    """data.import_store.import_rows hands evaluate_import Row objects, not ORM instances."""
    from dashboard.services.imports import alerts_hook
    from data.import_store import import_rows
    from data.importing.model import ImportedRow

    store = store_for_url
    set_budget(store, line_id, 100_000, large_charge=50_000)
    now = datetime.now(UTC)
    this_month = now - timedelta(minutes=5)
    old = now - timedelta(days=70)

    def row(at: datetime, amount: int, n: int, merchant: str = "컬쳐랜드", category: str = "gift_voucher"):
        return ImportedRow(occurred_at=at, merchant=merchant, merchant_key=merchant_key(merchant), pg=None,
                           product=None, service=None, category=category, bucket="micropayment", amount=amount,
                           status="approved", partial=False, external_id=f"imp-{n}", carrier="KT", source_row=n)

    rows = [row(old + timedelta(minutes=2 * i), 30_000, i) for i in range(3)]  # a past burst
    rows.append(row(this_month, 60_000, 9, merchant="쿠팡", category="shopping"))  # a large charge now
    with store.write() as db:
        import_rows(db, db.get(Line, line_id), rows, now=now, after_insert=alerts_hook(cfg))
    with store.read() as db:
        kinds = sorted(db.scalars(select(Alert.kind)))
    assert kinds == ["budget_threshold", "import_summary", "large_charge"]



def test_an_import_completing_a_burst_begun_by_stored_charges_is_summarised(store_for_url, cfg, line_id):
    """The hook is handed the imported rows and reads only the others around them: a dawn voucher
    burst whose first two charges were stored before (another import) and whose third comes in this
    file is found, and the summary names all three charges."""
    from dashboard.services.imports import alerts_hook
    from data.import_store import import_rows
    from data.importing.model import ImportedRow

    store = store_for_url
    start = kst(2026, 9, 5, 3, 0)
    with store.write() as db:
        stored = [add_tx(db, line_id, start + timedelta(minutes=m), 30_000, source="import").id for m in (0, 4)]
    third = ImportedRow(occurred_at=(start + timedelta(minutes=8)).astimezone(UTC), merchant="컬쳐랜드",
                        merchant_key=merchant_key("컬쳐랜드"), pg=None, product=None, service=None,
                        category="gift_voucher", bucket="micropayment", amount=30_000, status="approved",
                        partial=False, external_id="imp-third", carrier="KT", source_row=1)
    with store.write() as db:
        import_rows(db, db.get(Line, line_id), [third], now=kst(2026, 11, 20, 12), after_insert=alerts_hook(cfg))
    with store.read() as db:
        summary = db.scalar(select(Alert).where(Alert.kind == "import_summary"))
        new_id = db.scalar(select(Transaction.id).where(Transaction.external_id == "imp-third"))
        detail = detail_of(summary)
    assert [(f["day"], f["patterns"], f["count"]) for f in detail["fraud"]] == [("2026-09-05", ["night", "voucher"], 3)]
    assert new_id not in stored


# ---- KST midnight and month boundaries, rule by rule (the pure keys are in test_alert_rules) ----------
LAST_MINUTE = kst(2026, 11, 30, 23, 59)  # 14:59 UTC
AFTER_MIDNIGHT = kst(2026, 12, 1, 0, 1)  # 15:01 UTC, the same UTC day
SHOP = {"merchant": "쿠팡", "category": "shopping"}


def test_budget_alert_names_the_charge_that_crossed_the_level(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000, thresholds=[80])
    assert charge(store, cfg, line_id, LAST_MINUTE, 85_000, **SHOP) == ["budget:80:2026-11"]
    with store.read() as db:
        detail = detail_of(db.scalar(select(Alert)))
    assert (detail["merchant"], detail["amount"], detail["used"]) == ("쿠팡", 85_000, 85_000)
    assert datetime.fromisoformat(detail["occurred_at"]) == LAST_MINUTE


def test_large_charge_at_2359_recorded_after_midnight_still_alerts(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 100_000, thresholds=[50], large_charge=50_000)
    keys = charge(store, cfg, line_id, LAST_MINUTE, 60_000, now=AFTER_MIDNIGHT, **SHOP)
    # News: the large charge (with its block link). History: November's budget level stays quiet.
    assert len(keys) == 1 and keys[0].startswith("large:")
    old = charge(store, cfg, line_id, LAST_MINUTE - timedelta(days=2), 60_000, now=AFTER_MIDNIGHT, **SHOP)
    assert old == []  # two days old when recorded: history


def test_new_merchant_across_the_month_boundary(store_for_url, cfg, line_id):
    store = store_for_url
    set_budget(store, line_id, 300_000, notify_new_merchant=True)
    assert charge(store, cfg, line_id, kst(2026, 11, 2, 12), 1_000, merchant="11번가", category="shopping") == []
    # Seen at 23:59 on the last day: not new at 00:01 on the first (history is not cut at the month).
    assert charge(store, cfg, line_id, LAST_MINUTE, 1_000, **SHOP) == [f"merchant:{merchant_key('쿠팡')}"]
    assert charge(store, cfg, line_id, AFTER_MIDNIGHT, 1_000, **SHOP) == []
    # A new merchant at 23:59, recorded after midnight, is still news.
    late = charge(store, cfg, line_id, LAST_MINUTE, 1_000, now=AFTER_MIDNIGHT, merchant="G마켓", category="shopping")
    assert late == [f"merchant:{merchant_key('G마켓')}"]


def test_forecast_waits_for_the_third_kst_day(store_for_url, cfg, line_id):
    """forecast_from_day = 3: 23:59 KST on the 2nd is too early, 00:00 KST on the 3rd is not —
    both are the 2nd in UTC."""
    store = store_for_url
    steady_spender(store, line_id, [(2026, 9), (2026, 10), (2026, 11)], (2026, 12), 2, 8_000, 180_000)
    second = kst(2026, 12, 2, 23, 59)
    third = kst(2026, 12, 3, 0, 0)
    assert second.astimezone(UTC).day == third.astimezone(UTC).day == 2
    assert charge(store, cfg, line_id, second, 8_000, merchant="가게1", category="shopping") == []
    assert charge(store, cfg, line_id, third, 8_000, merchant="가게1", category="shopping") == ["forecast:2026-12"]
    with store.read() as db:
        detail = detail_of(db.scalar(select(Alert).where(Alert.kind == "forecast_over_budget")))
    assert detail["merchant"] == "가게1" and datetime.fromisoformat(detail["occurred_at"]) == third


def test_fraud_burst_across_the_month_end_is_one_alert(store_for_url, cfg, line_id):
    store = store_for_url
    times = [LAST_MINUTE - timedelta(minutes=4), LAST_MINUTE, AFTER_MIDNIGHT, AFTER_MIDNIGHT + timedelta(minutes=3)]
    keys = [charge(store, cfg, line_id, at, 20_000) for at in times]  # 상품권 23:55, 23:59, 00:01, 00:04
    assert keys == [[], [], ["fraud_voucher:2026-11-30"], []]


def test_blocked_attempts_at_2359_and_0001_are_two_alerts(store_for_url, cfg, line_id):
    store = store_for_url
    blocked = {"status": "declined", "decline_reason": "blocked"}
    assert charge(store, cfg, line_id, LAST_MINUTE, 5_000, **blocked) == ["blocked:2026-11-30T23"]
    assert charge(store, cfg, line_id, AFTER_MIDNIGHT, 5_000, **blocked) == ["blocked:2026-12-01T00"]
