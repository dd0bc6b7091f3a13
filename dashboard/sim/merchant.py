"""`microbill simulate`: a stand-in merchant/PG sending payment requests to a running server.

Realistic requests (the merchants, PGs and prices of data/demo.py: game cash, 상품권, app stores,
transport top-ups, delivery) go to POST /api/v1/lines/<id>/authorizations with a bearer token, at a
steady rate; each answer is printed as one line.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests

from dashboard.text.formatting import won


@dataclass(frozen=True)
class Product:
    merchant: str
    pg: str | None  # None: direct carrier billing (app stores) → the content bucket
    category: str
    name: str
    prices: tuple[int, ...]
    weight: float = 1.0

    @property
    def bucket(self) -> str:
        return "micropayment" if self.pg else "content"


CATALOGUE: tuple[Product, ...] = (
    Product("넥슨코리아", "다날", "game", "메이플스토리 캐시", (5_000, 10_000, 30_000, 50_000), 3),
    Product("엔씨소프트", "KG모빌리언스", "game", "엔씨코인", (1_000, 10_000, 30_000), 2),
    Product("넷마블", "갤럭시아머니트리", "game", "넷마블 캐시", (3_300, 5_500, 11_000, 33_000), 2),
    Product("크래프톤", "NHN KCP", "game", "배틀그라운드 G-COIN", (1_100, 5_500, 11_000)),
    Product("컬쳐랜드", "KG모빌리언스", "gift_voucher", "컬쳐랜드 모바일문화상품권", (5_000, 10_000, 50_000), 2),
    Product("해피머니", "다날", "gift_voucher", "해피머니 온라인상품권", (10_000, 30_000, 50_000)),
    Product("북앤라이프", "갤럭시아머니트리", "gift_voucher", "도서문화상품권", (5_000, 10_000)),
    Product("티머니", "페이레터", "transport", "모바일티머니 충전", (10_000, 20_000, 30_000)),
    Product("배달의민족", "다날", "delivery", "교촌치킨 허니콤보", (23_000,), 2),
    Product("쿠팡이츠", "NHN KCP", "delivery", "맘스터치 싸이버거 세트", (8_900,)),
    Product("쿠팡", "다날", "shopping", "제주삼다수 2L x 12", (11_880,)),
    Product("멜론", "다날", "subscription", "멜론 스트리밍클럽", (10_900,)),
    Product("구글플레이", None, "app_store", "원신 창세의 결정 300", (5_900,), 2),
    Product("구글플레이", None, "app_store", "원신 창세의 결정 1980", (33_000,)),
    Product("App Store", None, "app_store", "로블록스 800 Robux", (12_000,)),
    Product("원스토어", None, "app_store", "리니지W 다이아 소형", (11_000,)),
)

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*([smh]))?\s*$")
_PER = {"s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_rate(text: str) -> float:
    """'5/s' → 5.0 requests per second; also '30/m', '2/h' and a bare '5'."""
    match = _RATE.match(text or "")
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"rate must look like 5/s, 30/m or 2/h, not {text!r}")
    return float(match.group(1)) / _PER[match.group(2)]


def requests_for(rng: random.Random, run_id: str) -> Iterator[dict]:
    """An endless stream of authorization bodies with unique external ids."""
    weights = [p.weight for p in CATALOGUE]
    seq = 0
    while True:
        seq += 1
        product = rng.choices(CATALOGUE, weights)[0]
        price = rng.choice(product.prices)
        yield {"merchant": product.merchant, "pg": product.pg, "category": product.category,
               "product": product.name if len(product.prices) == 1 else f"{product.name} {price:,}",
               "bucket": product.bucket, "amount": price, "external_id": f"sim-{run_id}-{seq}"}


def describe(seq: int, body: dict, status: int, answer: dict) -> str:
    """One printed line per request."""
    head = f"#{seq:<4} {body['merchant']} · {body['product']} {won(body['amount'])} [{body['bucket']}]"
    if status in (200, 201):
        verdict = "승인" if answer.get("approved") else f"거절 ({answer.get('reason')})"
        retry = " (재시도 응답)" if status == 200 else ""
        return f"{head} → {verdict} tx={answer.get('transaction_id')}{retry}"
    return f"{head} → HTTP {status}: {answer.get('message') or answer}"


def run(url: str, token: str, line_id: int, rate: float, count: int | None, echo: Callable[[str], None],
        seed: int | None = None, http: requests.Session | None = None) -> int:
    """Send `count` requests (None: until interrupted) at `rate` per second; the number of failures."""
    http = http or requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    endpoint = f"{url.rstrip('/')}/api/v1/lines/{line_id}/authorizations"
    stream = requests_for(random.Random(seed), uuid.uuid4().hex[:8])
    start, sent, failures = time.monotonic(), 0, 0
    while count is None or sent < count:
        time.sleep(max(0.0, start + sent / rate - time.monotonic()))  # steady pace, no drift
        body = next(stream)
        sent += 1
        try:
            response = http.post(endpoint, json=body, timeout=10)
        except requests.RequestException as exc:
            echo(f"#{sent:<4} {endpoint}: {exc}")
            return failures + 1
        answer = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        echo(describe(sent, body, response.status_code, answer))
        if response.status_code in (401, 403, 404):
            return failures + 1  # wrong token or line: every further request would fail the same way
        failures += response.status_code >= 400
    return failures
