"""The dispute pack as an A4 PDF (fpdf2), Korean in the embedded Noto Sans CJK KR subset (assets/fonts). Pure.

What the carrier, the gateway and the police ask for: the masked line, when it was blocked, each charge (KST
time, merchant, gateway, product, amount, status and cancellation window), the alerts raised, where to send
it, and the provider's two-week answer duty (정보통신망법 58조③; docs/disputes.md).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from fpdf import FPDF, FontFace

from dashboard.alerts.text import kind_label
from dashboard.disputes.model import DisputePack, PackCharge
from dashboard.text.cancellation import carrier_name, day_text, full_day_text, window_badge
from dashboard.text.carriers import CONTACTS, pg_phone
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import to_kst

FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "NotoSansCJKkr-Hangul.ttf"
FAMILY = "NotoSansKR"
ANSWER_DAYS = 14  # 정보통신망법 58조③: the outcome within two weeks of the claim
GREY, RULE, HEAD_FILL = (90, 90, 90), (180, 180, 180), (235, 235, 235)
CHARGE_COLUMNS = (("tx.col.when", 26), ("tx.col.merchant", 34), ("tx.col.pg", 24), ("tx.col.product", 42),
                  ("tx.col.amount", 22), ("tx.col.status", 42))
ALERT_COLUMNS = (("tx.col.when", 26), ("disputes.doc.alert_kind", 32), ("disputes.doc.alert_text", 132))


class _Doc(FPDF):
    def __init__(self, lang: str, font: Path) -> None:
        super().__init__(format="A4")
        self.lang = lang
        self.add_font(FAMILY, "", str(font))
        self.set_font(FAMILY, size=10)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(10, 12, 10)
        self.set_lang(lang)
        self.set_creator("Microbill")
        self.glyphs = set(self.current_font.cmap)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.fit(t("disputes.doc.footer", self.lang)), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, t("disputes.doc.page", self.lang, page=self.page_no()), align="R")
        self.set_text_color(0)

    def fit(self, text: object) -> str:
        """Text the font can draw: a character it lacks (Hanja, emoji) becomes "?", control characters but
        newlines a space, so nothing is dropped silently (the CSV keeps the exact text)."""
        out = []
        for char in unicodedata.normalize("NFC", "" if text is None else str(text)):
            if char == "\n":
                out.append(char)
            elif unicodedata.category(char).startswith("C"):
                out.append(" ")
            else:
                out.append(char if ord(char) in self.glyphs else "?")
        return "".join(out)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FAMILY, size=12)
        self.multi_cell(0, 7, self.fit(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, size=9)

    def paragraph(self, text: str, size: float = 9) -> None:
        self.set_font(FAMILY, size=size)
        self.multi_cell(0, 5, self.fit(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def grid(self, columns: tuple[tuple[str, int], ...], rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
        self.set_font(FAMILY, size=8.5)
        self.set_draw_color(*RULE)
        align = tuple("RIGHT" if i in right else "LEFT" for i in range(len(columns)))
        with self.table(col_widths=tuple(w for _k, w in columns), text_align=align, line_height=4.6,
                        headings_style=FontFace(emphasis="", fill_color=HEAD_FILL), padding=1) as table:
            table.row([self.fit(t(key, self.lang)) for key, _w in columns])
            for cells in rows:
                table.row([self.fit(cell) for cell in cells])
        self.set_draw_color(0)


def pack_pdf(pack: DisputePack, lang: str = "ko", font: Path = FONT) -> bytes:
    doc = _Doc(lang, font)
    doc.set_title(t("disputes.doc.title", lang))
    doc.set_creation_date(pack.prepared_at)
    doc.add_page()
    _title(doc, pack)
    _line(doc, pack)
    doc.heading(t("disputes.doc.charges", lang, count=len(pack.charges), total=won(pack.total)))
    doc.grid(CHARGE_COLUMNS, [_charge_cells(c, lang) for c in pack.charges], right=(4,))
    doc.heading(t("disputes.doc.alerts", lang))
    if pack.alerts:
        doc.grid(ALERT_COLUMNS, [[_when(a.created_at), kind_label(a.kind, lang), a.text] for a in pack.alerts])
    else:
        doc.paragraph(t("disputes.doc.no_alerts", lang))
    doc.heading(t("disputes.doc.contacts", lang))
    doc.grid((("disputes.doc.whom", 52), ("disputes.doc.how", 138)), _contacts(pack, lang))
    doc.heading(t("disputes.doc.duty_title", lang))
    due = to_kst(pack.prepared_at).date() + timedelta(days=ANSWER_DAYS)
    doc.paragraph(t("disputes.doc.duty", lang, date=full_day_text(due, lang)))
    return bytes(doc.output())


def _when(moment: datetime) -> str:
    return to_kst(moment).strftime("%Y-%m-%d %H:%M")


def _title(doc: _Doc, pack: DisputePack) -> None:
    doc.set_font(FAMILY, size=16)
    doc.multi_cell(0, 9, doc.fit(t("disputes.doc.title", doc.lang)), align="L", new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(*GREY)
    doc.paragraph(t("disputes.doc.subtitle", doc.lang))
    doc.set_text_color(0)
    doc.ln(2)


def _line(doc: _Doc, pack: DisputePack) -> None:
    lang = doc.lang
    number = f"{pack.number_masked} ({pack.nickname})" if pack.nickname else pack.number_masked
    blocks = [t("disputes.doc.blocked", lang, time=_when(b.at), reason=_reason(b.reason, lang)) if b.blocked
              else t("disputes.doc.unblocked", lang, time=_when(b.at)) for b in pack.blocks]
    facts = (("disputes.doc.prepared", f"{_when(pack.prepared_at)} (KST)"), ("disputes.doc.line", number),
             ("disputes.doc.carrier", carrier_name(pack.carrier, lang)),
             ("disputes.doc.line_status", " · ".join(blocks) or t("disputes.doc.never_blocked", lang)))
    for key, value in facts:
        doc.set_font(FAMILY, size=9)
        doc.set_text_color(*GREY)
        doc.cell(28, 5.5, doc.fit(t(key, lang)))
        doc.set_text_color(0)
        doc.multi_cell(0, 5.5, doc.fit(value), align="L", new_x="LMARGIN", new_y="NEXT")


def _reason(reason: str | None, lang: str) -> str:
    try:
        return t(f"block.reason.{reason}", lang)
    except KeyError:
        return reason or "-"


def _charge_cells(charge: PackCharge, lang: str) -> list[str]:
    status = t(f"disputes.status.{charge.status}", lang)
    if charge.window is not None and charge.window.is_open:
        status += f"\n{window_badge(charge.window, lang)} · {day_text(charge.window.last_day, lang)}"
    return [_when(charge.occurred_at), charge.merchant, charge.pg or "-", charge.product or "-", won(charge.amount),
            status]


def _contacts(pack: DisputePack, lang: str) -> list[list[str]]:
    """The carrier, each gateway of the charges (app-store charges: the store), the police."""
    contacts = CONTACTS.get(pack.carrier, CONTACTS["MVNO"])
    numbers = [t(key, lang, number=number) for key, number in (
        ("block.hotline", contacts.hotline), ("block.landline", contacts.landline),
        ("block.loss_theft", contacts.loss_theft)) if number]
    rows = [[t("disputes.doc.contact_carrier", lang, carrier=carrier_name(pack.carrier, lang)),
             " · ".join(numbers) or t("block.mvno", lang)]]
    pgs = list(dict.fromkeys(c.pg for c in pack.charges))
    for pg in (pg for pg in pgs if pg):
        known = pg_phone(pg)
        rows.append([t("disputes.doc.contact_pg", lang, pg=known[0] if known else pg),
                     known[1] if known else t("disputes.doc.phone_unknown", lang)])
    if None in pgs or "" in pgs:
        rows.append([t("disputes.doc.app_store", lang), t("disputes.doc.app_store_how", lang)])
    rows.append([t("disputes.doc.contact_police", lang), t("disputes.doc.police_how", lang)])
    return rows
