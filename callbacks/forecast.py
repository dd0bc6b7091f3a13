"""The overview's forecast card and its recurring-charge toggles ("해지했어요" / "다시 포함").

Not a page of its own: it fills #forecast-card on the overview. The line comes from the picker and is
re-checked against the logged-in user; a merchant name arrives in a button id and is only ever stored
for that owned line.
"""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from callbacks.common import clicked_id, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import forecast as service
from dashboard.services.errors import NotFound
from layouts.components import no_line
from layouts.forecast import EXCLUDE, INCLUDE, forecast_card

MAX_MERCHANT = 200


def card(line_id, prefs, _refresh, _status_version):
    lang, _theme = prefs_of(prefs)
    forecast = service.page_forecast(store(), settings(), user_id(), line_id)
    return no_line(lang) if forecast is None else forecast_card(forecast, lang)


def toggle(_exclude_clicks, _include_clicks, line_id, refreshed):
    merchant = _clicked_merchant()
    try:
        service.set_recurring(store(), user_id(), line_id, merchant, excluded=ctx.triggered_id["type"] == EXCLUDE)
    except NotFound:
        raise PreventUpdate from None
    return (refreshed or 0) + 1


def _clicked_merchant() -> str:
    """The merchant of the button really clicked (PreventUpdate for anything else)."""
    merchant = clicked_id().get("merchant")
    if not isinstance(merchant, str) or not 0 < len(merchant) <= MAX_MERCHANT:
        raise PreventUpdate
    return merchant


def register(app: Dash) -> None:
    app.callback(
        Output("forecast-card", "children"),
        Input("line-picker", "value"),
        Input("prefs", "data"),
        Input("forecast-refresh", "data"),
        Input("line-status-version", "data"),  # block/unblock: the risk sentence follows
    )(card)
    app.callback(
        Output("forecast-refresh", "data"),
        Input({"type": EXCLUDE, "merchant": ALL}, "n_clicks"),
        Input({"type": INCLUDE, "merchant": ALL}, "n_clicks"),
        State("line-picker", "value"),
        State("forecast-refresh", "data"),
        prevent_initial_call=True,
    )(toggle)
