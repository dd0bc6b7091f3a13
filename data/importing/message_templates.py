"""Templates: a sender's message shape, taught once from a message the built-in rules could not read.

The user marks the amount and the merchant in one message; learn_template turns that message into an anchored
regular expression that reads the same sender's next messages, whose amount, merchant, date and time differ:

- the marked amount's digits -> `(?P<amount>…)` (digits with thousands commas),
- the marked merchant -> a lazy group of one line, at most 80 characters, starting and ending with a
  non-space character,
- every other digit run -> `\\d++(?:,\\d++)*+`, every whitespace run -> `\\s++`, everything else literally.

Digit and whitespace runs are possessive (they never give characters back) and the merchant group cannot
start or end on the whitespace around it, so the only backtracking left is the merchant's length (at most 80):
matching is linear in the text, and a hostile 16 KB text cannot make it backtrack catastrophically.
Pure: no store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from data.importing.message_senders import clean_text, normalise_sender

AMOUNT_NOT_IN_TEXT = "messages.err.amount_not_in_text"
MERCHANT_NOT_IN_TEXT = "messages.err.merchant_not_in_text"
MAX_AMOUNT = 2**31 - 1  # what the store's amount column holds
_AMOUNT_GROUP = r"(?P<amount>\d{1,3}(?:,\d{3})+|\d{1,10})"
_MERCHANT_GROUP = r"(?P<merchant>\S(?:[^\n]{0,78}?\S)?)"
_AMOUNT_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+")
_PIECES = re.compile(r"(?P<digits>\d+(?:,\d+)*)|(?P<space>\s+)|(?P<other>[^\d\s]+)")


@dataclass(frozen=True)
class Template:
    sender: str  # normalised (message_senders.normalise_sender)
    pattern: str  # regex with named groups `amount` and `merchant`
    bucket: str = "micropayment"


def learn_template(text: str, sender: str | None, amount_text: str, merchant_text: str,
                   bucket: str = "micropayment") -> Template:
    """The template of `text` with `amount_text` and `merchant_text` (as they appear in it) marked.
    ValueError("messages.err.amount_not_in_text" / "messages.err.merchant_not_in_text") when one is not there."""
    body = clean_text(text)
    amount_span = _amount_span(body, clean_text(amount_text))
    merchant_span = _merchant_span(body, clean_text(merchant_text), amount_span)
    (first, first_group), (second, second_group) = sorted(
        [(amount_span, _AMOUNT_GROUP), (merchant_span, _MERCHANT_GROUP)])
    pattern = "".join((
        r"\A",
        _generalise(body[:first[0]]),
        first_group,
        _generalise(body[first[1]:second[0]]),
        second_group,
        _generalise(body[second[1]:]),
        r"\Z",
    ))
    return Template(sender=normalise_sender(sender), pattern=pattern, bucket=bucket)


def read_with_template(text: str, template: Template) -> tuple[int, str] | None:
    """(amount, merchant) when `text` has the template's shape, else None (also for a broken stored pattern)."""
    compiled = _compiled(template.pattern)
    found = compiled.fullmatch(clean_text(text)) if compiled else None
    if found is None or "amount" not in found.groupdict() or "merchant" not in found.groupdict():
        return None
    amount = int(found.group("amount").replace(",", ""))
    merchant = found.group("merchant").strip()
    if not 0 < amount <= MAX_AMOUNT or not merchant:
        return None
    return amount, merchant


def _amount_span(body: str, amount_text: str) -> tuple[int, int]:
    """Where the marked amount's digits are: the first place the marked text occurs."""
    start = body.find(amount_text) if amount_text else -1
    digits = _AMOUNT_DIGITS.search(amount_text) if start >= 0 else None
    if digits is None:
        raise ValueError(AMOUNT_NOT_IN_TEXT)
    return start + digits.start(), start + digits.end()


def _merchant_span(body: str, merchant_text: str, amount: tuple[int, int]) -> tuple[int, int]:
    """The first place the merchant occurs on one line without overlapping the amount."""
    if not merchant_text or "\n" in merchant_text or len(merchant_text) > 80:
        raise ValueError(MERCHANT_NOT_IN_TEXT)
    start = body.find(merchant_text)
    while start >= 0:
        end = start + len(merchant_text)
        if end <= amount[0] or start >= amount[1]:
            return start, end
        start = body.find(merchant_text, start + 1)
    raise ValueError(MERCHANT_NOT_IN_TEXT)


def _generalise(literal: str) -> str:
    out = []
    for piece in _PIECES.finditer(literal):
        if piece.group("digits"):
            out.append(r"\d++(?:,\d++)*+")
        elif piece.group("space"):
            out.append(r"\s++")
        else:
            out.append(re.escape(piece.group()))
    return "".join(out)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
