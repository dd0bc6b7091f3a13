"""Cell parsers. Each takes a column (pandas Series) and returns (values, errors) aligned with it.

Speed comes from two tricks: value-level parsers run once per *distinct* cell (pd.factorize), which
is cheap because amounts, statuses and merchants repeat; dates, which rarely repeat, go through
pandas' C `to_datetime` with a format guessed from the column, and only its misses fall back to the
per-cell regex parser. Both paths accept exactly the same texts (tests pin this).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd

from data.importing.keywords import CATEGORY_LABELS, infer_category, squash
from data.importing.model import Message
from data.vocab import CARRIER_ALIASES, CARRIERS, CATEGORIES, EARLIEST_DATE, KST, in_date_span, latest_date

Errors = np.ndarray  # object array: None or a Message per row

# Cells the exporter escapes with a leading "'" (CSV/formula injection). Kept here so the importer
# strips exactly what the exporter adds: one "'" directly before one of these characters.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

MAX_AMOUNT = 100_000_000  # a sanity bound (1억원), far above any legal monthly cap
NAT = np.iinfo(np.int64).min
_HOUR_NS = 3_600_000_000_000
_KST_OFFSET_NS = 9 * _HOUR_NS


# ---------------------------------------------------------------- generic helpers


def cell_text(value: object) -> str:
    """A cell as the text the user sees. XLSX numbers lose a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def escape_formula(text: str) -> str:
    """Prefix "'" to text a spreadsheet could run as a formula ("=SUM(1)" -> "'=SUM(1)").

    Text that already is quotes followed by such a character ("'=x") gets one more quote, so
    unescape(escape_formula(t)) == t for every t.
    """
    return "'" + text if text.lstrip("'").startswith(FORMULA_PREFIXES) else text


def unescape(text: str) -> str:
    """Undo escape_formula: drop one leading "'" when quotes are followed by = + - @ tab CR."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def clean_cell(value: object) -> str:
    return unescape(cell_text(value).strip())


@dataclass(frozen=True)
class Distinct:
    """A column as (code per row, distinct values): parse each distinct cell once, spread back."""

    codes: np.ndarray
    values: np.ndarray  # object array

    @classmethod
    def of(cls, series: pd.Series) -> Distinct:
        codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=False)
        return cls(codes, np.asarray(uniques, dtype=object))

    def map(self, func: Callable[[Any], Any]) -> Distinct:
        values = np.fromiter((func(v) for v in self.values), dtype=object, count=len(self.values))
        return Distinct(self.codes, values)

    def rows(self) -> np.ndarray:
        return self.values[self.codes]


def by_distinct(series: pd.Series, func: Callable[[Any], Any]) -> np.ndarray:
    """func applied once per distinct value; one result per row (object array)."""
    return Distinct.of(series).map(func).rows()


def split_results(
    series: pd.Series, parser: Callable[[Any], tuple[Any, Message | None]], parts: int = 0
) -> tuple[Any, Errors]:
    """Run a (value, error) parser once per distinct cell; return row-aligned values and errors.

    With `parts`, the parser's value is a tuple, and a tuple of `parts` row-aligned arrays is
    returned.
    """
    parsed = Distinct.of(series).map(parser)
    size = len(parsed.values)

    def column(pick: Callable[[Any], Any]) -> np.ndarray:
        return np.fromiter((pick(r) for r in parsed.values), dtype=object, count=size)[parsed.codes]

    errors = column(lambda r: r[1])
    if not parts:
        return column(lambda r: r[0]), errors
    arrays = tuple(column(lambda r, i=i: None if r[0] is None else r[0][i]) for i in range(parts))
    return arrays, errors


def text_column(series: pd.Series) -> Distinct:
    """Stripped, unescaped text per cell ('' when empty), kept in distinct form."""
    return Distinct.of(series).map(clean_cell)


def blank_mask(series: pd.Series) -> np.ndarray:
    """True where a cell is empty or whitespace."""
    return by_distinct(series, lambda v: not cell_text(v).strip()).astype(bool)


# ---------------------------------------------------------------- amounts

_AMOUNT = re.compile(
    r"^(?P<sign>[-−–+])?\s*(?:[₩￦]|krw)?\s*(?P<sign2>[-−–])?\s*"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?\s*(?:원|krw)?$",
    re.IGNORECASE,
)
_PARENS = re.compile(r"^\((.*)\)$")


def _problem(key: str, cell: str, **values: object) -> Message:
    """A cell's problem: the message shows the cell as written (quoted)."""
    return Message(key, {"cell": cell, **values})


def parse_amount(value: object) -> tuple[int | None, Message | None]:
    """Signed won. `12,300원`, `₩12,300`, `-12,300`, `(12,300)`, XLSX 12300.0 are all fine."""
    if isinstance(value, bool):
        return None, _problem("import.err.amount", cell_text(value))
    if isinstance(value, int):
        return _amount_checked(value, cell_text(value))
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return None, _problem("import.err.amount_fraction", cell_text(value))
        return _amount_checked(int(value), cell_text(value))
    text = unicodedata.normalize("NFKC", clean_cell(value)).replace("\u00a0", " ")
    negative = False
    parens = _PARENS.match(text)
    if parens:
        negative, text = True, parens.group(1).strip()
    match = _AMOUNT.match(text)
    if not match:
        return None, _problem("import.err.amount", clean_cell(value))
    if match["frac"] and match["frac"].strip("0"):
        return None, _problem("import.err.amount_fraction", clean_cell(value))
    number = int(match["int"].replace(",", ""))
    if negative or match["sign"] in ("-", "−", "–") or match["sign2"]:
        number = -number
    return _amount_checked(number, clean_cell(value))


def _amount_checked(number: int, shown: str) -> tuple[int | None, Message | None]:
    if number == 0:
        return None, _problem("import.err.amount_zero", shown)
    if abs(number) > MAX_AMOUNT:
        return None, _problem("import.err.amount_too_large", shown)
    return number, None


def parse_amounts(series: pd.Series) -> tuple[np.ndarray, Errors]:
    return split_results(series, parse_amount)


# ---------------------------------------------------------------- statuses

_STATUS_WORDS: dict[str, tuple[str, bool]] = {}
for _words, _result in (
    (
        "승인 정상 완료 결제 결제완료 승인완료 정상승인 정상결제 사용 청구 성공 "
        "approved approval approve ok paid success completed complete",
        ("approved", False),
    ),
    (
        "취소 결제취소 승인취소 취소완료 전체취소 전액취소 환불 환불완료 "
        "cancelled canceled cancel cancellation refund refunded void",
        ("cancelled", False),
    ),
    (
        "부분취소 부분환불 일부취소 일부환불 부분취소완료 partialcancel partiallycancelled partial partialrefund",
        ("cancelled", True),
    ),
    (
        "거절 승인거절 결제거절 실패 결제실패 승인실패 declined decline failed rejected",
        ("declined", False),
    ),
):
    for _word in _words.split():
        _STATUS_WORDS[_word] = _result


def parse_status(value: object) -> tuple[tuple[str, bool] | None, Message | None]:
    """(status, partial). An empty cell is an approved payment."""
    key = squash(clean_cell(value))
    if not key:
        return ("approved", False), None
    hit = _STATUS_WORDS.get(key)
    if hit is None:
        return None, _problem("import.err.status", clean_cell(value))
    return hit, None


def parse_statuses(series: pd.Series) -> tuple[tuple[np.ndarray, np.ndarray], Errors]:
    """((status, partial) arrays, errors)."""
    return split_results(series, parse_status, parts=2)


# ---------------------------------------------- carrier, bucket, pay type, category

_CARRIER_WORDS: dict[str, str] = {squash(code): code for code in CARRIERS}
_CARRIER_WORDS.update({squash(alias): code for alias, code in CARRIER_ALIASES.items()})
_CARRIER_WORDS.update(
    {
        "케이티": "KT",
        "올레": "KT",
        "sk텔레콤": "SKT",
        "에스케이텔레콤": "SKT",
        "sktelecom": "SKT",
        "에스케이티": "SKT",
        "lg유플러스": "LGU+",
        "엘지유플러스": "LGU+",
        "유플러스": "LGU+",
        "u+": "LGU+",
        "lguplus": "LGU+",
        "lgu+": "LGU+",
        "엘지": "LGU+",
    }
)


def parse_carrier(value: object) -> tuple[str | None, Message | None]:
    key = squash(clean_cell(value))
    if not key:
        return None, None
    code = _CARRIER_WORDS.get(key)
    if code is None:
        return None, _problem("import.err.carrier", clean_cell(value))
    return code, None


_BUCKET_WORDS = {
    **dict.fromkeys(
        ["소액결제", "휴대폰결제", "휴대폰소액결제", "핸드폰결제", "모바일결제", "micropayment"],
        "micropayment",
    ),
    **dict.fromkeys(["콘텐츠이용료", "컨텐츠이용료", "정보이용료", "콘텐츠", "컨텐츠", "content"], "content"),
}
_PAY_TYPE_WORDS: dict[str, str | None] = {
    **dict.fromkeys(["일반", "일반결제", "단건", "단건결제", "one_off", "oneoff", "1회"], "one_off"),
    **dict.fromkeys(["자동", "자동결제", "정기", "정기결제", "월자동", "recurring", "자동충전"], "recurring"),
    # Pay types carriers show that are neither; accepted, recorded as unknown.
    **dict.fromkeys(["간편", "간편결제", "묶음", "묶음결제", "복합", "복합결제"], None),
}


def parse_kind(value: object) -> tuple[tuple[str | None, str | None] | None, Message | None]:
    """A 구분 cell: either a bucket (소액결제/콘텐츠이용료) or a pay type (일반/자동)."""
    key = squash(clean_cell(value))
    if not key:
        return (None, None), None
    if key in _BUCKET_WORDS:
        return (_BUCKET_WORDS[key], None), None
    if key in _PAY_TYPE_WORDS:
        return (None, _PAY_TYPE_WORDS[key]), None
    return None, _problem("import.err.kind", clean_cell(value))


def parse_kinds(series: pd.Series) -> tuple[tuple[np.ndarray, np.ndarray], Errors]:
    """((bucket, pay_type) arrays, errors)."""
    return split_results(series, parse_kind, parts=2)


def parse_carriers(series: pd.Series) -> tuple[np.ndarray, Errors]:
    return split_results(series, parse_carrier)


_CATEGORY_WORDS = {squash(label): code for label, code in CATEGORY_LABELS.items()}
_CATEGORY_WORDS.update({squash(code): code for code in CATEGORIES})


def category_from_cell(value: object) -> str | None:
    """A 분류 cell's category. Free text goes through the keyword table; None = infer."""
    key = squash(clean_cell(value))
    if not key:
        return None
    if key in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[key]
    guess = infer_category(key)
    return None if guess == "other" else guess


# ---------------------------------------------------------------- dates

_DATE_TIME = re.compile(
    r"""^(?P<y>\d{4}|\d{2})\s*[./\-년]\s*(?P<mo>\d{1,2})\s*[./\-월]\s*(?P<d>\d{1,2})\s*[.일]?
    (?:\s*\([월화수목금토일]\))?                     # weekday as Korean sites show it: (일)
    (?:\s*(?:T|\s)\s*
       (?:(?P<ap>오전|오후|am|pm|a\.m\.|p\.m\.)\s*)?
       (?:(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:[.,](?P<f>\d{1,9}))?)?
         |(?P<kh>\d{1,2})\s*시\s*(?P<kmi>\d{1,2})\s*분(?:\s*(?P<ks>\d{1,2})\s*초)?)
       (?:\s*(?P<ap2>오전|오후|am|pm|a\.m\.|p\.m\.))?
    )?
    \s*(?P<tz>z|utc|kst|[+-]\d{2}:?\d{2})?$""",
    re.IGNORECASE | re.VERBOSE,
)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


class _Unreadable(ValueError):
    def __init__(self, message: Message) -> None:
        super().__init__(message.key)
        self.message = message


def parse_datetime(value: object) -> tuple[datetime | None, Message | None]:
    """One cell (KST wall time unless it carries an offset) -> UTC-aware datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return _from_number(value)
    else:
        text = clean_cell(value)
        try:
            moment = _from_text(text)
        except _Unreadable as exc:
            return None, exc.message
        except ValueError:  # an offset of a day or more ("+99:00")
            return None, _problem("import.err.date_format", text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    if not in_date_span(moment):  # outside 1990-01-01..tomorrow (KST): a row error, never rewritten
        return None, _problem("import.err.date_range", cell_text(value), latest=latest_date().isoformat())
    return moment.astimezone(UTC), None


def _from_number(value: float) -> tuple[datetime | None, Message | None]:
    """XLSX number cells: 20250511 / 20250511142305 typed as numbers, or an Excel date serial."""
    if float(value).is_integer() and len(str(int(value))) in (8, 12, 14):
        return parse_datetime(str(int(value)))
    if 0 < value < 2_958_466:
        return parse_datetime(_EXCEL_EPOCH + timedelta(days=float(value)))
    return None, _problem("import.err.date_format", cell_text(value))


def _from_text(text: str) -> datetime:
    unknown = _Unreadable(_problem("import.err.date_format", text))
    match = _DATE_TIME.match(text) or _COMPACT.match(text)
    if match is None:
        raise unknown
    parts = match.groupdict()
    for korean, plain in (("kh", "h"), ("kmi", "mi"), ("ks", "s")):  # 14시 23분 05초
        parts[plain] = parts.get(plain) or parts.get(korean)
    year = int(parts["y"])
    year += 2000 if len(parts["y"]) == 2 else 0  # "25.05.11"; but "0099-05-05" is year 99, out of range
    hour = int(parts["h"] or 0)
    meridiem = (parts.get("ap") or parts.get("ap2") or "").lower().replace(".", "")
    if meridiem:
        # "오전 12:05" is 00:05, as is "오전 0:05"; "오후 0:05" and "오전 13:00" are nonsense.
        is_pm = meridiem in ("오후", "pm")
        if (hour > 12 and not is_pm) or (hour == 0 and is_pm):
            raise unknown
        if meridiem in ("오후", "pm") and hour < 12:
            hour += 12
        elif meridiem in ("오전", "am") and hour == 12:
            hour = 0
    fraction = (parts.get("f") or "")[:6].ljust(6, "0")
    try:
        moment = datetime(
            year,
            int(parts["mo"]),
            int(parts["d"]),
            hour,
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            int(fraction),
        )
    except ValueError:
        raise _Unreadable(_problem("import.err.date_invalid", text)) from None
    return _with_offset(moment, (parts.get("tz") or "").lower())


def _with_offset(moment: datetime, tz: str) -> datetime:
    if not tz or tz == "kst":
        return moment
    if tz in ("z", "utc"):
        return moment.replace(tzinfo=UTC)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(sign * offset))


# Texts of these shapes go to pandas' C parser with an explicit format.
_FAST_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), fmt)
    for pattern, fmt in (
        (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
        (r"^\d{4}\.\d{1,2}\.\d{1,2}$", "%Y.%m.%d"),
        (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d"),
        (r"^\d{8}$", "%Y%m%d"),
        (r"^\d{14}$", "%Y%m%d%H%M%S"),
        (r"^\d{12}$", "%Y%m%d%H%M"),
    )
)
_FAST_DATE = re.compile(r"^\d{4}([-./])\d{1,2}\1\d{1,2}([ T])\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,6})?)?$")
_MERIDIEM = re.compile(r"\s*(오전|오후)\s*")


def _fast_format(sample: str) -> str | None:
    for pattern, fmt in _FAST_SHAPES:
        if pattern.match(sample):
            return fmt
    match = _FAST_DATE.match(sample)
    if match is None:
        return None
    sep, between, seconds, fraction = match.groups()
    fmt = f"%Y{sep}%m{sep}%d{between}%H:%M"
    if seconds:
        fmt += ":%S" + (".%f" if fraction else "")
    return fmt


def parse_datetimes(series: pd.Series) -> tuple[np.ndarray, Errors, np.ndarray]:
    """A date column -> (int64 UTC nanoseconds, NAT where unparsed; errors; blank-cell mask).

    Blank cells get no error here (the caller reports them as missing required values).
    """
    count = len(series)
    out = np.full(count, NAT, dtype=np.int64)
    errors = np.full(count, None, dtype=object)
    blank = np.zeros(count, dtype=bool)
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # CSV: all text, checked in C
        is_text = np.ones(count, dtype=bool)
    else:
        is_text = np.fromiter((type(v) is str for v in values), dtype=bool, count=count)
    todo = ~is_text
    if is_text.any():
        todo |= _parse_texts_fast(values, is_text, out)
    for position in np.flatnonzero(todo):
        if not cell_text(values[position]).strip():
            blank[position] = True
            continue
        moment, error = parse_datetime(values[position])
        if error is not None:
            errors[position] = error
        else:
            out[position] = _ns(moment)
    return out, errors, blank


def _parse_texts_fast(values: np.ndarray, is_text: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Parse text cells with one strptime format; return the mask of cells left to the slow path."""
    positions = np.flatnonzero(is_text)
    texts = pd.Series(values[positions], dtype=object)
    sample = next((t for t in texts if t), "")
    if sample != sample.strip():  # stripping 100k cells costs more than parsing them: only when needed
        texts = texts.str.strip()
        sample = sample.strip()
    pm = np.zeros(len(texts), dtype=bool)
    am = np.zeros(len(texts), dtype=bool)
    if "오전" in sample or "오후" in sample:
        # 오전/오후 are taken out and applied after parsing, so no locale-dependent %p is needed.
        pm = texts.str.contains("오후", regex=False).to_numpy()
        am = texts.str.contains("오전", regex=False).to_numpy()
        texts = texts.str.replace(_MERIDIEM, " ", regex=True).str.strip()
        sample = next((t for t in texts if t), "")
    fmt = _fast_format(sample)
    left = np.zeros(len(values), dtype=bool)
    if fmt is None:
        left[positions] = True
        return left
    parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
    hours = parsed.dt.hour.to_numpy(dtype=float, na_value=np.nan)
    bad_meridiem = (am & (hours > 12)) | (pm & (hours == 0))
    ok = parsed.notna().to_numpy() & ~bad_meridiem
    if fmt.startswith("%Y%m"):  # digits only: strptime would read "202505111423" as
        # 14:02:03 under %H%M%S, so insist on the sample's exact length.
        ok &= texts.str.fullmatch(rf"\d{{{len(sample)}}}").to_numpy(dtype=bool, na_value=False)
    shift = np.where(pm & (hours < 12), 12, 0) - np.where(am & (hours == 12), 12, 0)
    wall = np.where(ok, parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64), 0)
    local = wall + shift * _HOUR_NS
    # Out of range (before 1990, after tomorrow) goes to the slow path, which names the error.
    ok &= (local >= _wall_ns(EARLIEST_DATE)) & (local < _wall_ns(latest_date() + timedelta(days=1)))
    # Asia/Seoul has been a fixed UTC+9 since 1988 (before EARLIEST_DATE), so no tz database lookup is needed.
    ns = local - _KST_OFFSET_NS
    out[positions[ok]] = ns[ok]
    left[positions[~ok]] = True
    return left


def _wall_ns(day: date) -> int:
    return pd.Timestamp(day).as_unit("ns").value


def _ns(moment: datetime) -> int:
    return pd.Timestamp(moment).as_unit("ns").value


def ns_to_datetimes(ns: np.ndarray) -> list[datetime]:
    """UTC nanoseconds -> aware datetimes with tzinfo=UTC."""
    return list(pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize(UTC).to_pydatetime())


def ns_to_iso(ns: np.ndarray) -> list[str]:
    """Same text as datetime.isoformat() of the UTC datetimes, vectorised (for fingerprints)."""
    stamps = ns.astype("datetime64[ns]")
    text = np.datetime_as_string(stamps.astype("datetime64[s]"), unit="s").astype(object)
    fraction = (ns // 1000) % 1_000_000 != 0
    if fraction.any():  # isoformat() shows microseconds only when there are some
        text[fraction] = np.datetime_as_string(stamps[fraction].astype("datetime64[us]"), unit="us")
    return (text + "+00:00").tolist()
