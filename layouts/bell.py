"""The notification bell in the top bar (every page), its side panel, and alert list items. Pure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from layouts.disputes import alert_parts

REFRESH_MS = 10_000  # the bell polls this often; it also refreshes on navigation and on read marks
KIND_COLORS = {"fraud_burst": "danger", "blocked_attempt": "danger", "large_charge": "warning",
               "budget_threshold": "primary", "forecast_over_budget": "info", "new_merchant": "secondary",
               "import_summary": "secondary"}


def bell_button(lang: str) -> html.Button:
    label = t("alerts.bell", lang)
    return html.Button(
        [html.Span(className="bell-icon", **{"aria-hidden": "true"}),
         html.Span("", id="bell-count", className="badge rounded-pill text-bg-danger bell-badge d-none")],
        id="bell-button", type="button", className="btn btn-sm btn-outline-secondary position-relative bell-button",
        title=label, **{"aria-label": label},
    )


def bell_panel(lang: str) -> html.Div:
    """The list the bell opens, the poll interval and a version counter bumped by every read mark."""
    return html.Div(
        [
            dbc.Offcanvas(
                [
                    html.Div(id="bell-list", className="mb-3"),
                    html.Div(
                        [dbc.Button(t("alerts.mark_all_read", lang), id="bell-read-all", color="secondary",
                                    outline=True, size="sm"),
                         dbc.Button(t("alerts.bell_all", lang), href="/alerts", id="bell-see-all",
                                    color="link", size="sm")],
                        className="d-flex flex-wrap gap-2 align-items-center",
                    ),
                ],
                id="bell-panel", title=t("alerts.bell", lang), placement="end", is_open=False, scrollable=True,
            ),
            dcc.Interval(id="bell-interval", interval=REFRESH_MS),
            dcc.Store(id="alerts-version", data=0),
        ]
    )


def alert_item(item: dict, lang: str, button_type: str) -> html.Div:
    """One alert: kind badge, time (KST), line, text and — while unread — a "mark read" button.

    `item` holds display-ready strings (callbacks build it); the text is untrusted (merchant names)
    and is rendered as text only."""
    read = item["read"]
    button = [] if read else [
        html.Span(t("alerts.unread", lang), className="visually-hidden"),
        dbc.Button(t("alerts.mark_read", lang), id={"type": button_type, "index": item["id"]}, color="secondary",
                   outline=True, size="sm", className="ms-auto py-0 alert-read-button")]
    head = html.Div(
        [dbc.Badge(item["kind_label"], color=KIND_COLORS.get(item["kind"], "secondary"), className="me-2"),
         html.Small(item["time"], className="text-body-secondary me-2"),
         html.Small(item["line"], className="text-body-secondary text-truncate me-2"),
         *button],
        className="d-flex align-items-center flex-wrap gap-1 mb-1",
    )
    return html.Div(
        [head, html.P(item["text"], className="mb-0 alert-text"), *alert_parts(item, lang)],
        className="list-group-item" + ("" if read else " list-group-item-unread"),
        **{"data-alert-id": str(item["id"]), "data-kind": item["kind"], "data-read": "1" if read else "0"},
    )


def alert_list(items: list[dict], lang: str, button_type: str, empty_key: str) -> html.Div:
    if not items:
        return html.P(t(empty_key, lang), className="text-body-secondary mb-0 alerts-empty")
    return html.Div([alert_item(item, lang, button_type) for item in items], className="list-group alert-list")


def badge(count: int, lang: str) -> tuple[str, str, str]:
    """The bell's (count text, badge class, aria-label) for `count` unread alerts."""
    badge_class = "badge rounded-pill text-bg-danger bell-badge" + ("" if count else " d-none")
    label = t("alerts.bell_unread", lang, count=count) if count else t("alerts.bell", lang)
    return (str(count) if count < 100 else "99+") if count else "", badge_class, label


def banners(urgent: int, over: list, lang: str) -> list:
    """A red banner while possible-fraud alerts are unread, an amber one while lines' spending this month has
    reached their budget (`over`: items with line_id, line, used, budget)."""
    out = []
    if urgent:
        out.append(dbc.Alert(
            [html.Span(t("alerts.banner_fraud", lang, count=urgent), className="me-2"),
             dcc.Link(t("alerts.banner_see", lang), href="/alerts", className="alert-link")],
            color="danger", id="alerts-banner-fraud", className="d-flex flex-wrap align-items-center"))
    if over:
        lines = [html.Div(t("alerts.banner_budget", lang, line=item.line, used=won(item.used), budget=won(item.budget)),
                          **{"data-line-id": str(item.line_id)}) for item in over]
        out.append(dbc.Alert(
            [html.Div(lines, className="me-2"),
             dcc.Link(t("nav.budget", lang), href="/budget", className="alert-link")],
            color="warning", id="alerts-banner-budget", className="d-flex flex-wrap align-items-center"))
    return out
