"""parse_file: formats, encodings, cells, errors, mapping, ids. Pure: no database."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest
from openpyxl import Workbook

from dashboard.services.imports import error_text
from data.importing import FIELDS, REQUIRED_FIELDS, ImportedRow, fingerprint, merchant_key, parse_file
from data.importing.parse import escape_formula, parse_datetime, parse_datetimes, unescape
from data.vocab import KST

HEADER = "결제일시,이용업체명,결제대행사,구매상품,이용서비스,금액,상태"


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST).astimezone(UTC)


def one(lines: list[str], **kwargs: object) -> ImportedRow:
    result = parse_file(csv_bytes(lines), "내역.csv", **kwargs)  # type: ignore[arg-type]
    assert result.errors == [], result.errors
    assert len(result.rows) == 1
    return result.rows[0]


def cell_row(date_text: str = "2025.05.11 14:23:05", amount: str = "12300", status: str = "승인") -> list[str]:
    return [HEADER, f'{date_text},넥슨,다날,넥슨캐시,게임,"{amount}",{status}']


# ---------------------------------------------------------------- formats and encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "euc-kr"])
def test_encodings_are_detected(encoding: str) -> None:
    result = parse_file(csv_bytes(cell_row(), encoding), "a.csv")
    assert result.errors == []
    assert result.rows[0].merchant == "넥슨"
    expected = {"euc-kr": "cp949", "utf-8-sig": "utf-8-sig"}.get(encoding, encoding)
    assert result.encoding == expected


def test_utf16_tab_separated_unicode_text_from_excel() -> None:
    text = "\r\n".join(line.replace(",", "\t").replace('"', "") for line in cell_row())
    result = parse_file(text.encode("utf-16"), "a.txt")
    assert result.errors == []
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    assert result.rows[0].amount == 12300


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiters_are_sniffed(delimiter: str) -> None:
    lines = [
        delimiter.join(["결제일시", "이용업체명", "금액"]),
        delimiter.join(["2025-05-11 14:23", "넷마블", '"1,100"']),
    ]
    result = parse_file(csv_bytes(lines), "a.csv")
    assert result.errors == []
    assert result.delimiter == delimiter
    assert result.rows[0].amount == 1100


def test_title_and_blank_rows_before_header_are_skipped_and_rows_numbered_as_in_excel() -> None:
    lines = ["휴대폰 결제 이용내역", "조회기간: 2025.05.01 ~ 2025.05.31", "", *cell_row()]
    result = parse_file(csv_bytes(lines, "cp949"), "a.csv")
    assert result.errors == []
    assert result.header_row == 4
    assert result.rows[0].source_row == 5


def test_blank_rows_in_the_middle_and_at_the_end_and_total_lines_are_ignored() -> None:
    lines = [
        *cell_row(),
        ",,,,,,",
        "2025.05.12 10:00:00,넷마블,,,,1100,승인",
        "합계,,,,,13400,",
        ",,,,,,",
        "",
    ]
    result = parse_file(csv_bytes(lines), "a.csv")
    assert result.errors == []
    assert [row.source_row for row in result.rows] == [2, 4]


def test_xlsx_with_native_cells_and_a_title_row() -> None:
    content = xlsx_bytes(
        [
            ["휴대폰 결제내역"],
            [],
            ["결제일시", "이용업체명", "금액", "상태", "통신사"],
            [datetime(2025, 5, 11, 14, 23, 5), "(주)다날_넥슨", 12300.0, "승인", "KTF"],
            [date(2025, 5, 12), "Google Play", 1100, "취소", "LGT"],
            ["2025/05/11 오후 2:23", "컬쳐랜드", "12,300원", "부분취소", None],
            [None, None, None, None, None],
        ]
    )
    result = parse_file(content, "내역.xlsx")
    assert result.errors == []
    assert result.file_format == "xlsx"
    first, second, third = result.rows
    assert first.occurred_at == kst(2025, 5, 11, 14, 23, 5)
    assert (first.amount, first.carrier, first.source_row) == (12300, "KT", 4)
    assert second.occurred_at == kst(2025, 5, 12, 0, 0)
    assert (second.status, second.carrier, second.bucket) == ("cancelled", "LGU+", "content")
    assert third.occurred_at == kst(2025, 5, 11, 14, 23)
    assert (third.status, third.partial) == ("cancelled", True)


def test_xlsx_float_amount_with_fraction_is_an_error() -> None:
    content = xlsx_bytes([["결제일시", "이용업체명", "금액"], ["2025-05-11 10:00", "넥슨", 12300.5]])
    result = parse_file(content, "a.xlsx")
    assert result.rows == []
    assert result.errors[0].row == 2
    assert "원 단위" in error_text(result.errors[0], "ko")


def test_format_is_detected_by_magic_bytes_not_the_name() -> None:
    xlsx = xlsx_bytes([["결제일시", "이용업체명", "금액"], ["2025-05-11 10:00", "넥슨", 1000]])
    assert parse_file(xlsx, "renamed.csv").file_format == "xlsx"
    assert parse_file(csv_bytes(cell_row()), "renamed.xlsx").file_format == "csv"


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
        (b"%PDF-1.7 ...", "bill.pdf", "PDF"),
        (b"\x00\x01\x02binary", "x.bin", "CSV 또는"),
        (b"", "empty.csv", "빈 파일"),
        (b"  \r\n \r\n", "blank.csv", "빈 파일"),
    ],
)
def test_unreadable_files_get_one_file_level_error(content: bytes, name: str, fragment: str) -> None:
    result = parse_file(content, name)
    assert result.rows == []
    assert len(result.errors) == 1
    assert result.errors[0].row == 0
    assert fragment in error_text(result.errors[0], "ko")


def test_other_encodings_fall_back_to_charset_detection() -> None:
    text = "date,merchant,amount\r\n" + "2025-05-11 10:00,Café Crème Brûlée,1000\r\n" * 3
    result = parse_file(text.encode("cp1252"), "a.csv")
    assert result.errors == []
    assert result.encoding not in ("utf-8", "utf-8-sig", "cp949")
    assert result.rows[0].amount == 1000


def test_zip_that_is_not_xlsx_is_refused() -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = parse_file(buffer.getvalue(), "a.xlsx")
    assert result.rows == [] and "압축 파일" in error_text(result.errors[0], "ko")


def test_header_without_data_rows_is_an_error() -> None:
    result = parse_file(csv_bytes([HEADER, ",,,,,,"]), "a.csv")
    assert result.rows == []
    assert [e.row for e in result.errors] == [0]
    assert "행이 없습니다" in error_text(result.errors[0], "ko")


def test_too_large_file_is_refused_before_parsing() -> None:
    content = b"\xff" * 2_000  # would be an encoding problem if it were parsed at all
    result = parse_file(content, "big.csv", max_bytes=1_000)
    assert result.rows == []
    assert len(result.errors) == 1
    assert "너무 큽니다" in error_text(result.errors[0], "ko")
    assert result.file_format is None


def test_wider_data_rows_than_the_header_fall_back_to_the_tolerant_reader() -> None:
    lines = ["결제일시,이용업체명,금액", "2025-05-11 10:00,넥슨,1000,,,", "2025-05-11 11:00,넷마블,2000"]
    result = parse_file(csv_bytes(lines), "a.csv")
    assert result.errors == []
    assert [row.amount for row in result.rows] == [1000, 2000]


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("headers", "fields"),
    [
        (["가맹점명", "결제금액", "이용일시"], ("merchant", "amount", "occurred_at")),
        (["거래일시", "상호", "이용금액"], ("occurred_at", "merchant", "amount")),
        (["승인일시", "이용업체", "승인금액"], ("occurred_at", "merchant", "amount")),
        (["Date", "Merchant", "Amount"], ("occurred_at", "merchant", "amount")),
        (["datetime", " MERCHANT ", "amount"], ("occurred_at", "merchant", "amount")),
        (["결제 일시", "이용 업체명", "금액(원)"], ("occurred_at", "merchant", "amount")),
    ],
)
def test_header_variants_are_recognised(headers: list[str], fields: tuple[str, ...]) -> None:
    cells = {"occurred_at": "2025-05-11 14:23", "merchant": "넥슨", "amount": "1000"}
    row = ",".join(cells[f] for f in fields)
    result = parse_file(csv_bytes([",".join(headers), row]), "a.csv")
    assert result.errors == [], result.errors
    assert result.rows[0].merchant == "넥슨"


def test_optional_columns_english_headers() -> None:
    lines = [
        "date,merchant,amount,status,pg,product,service,category,bucket,carrier,external_id",
        "2025-05-11 14:23,Nexon Korea,1000,approved,Danal,Cash,Game,game,content,SKT,tx-1",
    ]
    row = one(lines)
    assert (row.pg, row.product, row.service) == ("Danal", "Cash", "Game")
    assert (row.category, row.bucket, row.carrier, row.external_id) == ("game", "content", "SKT", "tx-1")


def test_fields_description_for_the_mapping_ui() -> None:
    names = [f.name for f in FIELDS]
    assert set(REQUIRED_FIELDS) == {"occurred_at", "merchant", "amount"}
    assert {"status", "pg", "product", "service", "category", "bucket", "carrier", "external_id"} <= set(names)
    assert all(f.label for f in FIELDS)
    assert [f.name for f in FIELDS if f.required] == list(REQUIRED_FIELDS)


def test_unknown_headers_ask_for_a_mapping_then_the_mapping_is_used() -> None:
    lines = ["제목 없음", "A,B,C,D", "2025-05-11 14:23,넥슨,1000,메모", "2025-05-12 09:00,넷마블,2000,"]
    content = csv_bytes(lines)
    first = parse_file(content, "a.csv")
    assert first.needs_mapping and first.rows == []
    assert first.columns == ["A", "B", "C", "D"]
    assert first.sample_rows[0] == ["2025-05-11 14:23", "넥슨", "1000", "메모"]
    assert first.errors and first.errors[0].row == 0

    mapping = {"A": "occurred_at", "B": "merchant", "C": "amount", "D": ""}
    second = parse_file(content, "a.csv", mapping=mapping)
    assert second.errors == [] and not second.needs_mapping
    assert [r.merchant for r in second.rows] == ["넥슨", "넷마블"]
    assert second.mapping == {"A": "occurred_at", "B": "merchant", "C": "amount"}
    assert second.rows[0].source_row == 3


def test_mapping_overrides_the_automatic_choice() -> None:
    lines = ["결제일시,승인일시,이용업체명,금액", "2025-05-11 14:23,2025-05-12 08:00,넥슨,1000"]
    automatic = one(lines)
    assert automatic.occurred_at == kst(2025, 5, 11, 14, 23)
    chosen = one(lines, mapping={"승인일시": "occurred_at"})
    assert chosen.occurred_at == kst(2025, 5, 12, 8, 0)


def test_bad_mapping_is_reported() -> None:
    lines = ["A,B,C", "2025-05-11 14:23,넥슨,1000"]
    result = parse_file(csv_bytes(lines), "a.csv", mapping={"A": "when", "B": "merchant"})
    assert result.needs_mapping and result.rows == []
    messages = " ".join(error_text(e, "ko") for e in result.errors)
    assert "알 수 없는 항목" in messages and "필수 열" in messages
    twice = parse_file(csv_bytes(lines), "a.csv", mapping={"A": "merchant", "B": "merchant"})
    assert any("두 개" in error_text(e, "ko") for e in twice.errors)


def test_separate_date_and_time_columns_are_joined() -> None:
    row = one(["이용일자,이용시간,이용업체명,금액", "2025.05.11,14:23:05,넥슨,1000"])
    assert row.occurred_at == kst(2025, 5, 11, 14, 23, 5)
    content = xlsx_bytes([["date", "time", "merchant", "amount"], [date(2025, 5, 11), time(14, 23), "넥슨", 1000]])
    assert parse_file(content, "a.xlsx").rows[0].occurred_at == kst(2025, 5, 11, 14, 23)


# ---------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025.05.11 14:23:05", kst(2025, 5, 11, 14, 23, 5)),
        ("2025-05-11 14:23", kst(2025, 5, 11, 14, 23)),
        ("2025/05/11 오후 2:23", kst(2025, 5, 11, 14, 23)),
        ("2025/05/11 오전 12:05", kst(2025, 5, 11, 0, 5)),
        ("2025/05/11 오후 12:05", kst(2025, 5, 11, 12, 5)),
        ("20250511142305", kst(2025, 5, 11, 14, 23, 5)),
        ("2025-05-11", kst(2025, 5, 11)),
        ("2025.05.11", kst(2025, 5, 11)),
        ("20250511", kst(2025, 5, 11)),
        ("2025. 5. 11. 오후 2:23:05", kst(2025, 5, 11, 14, 23, 5)),
        ("2025년 5월 11일 14시 23분", kst(2025, 5, 11, 14, 23)),
        ("2025.05.11 (일) 14:23", kst(2025, 5, 11, 14, 23)),
        ("2025-05-11T05:23:05Z", kst(2025, 5, 11, 14, 23, 5)),
        ("2025-05-11 14:23:05.250000", kst(2025, 5, 11, 14, 23, 5) + timedelta(microseconds=250_000)),
    ],
)
def test_dates_are_kst_wall_time_converted_to_utc(text: str, expected: datetime) -> None:
    row = one(cell_row(date_text=text))
    assert row.occurred_at == expected
    assert row.occurred_at.tzinfo == UTC


def test_excel_serial_number_dates() -> None:
    content = xlsx_bytes([["결제일시", "이용업체명", "금액"], [45788.5, "넥슨", 1000], [20250511142305, "넥슨", 1000]])
    rows = parse_file(content, "a.xlsx").rows
    assert rows[0].occurred_at == kst(2025, 5, 11, 12, 0)
    assert rows[1].occurred_at == kst(2025, 5, 11, 14, 23, 5)


@pytest.mark.parametrize(
    "text", ["어제", "2025-13-01", "2025-02-30 10:00", "2025/05/11 오후 0:05", "1899-12-31", "14:23"]
)
def test_bad_dates_are_row_errors(text: str) -> None:
    result = parse_file(csv_bytes(cell_row(date_text=text)), "a.csv")
    assert result.rows == []
    assert [e.row for e in result.errors] == [2]
    assert "날짜" in error_text(result.errors[0], "ko")
    assert text in error_text(result.errors[0], "ko")


@pytest.mark.parametrize("text", ["0001-01-01", "0099-05-05 10:00", "9999-12-31", "2100-12-31 10:00",
                                  "1989-12-31 23:59", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_dates_outside_1990_to_tomorrow_are_row_errors_never_rewritten(text: str) -> None:
    result = parse_file(csv_bytes(cell_row(date_text=text)), "a.csv")
    assert result.rows == []
    assert [(e.row, e.key) for e in result.errors] == [(2, "import.err.date_range")]
    assert "1990-01-01" in error_text(result.errors[0], "ko") and text in error_text(result.errors[0], "ko")


@pytest.mark.month_edges
def test_a_history_row_may_be_dated_tomorrow_but_not_later(clock) -> None:
    today = datetime.now(KST).date()
    tomorrow, later = today + timedelta(days=1), today + timedelta(days=2)
    texts = [f"{today:%Y-%m-%d} 10:00", f"{tomorrow:%Y-%m-%d} 23:59", f"{later:%Y-%m-%d} 00:00", "1990-01-01 00:00"]
    for kind in ("fast", "slow"):  # a column of one format goes through pandas; mixed ones cell by cell
        column = texts if kind == "fast" else [texts[0], f"{tomorrow:%Y.%m.%d} 오후 11:59", f"{later:%Y%m%d}",
                                                      "1990.1.1 0:00"]
        result = parse_file(csv_bytes([HEADER, *(cell_row(date_text=text)[1] for text in column)]), "a.csv")
        assert [e.row for e in result.errors] == [4], kind
        assert result.errors[0].values["latest"] == tomorrow.isoformat()
        without = [text for k, text in enumerate(column) if k != 2]
        result = parse_file(csv_bytes([HEADER, *(cell_row(date_text=text)[1] for text in without)]), "a.csv")
        assert result.errors == [] and len(result.rows) == 3, kind


def test_fast_and_slow_date_paths_agree() -> None:
    texts = [
        "2025.05.11 14:23:05",
        "2025.5.1 1:02:03",
        "2025-05-11 14:23",
        "2025/05/11 14:23:05.123",
        "20250511142305",
        "202505111423",
        "2025-02-29 10:00",
        "2024-02-29 10:00",
        "2025-05-11 24:00",
        "2025/05/11 오후 2:23",
        "2025/05/11 오전 12:05",
        "2025/05/11 오전 13:05",
        "1989-12-31 23:59",
        " 2025-05-11 14:23 ",
        "2025-05-11 14:23:05+09:00",
        "2025-05-11T14:23:05",
        "2025511",
        "20250511",
        "2025-05-11",
        "2025.05.11",
    ]
    for sample in texts:  # each sample first, so it decides the fast format for the column
        column = pd.Series([sample, *texts], dtype=object)
        stamps, errors, _blank = parse_datetimes(column)
        for text, stamp, error in zip(column, stamps, errors, strict=True):
            moment, message = parse_datetime(text)
            if moment is None:
                assert error == message, text
            else:
                assert error is None, text
                assert pd.Timestamp(int(stamp), tz=UTC) == moment, text


@pytest.mark.parametrize(
    ("text", "amount", "status"),
    [
        ("12,300", 12300, "approved"),
        ("12,300원", 12300, "approved"),
        ("￦12,300", 12300, "approved"),
        ("12300.0", 12300, "approved"),
        ("12300", 12300, "approved"),
        ("-12,300", 12300, "cancelled"),
        ("-12,300원", 12300, "cancelled"),
        ("(12,300)", 12300, "cancelled"),
        (" 1,100 원 ", 1100, "approved"),
    ],
)
def test_amounts(text: str, amount: int, status: str) -> None:
    row = one(cell_row(amount=text, status=""))
    assert (row.amount, row.status) == (amount, status)


def test_won_sign_in_utf8() -> None:
    assert one(cell_row(amount="₩12,300")).amount == 12300


@pytest.mark.parametrize("text", ["abc", "12.5", "0", "1,2,3", "12,30", "₩", "1e5"])
def test_bad_amounts_are_row_errors(text: str) -> None:
    result = parse_file(csv_bytes(cell_row(amount=text)), "a.csv")
    assert result.rows == []
    assert [e.row for e in result.errors] == [2]
    assert "금액" in error_text(result.errors[0], "ko")


@pytest.mark.parametrize(
    ("text", "status", "partial"),
    [
        ("승인", "approved", False),
        ("정상", "approved", False),
        ("완료", "approved", False),
        ("approved", "approved", False),
        ("", "approved", False),
        ("취소", "cancelled", False),
        ("결제취소", "cancelled", False),
        ("cancelled", "cancelled", False),
        ("Canceled", "cancelled", False),
        ("부분취소", "cancelled", True),
        ("부분 취소", "cancelled", True),
        ("거절", "declined", False),
    ],
)
def test_statuses(text: str, status: str, partial: bool) -> None:
    row = one(cell_row(status=text))
    assert (row.status, row.partial) == (status, partial)


def test_unknown_status_is_an_error() -> None:
    result = parse_file(csv_bytes(cell_row(status="보류")), "a.csv")
    assert result.rows == [] and "상태" in error_text(result.errors[0], "ko")


def test_status_column_missing_means_approved() -> None:
    row = one(["결제일시,이용업체명,금액", "2025-05-11 14:23,넥슨,1000"])
    assert (row.status, row.partial, row.pg, row.product, row.carrier) == ("approved", False, None, None, None)


@pytest.mark.parametrize(
    ("text", "carrier"),
    [("KTF", "KT"), ("KT", "KT"), ("LGT", "LGU+"), ("LG U+", "LGU+"), ("SKT", "SKT"), ("알뜰폰", "MVNO"), ("", None)],
)
def test_carrier_codes(text: str, carrier: str | None) -> None:
    row = one(["결제일시,이용업체명,금액,통신사", f"2025-05-11 14:23,넥슨,1000,{text}"])
    assert row.carrier == carrier


def test_unknown_carrier_is_an_error() -> None:
    result = parse_file(csv_bytes(["결제일시,이용업체명,금액,통신사", "2025-05-11 14:23,넥슨,1000,Vodafone"]), "a")
    assert result.rows == [] and "통신사" in error_text(result.errors[0], "ko")


@pytest.mark.parametrize(
    ("value", "bucket", "pay_type"),
    [
        ("소액결제", "micropayment", None),
        ("휴대폰결제", "micropayment", None),
        ("콘텐츠이용료", "content", None),
        ("정보이용료", "content", None),
        ("자동", "micropayment", "recurring"),
        ("일반", "micropayment", "one_off"),
        ("", "micropayment", None),
    ],
)
def test_bucket_column_also_accepts_pay_types(value: str, bucket: str, pay_type: str | None) -> None:
    row = one(["결제일시,이용업체명,금액,구분", f"2025-05-11 14:23,넥슨,1000,{value}"])
    assert (row.bucket, row.pay_type) == (bucket, pay_type)


@pytest.mark.parametrize(
    ("merchant", "bucket"),
    [
        ("Google Play", "content"),
        ("구글플레이", "content"),
        ("App Store", "content"),
        ("애플코리아", "content"),
        ("ONE store", "content"),
        ("원스토어", "content"),
        ("(주)다날_넥슨", "micropayment"),
        ("쿠팡", "micropayment"),
    ],
)
def test_bucket_is_inferred_from_the_merchant(merchant: str, bucket: str) -> None:
    assert one(["결제일시,이용업체명,금액", f"2025-05-11 14:23,{merchant},1000"]).bucket == bucket


@pytest.mark.parametrize(
    ("merchant", "product", "category"),
    [
        ("(주)다날_넥슨", "", "game"),
        ("Google Play", "앱 내 구매", "app_store"),
        ("구글플레이", "구글 기프트카드", "app_store"),
        ("컬쳐랜드", "문화상품권", "gift_voucher"),
        ("다날", "문화상품권 5만원", "gift_voucher"),
        ("티머니", "교통카드 충전", "transport"),
        ("넷플릭스", "", "subscription"),
        ("쿠팡이츠", "", "delivery"),
        ("쿠팡플레이", "", "subscription"),
        ("쿠팡", "생활용품", "shopping"),
        ("이름없는가게", "", "other"),
    ],
)
def test_category_is_inferred_from_keywords(merchant: str, product: str, category: str) -> None:
    row = one(["결제일시,이용업체명,구매상품,금액", f"2025-05-11 14:23,{merchant},{product},1000"])
    assert row.category == category


@pytest.mark.parametrize(("value", "category"), [("게임", "game"), ("shopping", "shopping"), ("기타", "other")])
def test_category_column_wins(value: str, category: str) -> None:
    row = one(["결제일시,이용업체명,금액,분류", f"2025-05-11 14:23,넷플릭스,1000,{value}"])
    assert row.category == category


def test_text_is_kept_exactly_and_never_interpreted() -> None:
    nasty = "<img src=x onerror=alert(1)>"
    row = one(["결제일시,이용업체명,구매상품,금액", f'2025-05-11 14:23,"  {nasty} ",=1+1,1000'])
    assert row.merchant == nasty
    assert row.product == "=1+1"


def test_exporter_quote_is_removed_only_before_formula_characters() -> None:
    assert unescape("'=SUM(A1)") == "=SUM(A1)"
    assert unescape("'-2") == "-2"
    assert unescape("'abc") == "'abc"
    assert unescape("''=x") == "'=x"
    assert escape_formula("'=x") == "''=x"
    row = one(["결제일시,이용업체명,구매상품,금액", "2025-05-11 14:23,'@SUM(1),'plain,1000"])
    assert (row.merchant, row.product) == ("@SUM(1)", "'plain")


# ---------------------------------------------------------------- all or nothing


def test_every_problem_is_reported_with_its_row_and_no_rows_are_returned() -> None:
    lines = [
        "내역",
        HEADER,
        "2025.05.11 14:23:05,넥슨,다날,,,12300,승인",
        "2025.05.11 14:24:05,,다날,,,abc,승인",
        "어제,넷마블,,,,1000,보류",
        "2025.05.11 14:25:05,넷마블,,,,1000,승인",
    ]
    result = parse_file(csv_bytes(lines), "a.csv")
    assert result.rows == []
    assert [(e.row, error_text(e, "ko")) for e in result.errors] == [
        (4, "필수 값이 비어 있습니다: 이용업체명"),
        (4, "금액을 읽을 수 없습니다: 'abc'"),
        (5, "날짜 형식을 알 수 없습니다: '어제'"),
        (5, "상태를 알 수 없습니다: '보류' (승인/취소/부분취소 중 하나)"),
    ]


def test_missing_required_values() -> None:
    result = parse_file(csv_bytes([HEADER, ",넥슨,다날,,,1000,승인", "2025-05-11 10:00,넥슨,,,,,"]), "a.csv")
    assert [(e.row, error_text(e, "ko")) for e in result.errors] == [
        (2, "필수 값이 비어 있습니다: 결제일시"),
        (3, "필수 값이 비어 있습니다: 금액"),
    ]


def test_too_long_text_is_an_error() -> None:
    result = parse_file(csv_bytes(["결제일시,이용업체명,금액", f"2025-05-11 10:00,{'가' * 201},1000"]), "a.csv")
    assert result.rows == [] and "최대 200자" in error_text(result.errors[0], "ko")


# ---------------------------------------------------------------- merchant keys


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("(주)다날_넥슨", "넥슨"),
        ("넥슨코리아", "넥슨"),
        ("넥슨 코리아", "넥슨"),
        ("㈜넥슨코리아", "넥슨"),
        ("주식회사 넥슨", "넥슨"),
        ("넥슨(주)", "넥슨"),
        ("[KG모빌리언스] 넷마블", "넷마블"),
        ("KCP:쿠팡", "쿠팡"),
        ("Nexon Korea Corp.", "nexon"),
        ("NEXON", "nexon"),
        ("Google Play", "googleplay"),
        ("google play", "googleplay"),
        ("Costco", "costco"),
        ("코리아", "코리아"),
        ("다날", "다날"),
        ("", ""),
    ],
)
def test_merchant_key(name: str, key: str) -> None:
    assert merchant_key(name) == key


# ---------------------------------------------------------------- ids


def test_same_file_twice_gives_the_same_ids_and_identical_rows_stay_distinct() -> None:
    lines = [
        HEADER,
        *(["2025.05.11 14:23:05,넥슨,다날,캐시,,1100,승인"] * 3),
        "2025.05.11 14:23:05,넥슨,다날,캐시,,1100,취소",
    ]
    first = parse_file(csv_bytes(lines), "a.csv").rows
    again = parse_file(csv_bytes(lines, "cp949"), "b.csv").rows
    assert [r.external_id for r in first] == [r.external_id for r in again]
    assert len({r.external_id for r in first}) == 4


def test_overlapping_exports_share_ids() -> None:
    rows = [f"2025.05.{day:02d} 10:00:00,넥슨,다날,캐시,,1100,승인" for day in range(1, 6)]
    early = parse_file(csv_bytes([HEADER, *rows[:3]]), "a.csv").rows
    late = parse_file(csv_bytes(["다른 제목", HEADER, *rows[1:]]), "b.csv").rows
    assert [r.external_id for r in early[1:]] == [r.external_id for r in late[:2]]


def test_fingerprint_function_matches_the_bulk_computation() -> None:
    lines = [HEADER, "2025.05.11 14:23:05.5,넥슨,다날,,,1100,승인", "2025.05.11 14:23:05.5,넥슨,다날,,,1100,승인"]
    rows = parse_file(csv_bytes(lines), "a.csv").rows
    for occurrence, row in enumerate(rows):
        expected = fingerprint(row.occurred_at, row.merchant, row.amount, row.status, row.product, occurrence)
        assert row.external_id == expected


def test_id_column_is_used_and_repeats_are_made_unique() -> None:
    lines = [
        "결제일시,이용업체명,금액,상태,승인번호",
        *[f"2025-05-11 10:0{i},넥슨,1000,{s},A1" for i, s in enumerate(["승인", "취소"])],
    ]
    lines.append("2025-05-11 10:05,넥슨,1000,승인,")
    rows = parse_file(csv_bytes(lines), "a.csv").rows
    assert [r.external_id for r in rows[:2]] == ["A1", "A1#2"]
    assert len(rows[2].external_id) == 40


def test_bulk_construction_equals_the_constructor() -> None:
    values = [kst(2025, 5, 11), "넥슨", "넥슨", None, None, None, "game", "micropayment", 1000, "approved"]
    values += [False, "x", None, 2, None]
    [bulk] = ImportedRow.bulk([[v] for v in values])
    direct = ImportedRow(*values)
    assert bulk == direct and hash(bulk) == hash(direct) and repr(bulk) == repr(direct)
    with pytest.raises(dataclasses.FrozenInstanceError):
        bulk.amount = 1  # type: ignore[misc]


def test_parse_result_summary_has_no_cell_contents() -> None:
    result = parse_file(csv_bytes(cell_row()), "a.csv")
    assert result.ok
    assert result.summary() == {"rows": 1, "errors": 0, "needs_mapping": False, "format": "csv", "encoding": "utf-8"}
    row = result.rows[0]
    assert type(row.amount) is int and type(row.source_row) is int and type(row.partial) is bool
