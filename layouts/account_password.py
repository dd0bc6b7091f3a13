"""The account page's password card: current, new and repeated password, a message under each field. Pure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.text.i18n import t

# (field, input id, label key, autocomplete): the service's field names (dashboard.services.passwords).
FIELDS = (
    ("current", "pw-current", "pw.current", "current-password"),
    ("new", "pw-new", "pw.new", "new-password"),
    ("repeat", "pw-repeat", "pw.repeat", "new-password"),
)


def _field(input_id: str, label_key: str, autocomplete: str, lang: str) -> html.Div:
    hint = [dbc.FormText(t("pw.rule", lang))] if input_id == "pw-new" else []
    return html.Div(
        [
            dbc.Label(t(label_key, lang), html_for=input_id, className="small"),
            dbc.Input(id=input_id, type="password", autocomplete=autocomplete, maxLength=200),
            dbc.FormFeedback(id=f"{input_id}-error", type="invalid"),
            *hint,
        ],
        className="mb-2",
    )


def password_section(lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("account.password", lang), className="h5"),
            html.P(t("pw.change_intro", lang), className="small text-body-secondary"),
            *[_field(input_id, label, auto, lang) for _, input_id, label, auto in FIELDS],
            dbc.Button(t("pw.change_submit", lang), id="pw-change-submit", color="primary", className="mt-2"),
            html.Div(id="pw-change-result", className="mt-2", role="status", **{"aria-live": "polite"}),
        ],
        className="card card-body mb-3", id="password-card",
    )


def changed(sessions: int, tokens: int, lang: str) -> dbc.Alert:
    return dbc.Alert(t("pw.changed", lang, sessions=sessions, tokens=tokens), color="success", className="mb-0",
                     id="pw-change-done")


def refused(key: str, lang: str) -> dbc.Alert:
    return dbc.Alert(t(key, lang), color="danger", className="mb-0")
