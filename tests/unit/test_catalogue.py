"""The word catalogue (dashboard/text/messages): each key says the same things in Korean and English — the
same {placeholders}, so a value shown in one language is never missing (or a KeyError) in the other — and
English counts are not faked plurals ("1 large charges")."""

from __future__ import annotations

import re
from string import Formatter

from dashboard.text.i18n import catalogue


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


# English names the month where Korean numbers it: the callers pass both values.
MONTH_NAMES = {"disputes.date", "disputes.date_full", "subscriptions.calendar"}
FIXED_COUNTS = {"analytics.merchant_title"}  # n is callbacks.overview.TOP_MERCHANTS (8), never 1


def test_korean_and_english_take_the_same_values():
    differ = {key: (sorted(_fields(ko)), sorted(_fields(en))) for key, (ko, en) in catalogue().items()
              if _fields(ko) != _fields(en) and key not in MONTH_NAMES}
    assert differ == {}


def test_english_counts_do_not_read_as_plurals_of_one():
    # "{n} large charges" reads "1 large charges"; "Large charges: {n}" reads right for any n.
    counted = re.compile(r"\{n\} (?:[a-z]+ )*[a-z]+s\b")
    found = {key: en for key, (_ko, en) in catalogue().items() if counted.search(en) and key not in FIXED_COUNTS}
    assert found == {}
