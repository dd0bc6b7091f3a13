"""The account page's sessions card (signed-in devices) and API tokens card. Pure: plain data in, components out.

Sessions and tokens are read by attribute (dashboard.services.sessions.SessionInfo, accounts.TokenInfo); the
device, address and token name come from outside (a User-Agent, a form) and are shown as text (`user-text`).
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.i18n import t
from data.vocab import to_kst

TOKEN_DAYS = (30, 90, 180, 365)  # the choices next to the default; 0 is "never"
TOKEN_NAME_MAX = 60


def when(moment: datetime | None) -> str:
    return to_kst(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _status(status_id: str) -> html.Div:
    return html.Div(id=status_id, className="mt-2", role="status", **{"aria-live": "polite"})


# ---- sessions -------------------------------------------------------------------------------------------

def sessions_section(lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("account.sessions", lang), className="h5"),
            html.P(id="sessions-intro", className="small text-body-secondary"),
            html.Div(id="sessions-list"),
            password_field("sessions-password", "sessions.password", lang),
            dbc.Button(t("sessions.end_others", lang), id="sessions-end-others", color="danger", outline=True,
                       className="mt-2"),
            _status("sessions-result"),
        ],
        className="card card-body mb-3", id="sessions-card",
    )


def password_field(input_id: str, label_key: str, lang: str) -> html.Div:
    """The password asked again before signing devices out or making a token (cleared after every try)."""
    return html.Div([dbc.Label(t(label_key, lang), html_for=input_id, className="small mb-1"),
                     dbc.Input(id=input_id, type="password", autocomplete="current-password", maxLength=200)],
                    className="mt-3")


def sessions_intro(idle_minutes: int, absolute_hours: int, remember_days: int, lang: str) -> str:
    return t("sessions.intro", lang, idle=idle_minutes, hours=absolute_hours, days=remember_days)


def _session_item(item, lang: str) -> html.Li:
    device = item.device or t("sessions.unknown_device", lang)
    badges = [dbc.Badge(t("sessions.this_device", lang), color="success", className="ms-2")] if item.current else []
    if item.remember:
        badges.append(dbc.Badge(t("sessions.remembered", lang), color="secondary", className="ms-2"))
    end = [] if item.current else [
        html.Button(t("sessions.end", lang), id={"type": "session-end", "index": item.handle}, type="button",
                    className="btn btn-sm btn-outline-secondary ms-auto flex-shrink-0",
                    **{"aria-label": t("sessions.end_label", lang, device=device)})]
    return html.Li(
        html.Div([
            html.Div([
                html.Div([html.Span(device, className="fw-semibold user-text text-break"), *badges]),
                html.Div([html.Span(item.ip or t("sessions.unknown_ip", lang), className="user-text"), " · ",
                          t("sessions.signed_in", lang, when=when(item.signed_in_at)), " · ",
                          t("sessions.last_seen", lang, when=when(item.last_seen_at))],
                         className="small text-body-secondary text-break"),
            ], className="min-w-0"),
            *end,
        ], className="d-flex gap-2 align-items-start"),
        className="list-group-item session-item" + (" session-current" if item.current else ""),
    )


def sessions_list(items: list, lang: str) -> html.Ul:
    return html.Ul([_session_item(item, lang) for item in items], className="list-group", id="sessions-items")


# ---- API tokens -----------------------------------------------------------------------------------------

def tokens_section(lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("account.tokens", lang), className="h5"),
            html.P(t("tokens.intro", lang), className="small text-body-secondary"),
            dbc.Row([
                dbc.Col([dbc.Label(t("tokens.name", lang), html_for="tokens-name", className="small"),
                         dbc.Input(id="tokens-name", maxLength=TOKEN_NAME_MAX, autocomplete="off")], md=6),
                dbc.Col([dbc.Label(t("tokens.days", lang), html_for="tokens-days", className="small"),
                         dbc.Select(id="tokens-days")], md=6),
            ], className="g-2"),
            password_field("tokens-password", "tokens.password", lang),
            dbc.Button(t("tokens.create", lang), id="tokens-create", color="primary", className="mt-2 mb-2"),
            html.Div(id="tokens-new"),
            _status("tokens-result"),
            html.Div(id="tokens-list", className="mt-2"),
        ],
        className="card card-body mb-3", id="tokens-card",
    )


def days_options(default_days: int, lang: str) -> list[dict]:
    """The validity choices: the settings' default first, some others, and "never" (asked for explicitly)."""
    others = [d for d in TOKEN_DAYS if d != default_days]
    return ([{"label": t("tokens.days_default", lang, days=default_days), "value": str(default_days)}]
            + [{"label": t("tokens.days_option", lang, days=d), "value": str(d)} for d in others]
            + [{"label": t("tokens.days_never", lang), "value": "0"}])


def new_token(token: str, lang: str) -> dbc.Alert:
    """The secret, this once."""
    return dbc.Alert([html.P(t("tokens.shown_once", lang), className="fw-semibold mb-2"),
                      html.Code(token, id="tokens-secret", className="text-break text-reset d-block"),
                      dcc.Clipboard(target_id="tokens-secret", className="btn btn-sm btn-outline-dark mt-2",
                                    title=t("tokens.copy", lang))],
                     color="warning", className="mb-0", id="tokens-new-alert")


_STATE_COLOR = {"active": "success", "expired": "secondary", "revoked": "secondary"}


def _token_item(item, state: str, lang: str) -> html.Li:
    name = item.name or t("tokens.unnamed", lang)
    dates = [t("tokens.created", lang, when=when(item.created_at)),
             t("tokens.used", lang, when=when(item.last_used_at)) if item.last_used_at
             else t("tokens.never_used", lang),
             t("tokens.expires", lang, when=when(item.expires_at)) if item.expires_at
             else t("tokens.no_expiry", lang)]
    revoke = [] if state != "active" else [
        html.Button(t("tokens.revoke", lang), id={"type": "token-revoke", "index": item.id}, type="button",
                    className="btn btn-sm btn-outline-danger ms-auto flex-shrink-0",
                    **{"aria-label": t("tokens.revoke_label", lang, name=name)})]
    return html.Li(
        html.Div([
            html.Div([
                html.Div([html.Span(name, className="fw-semibold user-text text-break"),
                          dbc.Badge(t(f"tokens.state_{state}", lang), color=_STATE_COLOR[state], className="ms-2")]),
                html.Div(" · ".join(dates), className="small text-body-secondary"),
            ], className="min-w-0"),
            *revoke,
        ], className="d-flex gap-2 align-items-start"),
        className=f"list-group-item token-item token-{state}",
    )


def tokens_list(items: list, states: list[str], lang: str) -> html.Ul | html.P:
    if not items:
        return html.P(t("tokens.none", lang), className="small text-body-secondary mb-0", id="tokens-empty")
    return html.Ul([_token_item(item, state, lang) for item, state in zip(items, states, strict=True)],
                   className="list-group", id="tokens-items")


def notice(text: str, *, ok: bool = True) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="mb-0 py-2")
