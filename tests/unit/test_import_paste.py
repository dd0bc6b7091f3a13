"""data/importing/paste.py: text pasted from a carrier's history page -> the importer's table -> rows.

Every paste goes through the same parser as a file (parse_file with the paste reader), so these tests
check what the user would see in the preview: which rows, when (KST), which merchant, how much.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboard.text.i18n import t
from data.importing.columns import header_score
from data.importing.paste import (
    BINARY,
    EMPTY,
    NO_HEADER,
    NO_ROWS,
    NO_TABLE,
    PASTE_FORMAT,
    PASTE_NAME,
    SPACES,
    TAB,
    paste_table,
    read_paste,
)
from data.importing.pipeline import TOO_LARGE, parse_file
from data.importing.read import FileError
from data.vocab import to_kst
from tests.e2e.fixtures.import_files import history_csv, history_rows

NBSP = "\xa0"
KT_HEADER = ["이용일시", "이용업체명", "이용서비스", "구매상품", "결제대행사", "금액", "상태"]


def parse(text: str, **options):
    return parse_file(text.encode(), PASTE_NAME, reader=read_paste, **options)


def seen(result) -> list[tuple[str, str, int, str]]:
    """The rows as the preview shows them: KST time, merchant, amount, status."""
    assert result.errors == [], result.errors
    return [(to_kst(r.occurred_at).strftime("%Y-%m-%d %H:%M"), r.merchant, r.amount, r.status) for r in result.rows]


def tsv(*rows: list[str]) -> str:
    return "\n".join("\t".join(row) for row in rows)


def refused(text: str) -> str:
    with pytest.raises(FileError) as caught:
        paste_table(text, header_score)
    return caught.value.message.key


# ---- the three carriers' pages, as a browser copies them ----------------------------------------

# KT: a real HTML table (tabs), a title above it, a blank line, a 합계 row and a result count under it.
KT = "\n".join([
    "휴대폰 소액결제 이용내역",
    "",
    tsv(KT_HEADER,
        ["2025.05.11 14:23:05", "넷마블", "게임", "다이아 100개", "KG모빌리언스", "12,300원", "승인"],
        ["2025.05.12 03:10:44", "컬쳐랜드", "상품권", "문화상품권 5만원권", "갤럭시아머니트리", "50,000원", "승인"],
        [],
        ["2025.05.12 09:00:00", "컬쳐랜드", "상품권", "문화상품권 5만원권", "갤럭시아머니트리", "50,000원", "취소"],
        ["합계", "", "", "", "", "112,300원", ""]),
    "조회 결과 3건",
])
# SKT: the history laid out without a table: columns are runs of spaces, single spaces stay in a cell.
SKT = """결제일시            가맹점명        상품명              결제금액    결제상태
2025-05-11 14:23    Google Play     앱 내 구매          1,100       결제완료
2025-05-20 21:05    멜론            스트리밍 정기결제   10,900원    결제완료
2025-05-21 08:00    멜론            스트리밍 정기결제   10,900원    결제취소
"""
# LG U+: date and time in two columns, 오후 times, ₩ amounts, non-breaking spaces from the page's cells.
LGU = tsv(
    ["이용일자", "이용시간", "이용처", "결제내용", "이용금액", "결제대행사", "구분"],
    ["2025/05/11", f"오후{NBSP}2:23", "요기요", "배달 주문", f"₩12,300{NBSP}", "다날", "소액결제"],
    ["2025/05/13", "오전 9:05", "Google Play", "앱 내 구매", "₩4,400", "", "정보이용료"],
    [f"{NBSP}합계", "", "", "", "₩16,700", "", ""],
)

CARRIER_ROWS = {
    "KT": [("2025-05-11 14:23", "넷마블", 12_300, "approved"),
           ("2025-05-12 03:10", "컬쳐랜드", 50_000, "approved"),
           ("2025-05-12 09:00", "컬쳐랜드", 50_000, "cancelled")],
    "SKT": [("2025-05-11 14:23", "Google Play", 1_100, "approved"),
            ("2025-05-20 21:05", "멜론", 10_900, "approved"),
            ("2025-05-21 08:00", "멜론", 10_900, "cancelled")],
    "LGU+": [("2025-05-11 14:23", "요기요", 12_300, "approved"),
             ("2025-05-13 09:05", "Google Play", 4_400, "approved")],
}


@pytest.mark.parametrize(("carrier", "text"), [("KT", KT), ("SKT", SKT), ("LGU+", LGU)])
def test_each_carriers_table_reads_as_its_payments(carrier, text):
    result = parse(text)
    assert seen(result) == CARRIER_ROWS[carrier]
    assert result.file_format == PASTE_FORMAT and result.encoding is None


def test_a_tab_separated_copy_keeps_every_column_and_the_pasted_line_numbers():
    result = parse(KT)
    assert result.delimiter == TAB
    first = result.rows[0]
    assert (first.service, first.product, first.pg, first.category) == ("게임", "다이아 100개", "KG모빌리언스", "game")
    assert result.rows[1].category == "gift_voucher"
    # Title, blank line, header: the first payment is the paste's 4th line; the blank line is not a row.
    assert [r.source_row for r in result.rows] == [4, 5, 7]
    assert result.header_row == 3


def test_korean_headers_are_recognised_by_the_importers_own_column_detection():
    assert parse(KT).mapping == {"이용일시": "occurred_at", "이용업체명": "merchant", "이용서비스": "service",
                                 "구매상품": "product", "결제대행사": "pg", "금액": "amount", "상태": "status"}
    assert parse(LGU).mapping == {"이용일자": "occurred_at", "이용시간": "time", "이용처": "merchant",
                                  "결제내용": "product", "이용금액": "amount", "결제대행사": "pg", "구분": "bucket"}
    assert [r.bucket for r in parse(LGU).rows] == ["micropayment", "content"]


def test_runs_of_two_or_more_spaces_separate_cells_but_one_space_does_not():
    result = parse(SKT)
    assert result.delimiter == SPACES
    assert [r.product for r in result.rows] == ["앱 내 구매", "스트리밍 정기결제", "스트리밍 정기결제"]


def test_non_breaking_spaces_count_as_spaces_between_and_inside_cells():
    gap = NBSP * 3
    text = "\n".join([gap.join(["결제일시", "이용업체명", "금액", "상태"]),
                      gap.join([f"2025.05.11{NBSP}14:23", f"LG{NBSP}U+ 스토어", f"12,300{NBSP}원", "승인"])])
    assert seen(parse(text)) == [("2025-05-11 14:23", "LG U+ 스토어", 12_300, "approved")]


def test_total_rows_and_notes_under_the_table_are_not_payments():
    text = tsv(["결제일시", "이용업체명", "금액"], ["2025.05.11 14:23", "넷마블", "12,300원"],
               ["총 합계", "", "12,300원"], ["소계", "", "12,300원"])
    text += "\n\n총 1건 합계 12,300원\n이전 1 2 3 다음\n※ 취소 내역은 다음 달에 반영될 수 있습니다.\n"
    assert seen(parse(text)) == [("2025-05-11 14:23", "넷마블", 12_300, "approved")]


def test_a_one_cell_line_that_could_be_a_payment_is_reported_not_skipped():
    text = tsv(["결제일시", "이용업체명", "금액"], ["2025.05.11 14:23", "넷마블", "12,300원"])
    result = parse(text + "\n2025.05.12 10:00 넷마블 1,100원")  # single spaces: not split
    assert result.rows == [] and {e.row for e in result.errors} == {3}


def test_a_bad_cell_is_reported_at_its_pasted_line():
    text = "제목\n" + tsv(["결제일시", "이용업체명", "금액"], ["2025.05.11 14:23", "넷마블", "만원"])
    result = parse(text)
    assert result.rows == []
    assert [(e.row, e.key, e.values["cell"]) for e in result.errors] == [(3, "import.err.amount", "만원")]


def test_a_whole_page_copy_finds_the_table_below_its_menus():
    menus = "\n".join(f"메뉴 {n}" for n in range(60))  # far more than the 30 lines a file may have above
    result = parse(menus + "\n" + tsv(["이용일시", "이용업체명", "금액"], ["2025.05.11 14:23", "넷마블", "12,300원"]))
    assert seen(result) == [("2025-05-11 14:23", "넷마블", 12_300, "approved")]
    assert result.rows[0].source_row == 62


def test_a_date_the_page_broke_over_two_lines_is_joined_again():
    text = tsv(["이용일시", "이용업체명", "금액", "상태"], ["2025.05.11"], ["14:23:05", "넷마블", "12,300원", "승인"],
               ["2025.05.12 10:00:00", "넷마블", "1,100원", "승인"])
    assert seen(parse(text)) == [("2025-05-11 14:23", "넷마블", 12_300, "approved"),
                                 ("2025-05-12 10:00", "넷마블", 1_100, "approved")]
    assert [r.source_row for r in parse(text).rows] == [2, 4]


def test_windows_line_ends_trailing_tabs_and_empty_columns_change_nothing():
    lines = [["이용일시", "", "이용업체명", "금액", ""], ["2025.05.11 14:23", "", "넷마블", "12,300원", ""]]
    text = "\r\n".join("\t".join(row) + "\t" for row in lines) + "\r\n"
    table = paste_table(text, header_score)
    assert table.cells.shape == (2, 3)
    assert seen(parse(text)) == [("2025-05-11 14:23", "넷마블", 12_300, "approved")]


def test_a_paste_and_a_file_of_the_same_history_are_the_same_rows():
    """The same payments pasted, then uploaded as Excel's CSV, are duplicates of each other (same ids)."""
    rows = history_rows(6, start=datetime(2025, 5, 1, 9, 0))
    header = ["결제일시", "이용업체명", "결제대행사", "구매상품", "금액", "상태"]
    pasted = parse(tsv(header, *[row.cells() for row in rows]))
    uploaded = parse_file(history_csv(rows), "내역.csv")
    assert [r.external_id for r in pasted.rows] == [r.external_id for r in uploaded.rows]
    assert len(pasted.rows) == 6


def test_unknown_headers_ask_for_a_mapping_like_a_file():
    result = parse(tsv(["언제", "어디서", "얼마"], ["2025.05.11 14:23", "넷마블", "12,300원"]))
    assert result.needs_mapping and result.columns == ["언제", "어디서", "얼마"]
    assert result.sample_rows == [["2025.05.11 14:23", "넷마블", "12,300원"]]
    mapped = parse(tsv(["언제", "어디서", "얼마"], ["2025.05.11 14:23", "넷마블", "12,300원"]),
                   mapping={"언제": "occurred_at", "어디서": "merchant", "얼마": "amount"})
    assert seen(mapped) == [("2025-05-11 14:23", "넷마블", 12_300, "approved")]


# ---- text that is no table ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("", EMPTY),
    (" \n\t\n" + NBSP * 4 + "\n", EMPTY),
    ("결제일시\t금액\n2025.05.11\x00\t1,000원", BINARY),
    ("\ufffd\ufffdPNG\r\n\x1a\n\ufffd\ufffd\ufffd" * 20, BINARY),
    ("안녕하세요. 지난달 결제 내역을 보내 드립니다.\n확인 부탁드립니다.", NO_TABLE),
    ("금액\n12,300원\n1,100원", NO_TABLE),
    (tsv(["2025.05.11 14:23", "넷마블", "12,300원"], ["2025.05.12 10:00", "넷마블", "1,100원"]), NO_HEADER),
    ("2025-05-11 14:23    넷마블    12,300원", NO_HEADER),
    (tsv(KT_HEADER) + "\n\n조회 결과가 없습니다.", NO_ROWS),
])
def test_text_without_a_table_is_refused_with_a_clear_reason(text, key):
    assert refused(text) == key
    assert parse(text).rows == []
    english = t(key, "en")
    assert english and t(key, "ko") != english


def test_a_stray_control_character_does_not_spoil_a_table():
    text = tsv(["결제일시", "이용업체명", "금액"], ["2025.05.11 14:23", "넷\x07마블", "12,300원"])
    assert seen(parse(text)) == [("2025-05-11 14:23", "넷마블", 12_300, "approved")]


def test_the_size_limit_is_the_files_limit():
    text = tsv(["결제일시", "이용업체명", "금액"], *[["2025.05.11 14:23", "넷마블", "12,300원"]] * 100)
    result = parse(text, max_bytes=len(text.encode()) - 1)
    assert [e.key for e in result.errors] == [TOO_LARGE]


def test_the_preview_names_a_paste_by_the_format_the_importer_reports():
    from layouts.import_page import PASTE_FORMAT as SHOWN_AS_PASTE
    from layouts.import_page import format_text

    assert SHOWN_AS_PASTE == PASTE_FORMAT
    assert format_text("ko", PASTE_FORMAT) == "붙여넣은 표" and format_text("en", "csv") == "CSV"
