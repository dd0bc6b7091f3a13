"""The payment text message parser (data/importing/messages.py) and templates (message_templates.py). Pure.

The corpus (tests/data/messages/corpus.json, sources in docs/messages.md) is read message by message; the rest
checks what the corpus cannot: templates, sender scoping, errors, hostile input, the calendar, any text at all.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.importing.message_templates import Template, learn_template, read_with_template
from data.importing.messages import ParsedMessage, normalise_sender, parse_message
from data.vocab import KST, MESSAGE_KINDS

CORPUS = json.loads((Path(__file__).parent.parent / "data" / "messages" / "corpus.json").read_text("utf-8"))
FIELDS = {"kind", "amount", "merchant", "pg", "product", "occurred_at", "bucket", "carrier", "pay_type", "reason"}
NOW = datetime(2026, 11, 18, 14, 0, tzinfo=KST)

# An unknown shop's format (the corpus's "unknown-shop-format") and the same sender's next message.
SHOP = "15881111"
SHOP_FIRST = "[OO페이]\n이용: 스타벅스 e카드\n7,000원\n11.18 10:20 정상"
SHOP_NEXT = "[OO페이]\n이용: 배스킨라빈스 모바일 교환권\n12,500원\n11.19 9:05 정상"


def _expected(value: object, field: str) -> object:
    return datetime.fromisoformat(value) if field == "occurred_at" and value else value


# ---------------------------------------------------------------- the corpus


@pytest.mark.parametrize("case", CORPUS, ids=[case["id"] for case in CORPUS])
def test_corpus_message(case):
    parsed = parse_message(case["text"], received_at=datetime.fromisoformat(case["received_at"]),
                           sender=case["sender"])
    for field, want in case["expect"].items():
        assert getattr(parsed, field) == _expected(want, field), field
    if parsed.occurred_at is not None:
        assert parsed.occurred_at.utcoffset() is not None


def test_corpus_covers_what_it_must():
    """Enough messages and senders, every kind, and the look-alike pairs the rules tell apart."""
    assert len(CORPUS) >= 70
    assert len({normalise_sender(case["sender"]) for case in CORPUS}) >= 12
    assert len({case["id"] for case in CORPUS}) == len(CORPUS)
    for case in CORPUS:
        assert set(case["expect"]) <= FIELDS and case["expect"]["kind"] in MESSAGE_KINDS, case["id"]
        if case["expect"]["kind"] == "charge":
            assert {"amount", "merchant", "occurred_at"} <= set(case["expect"]), case["id"]
    kinds = Counter(case["expect"]["kind"] for case in CORPUS)
    assert set(kinds) == set(MESSAGE_KINDS)
    reasons = {case["expect"].get("reason") for case in CORPUS if case["expect"]["kind"] == "ignored"}
    assert {"ad", "bill_notice", "limit_notice", "smishing", "other"} <= reasons
    hotline = re.compile(r"1566-3355|1600-5220")
    genuine = [c for c in CORPUS if c["expect"]["kind"] == "charge" and hotline.search(c["text"])]
    assert genuine, "a genuine approval printing its PG's hotline"
    assert {case["expect"].get("pg") for case in CORPUS} >= {
        "다날", "KG모빌리언스", "갤럭시아머니트리", "페이레터", "NHN KCP", "효성FMS", "세틀뱅크"}
    assert {case["expect"].get("carrier") for case in CORPUS} >= {"KT", "SKT", "LGU+", "MVNO"}


# ---------------------------------------------------------------- senders, the calendar


@pytest.mark.parametrize(("sender", "normalised"), [
    ("#1566-3355", "15663355"), ("1566-3355", "15663355"), ("+82 10-1234-5678", "821012345678"),
    (" KT M모바일 ", "kt m모바일"), ("LG U+", "lg u+"), (None, ""), ("", ""), ("Google  Play", "google play"),
])
def test_normalise_sender(sender, normalised):
    assert normalise_sender(sender) == normalised


def test_year_boundary_message_of_last_year():
    """A "12/31 23:50" text that arrives at 00:05 on New Year's Day happened last year, not 361 days ahead."""
    parsed = parse_message("[KT] 소액결제 알림\n12/31 23:50 틴캐시 10,000원 결제",
                           received_at=datetime(2027, 1, 1, 0, 5, tzinfo=KST), sender="114")
    assert parsed.occurred_at == datetime(2026, 12, 31, 23, 50, tzinfo=KST)
    assert parsed.occurred_at.astimezone(UTC) == datetime(2026, 12, 31, 14, 50, tzinfo=UTC)


def test_date_without_year_may_run_a_day_ahead_of_the_phone():
    """The PG's clock may be ahead of the phone's: 11/19 00:10 received at 23:59 the day before stays this year."""
    parsed = parse_message("[다날] 결제완료 넷마블 3,300원 11/19 00:10", sender="15663355",
                           received_at=datetime(2026, 11, 18, 23, 59, tzinfo=KST))
    assert parsed.occurred_at == datetime(2026, 11, 19, 0, 10, tzinfo=KST)


def test_naive_received_at_is_utc_and_the_answer_is_kst():
    parsed = parse_message("[다날] 결제완료 넷마블 3,300원", sender="15663355", received_at=datetime(2026, 11, 18, 5))
    assert parsed.occurred_at == datetime(2026, 11, 18, 14, 0, tzinfo=KST)


# ---------------------------------------------------------------- templates


def test_template_reads_the_senders_next_message():
    """Learnt from one unknown message, the template reads the next one: other amount, merchant, date, time."""
    assert parse_message(SHOP_FIRST, received_at=NOW, sender=SHOP).kind == "unrecognised"
    template = learn_template(SHOP_FIRST, "1588-1111", "7,000원", "스타벅스 e카드")
    assert template == Template(SHOP, template.pattern)
    assert template.pattern.startswith(r"\A") and template.pattern.endswith(r"\Z")
    assert read_with_template(SHOP_FIRST, template) == (7000, "스타벅스 e카드")
    parsed = parse_message(SHOP_NEXT, received_at=datetime(2026, 11, 19, 9, 6, tzinfo=KST), sender="1588-1111",
                           templates=[template])
    assert (parsed.kind, parsed.amount, parsed.merchant) == ("charge", 12500, "배스킨라빈스 모바일 교환권")
    assert parsed.occurred_at == datetime(2026, 11, 19, 9, 5, tzinfo=KST)
    assert parsed.bucket == "micropayment" and parsed.reason is None


def test_template_keeps_its_bucket_and_reads_large_amounts():
    template = learn_template(SHOP_FIRST, SHOP, "7,000", "스타벅스 e카드", bucket="content")
    big = SHOP_NEXT.replace("12,500원", "1,250,000원")
    parsed = parse_message(big, received_at=NOW, sender=SHOP, templates=[template])
    assert (parsed.kind, parsed.amount, parsed.bucket) == ("charge", 1_250_000, "content")


def test_template_of_one_sender_does_not_read_another():
    template = learn_template(SHOP_FIRST, SHOP, "7,000원", "스타벅스 e카드")
    other = parse_message(SHOP_NEXT, received_at=NOW, sender="1588-2222", templates=[template])
    assert other == ParsedMessage("unrecognised")
    assert parse_message(SHOP_NEXT, received_at=NOW, sender=None, templates=[template]).kind == "unrecognised"


def test_template_does_not_read_a_differently_shaped_message():
    template = learn_template(SHOP_FIRST, SHOP, "7,000원", "스타벅스 e카드")
    assert read_with_template(SHOP_NEXT + "\n잔액 3,000원", template) is None  # anchored at both ends
    assert read_with_template(SHOP_NEXT.replace("정상", "취소"), template) is None


def test_builtin_rules_win_over_templates():
    """Templates are a fallback: a message the rules read (or ignore) is not re-read as a charge."""
    ad = "(광고) 이번 주 5,000원 할인 쿠폰!\n무료수신거부 080-123-4567"
    template = learn_template(ad, SHOP, "5,000원", "할인 쿠폰")
    assert parse_message(ad, received_at=NOW, sender=SHOP, templates=[template]).kind == "ignored"


@pytest.mark.parametrize(("amount", "merchant", "error"), [
    ("9,999원", "스타벅스 e카드", "messages.err.amount_not_in_text"),
    ("", "스타벅스 e카드", "messages.err.amount_not_in_text"),
    ("정상", "스타벅스 e카드", "messages.err.amount_not_in_text"),  # in the text, but not a number
    ("7,000원", "투썸플레이스", "messages.err.merchant_not_in_text"),
    ("7,000원", "", "messages.err.merchant_not_in_text"),
    ("7,000원", "7,000", "messages.err.merchant_not_in_text"),  # only where the amount is
    ("7,000원", "e카드\n7,000원", "messages.err.merchant_not_in_text"),  # over two lines
])
def test_learn_template_refuses_what_is_not_in_the_text(amount, merchant, error):
    with pytest.raises(ValueError, match=f"^{re.escape(error)}$"):
        learn_template(SHOP_FIRST, SHOP, amount, merchant)


def test_a_broken_stored_pattern_reads_nothing():
    assert read_with_template(SHOP_FIRST, Template(SHOP, "(?P<amount>[")) is None
    assert read_with_template(SHOP_FIRST, Template(SHOP, r"\A.*\Z")) is None  # no amount/merchant groups


# ---------------------------------------------------------------- hostile input

ADVERSARIAL = {
    "words": "a " * 8192,
    "digits-and-commas": "1," * 8192,
    "clock-like": "1:" * 8192,
    "dates": "11/18 " * 2731,
    "amounts": "1원" * 8192,
    "brackets": "[" * 16384,
    "korean": "결제완료 가맹점: " * 1638,
    "lines": "넥슨\n" * 5461,
    "template-shaped": "[OO페이]\n이용: " + " " * 16400 + "정상",
}


def _best_of_three(action) -> float:
    best = float("inf")
    for _ in range(3):  # the machine is shared: the fastest run is the parser's own cost
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("shape", ADVERSARIAL)
def test_hostile_16kb_text_is_read_fast(shape):
    text = ADVERSARIAL[shape]
    assert len(text.encode("utf-8")) >= 16 * 1024
    template = learn_template(SHOP_FIRST, SHOP, "7,000원", "스타벅스 e카드")
    elapsed = _best_of_three(lambda: parse_message(text, received_at=NOW, sender=SHOP, templates=[template]))
    assert elapsed < 0.05, f"{shape}: {elapsed * 1000:.1f} ms"


@pytest.mark.parametrize("filler", ["가 ", " ", "1,", "7,000원 "])
def test_template_pattern_does_not_backtrack_catastrophically(filler):
    """The learnt pattern itself, on a whole 16 KB near-miss (read_with_template would cap the text first)."""
    template = learn_template(SHOP_FIRST, SHOP, "7,000원", "스타벅스 e카드")
    hostile = "[OO페이]\n이용: " + filler * (16400 // len(filler)) + "\n7,000원\n11.18 10:20 정상X"
    pattern = re.compile(template.pattern)
    assert _best_of_three(lambda: pattern.fullmatch(hostile)) < 0.05
    assert _best_of_three(lambda: read_with_template(hostile, template)) < 0.05


MESSAGE_LIKE = list("결제승인취소완료인증번호원₩,:/.-[]() \n오후월일KT070+")
TEXT = st.text(st.one_of(st.characters(), st.sampled_from(MESSAGE_LIKE)), max_size=400)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, sender=st.one_of(st.none(), st.text(max_size=40)),
       received=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31),
                             timezones=st.just(KST)))
def test_any_text_parses_without_raising(text, sender, received):
    parsed = parse_message(text, received_at=received, sender=sender)
    assert parsed.kind in MESSAGE_KINDS
    assert (parsed.reason is not None) == (parsed.kind == "ignored")
    assert parsed.occurred_at is None or parsed.occurred_at.utcoffset() is not None
    assert parsed.amount is None or parsed.amount > 0
