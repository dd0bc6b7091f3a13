"""Header recognition: which column of the user's file holds which field.

Headers are compared after `normalize_header` (NFKC, lower case, no spaces/underscores/brackets,
no "(원)" unit), so "결제 일시", "결제일시(KST)"-style noise and "External_ID" all match.
Within a field the earlier alias wins when a file has several candidates (결제일시 beats 승인일자).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from data.importing.model import FIELDS_BY_NAME, IGNORE, REQUIRED_FIELDS, Message

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "occurred_at": (
        "결제일시",
        "이용일시",
        "거래일시",
        "승인일시",
        "결제일자",
        "이용일자",
        "거래일자",
        "승인일자",
        "결제날짜",
        "이용날짜",
        "결제일",
        "이용일",
        "거래일",
        "승인일",
        "결제시각",
        "일시",
        "날짜",
        "일자",
        "datetime",
        "date",
        "occurredat",
        "timestamp",
        "paidat",
    ),
    "time": ("결제시간", "이용시간", "거래시간", "승인시간", "시간", "시각", "time"),
    "merchant": (
        "이용업체명",
        "이용업체",
        "가맹점명",
        "가맹점",
        "업체명",
        "상호명",
        "상호",
        "판매처",
        "사용처",
        "이용처",
        "결제처",
        "콘텐츠제공자",
        "cp명",
        "merchant",
        "merchantname",
        "store",
        "shop",
    ),
    "amount": (
        "금액",
        "결제금액",
        "이용금액",
        "거래금액",
        "승인금액",
        "사용금액",
        "청구금액",
        "결제액",
        "amount",
        "price",
        "krw",
    ),
    "status": (
        "상태",
        "결제상태",
        "거래상태",
        "처리상태",
        "승인상태",
        "승인여부",
        "결제결과",
        "status",
    ),
    "pg": ("결제대행사", "결제대행업체", "대행사", "pg사", "pg", "결제사", "paymentgateway"),
    "product": (
        "구매상품",
        "상품명",
        "상품",
        "구매내역",
        "결제내용",
        "품목",
        "내용",
        "product",
        "productname",
        "item",
        "itemname",
    ),
    "service": ("이용서비스", "서비스명", "서비스", "service", "servicename"),
    "category": ("분류", "카테고리", "업종", "category"),
    "bucket": ("구분", "결제종류", "결제수단", "서비스구분", "이용구분", "bucket"),
    "pay_type": ("결제유형", "결제방식", "결제타입", "결제구분", "paytype"),
    "carrier": ("통신사", "이동통신사", "통신사명", "carrier", "telco"),
    "external_id": (
        "거래id",
        "거래번호",
        "거래고유번호",
        "결제번호",
        "주문번호",
        "승인번호",
        "externalid",
        "transactionid",
        "txid",
        "id",
    ),
}

_NOISE = re.compile(r"[\s_\-.:*/]+|\((?:원|krw|kst|₩)\)|\[(?:원|krw|kst|₩)\]")
_ALIAS_RANK: dict[str, tuple[str, int]] = {
    alias: (name, rank) for name, aliases in HEADER_ALIASES.items() for rank, alias in enumerate(aliases)
}


def normalize_header(text: object) -> str:
    if text is None:
        return ""
    return _NOISE.sub("", unicodedata.normalize("NFKC", str(text)).casefold()).strip("()[]")


def display_headers(cells: Sequence[object]) -> list[str]:
    """Raw header texts made unique and non-empty, as the mapping UI shows them."""
    seen: dict[str, int] = {}
    headers: list[str] = []
    for index, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        text = text or f"({_column_letter(index)}열)"
        count = seen.get(text, 0) + 1
        seen[text] = count
        headers.append(text if count == 1 else f"{text} ({count})")
    return headers


def auto_map(headers: Sequence[str]) -> dict[int, str]:
    """Column index -> field for the headers we recognise; the best-ranked alias per field wins."""
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    for column, header in enumerate(headers):
        hit = _ALIAS_RANK.get(normalize_header(header))
        if hit is None:
            continue
        name, rank = hit
        if name not in best or rank < best[name][0]:
            best[name] = (rank, column)
    return {column: name for name, (_rank, column) in best.items()}


def apply_mapping(headers: Sequence[str], mapping: Mapping[str, str] | None) -> tuple[dict[int, str], list[Message]]:
    """Auto mapping overridden by the user's {raw header: field} -> (column->field, problems)."""
    columns = auto_map(headers)
    if not mapping:
        return columns, []
    problems: list[Message] = []
    index_of = {header: i for i, header in enumerate(headers)}
    index_of.update({header.strip(): i for i, header in enumerate(headers)})
    chosen: dict[str, str] = {}
    for raw, name in mapping.items():
        name = (name or IGNORE).strip()
        if name != IGNORE and name not in FIELDS_BY_NAME:
            problems.append(Message("import.err.unknown_field", {"name": name}))
            continue
        if name != IGNORE and name in chosen.values():
            problems.append(Message("import.err.field_twice", {"field": name}))
            continue
        chosen[raw] = name
    for raw, name in chosen.items():
        column = index_of.get(raw, index_of.get(str(raw).strip()))
        if column is None:
            continue  # a header from another file; the caller re-checks required fields
        # The user's choice replaces whatever auto-mapping had for this column and this field.
        columns = {c: f for c, f in columns.items() if c != column and f != name}
        if name != IGNORE:
            columns[column] = name
    return columns, problems


def missing_required(columns: Mapping[int, str]) -> list[str]:
    present = set(columns.values())
    return [name for name in REQUIRED_FIELDS if name not in present]


def header_score(cells: Sequence[object]) -> int:
    """How many distinct fields a row's cells name: the header row has the highest score."""
    return len(set(auto_map([("" if c is None else str(c)) for c in cells]).values()))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
