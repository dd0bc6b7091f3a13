"""Who sends payment text messages: PG and carrier names, their numbers, and how a sender is normalised.

Tables only (plus the text clean-up every message reader shares); the rules that use them are in messages.py.
Numbers are the PGs' and carriers' published customer-centre numbers (docs/messages.md lists them).
"""

from __future__ import annotations

import re
import unicodedata

# An LMS is at most 2,000 bytes; a payment notice is far shorter, so only a text's first 2,000 characters are
# read. The cap also bounds the work every pattern does on hostile input (the intake refuses bodies over 16 KB).
MAX_TEXT = 2000
MAX_SENDER = 40  # the stored column's width

# Canonical PG name -> how messages spell it (case-insensitive regex).
PG_PATTERNS: dict[str, str] = {
    "다날": r"다날|danal",
    "KG모빌리언스": r"(?:kg\s*)?모빌리언스|mobilians",
    "갤럭시아머니트리": r"갤럭시아(?:\s*머니트리|\s*커뮤니케이션즈)?|머니트리|galaxia",
    "페이레터": r"페이레터|payletter",
    "NHN KCP": r"nhn\s*kcp|(?<![a-z])kcp(?![a-z])|한국사이버결제",
    "효성FMS": r"효성\s*(?:fms|에프엠에스)|hyosung\s*fms",
    "세틀뱅크": r"세틀\s*뱅크|settle\s*bank",
}
# Customer-centre numbers (digits) -> PG. A genuine approval often prints its PG's number.
PG_HOTLINES: dict[str, str] = {
    "15663355": "다날",
    "18000678": "KG모빌리언스",
    "15660123": "갤럭시아머니트리",
    "15992583": "페이레터",
    "16886410": "NHN KCP",
    "15445162": "효성FMS",
    "16005220": "세틀뱅크",
}

# Carrier code (data.vocab.CARRIERS) -> how a message names it. MVNO brands come first: "KT M모바일" is an MVNO.
CARRIER_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "MVNO",
        r"알뜰\s*폰|mvno|kt\s*m\s*모바일|kt\s*엠모바일|헬로\s*모바일|sk\s*7\s*모바일|세븐\s*모바일|"
        r"u\+\s*알뜰\s*모바일|유플러스\s*알뜰\s*모바일|리브\s*엠|liiv\s*m|토스\s*모바일|이야기\s*모바일|"
        r"프리티\s*모바일|티플러스|아이즈\s*모바일|스노우맨|인스\s*모바일|스마텔|에넥스\s*텔레콤",
    ),
    ("LGU+", r"lg\s*u\s*\+|lgu\s*\+|lg\s*유플러스|엘지\s*유플러스|(?<![a-z])lgt(?![a-z])|(?<![a-z])u\+|유플러스"),
    ("SKT", r"(?<![a-z])skt(?![a-z])|sk\s*텔레콤|sk\s*telecom|t\s*world|티월드"),
    ("KT", r"(?<![a-z0-9])ktf?(?![a-z&])|케이티|olleh|올레\s*kt"),
)
# Normalised sender -> carrier code ("" = a carrier's number that does not say which carrier: 114 is everyone's).
CARRIER_SENDERS: dict[str, str] = {
    "114": "",
    "kt": "KT",
    "olleh": "KT",
    "15880010": "KT",
    "skt": "SKT",
    "sk텔레콤": "SKT",
    "sktelecom": "SKT",
    "15990011": "SKT",
    "lgu+": "LGU+",
    "lg u+": "LGU+",
    "lg유플러스": "LGU+",
    "u+": "LGU+",
    "15440010": "LGU+",
}
# App stores that bill through the carrier (콘텐츠이용료) and send their own receipts.
STORE_SENDERS = frozenset({"google", "google play", "googleplay", "구글", "구글플레이", "apple", "app store",
                           "appstore", "애플", "원스토어", "one store", "onestore"})
# Web addresses a genuine notice may carry; any other link in a "결제완료" text from an unknown sender is a lure.
OFFICIAL_DOMAINS = ("danal.co.kr", "mobilians.co.kr", "galaxiamoneytree.co.kr", "payletter.com", "kcp.co.kr",
                    "hyosungfms.com", "settlebank.co.kr", "kt.com", "tworld.co.kr", "sktelecom.com",
                    "uplus.co.kr", "lguplus.com", "google.com", "apple.com", "onestore.co.kr")

_PHONE_LIKE = re.compile(r"[\d\s+\-().#*]+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")


def normalise_sender(sender: str | None) -> str:
    """Digits of a phone number ("#1566-3355" -> "15663355"), else the stripped, lower-cased name; "" for None."""
    if not sender:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", sender)).strip()
    if _PHONE_LIKE.fullmatch(text) and any(ch.isdigit() for ch in text):
        return "".join(ch for ch in text if ch.isdigit())[:MAX_SENDER]
    return " ".join(text.casefold().split())[:MAX_SENDER]


def clean_text(text: str) -> str:
    """A message as the rules read it: its first MAX_TEXT characters, NFKC (full-width digits, ㈜ -> (주)),
    without invisible characters, with plain newlines."""
    text = unicodedata.normalize("NFKC", (text or "")[:MAX_TEXT])
    text = _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def mvno_sender(sender: str) -> bool:
    """A sender name that is an MVNO brand ("kt m모바일", "헬로모바일")."""
    return bool(sender) and re.search(CARRIER_PATTERNS[0][1], sender) is not None


def trusted_sender(sender: str) -> bool:
    """A PG's, carrier's or app store's own number or name: its texts are not the smishing lookalikes."""
    return sender in PG_HOTLINES or sender in CARRIER_SENDERS or sender in STORE_SENDERS or mvno_sender(sender)


_PG_NAMES = tuple(PG_PATTERNS)
_PG_RE = re.compile("|".join(f"(?P<pg{i}>{p})" for i, p in enumerate(PG_PATTERNS.values())), re.I)
_MVNO_RE = re.compile(CARRIER_PATTERNS[0][1], re.I)
_CARRIER_RE = re.compile("|".join(f"(?P<c{i}>{p})" for i, (_, p) in enumerate(CARRIER_PATTERNS[1:], 1)), re.I)
_HOTLINE = re.compile(r"(?<!\d)1[5-8]\d{2}[\s\-.]?\d{4}(?!\d)")


def find_pg(text: str, sender: str) -> str | None:
    """The PG a message names, else the PG whose number sent it or is printed in it."""
    found = _PG_RE.search(text)
    if found and found.lastgroup:
        return _PG_NAMES[int(found.lastgroup[2:])]
    if sender in PG_HOTLINES:
        return PG_HOTLINES[sender]
    for number in _HOTLINE.finditer(text):
        digits = re.sub(r"\D", "", number.group())
        if digits in PG_HOTLINES:
            return PG_HOTLINES[digits]
    return None


def find_carrier(text: str, sender: str) -> str | None:
    """The carrier (data.vocab.CARRIERS) the sender is or the text names; an MVNO brand wins over its host
    network's name ("KT M모바일")."""
    if CARRIER_SENDERS.get(sender):
        return CARRIER_SENDERS[sender]
    if mvno_sender(sender) or _MVNO_RE.search(text):
        return "MVNO"
    found = _CARRIER_RE.search(text)
    if found and found.lastgroup:
        return CARRIER_PATTERNS[int(found.lastgroup[1:])][0]
    return None


def name_spans(text: str) -> list[tuple[int, int]]:
    """Where PG and carrier names are in `text`: not merchant names."""
    return [found.span() for pattern in (_PG_RE, _MVNO_RE, _CARRIER_RE) for found in pattern.finditer(text)]
