"""The words for a charge's cancellation window (data/cancellation_window.py) and the steps for a charge the
user did not make: the gateway's and the carrier's numbers (dashboard/text/carriers.py), the police report."""

from __future__ import annotations

from datetime import date

from dashboard.text.carriers import CONTACTS, pg_phone
from dashboard.text.i18n import t
from data.cancellation_window import CancelWindow

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not locale's


def day_text(day: date, lang: str) -> str:
    """11월 30일 / Nov 30."""
    return t("disputes.date", lang, month=day.month, day=day.day, mon=_MONTHS[day.month - 1])


def full_day_text(day: date, lang: str) -> str:
    """2026년 12월 2일 / Dec 2, 2026."""
    return t("disputes.date_full", lang, year=day.year, month=day.month, day=day.day, mon=_MONTHS[day.month - 1])


def window_badge(window: CancelWindow, lang: str) -> str:
    """The grid's short form: "12일 남음", "오늘까지", "환불만 가능"."""
    if not window.is_open:
        return t("disputes.window.closed", lang)
    if window.days_left == 0:
        return t("disputes.window.today", lang)
    return t("disputes.window.days", lang, days=window.days_left)


def window_sentence(window: CancelWindow, lang: str) -> str:
    """The whole story in one sentence, with the date."""
    if not window.is_open:
        return t("disputes.window.closed_sentence", lang, month=window.month)
    if window.days_left == 0:
        return t("disputes.window.today_sentence", lang, date=day_text(window.last_day, lang))
    return t("disputes.window.open_sentence", lang, date=day_text(window.last_day, lang), days=window.days_left)


def carrier_name(carrier: str, lang: str) -> str:
    return t(f"block.carrier.{carrier}", lang) if carrier in CONTACTS else carrier


def pg_steps(pgs: list[str | None], lang: str) -> list[str]:
    """One step per gateway (app-store charges have none: their refund goes through the store)."""
    steps: list[str] = []
    for pg in dict.fromkeys(pgs):  # in order, once each
        if not pg:
            step = t("disputes.step.app_store", lang)
        elif (known := pg_phone(pg)) is not None:
            step = t("disputes.step.pg", lang, pg=known[0], phone=known[1])
        else:
            step = t("disputes.step.pg_unknown", lang, pg=pg)
        if step not in steps:
            steps.append(step)
    return steps


def fraud_steps(carrier: str, pgs: list[str | None], lang: str) -> list[str]:
    """What to do, in order, about charges the user did not make on a line of `carrier`."""
    contacts = CONTACTS.get(carrier, CONTACTS["MVNO"])
    carrier_step = (t("disputes.step.carrier", lang, carrier=carrier_name(carrier, lang), phone=contacts.hotline)
                    if contacts.hotline else t("disputes.step.carrier_mvno", lang))
    return [*pg_steps(pgs, lang), carrier_step, t("disputes.step.police", lang), t("disputes.step.pack", lang)]
