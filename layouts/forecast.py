"""The overview's forecast card: next bill with its 80% range, due date, limit risk in one sentence,
and the recurring charges still due this month (each can be marked as cancelled)."""

from __future__ import annotations

from datetime import date

from dash import html

from dashboard.text.formatting import won
from dashboard.text.i18n import t

EXCLUDE, INCLUDE = "recurring-exclude", "recurring-include"  # pattern-matching button types


def short_date(iso: str, lang: str) -> str:
    day = date.fromisoformat(iso)
    return t("forecast.date", lang, month=day.month, day=day.day)


def risk_sentence(fc: dict, lang: str) -> html.P | None:
    """One plain sentence about the limit, or None when the line has no limit."""
    if fc.get("line_status") == "blocked":
        return html.P(t("forecast.blocked", lang), className="forecast-risk mb-2 fw-semibold text-secondary-emphasis",
                      role="status")
    if fc.get("limit") is None:
        return None
    hit = fc.get("limit_hit_date")
    if hit and fc["spent_to_date"] >= fc["limit"]:
        text, tone = t("forecast.hit_already", lang, day=date.fromisoformat(hit).day), "danger"
    elif hit:
        text, tone = t("forecast.hit_coming", lang, day=date.fromisoformat(hit).day), "danger"
    elif fc.get("exceed_likely"):
        text, tone = t("forecast.risk", lang, pct=round(fc["p_exceed_limit"] * 100)), "warning"
    else:
        text, tone = t("forecast.safe", lang), "success"
    return html.P(text, className=f"forecast-risk mb-2 fw-semibold text-{tone}-emphasis", role="status")


def budget_bar(fc: dict, lang: str) -> html.Div | None:
    """The month's budget against what is spent and what is expected: a bar spent (solid) + still expected
    (striped), and "예산 초과 예상" as soon as the forecast passes the budget — not only once it is spent."""
    budget = fc.get("budget")
    if not budget:
        return None
    spent, expected = fc["spent_to_date"], max(fc["expected"], fc["spent_to_date"])
    scale = max(budget, expected)
    over = expected > budget
    bars = [html.Div(className="progress-bar bg-primary", style={"width": f"{spent / scale * 100:.1f}%"}),
            html.Div(className=f"progress-bar progress-bar-striped bg-{'danger' if over else 'info'} opacity-75",
                     style={"width": f"{(expected - spent) / scale * 100:.1f}%"})]
    label = t("forecast.budget_bar", lang, spent=won(spent), expected=won(expected), budget=won(budget))
    verdict = (html.Span(t("forecast.over_budget", lang), className="badge text-bg-danger ms-2") if over else
               html.Span(t("forecast.within_budget", lang), className="text-success-emphasis ms-2"))
    return html.Div(
        [html.Div([html.Span(t("forecast.budget", lang, amount=won(budget)), className="fw-semibold"), verdict],
                  className="small mb-1"),
         html.Div(bars, className="progress budget-bar", style={"height": "10px"}, role="img",
                  **{"aria-label": label}),
         html.Div(label, className="small text-body-secondary mt-1")],
        className="forecast-budget mb-2",
    )


def forecast_card(fc: dict, lang: str) -> html.Div:
    """fc: LineForecast.to_dict() (ISO dates, won amounts)."""
    return html.Div(
        [
            html.H2(t("forecast.heading", lang), className="h6 card-title mb-2"),
            html.P([html.Span(won(fc["expected"]), className="fs-4 fw-bold amount forecast-expected"), " ",
                    html.Span(t("forecast.range", lang, low=won(fc["low"]), high=won(fc["high"])),
                              className="text-body-secondary amount")],
                   className="mb-1"),
            html.Div(
                [html.Span(t("forecast.range_note", lang), className="me-3"),
                 html.Span(t("forecast.spent", lang, amount=won(fc["spent_to_date"])), className="me-3"),
                 html.Span(t("forecast.due", lang, date=short_date(fc["due_date"], lang)))],
                className="small text-body-secondary d-flex flex-wrap mb-2",
            ),
            risk_sentence(fc, lang),
            budget_bar(fc, lang),
            _upcoming(fc["upcoming_recurring"], lang),
            _excluded(fc.get("excluded_recurring", []), lang),
        ],
        className="forecast-card",
    )


def _upcoming(items: list[dict], lang: str) -> html.Div:
    heading = html.H3(t("forecast.upcoming", lang), className="h6 mt-3 mb-2")
    if not items:
        return html.Div([heading, html.P(t("forecast.none_upcoming", lang), className="small text-body-secondary")])
    rows = [
        html.Li(
            [
                html.Div([html.Span(item["merchant"], className="fw-semibold text-break user-text"),
                          html.Span(t("forecast.expected_on", lang, date=short_date(item["expected_date"], lang)),
                                    className="small text-body-secondary ms-2")]),
                html.Span(won(item["amount"]), className="ms-auto me-2 amount text-nowrap"),
                _button(EXCLUDE, item["merchant"], t("forecast.mark_cancelled", lang),
                        t("forecast.mark_cancelled_label", lang, merchant=item["merchant"]), "outline-secondary"),
            ],
            className="list-group-item d-flex align-items-center gap-1 px-0 recurring-item",
        )
        for item in items
    ]
    return html.Div([heading, html.Ul(rows, className="list-group list-group-flush")])


def _excluded(merchants: list[str], lang: str) -> html.Div | None:
    if not merchants:
        return None
    rows = [
        html.Li([html.Span(m, className="text-decoration-line-through text-break user-text"),
                 _button(INCLUDE, m, t("forecast.include", lang), t("forecast.include_label", lang, merchant=m),
                         "link")],
                className="list-group-item d-flex align-items-center justify-content-between px-0 excluded-item")
        for m in merchants
    ]
    return html.Div([html.H3(t("forecast.excluded", lang), className="h6 mt-3 mb-2 text-body-secondary"),
                     html.Ul(rows, className="list-group list-group-flush small")])


def _button(kind: str, merchant: str, text: str, label: str, color: str) -> html.Button:
    # The merchant travels in the id (a JSON value, never markup); the server re-checks the line.
    # html.Button rather than dbc.Button: only html components take aria-label.
    return html.Button(text, id={"type": kind, "merchant": merchant}, className=f"btn btn-sm btn-{color} text-nowrap",
                       n_clicks=0, type="button", **{"aria-label": label})
