"""The account page's two-step card: the authenticator app (TOTP) with its recovery codes, and passkeys. Pure.

The card's body is drawn by callbacks/account_factors.py from plain data. The QR code is drawn here, locally
(segno → an SVG data URI, which the CSP's `img-src data:` allows): the secret never goes to a web service.
Passkey buttons carry data-passkey="register" | "step-up" for assets/passkeys.js (no inline script).
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
import segno
from dash import html

from dashboard.text.i18n import t
from data.vocab import to_kst

BUTTON = "factors-btn"  # pattern-matching id type: {"type": BUTTON, "action": …}
FIELD = "factors-field"  # {"type": FIELD, "name": …}
PASSKEY_BUTTON = "factors-pk"  # {"type": PASSKEY_BUTTON, "action": "rename" | "remove", "key": passkey id}
PASSKEY_NAME = "factors-pk-name"  # {"type": PASSKEY_NAME, "key": passkey id}


def factors_section(lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("account.factors", lang), className="h5"),
            html.Div(id="factors-notice", role="status", **{"aria-live": "polite"}),
            html.Div(id="factors-body"),
        ],
        className="card card-body mb-3", id="factors-card",
    )


def _when(moment: datetime | None) -> str:
    return to_kst(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _button(action: str, label: str, color: str = "primary", outline: bool = False) -> dbc.Button:
    return dbc.Button(label, id={"type": BUTTON, "action": action}, color=color, outline=outline, size="sm",
                      className="me-2 mb-2")


def _field(name: str, label: str, *, kind: str = "text", autocomplete: str = "off", max_length: int = 100):
    """A labelled input whose id is pattern-matched: the label wraps it (a dict id cannot be a label's `for`);
    `name` is a plain handle for tests and password managers."""
    return html.Label(
        [
            html.Span(label, className="small d-block mb-1"),
            dbc.Input(id={"type": FIELD, "name": name}, type=kind, autoComplete=autocomplete, maxLength=max_length,
                      name=f"factors-{name}"),
        ],
        className="d-block mb-2",
    )


def notice(text: str, ok: bool) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2", id="factors-alert")


def body(lang: str, *, totp_enabled: bool, recovery_left: int, passkeys: list[dict],
         setup: tuple[str, str] | None = None, codes: list[str] | None = None,
         codes_key: str = "factor.totp_enabled") -> html.Div:
    """The whole card below its title: TOTP (set-up, on, or the fresh recovery codes) then passkeys."""
    return html.Div([
        html.H3(t("factor.totp_title", lang), className="h6 mt-2"),
        *(_codes_view(lang, codes, codes_key) if codes else []),
        *(_totp_on(lang, recovery_left) if totp_enabled else _totp_off(lang, setup)),
        html.Hr(),
        *_passkeys_view(lang, passkeys, totp_enabled),
    ])


def qr_data_uri(uri: str) -> str:
    # Dark on white whatever the theme: scanners want the contrast; the quiet zone is segno's default (4).
    return segno.make(uri, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")


def _totp_off(lang: str, setup: tuple[str, str] | None) -> list:
    if setup is None:
        return [html.P(t("factor.totp_off_state", lang), className="small text-body-secondary mb-2",
                       id="factors-totp-state"),
                _button("totp-start", t("factor.totp_start", lang))]
    secret, uri = setup
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return [
        html.P(t("factor.totp_scan", lang), className="small"),
        html.Img(src=qr_data_uri(uri), alt=t("factor.qr_alt", lang), id="factors-qr",
                 className="d-block mb-2 border rounded", width=180, height=180),
        html.P([t("factor.totp_secret", lang), ": ", html.Code(spaced, id="factors-secret",
                                                                className="text-break text-reset")], className="small"),
        dbc.Row([
            dbc.Col(_field("totp-code", t("factor.first_code", lang), autocomplete="one-time-code", max_length=10),
                    sm=6),
            dbc.Col(_field("totp-password", t("factor.password", lang), kind="password",
                           autocomplete="current-password", max_length=1000), sm=6),
        ], className="g-2"),
        _button("totp-confirm", t("factor.totp_confirm", lang)),
    ]


def _codes_view(lang: str, codes: list[str], codes_key: str) -> list:
    """The ten recovery codes, this once (only their hashes are kept)."""
    return [dbc.Alert([
        html.P(t(codes_key, lang), className="mb-2"),
        html.Ul([html.Li(html.Code(code, className="text-reset")) for code in codes], id="factors-recovery-codes",
                className="list-unstyled font-monospace mb-1 recovery-codes"),
        html.P(t("factor.recovery_help", lang), className="small mb-0"),
    ], color="warning")]


def _totp_on(lang: str, recovery_left: int) -> list:
    return [
        html.P(t("factor.totp_on", lang, left=recovery_left), className="small mb-2", id="factors-totp-state"),
        html.P(t("factor.confirm_with", lang), className="small text-body-secondary mb-1"),
        dbc.Row([
            dbc.Col(_field("off-password", t("factor.password", lang), kind="password",
                           autocomplete="current-password", max_length=1000), sm=6),
            dbc.Col(_field("off-code", t("factor.code", lang), autocomplete="one-time-code", max_length=40), sm=6),
        ], className="g-2"),
        _button("totp-off", t("factor.totp_disable", lang), color="danger"),  # solid: outline red is 3:1 in dark
        _button("recovery-new", t("factor.recovery_new", lang), color="secondary", outline=True),
    ]


def _passkey_row(lang: str, key: dict) -> html.Li:
    used = (t("factor.passkey_used", lang, when=_when(key["last_used_at"])) if key["last_used_at"]
            else t("factor.passkey_never", lang))
    return html.Li([
        html.Div([html.Span(key["name"], className="fw-semibold user-text passkey-name"),
                  html.Span(f" · {t('factor.passkey_created', lang, when=_when(key['created_at']))} · {used}",
                            className="small text-body-secondary")]),
        html.Div([
            html.Label([html.Span(t("factor.passkey_name", lang), className="visually-hidden"),
                        dbc.Input(id={"type": PASSKEY_NAME, "key": key["id"]}, value=key["name"], maxLength=60,
                                  size="sm", name=f"passkey-name-{key['id']}")], className="flex-grow-1"),
            dbc.Button(t("factor.passkey_rename", lang), id={"type": PASSKEY_BUTTON, "action": "rename",
                                                             "key": key["id"]}, color="secondary", outline=True,
                       size="sm"),
            dbc.Button(t("factor.passkey_remove", lang), id={"type": PASSKEY_BUTTON, "action": "remove",
                                                             "key": key["id"]}, color="danger",
                       size="sm"),
        ], className="d-flex gap-1 mt-1"),
    ], className="list-group-item passkey-row")


def step_up_button(lang: str, status_id: str, button_id: str) -> html.Div:
    """"패스키로 확인": a passkey entry now, which the next sensitive action counts as the second factor."""
    return html.Div([
        html.Button(t("factor.step_up", lang), id=button_id, type="button",
                    className="btn btn-outline-secondary btn-sm", **{
                        "data-passkey": "step-up", "data-status-target": status_id,
                        "data-failed": t("factor.passkey_failed", lang),
                        "data-unsupported": t("factor.passkey_unsupported", lang)}),
        html.Span(id=status_id, className="small ms-2", role="status"),
    ], className="mb-2")


def _passkeys_view(lang: str, passkeys: list[dict], totp_enabled: bool) -> list:
    rows = [_passkey_row(lang, key) for key in passkeys]
    listing = (html.Ul(rows, className="list-group mb-2", id="factors-passkeys") if rows
               else html.P(t("factor.passkeys_none", lang), className="small text-body-secondary",
                           id="factors-passkeys"))
    removal = [
        html.P(t("factor.remove_with", lang), className="small text-body-secondary mb-1"),
        dbc.Row([
            dbc.Col(_field("pk-password", t("factor.password", lang), kind="password",
                           autocomplete="current-password", max_length=1000), sm=6),
            dbc.Col(_field("pk-code", t("factor.code_or_passkey", lang), autocomplete="one-time-code",
                           max_length=40), sm=6),
        ], className="g-2"),
        step_up_button(lang, "factors-stepup-status", "factors-stepup"),
    ] if rows else []
    return [
        html.H3(t("factor.passkeys_title", lang), className="h6"),
        listing,
        *removal,
        html.P(t("factor.add_with", lang), className="small text-body-secondary mb-1"),
        dbc.Row([
            dbc.Col([dbc.Label(t("factor.passkey_name", lang), html_for="factors-pk-new-name", className="small mb-1"),
                     dbc.Input(id="factors-pk-new-name", maxLength=60, size="sm")], sm=4),
            dbc.Col([dbc.Label(t("factor.password", lang), html_for="factors-pk-add-password", className="small mb-1"),
                     dbc.Input(id="factors-pk-add-password", type="password", autocomplete="current-password",
                               maxLength=1000, size="sm")], sm=4),
            dbc.Col([dbc.Label(t("factor.code_if_on", lang), html_for="factors-pk-add-code", className="small mb-1"),
                     dbc.Input(id="factors-pk-add-code", autocomplete="one-time-code", maxLength=40, size="sm")],
                    sm=4),
        ], className="g-2 mb-2"),
        html.Button(t("factor.passkey_add", lang), id="factors-pk-add", type="button",
                    className="btn btn-primary btn-sm", **{
                        "data-passkey": "register", "data-name-input": "factors-pk-new-name",
                        "data-password-input": "factors-pk-add-password", "data-code-input": "factors-pk-add-code",
                        "data-status-target": "factors-pk-status", "data-failed": t("factor.passkey_failed", lang),
                        "data-unsupported": t("factor.passkey_unsupported", lang)}),
        html.Div(id="factors-pk-status", className="small mt-1", role="status"),
    ]
