"""Merchant name normalisation: one key per merchant however the carrier or PG spells it.

The key is for grouping (charts, subscriptions, dedupe hints) only; the stored merchant text stays
exactly as the user's file had it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Per-process memos of names seen lately (here and in keywords.py). The names are users' and PGs' text
# (imports, charges, messages), ever new, so a memo fills to its size: at 65,536 entries the three held
# ~58 MiB per worker (short names; more for long ones) and kept growing for hours under steady traffic.
# At 4,096 they hold ~4 MiB; a miss costs ~15 µs, and an import already infers once per distinct value.
NAME_MEMO_SIZE = 4096

# Legal-form markers, anywhere in the name. NFKC has already turned ㈜ into (주).
_CORP_MARKERS = re.compile(r"\((?:주|유|사|재|합|株)\)|주식회사|유한책임회사|유한회사|사단법인|재단법인")
# PG names that prefix merchant descriptors ("다날_넥슨", "[KG모빌리언스] 넷마블", "KCP:쿠팡").
_PG_NAMES = (
    "다날",
    "kg모빌리언스",
    "모빌리언스",
    "갤럭시아머니트리",
    "갤럭시아",
    "머니트리",
    "페이레터",
    "nhnkcp",
    "nhn kcp",
    "kcp",
    "효성fms",
    "세틀뱅크",
    "danal",
    "mobilians",
    "payletter",
)
_PG_ALT = "|".join(re.escape(name) for name in sorted(_PG_NAMES, key=len, reverse=True))
_PG_PREFIX = re.compile(rf"^\s*(?:[\[(<]\s*(?:{_PG_ALT})\s*[\])>]|(?:{_PG_ALT})\s*[_:/|>\-]+)\s*")
# English legal suffixes need a separator before them ("costco" keeps its "co").
_EN_SUFFIX = re.compile(r"[\s,.]+(?:co\.?,?\s*ltd|corporation|corp|inc|ltd|llc|limited|co|gmbh|pte)\.?\s*$")
# Country suffixes glue onto Korean names ("넥슨코리아"), so no separator is needed.
_COUNTRY_SUFFIX = re.compile(r"\s*(?:코리아|korea|한국지사)\s*$")
_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=NAME_MEMO_SIZE)
def merchant_key(name: str) -> str:
    """Grouping key: `(주)다날_넥슨`, `넥슨코리아`, `Nexon Korea Corp.` → `넥슨` / `nexon`."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _CORP_MARKERS.sub(" ", text)
    text = _strip(_PG_PREFIX, text)
    for _ in range(3):  # "Foo Korea Co., Ltd." needs more than one pass
        before = text
        text = _strip(_EN_SUFFIX, text)
        text = _strip(_COUNTRY_SUFFIX, text)
        if text == before:
            break
    key = _NON_WORD.sub("", text)
    # A name that is only a marker ("코리아", "(주)") keeps its own letters rather than vanishing.
    return key or _NON_WORD.sub("", unicodedata.normalize("NFKC", name or "").casefold())


def _strip(pattern: re.Pattern[str], text: str) -> str:
    stripped = pattern.sub("", text)
    return stripped if _NON_WORD.sub("", stripped) else text
