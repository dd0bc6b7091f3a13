"""The dispute pack's files from plain data (dashboard/disputes): the PDF embeds the vendored Korean font, reads
back with pypdf, survives characters the font lacks and many pages; the CSV keeps the exact text, escaped."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from pypdf import PdfReader

from dashboard.disputes.csv_file import pack_csv
from dashboard.disputes.model import BlockEvent, DisputePack, PackAlert, PackCharge
from dashboard.disputes.pdf import FONT, pack_pdf
from data.cancellation_window import cancel_window
from data.vocab import KST

NOW = datetime(2026, 11, 18, 14, 0, tzinfo=KST)


def pack(charges: list[PackCharge], carrier: str = "SKT") -> DisputePack:
    return DisputePack(
        line_id=7, number_masked="010-****-1234", nickname="", carrier=carrier, line_status="blocked",
        charges=tuple(charges),
        alerts=(PackAlert(NOW - timedelta(hours=9), "fraud_burst", "새벽 결제 3건", (1, 2)),),
        blocks=(BlockEvent(NOW - timedelta(hours=8), True, "fraud"), BlockEvent(NOW - timedelta(hours=1), False)),
        prepared_at=NOW)


def charge(i: int, merchant: str = "컬쳐랜드", amount: int = 10_000, pg: str | None = "다날") -> PackCharge:
    at = NOW - timedelta(hours=10, minutes=-i)
    return PackCharge(i, at, merchant, pg, "모바일문화상품권", amount, "approved", f"ext-{i}", cancel_window(at, NOW))


def text_of(body: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(body))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_font_is_vendored_small_and_embedded():
    assert FONT.exists() and FONT.stat().st_size < 6_000_000
    assert (FONT.parent / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1
    reader, _ = text_of(pack_pdf(pack([charge(1)])))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descendant = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    assert "NotoSansCJKKR" in descendant["/BaseFont"]
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # the glyphs travel with the file


def test_characters_the_font_lacks_show_as_question_marks_not_nothing():
    _, text = text_of(pack_pdf(pack([charge(1, "漢字상점😀"), charge(2, "탭\t문자")])))
    assert "??상점?" in text and "탭 문자" in text
    rows = list(csv.reader(io.StringIO(pack_csv(pack([charge(1, "漢字상점😀")])).decode("utf-8-sig"))))
    assert rows[1][4] == "漢字상점😀"  # the CSV keeps the exact text


def test_two_hundred_charges_run_over_pages_with_numbers():
    reader, text = text_of(pack_pdf(pack([charge(i, f"가맹점{i}", 1_000 + i) for i in range(200)])))
    assert len(reader.pages) > 3
    assert "1쪽" in text and f"{len(reader.pages)}쪽" in text
    assert "가맹점0" in text and "가맹점199" in text and "1,199원" in text
    assert "200건 · 청구(예정) 금액 219,900원" in text


def test_contacts_follow_the_carrier_and_the_gateways_and_english_reads_english():
    body = pack_pdf(pack([charge(1, pg="KG모빌리언스"), charge(2, pg=None), charge(3, pg="어딘가페이")]), "en")
    _, text = text_of(body)
    assert "Phone micropayment dispute pack" in text
    assert "1599-0011" in text and "080-011-6000" in text  # SKT's landline and loss/theft numbers
    assert "KG모빌리언스 1800-0678" in text and "number unknown" in text and "App-store charges" in text
    assert "Blocked 2026-11-18 06:00 (fraud) · Unblocked 2026-11-18 13:00" in text
    assert "Dec 2, 2026" in text  # two weeks from the day it was made


def test_csv_escapes_formulas_and_repeats_the_line_on_every_row():
    rows = list(csv.DictReader(io.StringIO(
        pack_csv(pack([charge(1, "=HYPERLINK(\"x\")"), charge(2)])).decode("utf-8-sig"))))
    assert rows[0]["이용업체명"] == "'=HYPERLINK(\"x\")"
    assert {r["회선"] for r in rows} == {"010-****-1234"} and {r["통신사"] for r in rows} == {"SKT"}
    assert rows[0]["관련 알림"] == "부정결제 의심" and rows[1]["관련 알림"] == "부정결제 의심"
    assert {r["회선 차단 일시"] for r in rows} == {"2026-11-18 06:00:00"}
