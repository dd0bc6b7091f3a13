"""The overview's forecast card and its recurring-charge toggles ("해지했어요" / "다시 포함").

Not a page of its own: it fills #forecast-card on the overview. The line comes from the picker and is
re-checked against the logged-in user; a merchant name arrives in a button id and is only ever stored
for that owned line.
"""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from callbacks.common import forecast_now, line_for_user, prefs_of, user_id
from dashboard.context import store
from dashboard.text.i18n import t
from data.forecast_input import exclude_recurring, include_recurring
from layouts.forecast import EXCLUDE, INCLUDE, forecast_card

MAX_MERCHANT = 200


def register(app: Dash) -> None:
    @app.callback(
        Output("forecast-card", "children"),
        Input("line-picker", "value"),
        Input("prefs", "data"),
        Input("forecast-refresh", "data"),
    )
    def card(line_id, prefs, _refresh):
        lang, _theme = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return html.P(t("line.none", lang), className="text-body-secondary")
        return forecast_card(forecast_now(line), lang)

    @app.callback(
        Output("forecast-refresh", "data"),
        Input({"type": EXCLUDE, "merchant": ALL}, "n_clicks"),
        Input({"type": INCLUDE, "merchant": ALL}, "n_clicks"),
        State("line-picker", "value"),
        State("forecast-refresh", "data"),
        prevent_initial_call=True,
    )
    def toggle(_exclude_clicks, _include_clicks, line_id, refreshed):
        trigger = ctx.triggered_id
        # Buttons rendered anew (n_clicks 0) also trigger: only a real click counts. The clicks are looked
        # up by id here because ctx.triggered's value lookup misses ids with non-ASCII text (Korean names).
        clicks = [item.get("value") for group in ctx.inputs_list for item in group if item["id"] == trigger]
        if not isinstance(trigger, dict) or not any(clicks):
            raise PreventUpdate
        merchant = trigger.get("merchant")
        line = line_for_user(line_id)
        if line is None or not isinstance(merchant, str) or not 0 < len(merchant) <= MAX_MERCHANT:
            raise PreventUpdate
        change = exclude_recurring if trigger.get("type") == EXCLUDE else include_recurring
        with store().write() as db:
            change(db, line.id, merchant, user_id())
        return (refreshed or 0) + 1
