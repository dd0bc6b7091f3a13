"""Limits & block page: the selected line's status (unblock with the password) and its limits.

Every handler goes through a service that re-checks ownership: another user's line id yields nothing.
"""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, no_update

from callbacks import Page
from callbacks.block import picker_options
from callbacks.common import clicked_id, line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import limits as limits_service
from dashboard.services import lines as lines_service
from dashboard.services.errors import NotFound, ServiceError
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from layouts import limits as limits_layout

PAGE = Page("/limits", "nav.limits", limits_layout.page, order=40)


def show_status(line_id, _version, prefs):
    lang, _ = prefs_of(prefs)
    line = line_for_user(line_id)
    if line is None:
        return t("line.none", lang), True
    view = limits_layout.line_status(lang, line.status, line.blocked_at, line.block_reason, line.carrier)
    return view, line.status != "blocked"


def show_limits(line_id, bucket, _version, _status_version, prefs):
    lang, _ = prefs_of(prefs)
    try:
        view = limits_service.limits_of(store(), settings(), user_id(), line_id)
    except NotFound:
        return t("line.none", lang), [], None
    current = view.current(bucket)
    options = limits_layout.amount_options(view.choices)
    return limits_layout.limits_view(lang, view.rows), options, None if current is None else str(current)


def save_limit(_n, line_id, bucket, amount, password, version, prefs, code=None):
    lang, _ = prefs_of(prefs)
    if line_for_user(line_id) is None:
        return limits_layout.feedback(t("line.none", lang), False), "", no_update
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return limits_layout.feedback(t("limits.pick_amount", lang), False), no_update, no_update
    try:
        limits_service.set_limit(store(), settings(), user_id(), line_id, bucket, value, password, ip=client_ip(),
                                 code=code if isinstance(code, str) else None)
    except ServiceError as error:
        password_kept = no_update if error.key == "actions.bad_bucket" else ""
        return limits_layout.feedback(t(error.key, lang, **error.values), False), password_kept, no_update
    text = t("limits.saved", lang, bucket=t(f"bucket.{bucket}", lang), amount=won(value))
    return limits_layout.feedback(text, True), "", (version or 0) + 1


def show_advice(line_id, _version, _status_version, prefs):
    lang, _ = prefs_of(prefs)
    try:
        advice = limits_service.limit_advice(store(), settings(), user_id(), line_id)
    except NotFound:
        return t("line.none", lang)
    return limits_layout.advice_view(lang, advice.to_dict())


def _advice_clicked() -> tuple[object, object]:
    """(bucket, amount) of the advisor button really clicked. Buttons rendered anew also trigger (n_clicks None)."""
    trigger = clicked_id()
    return trigger.get("bucket"), trigger.get("amount")


def apply_advice(_clicks, line_id, password, version, prefs, code=None):
    """The advisor's "이 한도로 바꾸기" is the form's save with the suggested bucket and amount: the same
    set_limit, feedback and password field (a raise needs it). The id comes from the browser: save_limit and
    set_limit check the amount, the bucket and the line as for the form."""
    bucket, amount = _advice_clicked()
    return save_limit(1, line_id, bucket, amount, password, version, prefs, code)


def unblock_line(n_clicks, n_submit, line_id, password, version, prefs, code=None):
    lang, _ = prefs_of(prefs)
    if not (n_clicks or n_submit):
        return no_update, no_update, no_update, no_update
    if line_for_user(line_id) is None:
        return limits_layout.feedback(t("line.none", lang), False), "", no_update, no_update
    try:
        done = lines_service.unblock_line(store(), user_id(), line_id, password, ip=client_ip(),
                                          code=code if isinstance(code, str) else None)
    except ServiceError as error:
        return limits_layout.feedback(t(error.key, lang), False), "", no_update, no_update
    return limits_layout.feedback(t(done.message_key, lang), True), "", (version or 0) + 1, picker_options(lang)


def register(app: Dash) -> None:
    app.callback(
        Output("limits-status", "children"),
        Output("unblock-form", "hidden"),
        Input("line-picker", "value"),
        Input("line-status-version", "data"),
        Input("prefs", "data"),
    )(show_status)
    app.callback(
        Output("limits-current", "children"),
        Output("limits-amount", "options"),
        Output("limits-amount", "value"),
        Input("line-picker", "value"),
        Input("limits-bucket", "value"),
        Input("limits-version", "data"),
        Input("line-status-version", "data"),
        Input("prefs", "data"),
    )(show_limits)
    app.callback(
        Output("limits-feedback", "children"),
        Output("limits-password", "value"),
        Output("limits-version", "data"),
        Input("limits-save", "n_clicks"),
        State("line-picker", "value"),
        State("limits-bucket", "value"),
        State("limits-amount", "value"),
        State("limits-password", "value"),
        State("limits-version", "data"),
        State("prefs", "data"),
        State("limits-code", "value"),
        prevent_initial_call=True,
    )(save_limit)
    app.callback(
        Output("advice-body", "children"),
        Input("line-picker", "value"),
        Input("limits-version", "data"),
        Input("line-status-version", "data"),
        Input("prefs", "data"),
    )(show_advice)
    app.callback(
        Output("advice-feedback", "children"),
        Output("limits-password", "value", allow_duplicate=True),
        Output("limits-version", "data", allow_duplicate=True),
        Input({"type": limits_layout.ADVICE_APPLY, "bucket": ALL, "amount": ALL}, "n_clicks"),
        State("line-picker", "value"),
        State("limits-password", "value"),
        State("limits-version", "data"),
        State("prefs", "data"),
        State("limits-code", "value"),
        prevent_initial_call=True,
    )(apply_advice)
    app.callback(
        Output("unblock-feedback", "children"),
        Output("unblock-password", "value"),
        Output("line-status-version", "data", allow_duplicate=True),
        Output("line-picker", "options", allow_duplicate=True),
        Input("unblock-button", "n_clicks"),
        Input("unblock-password", "n_submit"),
        State("line-picker", "value"),
        State("unblock-password", "value"),
        State("line-status-version", "data"),
        State("prefs", "data"),
        State("unblock-code", "value"),
        prevent_initial_call=True,
    )(unblock_line)
