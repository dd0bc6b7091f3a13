"""What the personas buy: merchants, PGs, products and prices, and the hours of the day they buy at."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from data.demo.model import _Item


def _cash(
    merchant: str, pg: str | None, title: str, prices: Sequence[int], category: str = "game"
) -> tuple[_Item, ...]:
    """Top-up style products ("메이플스토리 캐시 10,000") in several denominations."""
    bucket = "micropayment" if pg else "content"
    return tuple(_Item(merchant, pg, category, bucket, f"{title} {p:,}", p) for p in prices)


def _store(merchant: str, products: Sequence[tuple[str, int]]) -> tuple[_Item, ...]:
    """App-store purchases: direct carrier billing, so content bucket and no PG."""
    return tuple(_Item(merchant, None, "app_store", "content", n, p) for n, p in products)


def _sub(merchant: str, pg: str | None, product: str, price: int) -> _Item:
    return _Item(merchant, pg, "subscription", "micropayment" if pg else "content", product, price)


_PG_GAMES: tuple[tuple[_Item, ...], ...] = (
    _cash("넥슨코리아", "다날", "메이플스토리 캐시", (5_000, 10_000, 30_000, 50_000)),
    _cash("(주)다날_넥슨", "다날", "넥슨캐시", (1_000, 5_000, 10_000, 30_000, 50_000)),
    _cash("엔씨소프트", "KG모빌리언스", "엔씨코인", (1_000, 10_000, 30_000, 50_000)),
    _cash("넷마블", "갤럭시아머니트리", "넷마블 캐시", (3_300, 5_500, 11_000, 33_000, 55_000)),
    _cash("스마일게이트", "페이레터", "로스트아크 로열 크리스탈", (5_000, 10_000, 30_000, 50_000)),
    _cash("크래프톤", "NHN KCP", "배틀그라운드 G-COIN", (1_100, 5_500, 11_000, 33_000, 55_000)),
)
_GOOGLE_GAMES = _store(
    "구글플레이",
    (
        ("원신 공월 축복", 5_900),
        ("원신 창세의 결정 300", 5_900),
        ("원신 창세의 결정 1980", 33_000),
        ("원신 창세의 결정 6480", 119_000),
        ("쿠키런: 킹덤 데일리 크리스탈 패키지", 3_300),
        ("클래시 로얄 패스 로얄", 6_500),
        ("포켓몬 GO 포켓코인 550", 6_500),
    ),
)
_ONESTORE_GAMES = _store(
    "원스토어",
    (
        ("리니지W 다이아 소형", 11_000),
        ("리니지W 다이아 중형", 33_000),
        ("리니지W 다이아 대형", 55_000),
    ),
)
_KIDS_STORE = (
    ("브롤스타즈 보석 30개", 2_500),
    ("브롤스타즈 브롤 패스", 9_900),
    ("로블록스 400 Robux", 5_900),
    ("로블록스 800 Robux", 12_000),
    ("마인크래프트 마인코인 320", 2_500),
    ("쿠키런: 오븐브레이크 크리스탈 60", 1_100),
    ("쿠키런: 오븐브레이크 크리스탈 300", 5_500),
    ("포켓몬 GO 포켓코인 100", 1_200),
)
_KIDS_GOOGLE = _store("구글플레이", _KIDS_STORE)
_KIDS_APPLE = _store("App Store", _KIDS_STORE)
_KIDS_PG = _cash(
    "(주)다날_넥슨", "다날", "카트라이더 러쉬플러스 K코인", (1_000, 3_000, 5_000, 10_000)
)

_VOUCHERS = (
    _cash(
        "컬쳐랜드",
        "KG모빌리언스",
        "컬쳐랜드 모바일문화상품권",
        (5_000, 10_000, 30_000, 50_000),
        "gift_voucher",
    )
    + _cash("해피머니", "다날", "해피머니 온라인상품권", (10_000, 30_000, 50_000), "gift_voucher")
    + _cash(
        "북앤라이프",
        "갤럭시아머니트리",
        "도서문화상품권",
        (5_000, 10_000, 30_000, 50_000),
        "gift_voucher",
    )
)
_SMALL_VOUCHERS = tuple(v for v in _VOUCHERS if v.price <= 10_000)
_TRANSPORT = _cash(
    "티머니", "페이레터", "모바일티머니 충전", (10_000, 20_000, 30_000, 50_000), "transport"
) + _cash("캐시비", "세틀뱅크", "캐시비 충전", (10_000, 30_000, 50_000), "transport")

_DELIVERY_APPS = (("배달의민족", "다날"), ("요기요", "KG모빌리언스"), ("쿠팡이츠", "NHN KCP"))
_MENUS = (
    ("교촌치킨 허니콤보", 23_000),
    ("BHC 뿌링클", 21_000),
    ("엽기떡볶이 오리지널", 14_000),
    ("도미노피자 포테이토 L", 29_900),
    ("맘스터치 싸이버거 세트", 8_900),
    ("본죽 전복죽", 13_000),
    ("마라탕 1인", 12_500),
    ("김밥천국 김밥+라면", 8_500),
    ("파리바게뜨 생크림 케이크", 27_000),
    ("짜장면+탕수육 세트", 24_000),
    ("서브웨이 이탈리안 BMT 15cm", 7_400),
    ("족발 중 사이즈", 36_000),
)
_SHOPS = (("쿠팡", "다날"), ("11번가", "KG모빌리언스"), ("G마켓", "NHN KCP"), ("무신사", "효성FMS"))
_GOODS = (
    ("제주삼다수 2L x 12", 11_880),
    ("크리넥스 물티슈 캡형 10팩", 15_900),
    ("무선 충전기 15W", 19_900),
    ("반팔 티셔츠 2팩", 29_900),
    ("러닝화", 89_000),
    ("샴푸 1L 2개", 24_900),
    ("햇반 210g x 24", 26_900),
    ("닌텐도 스위치 게임 타이틀", 64_800),
    ("블루투스 이어폰", 39_900),
    ("캠핑 의자", 45_900),
    ("고양이 모래 6kg x 3", 32_400),
    ("텀블러 500ml", 18_900),
)
_GIFTS = (
    ("스타벅스 카페 아메리카노 T", 4_700),
    ("스타벅스 카페 아메리카노 T 2잔", 9_400),
    ("배스킨라빈스 파인트", 9_800),
    ("교촌치킨 허니콤보+콜라", 25_000),
    ("CU 모바일 금액권 1만원", 10_000),
    ("투썸 스트로베리 초콜릿 생크림", 37_000),
)

_YOUTUBE = _sub("구글플레이", None, "YouTube Premium 개인 멤버십", 10_450)
_MELON = _sub("멜론", "다날", "멜론 스트리밍클럽", 10_900)
_GENIE = _sub("지니뮤직", "갤럭시아머니트리", "지니 스마트 음악감상", 7_400)
_TVING = _sub("티빙", "NHN KCP", "티빙 베이직", 7_900)
_WAVVE = _sub("웨이브", "KG모빌리언스", "웨이브 Basic", 7_900)
_MILLIE = _sub("밀리의서재", "페이레터", "밀리의서재 월 구독", 9_900)
_WOW = _sub("쿠팡", "다날", "쿠팡 와우 멤버십", 4_990)
_WEBTOON = _sub("네이버웹툰", "다날", "쿠키 자동충전 20개", 2_000)
# Real Korean price rises; a subscription that changes price jumps to this amount.
_NEW_PRICE = {
    _YOUTUBE: 14_900,
    _MELON: 11_900,
    _GENIE: 8_400,
    _TVING: 9_500,
    _WAVVE: 7_900,
    _MILLIE: 11_900,
    _WOW: 7_890,
    _WEBTOON: 2_000,
}

_ID_PREFIX = {
    "다날": "DN",
    "KG모빌리언스": "MB",
    "갤럭시아머니트리": "GM",
    "페이레터": "PL",
    "NHN KCP": "KCP",
    "효성FMS": "HF",
    "세틀뱅크": "SB",
}


def _hour_cdf(weights: Sequence[float]) -> tuple[float, ...]:
    """Cumulative hour-of-day weights (KST 0..23), precomputed because `at` is the hot path."""
    assert len(weights) == 24
    total = sum(weights)
    return tuple(c / total for c in accumulate(weights))


# fmt: off
# Hour-of-day weights, KST 0..23.
_NIGHT_OWL = _hour_cdf((6, 3, 1.5, .5, .2, .1, .1, .3, .5, .7, 1, 1.2,
                        2, 1.8, 1.5, 1.5, 1.8, 2.2, 3, 4.5, 6, 7.5, 8, 7.5))
_MEALS = _hour_cdf((.4, .2, 0, 0, 0, 0, 0, .1, .3, .4, .8, 4,
                    6, 3, .8, .6, 1, 3, 6, 7, 4.5, 2, 1.5, 1))
_SHOPPING = _hour_cdf((1.5, .8, .3, .1, 0, 0, .1, .4, 1, 1.5, 2, 2.5,
                       3.5, 3, 2.5, 2.5, 2.5, 2.5, 3, 3.5, 4, 5, 5.5, 3.5))
_AFTER_SCHOOL = _hour_cdf((0, 0, 0, 0, 0, 0, 0, .2, .2, .2, .5, .5,
                           .8, .8, 1.5, 3, 5, 5, 4.5, 5, 5, 3, 1, .2))
_DAYTIME = _hour_cdf((0, 0, 0, 0, 0, 0, .2, 2, 4, 2, 1, 1,
                      2, 1.5, 1, 1, 1.5, 2, 3, 2, 1, .5, .2, 0))
# fmt: on

# --------------------------------------------------------------------------- generation context


