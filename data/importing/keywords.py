"""The one keyword table for inferring category and bucket from merchant/product/service text.

Matching is on lower-cased text with spaces removed, so keywords are written without spaces.
Order matters: the first category with a matching keyword wins (gift cards sold by app stores are
vouchers; 쿠팡이츠 is delivery before 쿠팡 is shopping; 쿠팡플레이 is a subscription).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from data.importing.normalize import NAME_MEMO_SIZE

# Space-separated keywords per category, matched as substrings.
_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    (
        "gift_voucher",
        "상품권 문화상품권 문상 컬쳐랜드 컬처랜드 cultureland 해피머니 happymoney 북앤라이프 "
        "도서문화 틴캐시 에그머니 기프트카드 giftcard 기프티콘 gifticon 기프티쇼 모바일쿠폰 "
        "e쿠폰 이쿠폰 교환권",
    ),
    (
        "transport",
        "교통카드 티머니 tmoney t-money 캐시비 cashbee 레일플러스 railplus 코레일 korail "
        "고속버스 시외버스 카카오t 택시 srt",
    ),
    (
        "delivery",
        "배달의민족 배민 요기요 yogiyo 쿠팡이츠 coupangeats 땡겨요 배달",
    ),
    (
        "subscription",
        "넷플릭스 netflix 유튜브 youtube 멜론 melon 지니뮤직 벅스 플로 바이브 스포티파이 "
        "spotify 웨이브 wavve 티빙 tving 왓챠 watcha 쿠팡플레이 디즈니 disney 웹툰 webtoon "
        "카카오페이지 리디 ridi 밀리의서재 레진 봄툰 정기결제 정기구독 구독 월정액 자동결제 "
        "멤버십 membership",
    ),
    (
        "app_store",
        "googleplay 구글플레이 google 구글 appstore 앱스토어 apple 애플 itunes 아이튠즈 "
        "onestore 원스토어 galaxystore 갤럭시스토어",
    ),
    (
        "game",
        "게임 game 넥슨 nexon 넷마블 netmarble 엔씨소프트 ncsoft 크래프톤 krafton 펄어비스 "
        "스마일게이트 컴투스 com2us 게임빌 라이엇 riot 블리자드 blizzard 스팀 steam "
        "카카오게임즈 슈퍼셀 supercell 호요버스 hoyoverse 미호요 데브시스터즈 위메이드 "
        "그라비티 한게임 피망 네오위즈 릴리스 lilith 로블록스 roblox 엔픽셀 카카오게임 "
        "게임아이템 아이템 다이아 루비 크리스탈",
    ),
    (
        "shopping",
        "쿠팡 coupang 11번가 지마켓 g마켓 gmarket 옥션 auction 위메프 티몬 무신사 29cm "
        "지그재그 에이블리 ssg 롯데온 네이버쇼핑 스마트스토어 알리익스프레스 aliexpress 테무 "
        "temu 오늘의집 마켓컬리 컬리 쇼핑 shopping 마켓 스토어",
    ),
)
CATEGORY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (category, tuple(words.split())) for category, words in _CATEGORY_WORDS
)

# Direct carrier billing (콘텐츠이용료) merchants; everything else goes through a PG (소액결제).
_CONTENT_WORDS = (
    "googleplay 구글플레이 구글 google appstore 앱스토어 apple 애플 itunes 아이튠즈 onestore "
    "원스토어 galaxystore 갤럭시스토어"
)
CONTENT_KEYWORDS: tuple[str, ...] = tuple(_CONTENT_WORDS.split())

# Korean labels (and a few synonyms) a file may use in a 분류 column, mapped to the stored codes.
CATEGORY_LABELS: dict[str, str] = {
    "게임": "game",
    "게임아이템": "game",
    "앱스토어": "app_store",
    "앱마켓": "app_store",
    "상품권": "gift_voucher",
    "구독": "subscription",
    "정기결제": "subscription",
    "콘텐츠": "subscription",
    "배달": "delivery",
    "쇼핑": "shopping",
    "교통": "transport",
    "교통카드": "transport",
    "기타": "other",
}
# Stored code -> label written by the exporter (first label per code above).
CATEGORY_DISPLAY: dict[str, str] = {}
for _label, _code in CATEGORY_LABELS.items():
    CATEGORY_DISPLAY.setdefault(_code, _label)

_SPACES = re.compile(r"\s+")


def squash(text: str | None) -> str:
    """Lower-case, NFKC, no spaces: the form keywords are matched against."""
    if not text:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=NAME_MEMO_SIZE)  # keyed by user text: kept small
def infer_category(merchant: str, product: str | None = None, service: str | None = None) -> str:
    """Category from keywords. The merchant decides first; product and service only break a miss."""
    for text in (squash(merchant), squash(product) + " " + squash(service)):
        for category, words in CATEGORY_KEYWORDS:
            if any(word in text for word in words):
                return category
    return "other"


@lru_cache(maxsize=NAME_MEMO_SIZE)
def infer_bucket(merchant: str, pg: str | None = None) -> str:
    """콘텐츠이용료 for the app stores billed directly by the carrier, else 소액결제."""
    text = squash(merchant) + " " + squash(pg)
    return "content" if any(word in text for word in CONTENT_KEYWORDS) else "micropayment"
