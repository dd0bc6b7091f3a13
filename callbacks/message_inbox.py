"""The inbox card on /import: forwarded texts the parser could not read. The user marks amount and merchant
once (services.messages.teach_message: a sender template + the charge, alerts included) or dismisses it."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx

from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import messages as message_service
from dashboard.services.errors import NotFound, ServiceError
from dashboard.text.i18n import t
from layouts import message_inbox as view


def inbox(line_id, _saves, _dismisses, amounts, merchants, buckets, prefs):
    lang, _ = prefs_of(prefs)
    line = line_for_user(line_id)
    if line is None:
        return view.items([], lang), ""
    status = _act(ctx.triggered_id, ctx.triggered, amounts, merchants, buckets, lang)
    return view.items(message_service.inbox(store(), user_id(), line.id), lang), status


def _act(trigger, triggered, amounts, merchants, buckets, lang: str):
    """Save or dismiss the message whose button was pressed; "" when nothing was (a refresh)."""
    if not isinstance(trigger, dict) or not (triggered and triggered[0].get("value")):
        return ""
    message_id = trigger.get("index")
    try:
        if trigger.get("type") == "inbox-dismiss":
            message_service.dismiss_message(store(), user_id(), message_id)
            return t("inbox.dismissed", lang)
        position = _position(ctx.states_list[0], message_id)
        result = message_service.teach_message(store(), settings(), user_id(), message_id, amounts[position],
                                               merchants[position], buckets[position] or "micropayment")
    except ServiceError as refused:
        return view.refused(t(refused.key, lang, **refused.values))
    return view.saved(result, lang)


def _position(states: list[dict], message_id) -> int:
    for position, state in enumerate(states):
        if state["id"].get("index") == message_id:
            return position
    raise NotFound(message_service.MESSAGE_NOT_FOUND)


def register(app: Dash) -> None:
    app.callback(
        Output("inbox-items", "children"),
        Output("inbox-status", "children"),
        Input("line-picker", "value"),
        Input({"type": "inbox-save", "index": ALL}, "n_clicks"),
        Input({"type": "inbox-dismiss", "index": ALL}, "n_clicks"),
        State({"type": "inbox-amount", "index": ALL}, "value"),
        State({"type": "inbox-merchant", "index": ALL}, "value"),
        State({"type": "inbox-bucket", "index": ALL}, "value"),
        State("prefs", "data"),
    )(inbox)
