"""data/analytics.py on SQLite and PostgreSQL: KST edges, netting, grouping by merchant key."""

from __future__ import annotations

from datetime import datetime
from itertools import count

import pytest

from data.analytics import (
    burnup,
    category_totals,
    daily_net,
    first_month,
    hour_heatmap,
    month_comparison,
    percent_change,
    spent_through,
    spent_through_days,
    top_merchants,
)
from data.importing.normalize import merchant_key
from data.models import Transaction
from data.vocab import KST
from tests.helpers import make_line, make_user

OCT, NOV = "2026-10", "2026-11"
SAT, SUN, MON = 5, 6, 0  # grid rows, Monday first
_ids = count()


@pytest.fixture
def line(store) -> int:
    return make_line(store, make_user(store))


def kst(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KST)


def add(store, line_id: int, when: datetime, amount: int, *, merchant: str = "넥슨코리아", status: str = "approved",
        bucket: str = "micropayment", category: str = "game", pg: str | None = "다날", key: str | None = None,
        cancels: int | None = None, refund: bool = False) -> int:
    key = merchant_key(merchant) if key is None else key
    with store.write() as db:
        row = Transaction(line_id=line_id, merchant=merchant, merchant_key=key,
                          pg=pg, category=category, bucket=bucket, amount=amount, status=status, source="manual",
                          external_id=f"e{next(_ids)}", cancels_id=cancels, refund=refund)
        row.set_time(when)
        db.add(row)
        db.flush()
        return row.id


def read(store, fn, *args):
    with store.read() as db:
        return fn(db, *args)


# ---- KST edges ------------------------------------------------------------------------------------

def test_late_night_on_the_last_day_belongs_to_that_month_and_hour_23(store, line):
    add(store, line, kst(2026, 10, 31, 23, 30), 12_300)  # 14:30 UTC, Saturday in Seoul

    daily = read(store, daily_net, line, [OCT, NOV])
    assert daily[OCT] == {31: {"micropayment": 12_300, "content": 0}}
    assert daily[NOV] == {}
    grid = read(store, hour_heatmap, line, OCT)
    assert grid[SAT][23] == 12_300
    assert sum(map(sum, grid)) == 12_300


def test_just_after_midnight_on_the_first_belongs_to_the_next_month_and_hour_0(store, line):
    add(store, line, kst(2026, 11, 1, 0, 10), 5_500)  # still 31 Oct 15:10 in UTC

    daily = read(store, daily_net, line, [OCT, NOV])
    assert daily[OCT] == {}
    assert daily[NOV] == {1: {"micropayment": 5_500, "content": 0}}
    assert read(store, hour_heatmap, line, NOV)[SUN][0] == 5_500
    assert read(store, hour_heatmap, line, OCT) == [[0] * 24 for _ in range(7)]


# ---- netting ----------------------------------------------------------------------------------------

def test_cancellations_are_netted_out_and_declines_ignored(store, line):
    paid = add(store, line, kst(2026, 11, 2, 3, 0), 50_000, merchant="컬쳐랜드", category="gift_voucher")
    add(store, line, kst(2026, 11, 3, 14, 0), 50_000, merchant="컬쳐랜드", category="gift_voucher",
        status="cancelled", cancels=paid)
    add(store, line, kst(2026, 11, 2, 3, 5), 30_000, merchant="컬쳐랜드", category="gift_voucher", status="declined")
    add(store, line, kst(2026, 11, 9, 20, 0), 7_000, merchant="배달의민족", category="delivery")

    daily = read(store, daily_net, line, [NOV])[NOV]
    assert daily[2]["micropayment"] == 50_000 and daily[3]["micropayment"] == -50_000
    assert spent_through(daily, 30) == 7_000
    assert burnup(daily, 9)["micropayment"] == [0, 0, 50_000, 0, 0, 0, 0, 0, 0, 7_000]
    assert read(store, category_totals, line, NOV) == {"delivery": {"micropayment": 7_000, "content": 0}}
    assert [m["label"] for m in read(store, top_merchants, line, NOV)] == ["배달의민족"]
    # The cancelled 3 a.m. purchase leaves no cell behind, neither at 3 a.m. nor when cancelled.
    grid = read(store, hour_heatmap, line, NOV)
    assert grid[MON][3] == 0 and grid[1][14] == 0  # 2 Nov 2026 is a Monday
    assert sum(map(sum, grid)) == 7_000


def test_a_refund_after_month_end_leaves_the_month_alone(store, line):
    paid = add(store, line, kst(2026, 10, 20, 12), 10_000)
    add(store, line, kst(2026, 11, 2, 12), 10_000, status="cancelled", cancels=paid, refund=True)

    daily = read(store, daily_net, line, [OCT, NOV])
    assert spent_through(daily[OCT], 31) == 10_000
    assert spent_through(daily[NOV], 30) == 0
    assert read(store, hour_heatmap, line, NOV) == [[0] * 24 for _ in range(7)]


def test_other_lines_never_count(store, line):
    other = make_line(store, make_user(store, "other@example.com"))
    add(store, other, kst(2026, 11, 5, 12), 99_000, merchant="남의가맹점")
    add(store, line, kst(2026, 11, 5, 12), 1_000)

    assert spent_through(read(store, daily_net, line, [NOV])[NOV], 30) == 1_000
    assert [m["amount"] for m in read(store, top_merchants, line, NOV)] == [1_000]
    assert sum(map(sum, read(store, hour_heatmap, line, NOV))) == 1_000


# ---- grouping ---------------------------------------------------------------------------------------

def test_merchants_group_by_key_with_the_most_frequent_name_and_pg(store, line):
    for day in (1, 2):
        add(store, line, kst(2026, 11, day, 10), 10_000, merchant="(주)다날_넥슨")
    add(store, line, kst(2026, 11, 3, 10), 30_000, merchant="넥슨코리아", pg="KG모빌리언스")
    add(store, line, kst(2026, 11, 4, 10), 20_000, merchant="구글플레이", pg=None, bucket="content",
        category="app_store")
    add(store, line, kst(2026, 11, 5, 10), 1_000, merchant="쿠팡", key="")  # stored without a key

    top = read(store, top_merchants, line, NOV)
    assert top[0] == {"key": "넥슨", "label": "(주)다날_넥슨", "pg": "다날", "amount": 50_000, "count": 3}
    assert top[1]["label"] == "구글플레이" and top[1]["pg"] is None
    assert top[2]["key"] == "쿠팡"
    assert [m["label"] for m in read(store, top_merchants, line, NOV, 2)] == ["(주)다날_넥슨", "구글플레이"]


def test_categories_split_by_bucket_and_unknown_codes_fall_into_other(store, line):
    add(store, line, kst(2026, 11, 1, 10), 9_900, category="subscription", merchant="멜론")
    add(store, line, kst(2026, 11, 1, 11), 14_900, category="subscription", merchant="구글플레이",
        bucket="content", pg=None)
    add(store, line, kst(2026, 11, 1, 12), 3_000, category="mystery")

    assert read(store, category_totals, line, NOV) == {
        "subscription": {"micropayment": 9_900, "content": 14_900},
        "other": {"micropayment": 3_000, "content": 0},
    }


# ---- month over month ---------------------------------------------------------------------------------

def test_earlier_months_count_the_same_kst_days(store, line):
    add(store, line, kst(2026, 10, 1, 0, 10), 1_000)  # 30 Sep in UTC, 1 Oct in Seoul
    add(store, line, kst(2026, 10, 10, 23, 50), 2_000)  # last minutes of day 10
    add(store, line, kst(2026, 10, 11, 0, 5), 40_000)  # day 11: after the cut
    add(store, line, kst(2026, 9, 30, 23, 59), 8_000)
    add(store, line, kst(2026, 10, 3, 12), 500, status="declined")

    assert read(store, spent_through_days, line, [OCT, "2026-09"], 10) == {OCT: 3_000, "2026-09": 0}
    assert read(store, spent_through_days, line, [OCT, "2026-09"], 31) == {OCT: 43_000, "2026-09": 8_000}
    assert read(store, first_month, line) == "2026-09"
    assert read(store, first_month, make_line(store, make_user(store, "new@example.com"))) is None


def test_comparison_skips_months_before_the_history_started():
    earlier = {"2026-10": 5_000, "2026-09": 20_000, "2026-08": 0}
    result = month_comparison(12_000, earlier, "2026-09", 10, complete=False)
    assert result == {"current": 12_000, "previous": 5_000, "average": 12_500, "day": 10, "complete": False}
    assert percent_change(12_000, 5_000) == 140
    assert percent_change(12_000, 12_500) == -4
    # A month with rows but no spend is a real zero.
    assert month_comparison(1_000, {"2026-10": 0, "2026-09": 0}, "2026-01", 30, True)["average"] == 0


def test_comparison_without_history():
    result = month_comparison(1_000, {"2026-10": 0, "2026-09": 0, "2026-08": 0}, "2026-11", 5, complete=False)
    assert result["previous"] is None and result["average"] is None
    assert month_comparison(0, {"2026-10": 0}, None, 5, complete=False)["previous"] is None
    assert percent_change(1_000, 0) is None and percent_change(1_000, None) is None
