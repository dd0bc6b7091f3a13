"""Limits & block page: the selected line's status (unblock with the password) and its limits.

Every callback re-checks ownership with line_for_user: another user's line id yields nothing.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update

from callbacks import Page
from callbacks.block import picker_options
from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.text.carriers import instructions
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from dashboard.web.reauth import set_limit, unblock
from data.limits_policy import cap_for, effective_limit, step_choices
from data.line_actions import in_arrears, stored_limit
from data.models import Line, utcnow
from data.usage import monthly_usage
from data.vocab import BUCKETS, to_kst, usage_month
from layouts import limits as limits_layout

PAGE = Page("/limits", "nav.limits", limits_layout.page, order=40)


def status_detail(line: Line, lang: str) -> str | None:
    if line.status != "blocked" or line.blocked_at is None:
        return None
    reason_key = f"block.reason.{line.block_reason}"
    reason = t(reason_key, lang) if line.block_reason in ("loss_theft", "fraud", "other") else line.block_reason
    return t("block.blocked_since", lang, when=to_kst(line.blocked_at).strftime("%Y-%m-%d %H:%M"), reason=reason)


def limit_rows(line: Line) -> tuple[list[dict], int]:
    """Per bucket: stored and enforced limit, cap (and why), this month's usage; plus the line's cap."""
    rules, now = settings(), utcnow()
    month = usage_month(now)
    with store().read() as db:
        arrears = in_arrears(db, line)
        stored = {b: stored_limit(db, line.id, b, now) for b in BUCKETS}
        usage = monthly_usage(db, line.id, [month])[month]
    cap = cap_for(rules, is_minor=line.is_minor, in_arrears=arrears)
    cap_key = "limits.cap_arrears" if arrears else "limits.cap_minor" if line.is_minor else "limits.cap"
    rows = [{"bucket": b, "stored": stored[b], "cap": cap, "cap_key": cap_key, "used": usage[b],
             "limit": effective_limit(stored[b], rules, is_minor=line.is_minor, in_arrears=arrears)}
            for b in BUCKETS]
    return rows, cap


def register(app: Dash) -> None:
    @app.callback(
        Output("limits-status", "children"),
        Output("unblock-form", "hidden"),
        Input("line-picker", "value"),
        Input("line-status-version", "data"),
        Input("prefs", "data"),
    )
    def show_status(line_id, _version, prefs):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return t("line.none", lang), True
        steps = instructions(line.carrier, lang) if line.status == "blocked" else None
        return limits_layout.status_view(lang, line.status, status_detail(line, lang), steps), line.status != "blocked"

    @app.callback(
        Output("limits-current", "children"),
        Output("limits-amount", "options"),
        Output("limits-amount", "value"),
        Input("line-picker", "value"),
        Input("limits-bucket", "value"),
        Input("limits-version", "data"),
        Input("line-status-version", "data"),
        Input("prefs", "data"),
    )
    def show_limits(line_id, bucket, _version, _status_version, prefs):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return t("line.none", lang), [], None
        rows, cap = limit_rows(line)
        current = next((row["limit"] for row in rows if row["bucket"] == bucket), None)
        options = limits_layout.amount_options(step_choices(settings(), cap))
        return limits_layout.limits_view(lang, rows), options, None if current is None else str(current)

    @app.callback(
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
        prevent_initial_call=True,
    )
    def save_limit(_n, line_id, bucket, amount, password, version, prefs):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return limits_layout.feedback(t("line.none", lang), False), "", no_update
        try:
            value = int(amount)
        except (TypeError, ValueError):
            return limits_layout.feedback(t("limits.pick_amount", lang), False), no_update, no_update
        if bucket not in BUCKETS:
            return limits_layout.feedback(t("actions.bad_bucket", lang), False), no_update, no_update
        answer = set_limit(user_id(), line.id, bucket, value, password, client_ip())
        if not answer.ok:
            return limits_layout.feedback(t(answer.key, lang, **answer.values), False), "", no_update
        text = t("limits.saved", lang, bucket=t(f"bucket.{bucket}", lang), amount=won(value))
        return limits_layout.feedback(text, True), "", (version or 0) + 1

    @app.callback(
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
        prevent_initial_call=True,
    )
    def unblock_line(n_clicks, n_submit, line_id, password, version, prefs):
        lang, _ = prefs_of(prefs)
        if not (n_clicks or n_submit):
            return no_update, no_update, no_update, no_update
        line = line_for_user(line_id)
        if line is None:
            return limits_layout.feedback(t("line.none", lang), False), "", no_update, no_update
        answer = unblock(user_id(), line.id, password, client_ip())
        if not answer.ok:
            return limits_layout.feedback(t(answer.key, lang), False), "", no_update, no_update
        return limits_layout.feedback(t(answer.key, lang), True), "", (version or 0) + 1, picker_options(lang)
