"""Small building blocks shared by every page (one place, no copy-paste between pages)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t

GRAPH_CONFIG = {"locale": "ko", "displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def section(title: str | None, *children, id: str | None = None) -> dbc.Card:
    """A card; charts pass title=None because the figure carries its own title."""
    kwargs = {"id": id} if id else {}
    heading = [html.H2(title, className="h6 card-title mb-3")] if title else []
    return dbc.Card(dbc.CardBody([*heading, *children]), className="mb-3 shadow-sm", **kwargs)


def no_line(lang: str) -> html.P:
    """What a card shows when the picked line is none of the user's (or there is none yet)."""
    return html.P(t("line.none", lang), className="text-body-secondary")


def graph(graph_id: str, figure: dict | None = None, lang: str = "ko", height: int = 320) -> dcc.Graph:
    config = {**GRAPH_CONFIG, "locale": "ko" if lang == "ko" else "en"}
    return dcc.Graph(id=graph_id, figure=figure or {"data": [], "layout": {}}, config=config,
                     style={"height": f"{height}px"})


def usage_meter(label: str, used: int, limit: int | None, texts: dict[str, str]) -> html.Div:
    """A bucket's used / remaining / % of limit with a progress bar."""
    if limit:
        share = used / limit * 100
        color = "danger" if share >= 100 else "warning" if share >= 80 else "primary"
        bar = html.Div(
            html.Div(className=f"progress-bar bg-{color}", style={"width": f"{min(share, 100):.1f}%"}),
            className="progress mb-2", role="progressbar", style={"height": "10px"},
            **{"aria-label": f"{label} {share:.0f}%", "aria-valuenow": f"{min(share, 100):.0f}",
               "aria-valuemin": "0", "aria-valuemax": "100"},
        )
        detail = [
            # A blocked line has no room whatever the limit says (texts["blocked"]: the overview's meters).
            html.Span(texts.get("blocked") or f"{texts['remaining']} {won(max(limit - used, 0))}", className="me-3"),
            html.Span(f"{texts['limit']} {won(limit)}", className="me-3"),
            html.Span(texts["of_limit"].format(pct=f"{share:.0f}"), className="fw-semibold"),
        ]
    else:
        bar, detail = None, [html.Span(texts["no_limit"])]
    return html.Div(
        [
            html.Div([html.Span(label, className="text-body-secondary"),
                      html.Span(won(used), className="fs-4 fw-bold ms-auto amount")],
                     className="d-flex align-items-baseline mb-1"),
            bar,
            html.Div(detail, className="small text-body-secondary d-flex flex-wrap"),
        ],
        className="usage-meter mb-3",
    )
