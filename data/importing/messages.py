"""Reading a payment text message the phone forwarded (PG or carrier approval, cancellation, authentication code,
자동결제 notice) into a ParsedMessage. Pure: no store, no clock (the caller passes received_at).

    parsed = parse_message(text, received_at=now, sender="#1566-3355", templates=user_templates)
    parsed.kind in data.vocab.MESSAGE_KINDS; "ignored" carries a reason, "unrecognised" goes to the inbox.

The rules, in order (docs/messages.md): an ad; a smishing lookalike; an authentication code; a declined attempt
or a card (not phone) payment; a cancellation; a 자동결제 notice without a charge; an approval (charge); a bill
notice; a limit notice; an event ad; a carrier "결제 알림" with an amount. Keywords are matched on the text with
its spaces removed ("결 제 완 료" reads as 결제완료); amounts, dates and names on the text itself.
Every pattern is linear (no nested unbounded repetition) and the text is capped (message_senders.MAX_TEXT).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from data.importing.keywords import infer_bucket, squash
from data.importing.message_senders import (
    OFFICIAL_DOMAINS,
    clean_text,
    find_carrier,
    find_pg,
    name_spans,
    normalise_sender,
    trusted_sender,
)
from data.importing.message_templates import MAX_AMOUNT, Template, read_with_template
from data.vocab import KST, to_kst

__all__ = ["ParsedMessage", "Template", "normalise_sender", "parse_message"]


@dataclass(frozen=True)
class ParsedMessage:
    kind: str  # data.vocab.MESSAGE_KINDS
    amount: int | None = None  # won
    merchant: str | None = None  # as the message gives it; None when it names only the PG
    pg: str | None = None  # canonical PG name (message_senders.PG_PATTERNS)
    product: str | None = None
    occurred_at: datetime | None = None  # tz-aware; from the text (KST) or received_at
    bucket: str = "micropayment"  # "content" for 콘텐츠이용료/정보이용료 (app stores billed by the carrier)
    carrier: str | None = None  # data.vocab.CARRIERS code when the message names it
    pay_type: str = "one_off"  # "recurring" for 자동결제/정기결제 approvals
    reason: str | None = None  # for "ignored": ad | bill_notice | limit_notice | smishing | other


@dataclass(frozen=True)
class _Message:
    raw: str  # cleaned (message_senders.clean_text): what templates read
    text: str  # cleaned, relay markers removed
    flat: str  # squashed (no spaces, casefolded): what keywords are matched on
    sender: str  # normalised
    ad: bool  # carried a (광고) marker
    international: bool  # relayed from abroad ([국제발신])


def parse_message(text: str, *, received_at: datetime, sender: str | None = None,
                  templates: Sequence[Template] = ()) -> ParsedMessage:
    """What a forwarded text message says. Never raises on any text."""
    message = _read(text, sender)
    kind, reason = _classify(message)
    if kind == "ignored":
        return ParsedMessage("ignored", reason=reason, pg=find_pg(message.text, message.sender),
                             carrier=find_carrier(message.text, message.sender))
    parsed = _details(message, kind, received_at)
    if parsed.kind == "unrecognised":
        return _by_template(message, parsed, templates) or ParsedMessage("unrecognised")
    return parsed


# ------------------------------------------------------------------ classification

# [Web발신] / [국제발신] / (광고): who relayed the text, not what it says.
_MARKER = re.compile(r"[\[(【<]\s*(?:web\s*발신|(?P<intl>국제|국외|해외)\s*발신|(?P<ad>광고))\s*[\])】>]", re.I)
_APPROVED = re.compile(
    r"승인(?!거절|거부|실패|불가|되지|안됨|취소|요청)|결제(?:가|이)?(?:정상)?(?:완료|되었|됐|처리되|승인)|"
    r"정상(?:결제|처리|승인)|구매(?:가)?완료|\d원(?:이)?(?:자동)?결제(?!예정|될|예약|요청|하실|하시|대기|실패|취소)")
_APPROVED_EN = re.compile(r"\b(?:approved|paid|charged|payment\s+(?:complete|completed|successful))\b", re.I)
_NOTICE = re.compile(r"(?:소액결제|휴대폰결제|핸드폰결제|결제)(?:알림|안내|내역)")
# "취소문의", "결제 취소는 가맹점에": how to cancel, not a cancellation.
_INSTRUCTION = re.compile(r"취소(?:문의|요청|신청|접수|방법|하시려면|하려면|를?원하시면|는|시|및|/|·|,|가능|하기|하실|"
                          r"관련|절차|규정|불가|전화|고객센터|바랍니다)")
_CANCELLED = re.compile(r"취소|환불완료|refund(?:ed)?|cancel(?:l?ed)")
_AUTH = re.compile(r"인증번호|인증코드|인증문자|verificationcode|authcode|(?<![a-z])otp(?![a-z])")
_AUTH_CODE = re.compile(r"(?<![\d,])\d{4,8}(?![\d,원])")
_RECURRING = re.compile(r"자동결제|정기결제|정기구독|정기과금|자동과금|자동연장|자동갱신|"
                        r"subscription|recurring|autopay")
_DECLINED = re.compile(r"결제(?:가|이)?(?:실패|거절|거부|불가|오류|승인되지|되지않)|승인(?:거절|거부|실패|불가|되지)|"
                       r"declined|paymentfailed")
_CARD = re.compile(r"일시불|할부|(?:신한|삼성|현대|kb국민|국민|롯데|하나|우리|nh농협|농협|bc|비씨|씨티)(?:카드|체크)")
_BILL = re.compile(r"청구서|청구금액|청구요금|납부|미납|연체|명세서|요금안내|이용요금|월이용금액|이용금액안내|"
                   r"출금예정|자동이체")
_LIMIT = re.compile(r"한도.{0,24}?(?:변경|조정|상향|하향|설정|안내|초과|축소|증액|감액|복원|초기화)|잔여한도|남은한도|"
                    r"이용한도|사용가능금액|한도조회")
_AD_STRONG = re.compile(r"무료수신거부|수신거부|무료거부|수신차단")
_AD_WEAK = re.compile(r"이벤트|혜택|프로모션|할인쿠폰|증정|적립|당첨|사전예약|특가|event|promotion")
_PAYMENT_CONTEXT = re.compile(r"결제|구매|소액|승인|환불|요금|payment|purchase|refund")
# Smishing lures: a 070 / 02 / mobile / foreign callback number, an overseas purchase, a strange link.
_CALLBACK = re.compile(r"(?<![\d\-])(?:\+\s?\d{1,3}[\s\-]?\(?\d|00\d{1,3}[\s\-]\d|070[\s\-.]?\d{3,4}[\s\-.]?\d{4}|"
                       r"02[\s\-.)]\s?\d{3,4}[\s\-.]?\d{4}|01[016789][\s\-.]?\d{3,4}[\s\-.]?\d{4})")
_OVERSEAS = re.compile(r"해외(?:결제|승인|직구|물품|구매|사용|배송)|국외(?:결제|승인|사용)|overseas")
_HELPDESK = re.compile(r"문의|고객센터|취소|신고|본인|확인")
_URL = re.compile(r"(?:https?://|www\.|bit\.ly|han\.gl|me2\.do|vo\.la|url\.kr|t\.ly|tinyurl|goo\.gl|is\.gd)\S{0,200}",
                  re.I)
_SUSPECT_SENDER = re.compile(r"(?:070|02|01[016789])\d{6,9}")


def _read(text: str, sender: str | None) -> _Message:
    raw = clean_text(text)
    markers = list(_MARKER.finditer(raw))
    body = _MARKER.sub(" ", raw).strip()
    return _Message(raw=raw, text=body, flat=squash(body), sender=normalise_sender(sender),
                    ad=any(found.group("ad") for found in markers),
                    international=any(found.group("intl") for found in markers))


def _classify(message: _Message) -> tuple[str, str | None]:
    flat = message.flat
    approved = bool(_APPROVED.search(flat) or _APPROVED_EN.search(message.text))
    if message.ad or _AD_STRONG.search(flat):
        return "ignored", "ad"
    if _smishing(message, approved):
        return "ignored", "smishing"
    if _AUTH.search(flat) and _AUTH_CODE.search(message.text):
        # A login code of a portal is not a payment's; the caller watches payment codes for fraud.
        return ("auth_code", None) if _payment_context(message) else ("ignored", "other")
    if _DECLINED.search(flat) or (_CARD.search(flat) and not find_pg(message.text, "")):
        return "ignored", "other"
    if _CANCELLED.search(_INSTRUCTION.sub("", flat)) and _payment_context(message):
        return "cancellation", None
    if _RECURRING.search(flat) and not approved:
        return "subscription_notice", None
    if approved:
        return "charge", None
    return _notice_kind(message)


def _notice_kind(message: _Message) -> tuple[str, str | None]:
    """A text without an approval word: a bill, a limit, an event, or a carrier's "소액결제 알림" / a PG's
    "휴대폰결제 / 가맹점: …" receipt."""
    flat = message.flat
    if _BILL.search(flat):
        return "ignored", "bill_notice"
    if _LIMIT.search(flat):
        return "ignored", "limit_notice"
    if _AD_WEAK.search(flat):
        return "ignored", "ad"
    if _NOTICE.search(flat) or ("결제" in flat and _labelled(message.text, _MERCHANT_LABELS)):
        return "charge", None  # _details makes it unrecognised when it has no amount
    return "unrecognised", None


def _payment_context(message: _Message) -> bool:
    return bool(_PAYMENT_CONTEXT.search(message.flat) or trusted_sender(message.sender)
                or find_pg(message.text, message.sender) or find_carrier(message.text, message.sender))


def _smishing(message: _Message, approved: bool) -> bool:
    """A payment-looking text with a lure that no PG, carrier or app store sent. Genuine approvals print
    1566-/1588-/1600- hotlines, never 070, 02 or foreign numbers, and are never relayed from abroad."""
    if trusted_sender(message.sender) or not (approved or re.search(r"결제|승인|krw", message.flat)):
        return False
    return (message.international
            or bool(_OVERSEAS.search(message.flat) and _HELPDESK.search(message.flat))
            or bool(_CALLBACK.search(message.text))
            or _strange_link(message.text)
            or bool(_SUSPECT_SENDER.fullmatch(_domestic(message.sender))))


def _strange_link(text: str) -> bool:
    return any(not any(domain in link.group().casefold() for domain in OFFICIAL_DOMAINS)
               for link in _URL.finditer(text))


def _domestic(digits: str) -> str:
    """82 10… -> 010…: a Korean number written internationally."""
    return "0" + digits[2:] if digits.startswith("82") else digits


# ------------------------------------------------------------------ details

_NEEDS_AMOUNT = ("charge", "cancellation")  # a payment event we record says how much
_CONTENT = re.compile(r"콘텐츠이용료|컨텐츠이용료|정보이용료|콘텐츠결제")
_GIFT = re.compile(r"기프트|상품권|giftcard|gift")


def _details(message: _Message, kind: str, received_at: datetime) -> ParsedMessage:
    amount = find_amount(message.text)
    if kind in _NEEDS_AMOUNT and amount is None:
        kind = "unrecognised"  # an approval word without an amount says nothing we can record
    pg = find_pg(message.text, message.sender)
    merchant = find_merchant(message.text)
    if kind == "auth_code" and merchant and any(ch.isdigit() for ch in merchant):
        merchant = None  # the code itself ("[123456]를 입력"), not a shop: a code only tells *that* someone pays
    product = find_product(message.text)
    recurring = kind in _NEEDS_AMOUNT and bool(_RECURRING.search(message.flat))
    return ParsedMessage(
        kind=kind,
        amount=amount,
        merchant=merchant,
        pg=pg,
        product=product,
        occurred_at=occurred_at(message.text, received_at),
        bucket=_bucket(message.flat, merchant, product, pg),
        carrier=find_carrier(message.text, message.sender),
        pay_type="recurring" if recurring else "one_off",
    )


def _bucket(flat: str, merchant: str | None, product: str | None, pg: str | None) -> str:
    """콘텐츠이용료 when the text says so, or when an app store charged the phone bill directly (with no PG:
    an app store gift card bought through a PG is an ordinary 소액결제)."""
    if _CONTENT.search(flat):
        return "content"
    gift = _GIFT.search(squash(merchant) + squash(product))
    if merchant and pg is None and not gift and infer_bucket(merchant) == "content":
        return "content"
    return "micropayment"


def _by_template(message: _Message, parsed: ParsedMessage, templates: Sequence[Template]) -> ParsedMessage | None:
    """The first of the sender's templates that reads the text: a charge."""
    for template in templates:
        if template.sender != message.sender:
            continue
        read = read_with_template(message.raw, template)
        if read is not None:
            amount, merchant = read
            return replace(parsed, kind="charge", amount=amount, merchant=merchant, bucket=template.bucket,
                           pay_type="one_off", reason=None)
    return None


# ------------------------------------------------------------------ amounts

_AMOUNT = re.compile(
    r"(?:₩|(?<![a-z])krw|(?<![a-z])won(?![a-z]))\s*(?P<a>\d{1,3}(?:,\d{3})+(?![\d,])|\d{1,10}(?![\d,]))"
    r"|(?<![\d,.])(?P<man>\d{1,4})\s*만\s*(?:(?P<rest>\d{1,3}(?:,\d{3})?|\d{1,4})\s*)?원"
    r"|(?<![\d,.])(?P<b>\d{1,3}(?:,\d{3})+|\d{1,10})\s*(?:원(?!스토어)|(?:krw|won)(?![a-z]))",
    re.I,
)
_AMOUNT_LABEL = re.compile(r"(?:금액|결제액|amount)\s*[:：]?\s*$", re.I)
_NOT_THE_AMOUNT = re.compile(r"(?:잔여|남은|한도|누적|잔액|할인|적립|포인트|최대|최소)\s*[:：]?\s*(?:은|는|이|가)?\s*$")


def find_amount(text: str) -> int | None:
    """The payment's amount: a labelled one (결제금액: …), else the first that is not a balance, limit,
    running total or discount."""
    first = None
    for found in _AMOUNT.finditer(text):
        value = _amount_value(found)
        if value is None:
            continue
        before = text[max(0, found.start() - 12):found.start()].rsplit("\n", 1)[-1]
        if _AMOUNT_LABEL.search(before):
            return value
        if first is None and not _NOT_THE_AMOUNT.search(before):
            first = value
    return first


def _amount_value(found: re.Match[str]) -> int | None:
    if found.group("man"):
        value = int(found.group("man")) * 10_000 + int((found.group("rest") or "0").replace(",", ""))
    else:
        value = int((found.group("a") or found.group("b")).replace(",", ""))
    return value if 0 < value <= MAX_AMOUNT else None


# ------------------------------------------------------------------ dates

_YMD = re.compile(r"(?<!\d)(?P<y>20\d{2})\s*(?:[./\-]|년)\s*(?P<m>\d{1,2})\s*(?:[./\-]|월)\s*(?P<d>\d{1,2})(?!\d)"
                  r"(?:\s*일|\.)?")
_MD = re.compile(r"(?<![\d./\-:,])(?P<m>\d{1,2})\s*(?P<sep>/|\.|-|월)\s*(?P<d>\d{1,2})(?![\d,])(?:\s*일)?")
_WEEKDAY = re.compile(r"\s*(?:\(\s*[월화수목금토일]\s*\)|[월화수목금토일]요일)?\s*")
_TIME = re.compile(
    r"(?:(?P<ap>오전|오후|am|pm)\s*)?(?<![\d:])(?P<h>\d{1,2})\s*"
    r"(?::\s*(?P<mi>\d{2})(?:\s*:\s*(?P<s>\d{2}))?|시\s*(?P<mi2>\d{1,2})\s*분(?:\s*(?P<s2>\d{1,2})\s*초)?)"
    r"(?![\d:])(?:\s*(?P<ap2>am|pm)(?![a-z]))?",
    re.I,
)
_NEAR = 12  # how far after a date its time may start ("11/18(수) 14:23")


@dataclass(frozen=True)
class _When:
    year: int | None
    month: int | None
    day: int | None
    clock: tuple[int, int, int] | None


def occurred_at(text: str, received_at: datetime) -> datetime:
    """When the payment happened, in KST: the text's date and time; a date without a year takes the year
    that puts it at or before received_at + 1 day (a 12/31 text received on 1 January is last year's); a time
    without a date takes the day that puts it at or before received_at + 1 hour; no date or time: received_at."""
    received = to_kst(received_at)
    when = _find_when(text)
    if when.month is None:
        return _time_only(when.clock, received) if when.clock else received
    years = (when.year,) if when.year else (received.year + 1, received.year, received.year - 1)
    for year in years:
        moment = _moment(year, when.month, when.day or 1, when.clock or (0, 0, 0))
        if moment is None or (when.year is None and moment > received + timedelta(days=1)):
            continue
        if when.clock is None and moment.date() == received.date():
            return received  # a date alone, today's: the time it arrived is the best we know
        return moment
    return received


def _find_when(text: str) -> _When:
    """The first date in the text and the time right after it; or, with no date, the first time."""
    date = _first_date(text)
    if date is None:
        first = _TIME.search(text)
        return _When(None, None, None, _clock(first) if first else None)
    (year, month, day), end = date
    gap = _WEEKDAY.match(text, end)
    limit = max(gap.end() if gap else end, end + _NEAR)
    after = _TIME.search(text, end, limit + 40)
    return _When(year, month, day, _clock(after) if after and after.start() <= limit else None)


def _first_date(text: str) -> tuple[tuple[int | None, int, int], int] | None:
    """(year or None, month, day) and where it ends: a month/day before the first full date, else that."""
    full = _YMD.search(text)
    for found in _MD.finditer(text, 0, full.start() if full else len(text)):
        if _plausible_md(text, found):
            return (None, int(found["m"]), int(found["d"])), found.end()
    return ((int(full["y"]), int(full["m"]), int(full["d"])), full.end()) if full else None


def _plausible_md(text: str, found: re.Match[str]) -> bool:
    """11/18 and 11월18일 are dates; 11.18 and 11-18 only when a time follows (else they may be anything)."""
    if not (1 <= int(found["m"]) <= 12 and 1 <= int(found["d"]) <= 31):
        return False
    if found["sep"] in ("/", "월"):
        return True
    gap = _WEEKDAY.match(text, found.end())
    return bool(_TIME.match(text, gap.end() if gap else found.end()))


def _clock(found: re.Match[str]) -> tuple[int, int, int] | None:
    hour = int(found["h"])
    minute = int(found["mi"] or found["mi2"])
    second = int(found["s"] or found["s2"] or 0)
    half = (found["ap"] or found["ap2"] or "").casefold()
    if half in ("오후", "pm") and hour < 12:
        hour += 12
    elif half in ("오전", "am") and hour == 12:
        hour = 0
    return (hour, minute, second) if hour < 24 and minute < 60 and second < 60 else None


def _moment(year: int, month: int, day: int, clock: tuple[int, int, int]) -> datetime | None:
    try:
        return datetime(year, month, day, *clock, tzinfo=KST)
    except ValueError:  # 2/30, 13/01: not a date
        return None


def _time_only(clock: tuple[int, int, int], received: datetime) -> datetime:
    moment = received.replace(hour=clock[0], minute=clock[1], second=clock[2], microsecond=0)
    return moment - timedelta(days=1) if moment > received + timedelta(hours=1) else moment


# ------------------------------------------------------------------ names

_BULLET = r"[\s\-·•*▶►■□◆◇○●>※]*"
_MERCHANT_LABELS = (r"가맹점\s*명?|이용\s*가맹점|이용처|사용처|이용\s*업체\s*명?|업체\s*명|상점\s*명?|상호\s*명?|"
                    r"판매처|구매처|결제처|판매자|merchant|store|seller|shop")
_PRODUCT_LABELS = r"상품\s*명?|구매\s*상품|품목|서비스\s*명?|이용\s*서비스|콘텐츠\s*명|product|item"
_OTHER_LABELS = (r"(?:결제|승인|취소|이용|구매)?\s*(?:금액|일시|일자|날짜|일)|결제\s*(?:수단|방법)|통신사|문의|"
                 r"고객\s*센터|승인\s*번호|주문\s*번호|거래\s*번호|amount|date|time|total")
_COLONLESS = r"가맹점\s*명?|이용\s*가맹점|이용처|사용처|상점\s*명|판매처|구매처|상품\s*명|구매\s*상품"


_LABELLED = {labels: re.compile(
    rf"(?:^|(?<=[\s/|,(\[\-·•]))(?:{labels})\s*[:：]\s*(?P<value>[^\n/|]{{1,80}})"
    rf"|^{_BULLET}(?P<bare_label>{labels})\s+(?P<bare>[^\n/|]{{1,80}})",
    re.I | re.M) for labels in (_MERCHANT_LABELS, _PRODUCT_LABELS)}
_COLONLESS_RE = re.compile(rf"(?:{_COLONLESS})", re.I)
_ANY_LABEL = re.compile(
    rf"(?:^|(?<=[\s/|,(\[\-·•]))(?:{_MERCHANT_LABELS}|{_PRODUCT_LABELS}|{_OTHER_LABELS})\s*[:：][^\n/|]{{0,80}}",
    re.I | re.M)


def _labelled(text: str, labels: str) -> str | None:
    """The value after a label ("가맹점: …"; "상품명 …" at a line's start for the unmistakable labels, not
    "store" or "상품"), cut before any amount or date on the same line."""
    for found in _LABELLED[labels].finditer(text):
        if found.group("bare") is not None and not _COLONLESS_RE.fullmatch(found.group("bare_label")):
            continue
        value = _cut(found.group("value") or found.group("bare"))
        if value:
            return value
    return None


def _cut(value: str) -> str | None:
    for pattern in (_AMOUNT, _YMD, _TIME):
        found = pattern.search(value)
        if found:
            value = value[:found.start()]
    value = _strip_word(value.split("  ")[0])
    return value or None


# Words that are the message's own wording, never a merchant's name (matched whole, after stripping particles).
_BOILER_KO = re.compile(
    r"(?:결제|승인|취소|휴대폰|핸드폰|소액|고객|안내|알림|문의|감사|정상|처리|완료|금액|일시|되었|됐|요금|청구|합산|익월|당월|"
    r"통신|본인|아닌|아닐|경우|상담|자동|정기|예정|등록|해지|구매|이용|콘텐츠|컨텐츠|정보이용|내역|확인|바랍|부탁|주의|타인|"
    r"절대|입력|인증|매월|월정액|구독|충전완료|사용|발송|수신|합계|잔여|한도|누적|영수증|주문|거래|상세|보기|방법|가맹점|"
    r"상품|번호|센터|일시불|안전|정보|서비스|요청|링크|발신|전화|연락|회원|다음달|건|환불|부분)\S*"
    r"|\(주\)|\(유\)|주식회사|다음|달|및|또는|님|원|에서|으로|로|의|정확히|반드시|꼭|즉시|바로|아래|위|\S*(?:니다|세요|십시오|님)")
_EN_WORDING = (
    "your you paid approved amount merchant date for via on at the of has been was is by carrier billing mobile "
    "phone charged complete completed successful purchase purchased receipt order total krw won to with from "
    "payment payments and a an thank thanks in this"
)
_BOILER_EN = frozenset(_EN_WORDING.split())
_PARTICLE = re.compile(r"(?<=\S)(?:에서|에서의)$")
_SEPARATOR_WORDS = frozenset({"-", "–", "—", "/", "|", ":", "·", "•", "=", ">", "→"})
_TAG = re.compile(r"^\s*[\[【<(]\s*(?P<tag>[^\])】>\n]{1,20}?)\s*[\])】>]")
_NUMBERISH = re.compile(r"[\d\s,.:/\-+()\[\]#*]+")
_PHONE = re.compile(r"(?<!\d)(?:\+?\d{1,4}[\s\-.)]*)?\d{2,4}[\s\-.]\d{3,4}[\s\-.]?\d{4}(?!\d)"
                    r"|(?<!\d)1\d{3}-?\d{4}(?!\d)")
_MAX_RUN_WORDS, _MAX_RUN_CHARS = 5, 40
_NAME_WINDOW = 600  # an unlabelled merchant is named in a notice's first lines; this bounds the word walk


def find_merchant(text: str) -> str | None:
    """The merchant the message names: a labelled one (가맹점: …), else the first run of words that are not
    the message's wording, PG/carrier names, amounts, dates or numbers; else a leading [tag] that is not a PG's
    or carrier's name ("[원스토어]"). None when the message names only its PG."""
    labelled = _labelled(text, _MERCHANT_LABELS)
    if labelled:
        return None if find_pg(labelled, "") == labelled or _boilerplate(labelled) else labelled
    tag = _TAG.match(text)
    body = text[tag.end() if tag else 0:][:_NAME_WINDOW]
    found = next(_runs(_blank_out(body)), None)
    if found:
        return found
    if tag and not name_spans(tag.group("tag")) and not _boilerplate(tag.group("tag")):
        return _strip_word(tag.group("tag")) or None
    return None


def find_product(text: str) -> str | None:
    """The product a label names (상품명: …), if any."""
    return _labelled(text, _PRODUCT_LABELS)


def _blank_out(text: str) -> str:
    """The text with everything that is not a name replaced by line breaks (each piece ends a run of words)."""
    spans = name_spans(text)
    for pattern in (_ANY_LABEL, _URL, _PHONE, _AMOUNT, _YMD, _TIME):
        spans += [found.span() for found in pattern.finditer(text)]
    spans += [found.span() for found in _MD.finditer(text) if _plausible_md(text, found)]
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\n" * (end - start)
    return "".join(chars)


def _runs(text: str) -> Iterator[str]:
    """Runs of name-like words, in reading order."""
    for line in text.split("\n"):
        run: list[str] = []
        for word in line.split():
            stripped = _strip_word(word) if len(word) <= _MAX_RUN_CHARS else ""  # longer: never a name
            ends = word.rstrip().endswith((":", ",", ".")) and not stripped.endswith(")")
            if stripped and word not in _SEPARATOR_WORDS and not _boilerplate(stripped) \
                    and not _NUMBERISH.fullmatch(stripped):
                run.append(_PARTICLE.sub("", stripped))
                if not ends:
                    continue
            yield from _emit(run)
            run = []
        yield from _emit(run)


def _emit(run: list[str]) -> Iterator[str]:
    name = " ".join(run)
    if run and len(run) <= _MAX_RUN_WORDS and len(name) <= _MAX_RUN_CHARS:
        yield name


def _boilerplate(word: str) -> bool:
    folded = word.casefold()
    return bool(_BOILER_KO.fullmatch(folded)) or all(part in _BOILER_EN for part in folded.split())


def _strip_word(word: str) -> str:
    """A word without surrounding punctuation, emoji and unbalanced brackets ("(브롤스타즈" -> "브롤스타즈")."""
    word = word.strip()
    while word and _edge(word[0], word, leading=True):
        word = word[1:]
    while word and _edge(word[-1], word, leading=False):
        word = word[:-1]
    return word.strip()


def _edge(char: str, word: str, *, leading: bool) -> bool:
    """Whether a word's first (last) character is decoration to strip: punctuation, a symbol, an emoji or an
    unbalanced bracket. "&" and "+" belong to names (U+, H&M)."""
    pairs = {"(": ")", "[": "]", "{": "}"} if leading else {")": "(", "]": "[", "}": "{"}
    if char in pairs:
        return word.count(char) > word.count(pairs[char])
    if char in "&+":
        return False
    return not char.isalnum() and unicodedata.category(char)[0] in "PSZC"
