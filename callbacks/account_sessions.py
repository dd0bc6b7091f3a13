"""The account page's sessions card (sign out one device, or every other one) and API tokens card (create,
shown once; list; revoke).

Everything goes through dashboard.services (sessions, accounts), which only touch the asking user's rows:
a session handle or token id of someone else changes nothing and says "not found". Bearer-token callers get
nothing here: these cards belong to a browser session.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Dash, Input, Output, State, ctx, no_update
from dash.dependencies import ALL
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.common import prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import accounts
from dashboard.services import sessions as sessions_service
from dashboard.services.errors import Invalid, ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from layouts import account_sessions as layout

PATH = "/account"


def _session_id() -> str:
    """The browser session asking (a bearer token has no devices to manage here)."""
    user_id()
    if current_user.is_token:
        raise PreventUpdate
    return current_user.id


def _refusal(refused: ServiceError, lang: str):
    return layout.notice(t(refused.key, lang, **refused.values), ok=False)


def _really_clicked(component_id: str) -> bool:
    return ctx.triggered_id == component_id and any(item.get("value") for item in ctx.triggered)


def _clicked_index() -> object | None:
    """The `index` of the pattern button really clicked (callbacks.common.clicked_id for a callback whose other
    inputs are plain ones); None when no such button was clicked. The value comes from the browser."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return None
    groups = [group for group in ctx.inputs_list if isinstance(group, list)]
    if not any(item.get("value") for group in groups for item in group if item.get("id") == trigger):
        raise PreventUpdate  # a button drawn anew, not a click
    return trigger.get("index")


# ---- sessions ------------------------------------------------------------------------------------------

def _act_on_sessions(session_id: str, password: object, lang: str):
    """Sign out one device or all the others when a button really asked; → what to say (None: nothing)."""
    password = password if isinstance(password, str) else None
    if _really_clicked("sessions-end-others"):
        count = sessions_service.sign_out_others(store(), user_id(), session_id, password, ip=client_ip())
        return layout.notice(t("sessions.ended_others", lang, count=count) if count
                             else t("sessions.none_other", lang))
    handle = _clicked_index()
    if handle is not None:
        sessions_service.sign_out_session(store(), user_id(), handle, password, current_id=session_id,
                                          ip=client_ip())
        return layout.notice(t("sessions.ended", lang))
    return None


def sessions_card(pathname, _end_clicks, _others_clicks, password, prefs):
    if pathname != PATH:
        raise PreventUpdate
    lang, _ = prefs_of(prefs)
    session_id = _session_id()
    try:
        said = _act_on_sessions(session_id, password, lang)
    except ServiceError as refused:
        said = _refusal(refused, lang)
    configured = settings()
    items = sessions_service.sessions_of_user(store(), configured, user_id(), session_id)
    intro = layout.sessions_intro(configured.session_idle_minutes, configured.session_absolute_hours,
                                  configured.session_remember_days, lang)
    return intro, layout.sessions_list(items, lang), said, not any(not item.current for item in items), ""


# ---- API tokens ----------------------------------------------------------------------------------------

def _days(value: object) -> int:
    """The validity chosen in the page (a string from the browser): digits only, else a clear refusal."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 5:
        return int(value)
    raise Invalid(accounts.BAD_DAYS_KEY, max=accounts.TOKEN_MAX_DAYS)


def _act_on_tokens(name: object, days: object, password: object, lang: str) -> tuple[object, object]:
    """Create (with the password) or revoke when a button really asked; → (the new token's alert, what to say)."""
    if _really_clicked("tokens-create"):
        token = sessions_service.create_token_in_session(
            store(), user_id(), name if isinstance(name, str) else "", _days(days),
            password if isinstance(password, str) else None, ip=client_ip())
        return layout.new_token(token, lang), None
    token_id = _clicked_index()
    if token_id is not None:
        accounts.revoke_token(store(), user_id(), token_id, ip=client_ip())
        return no_update, layout.notice(t("tokens.revoked", lang))
    return None, None  # the page was opened: no secret on show


def tokens_card(pathname, _create_clicks, _revoke_clicks, name, days, password, prefs):
    if pathname != PATH:
        raise PreventUpdate
    lang, _ = prefs_of(prefs)
    _session_id()
    created = False
    try:
        new, said = _act_on_tokens(name, days, password, lang)
        created = _really_clicked("tokens-create")
    except ServiceError as refused:
        new, said = no_update, _refusal(refused, lang)
    items, now = accounts.tokens_of_user(store(), user_id()), datetime.now(UTC)
    default = settings().api_token_days
    opened = ctx.triggered_id in (None, "url")
    return (layout.tokens_list(items, [item.state(now) for item in items], lang), new, said,
            layout.days_options(default, lang), str(default) if opened else no_update,
            "" if created else no_update, "")


def register(app: Dash) -> None:
    app.callback(
        Output("sessions-intro", "children"),
        Output("sessions-list", "children"),
        Output("sessions-result", "children"),
        Output("sessions-end-others", "disabled"),
        Output("sessions-password", "value"),
        Input("url", "pathname"),
        Input({"type": "session-end", "index": ALL}, "n_clicks"),
        Input("sessions-end-others", "n_clicks"),
        State("sessions-password", "value"),
        State("prefs", "data"),
    )(sessions_card)
    app.callback(
        Output("tokens-list", "children"),
        Output("tokens-new", "children"),
        Output("tokens-result", "children"),
        Output("tokens-days", "options"),
        Output("tokens-days", "value"),
        Output("tokens-name", "value"),
        Output("tokens-password", "value"),
        Input("url", "pathname"),
        Input("tokens-create", "n_clicks"),
        Input({"type": "token-revoke", "index": ALL}, "n_clicks"),
        State("tokens-name", "value"),
        State("tokens-days", "value"),
        State("tokens-password", "value"),
        State("prefs", "data"),
    )(tokens_card)
