"""The store's vocabulary: enumerations and KST calendar helpers shared by every layer.

Values are stored as these short English codes; the UI translates them (dashboard/text/i18n.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
DB_INT_MAX = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL); ids from outside are bounded to it

CARRIERS = ("KT", "SKT", "LGU+", "MVNO")
CARRIER_ALIASES = {"KTF": "KT", "LGT": "LGU+", "LG U+": "LGU+", "LGU": "LGU+", "SK": "SKT", "알뜰폰": "MVNO"}

# 소액결제 (goods/services through a PG) and 콘텐츠이용료 (direct carrier billing).
BUCKETS = ("micropayment", "content")
LINE_ROLES = ("owner", "guardian", "viewer")  # a person's role on a line (data/access.py, docs/families.md)
LINE_STATUSES = ("active", "blocked", "restricted")
# A payment is approved or declined. A row with status "cancelled" and `cancels_id` set is a
# cancellation entry offsetting that payment; without `cancels_id` it is a payment that the
# carrier already shows as cancelled (imported history), which nets to zero.
TX_STATUSES = ("approved", "cancelled", "declined")
MANUAL_STATUSES = ("approved", "declined")  # added by hand; a cancellation is marked on its payment instead
PAY_TYPES = ("one_off", "recurring")
# "message": a charge read from a payment text message the phone forwarded (dashboard/services/messages.py).
SOURCES = ("api", "import", "manual", "demo", "message")
ALERT_KINDS = ("budget_threshold", "forecast_over_budget", "large_charge", "new_merchant", "fraud_burst",
               "blocked_attempt", "import_summary", "auth_code_burst", "smishing", "blocked_charge",
               "subscription_new", "subscription_price_rise", "member")
# What a forwarded text message turned out to be (dashboard/services/messages.py, docs/ingest.md).
MESSAGE_KINDS = ("charge", "cancellation", "auth_code", "subscription_notice", "ignored", "unrecognised")

# Spending categories (stored codes). The UI shows Korean labels from the message catalogue.
CATEGORIES = (
    "game",  # 게임 아이템 / 캐시
    "app_store",  # 앱스토어 (Google Play, App Store, ONE store) — content bucket
    "gift_voucher",  # 상품권
    "subscription",  # 웹툰·음악·OTT 정기결제
    "delivery",  # 배달
    "shopping",  # 쇼핑
    "transport",  # 교통카드 충전
    "other",
)


def to_kst(moment: datetime) -> datetime:
    """A tz-aware moment in Asia/Seoul. Naive datetimes are taken to be UTC (how the store keeps them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(KST)


def usage_month(moment: datetime) -> str:
    """The billing (usage) month, 'YYYY-MM', of a moment: its KST calendar month."""
    return to_kst(moment).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    """First instant of a 'YYYY-MM' usage month, tz-aware in KST."""
    year, mon = (int(part) for part in month.split("-"))
    return datetime(year, mon, 1, tzinfo=KST)


def next_month(month: str) -> str:
    start = month_start(month)
    return (start + timedelta(days=32)).strftime("%Y-%m")


def previous_month(month: str) -> str:
    start = month_start(month)
    return (start - timedelta(days=1)).strftime("%Y-%m")


def month_bounds_utc(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a usage month as UTC datetimes."""
    return month_start(month).astimezone(UTC), month_start(next_month(month)).astimezone(UTC)


def days_in_month(month: str) -> int:
    return (month_start(next_month(month)) - month_start(month)).days


def months_back(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    months = [month]
    for _ in range(count - 1):
        months.append(previous_month(months[-1]))
    return months[::-1]


def kst_today(now: datetime | None = None) -> date:
    return to_kst(now or datetime.now(UTC)).date()


# The span of dates a charge may carry, wherever it comes from (an imported row, an API body, a query):
# Korean phone micropayments began in the 2000s, and a day ahead allows for a clock or time zone that runs early.
EARLIEST_DATE = date(1990, 1, 1)


def latest_date(now: datetime | None = None) -> date:
    """The last KST date a charge or a query may name: tomorrow."""
    return kst_today(now) + timedelta(days=1)


def in_date_span(moment: datetime) -> bool:
    """An aware datetime within EARLIEST_DATE..latest_date() in KST (year 1 or 9999 shifted by an offset: False)."""
    try:
        return EARLIEST_DATE <= moment.astimezone(KST).date() <= latest_date()
    except OverflowError:
        return False
