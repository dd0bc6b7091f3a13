"""The subscriptions page (/subscriptions): each subscription found in the line's history with its price
history and how to cancel it, this month's calendar of charges, and the user's marks. Pure: it renders
dashboard.services.subscriptions.subscriptions_of's plain data."""

from __future__ import annotations

import calendar
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from layouts.components import section
from layouts.forecast import short_date

MARK = "subscription-mark"  # pattern-matching button type; the id carries the merchant and the mark
UNDO = "none"


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("subscriptions.title", lang), className="h4 mb-2"),
            html.P(t("subscriptions.intro", lang), className="text-body-secondary"),
            html.Div(id="subscriptions-feedback", role="status", **{"aria-live": "polite"}),
            dcc.Store(id="subscriptions-refresh", data=0),
            html.Div(id="subscriptions-body"),
        ],
        className="subscriptions-page",
    )


def body(data: dict, lang: str) -> html.Div:
    """data: subscriptions_of(...)."""
    listing = [_item(item, data, lang) for item in data["items"]]
    if not listing:
        listing = [html.P(t("subscriptions.none", lang), className="mb-1"),
                   html.P(t("subscriptions.none_hint", lang), className="small text-body-secondary")]
    heading = html.Div(
        [html.Span(t("subscriptions.count", lang, n=len(data["items"])), className="me-3"),
         html.Span(t("subscriptions.yearly_total", lang, amount=won(data["yearly_total"])),
                   className="fw-semibold amount", id="subscriptions-yearly-total")],
        className="d-flex flex-wrap mb-3",
    )
    return html.Div(dbc.Row(
        [dbc.Col([heading, html.Div(listing, className="subscription-list"), _not_subscriptions(data, lang)],
                 xs=12, lg=8),
         dbc.Col(section(_calendar_title(data["month"], lang), _calendar(data, lang), id="subscriptions-calendar"),
                 xs=12, lg=4)],
        className="g-3",
    ))


def feedback(changed: bool, lang: str) -> dbc.Alert:
    key = "subscriptions.marked" if changed else "subscriptions.unchanged"
    return dbc.Alert(t(key, lang), color="success" if changed else "secondary", dismissable=True)


def refused(key: str, lang: str) -> dbc.Alert:
    return dbc.Alert(t(key, lang), color="danger", dismissable=True)


# ---- one subscription ----------------------------------------------------------------------------

def _item(item: dict, data: dict, lang: str) -> dbc.Card:
    merchant = item["merchant"]
    badges = [dbc.Badge(t(f"subscriptions.cadence.{item['cadence']}", lang), color="primary", className="me-1")]
    if item["mark"] == "cancelled":
        badges.append(dbc.Badge(t("subscriptions.cancelled", lang), color="secondary", className="me-1"))
    elif not item["active"]:
        badges.append(dbc.Badge(t("subscriptions.stopped", lang), color="secondary", className="me-1"))
    title = html.Div(
        [html.H2(merchant, className="h6 mb-0 me-2 text-break user-text"), *badges,
         html.Span(t(f"subscriptions.price.{item['cadence']}", lang, amount=won(item["amount"])),
                   className="ms-auto fw-semibold amount text-nowrap")],
        className="d-flex flex-wrap align-items-center gap-1 mb-2",
    )
    cancelled = item["mark"] == "cancelled"
    return dbc.Card(dbc.CardBody([
        title, _facts(item, lang), *_prices(item, lang), _how_to_cancel(item, data, lang),
        _buttons(merchant, cancelled, lang),
    ]), className="mb-3 shadow-sm subscription-item" + (" subscription-cancelled" if cancelled else ""))


def _facts(item: dict, lang: str) -> html.Dl:
    pg = html.Span(item["pg"], className="user-text") if item["pg"] else t("subscriptions.pg_none", lang)
    nxt = short_date(item["next_date"], lang) if item["next_date"] else t("subscriptions.next_none", lang)
    facts = [
        ("subscriptions.pg", pg),
        ("subscriptions.first", _long_date(item["first"], lang)),
        ("subscriptions.last", _long_date(item["last"], lang)),
        ("subscriptions.next", nxt),
        ("subscriptions.yearly", html.Span(won(item["yearly_cost"]), className="amount")),
    ]
    cells = []
    for key, value in facts:
        cells += [html.Dt(t(key, lang), className="col-5 col-sm-3 fw-normal text-body-secondary"),
                  html.Dd(value, className="col-7 col-sm-9 mb-1")]
    return html.Dl(cells, className="row small mb-2")


def _prices(item: dict, lang: str) -> list[html.P]:
    """Price changes (a rise stands out), and a charge at a new price still to be confirmed."""
    out = []
    for change in item["changes"]:
        rise = change["new"] > change["old"]
        key = "subscriptions.price_rise" if rise else "subscriptions.price_drop"
        text = t(key, lang, date=_long_date(change["on"], lang), old=won(change["old"]), new=won(change["new"]))
        out.append(html.P(text, className="small mb-1 price-change " + ("text-danger-emphasis fw-semibold" if rise
                                                                        else "text-body-secondary")))
    if item["pending"]:
        pending = item["pending"]
        out.append(html.P(t("subscriptions.pending", lang, date=short_date(pending["on"], lang),
                            amount=won(pending["amount"])), className="small mb-1 text-warning-emphasis"))
    return out


def _how_to_cancel(item: dict, data: dict, lang: str) -> html.Details:
    steps: list = [t(f"subscriptions.store.{item['store']}", lang)] if item["store"] else [
        t("subscriptions.merchant_site", lang)]
    if item["pg"]:  # the PG's name is the charge's own descriptor: user data
        steps.append([t("subscriptions.pg_contact", lang), " ", html.Span(item["pg"], className="user-text"),
                      f" {item['pg_phone']}" if item["pg_phone"] else ""])
    steps += _carrier_steps(data, lang)
    return html.Details(
        [html.Summary(t("subscriptions.how_to_cancel", lang), className="small fw-semibold"),
         html.Ol([html.Li(step) for step in steps], className="small mb-0 mt-1 ps-3")],
        className="mb-2 how-to-cancel",
    )


def _carrier_steps(data: dict, lang: str) -> list[str]:
    phones = [t("subscriptions.hotline", lang, number=data["carrier_hotline"])] if data["carrier_hotline"] else []
    if data["carrier_landline"]:
        phones.append(t("subscriptions.landline", lang, number=data["carrier_landline"]))
    if not phones:
        return [t("subscriptions.carrier_mvno", lang)]
    carrier = t(f"block.carrier.{data['carrier']}", lang)
    steps = [t("subscriptions.carrier_contact", lang, carrier=carrier, phones=", ".join(phones))]
    return steps + ([t("subscriptions.skt_next_month", lang)] if data["carrier"] == "SKT" else [])


def _buttons(merchant: str, marked: bool, lang: str) -> html.Div:
    if marked:
        buttons = [_button(merchant, UNDO, "subscriptions.undo", lang, "outline-secondary")]
    else:
        buttons = [_button(merchant, "cancelled", "subscriptions.mark_cancelled", lang, "outline-secondary"),
                   _button(merchant, "not_subscription", "subscriptions.mark_not", lang, "outline-secondary")]
    return html.Div(buttons, className="d-flex flex-wrap gap-2")


def _button(merchant: str, mark: str, key: str, lang: str, color: str) -> html.Button:
    # The merchant travels in the id (a JSON value, never markup); the service re-checks the line.
    label_key = "subscriptions.undo_label" if mark == UNDO else f"{key}_label"
    return html.Button(t(key, lang), id={"type": MARK, "merchant": merchant, "mark": mark}, n_clicks=0,
                       type="button", className=f"btn btn-sm btn-{color}",
                       **{"aria-label": t(label_key, lang, merchant=merchant)})


def _not_subscriptions(data: dict, lang: str) -> html.Div | None:
    if not data["not_subscriptions"]:
        return None
    rows = [html.Li([html.Span(m, className="text-break user-text"),
                     _button(m, UNDO, "subscriptions.undo", lang, "link")],
                    className="list-group-item d-flex align-items-center justify-content-between px-0 not-item")
            for m in data["not_subscriptions"]]
    return html.Div([html.H2(t("subscriptions.not_subscriptions", lang), className="h6 mt-2 mb-2"),
                     html.Ul(rows, className="list-group list-group-flush small")])


# ---- this month's calendar -----------------------------------------------------------------------

def _calendar_title(month: str, lang: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return t("subscriptions.calendar", lang, month=number, month_name=f"{calendar.month_name[number]} {year}")


def _calendar(data: dict, lang: str) -> html.Div:
    entries = data["calendar"]
    by_day: dict[int, list[dict]] = {}
    for entry in entries:
        by_day.setdefault(date.fromisoformat(entry["date"]).day, []).append(entry)
    year, month = (int(part) for part in data["month"].split("-"))
    today = date.fromisoformat(data["today"])
    weeks = calendar.Calendar(firstweekday=6).monthdayscalendar(year, month)  # weeks start on Sunday
    head = html.Thead(html.Tr([html.Th(day, scope="col", className="text-center small fw-normal")
                               for day in t("subscriptions.weekdays", lang).split(",")]))
    rows = [html.Tr([_day_cell(day, by_day.get(day, []), day == today.day and today.month == month, lang)
                     for day in week]) for week in weeks]
    grid = html.Table([html.Caption(t("subscriptions.calendar_caption", lang), className="visually-hidden"),
                       head, html.Tbody(rows)], className="table table-sm table-borderless mb-2 subscription-calendar")
    listing = [_entry(entry, lang) for entry in entries] or [
        html.Li(t("subscriptions.calendar_none", lang), className="list-group-item px-0 text-body-secondary")]
    return html.Div([grid, html.Ul(listing, className="list-group list-group-flush small calendar-entries")])


def _day_cell(day: int, entries: list[dict], today: bool, lang: str) -> html.Td:
    if day == 0:
        return html.Td("")
    classes = "text-center p-1 rounded" + (" border border-primary" if today else "")
    if not entries:
        return html.Td(str(day), className=classes + " text-body-secondary")
    upcoming = any(not e["paid"] for e in entries)
    return html.Td(
        [html.Span(str(day), **{"aria-hidden": "true"}),
         html.Span("•" * min(len(entries), 3), className="d-block lh-1", **{"aria-hidden": "true"}),
         html.Span(t("subscriptions.calendar_day", lang, day=day, n=len(entries)), className="visually-hidden")],
        className=classes + (" bg-primary-subtle fw-semibold" if upcoming else " bg-body-secondary"),
    )


def _entry(entry: dict, lang: str) -> html.Li:
    state = t("subscriptions.paid" if entry["paid"] else "subscriptions.expected", lang)
    return html.Li(
        [html.Span(short_date(entry["date"], lang), className="me-2 text-nowrap"),
         html.Span(entry["merchant"], className="text-break user-text me-2"),
         html.Span(won(entry["amount"]), className="ms-auto amount text-nowrap me-2"),
         dbc.Badge(state, color="secondary" if entry["paid"] else "primary", className="calendar-state")],
        className="list-group-item d-flex align-items-center px-0 calendar-entry"
                  + (" text-body-secondary" if entry["paid"] else ""),
    )


def _long_date(iso: str, lang: str) -> str:
    day = date.fromisoformat(iso)
    return t("subscriptions.date_long", lang, year=day.year, month=day.month, day=day.day)
