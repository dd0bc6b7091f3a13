"""How fast parse_file reads a large carrier-history copy.

Generates a 100,000-row CP949 CSV shaped like a Korean Excel copy of a carrier history page
(title line, Korean headers, `2025.05.11 14:23:05` dates, `12,300원` amounts) and prints the
median rows/s of parse_file over 5 runs.

    python -m benchmarks.import_parse [--rows 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data.importing import parse_file

MERCHANTS = [
    ("(주)다날_넥슨", "다날", "넥슨캐시"),
    ("넷마블", "KG모빌리언스", "다이아 100개"),
    ("Google Play", "", "앱 내 구매"),
    ("App Store", "", "iCloud+"),
    ("원스토어", "", "게임 아이템"),
    ("컬쳐랜드", "갤럭시아머니트리", "문화상품권 5만원"),
    ("해피머니", "다날", "해피머니 상품권"),
    ("티머니", "세틀뱅크", "교통카드 충전"),
    ("넷플릭스", "페이레터", "월정액"),
    ("멜론", "다날", "스트리밍 정기결제"),
    ("쿠팡", "NHN KCP", "생활용품"),
    ("배달의민족", "KG모빌리언스", "주문"),
    ("카카오페이지", "다날", "캐시 충전"),
    ("엔씨소프트", "효성FMS", "리니지 다이아"),
]
AMOUNTS = [1_100, 2_200, 3_300, 4_900, 5_500, 9_900, 11_000, 13_500, 22_000, 33_000, 50_000, 55_000]


def make_csv(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    buffer = io.StringIO()
    buffer.write("휴대폰 소액결제 이용내역\r\n\r\n")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["결제일시", "이용업체명", "결제대행사", "구매상품", "이용서비스", "금액", "상태"])
    moment = datetime(2024, 5, 1, 0, 0, 0)
    for _ in range(rows):
        moment += timedelta(seconds=rng.randint(1, 400))
        merchant, pg, product = rng.choice(MERCHANTS)
        amount = rng.choice(AMOUNTS)
        status = "취소" if rng.random() < 0.05 else "승인"
        writer.writerow(
            [
                moment.strftime("%Y.%m.%d %H:%M:%S"),
                merchant,
                pg,
                product,
                "휴대폰결제",
                f"{amount:,}원",
                status,
            ]
        )
    return buffer.getvalue().encode("cp949")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    content = make_csv(args.rows)
    print(f"file: {args.rows:,} rows, {len(content) / 1e6:.1f} MB CP949")
    timings, cpu_times = [], []
    for run in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = parse_file(content, "내역.csv", max_bytes=len(content) + 1)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if result.errors or len(result.rows) != args.rows:
            raise SystemExit(f"unexpected result: {result.summary()} {result.errors[:3]}")
        timings.append(elapsed)
        cpu_times.append(cpu)
        print(f"run {run + 1}: {elapsed:.3f} s wall, {cpu:.3f} s CPU ({args.rows / elapsed:,.0f} rows/s)")
    median, median_cpu = statistics.median(timings), statistics.median(cpu_times)
    print(f"median: {median:.3f} s = {args.rows / median:,.0f} rows/s (CPU {args.rows / median_cpu:,.0f} rows/s)")
    print(f"machine reference: a 10M-step Python loop takes {_loop_seconds():.2f} s here")


def _loop_seconds() -> float:
    """Scale for reading the figure on another machine (a recent laptop: about 0.4 s)."""
    started = time.perf_counter()
    total = 0
    for step in range(10_000_000):
        total += step
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
