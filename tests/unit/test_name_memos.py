"""The per-process memos of merchant/product text (merchant_key, infer_category, infer_bucket) stay small:
names are users' and PGs' text, ever new, so an unbounded or very large memo grows a worker for hours
(benchmarks/mixed_load.py)."""

from __future__ import annotations

import tracemalloc

import pytest

from data.importing.keywords import infer_bucket, infer_category
from data.importing.normalize import NAME_MEMO_SIZE, merchant_key

MEMOS = {
    "merchant_key": (merchant_key, lambda i: (f"(주)다날_상점{i:06d} 코리아",)),
    "infer_category": (infer_category, lambda i: (f"상점{i:06d}", f"메이플스토리 캐시 주문 {i:08d}", None)),
    "infer_bucket": (infer_bucket, lambda i: (f"상점{i:06d}", "다날")),
}


@pytest.mark.parametrize("name", MEMOS)
def test_memo_keeps_at_most_its_size(name):
    func, args = MEMOS[name]
    func.cache_clear()
    for i in range(NAME_MEMO_SIZE + 500):
        func(*args(i))
    info = func.cache_info()
    assert info.maxsize == NAME_MEMO_SIZE <= 4096
    assert info.currsize == NAME_MEMO_SIZE


@pytest.mark.parametrize("name", MEMOS)
def test_memory_levels_off_once_the_memo_is_full(name):
    """Three memos' worth of new names, once full, add (next to) nothing: the old entries go."""
    func, args = MEMOS[name]
    func.cache_clear()
    tracemalloc.start()  # before the first entry, so the evicted ones' frees count too
    try:
        for i in range(2 * NAME_MEMO_SIZE):  # full, then one turnover (the memo's dict settles its size)
            func(*args(i))
        full = tracemalloc.get_traced_memory()[0]
        for i in range(2 * NAME_MEMO_SIZE, 5 * NAME_MEMO_SIZE):
            func(*args(i))
        grown = tracemalloc.get_traced_memory()[0] - full
    finally:
        tracemalloc.stop()
    assert grown < 32 * 1024, f"{name} grew {grown} bytes after it was full"


def test_an_evicted_name_gets_the_same_answer():
    merchant_key.cache_clear()
    first = merchant_key("(주)다날_넥슨코리아")
    for i in range(NAME_MEMO_SIZE + 1):
        merchant_key(f"상점{i}")
    assert merchant_key("(주)다날_넥슨코리아") == first == "넥슨"
    assert infer_category("컬쳐랜드", "문화상품권") == "gift_voucher" and infer_bucket("Google Play") == "content"
