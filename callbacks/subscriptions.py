"""The subscriptions page (/subscriptions) for the line picked in the top bar, and its mark buttons
("해지했어요", "구독 아니에요", "되돌리기"). The line is re-checked against the logged-in user by the
service; the merchant and the mark arrive in a button id and are only ever stored for that owned line."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks import Page
from callbacks.common import clicked_id, prefs_of, user_id
from dashboard.context import store
from dashboard.services import subscriptions as service
from dashboard.services.errors import Invalid, NotFound
from layouts import subscriptions as layout
from layouts.components import no_line

PAGE = Page("/subscriptions", "nav.subscriptions", layout.page, order=15)


def show(line_id, prefs, _refresh):
    lang, _theme = prefs_of(prefs)
    data = service.subscriptions_of(store(), user_id(), line_id)
    return no_line(lang) if data is None else layout.body(data, lang)


def mark(_clicks, line_id, refreshed, prefs):
    lang, _theme = prefs_of(prefs)
    merchant, value = _clicked()
    try:
        changed = service.mark(store(), user_id(), line_id, merchant, None if value == layout.UNDO else value)
    except NotFound:
        raise PreventUpdate from None
    except Invalid as refused:
        return layout.refused(refused.key, lang), refreshed
    return layout.feedback(changed, lang), (refreshed or 0) + 1


def _clicked() -> tuple[object, object]:
    """(merchant, mark) of the button really clicked; PreventUpdate for anything else."""
    trigger = clicked_id()
    return trigger.get("merchant"), trigger.get("mark")


def register(app: Dash) -> None:
    app.callback(
        Output("subscriptions-body", "children"),
        Input("line-picker", "value"),
        Input("prefs", "data"),
        Input("subscriptions-refresh", "data"),
    )(show)
    app.callback(
        Output("subscriptions-feedback", "children"),
        Output("subscriptions-refresh", "data"),
        Input({"type": layout.MARK, "merchant": ALL, "mark": ALL}, "n_clicks"),
        State("line-picker", "value"),
        State("subscriptions-refresh", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(mark)
