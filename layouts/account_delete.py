"""The account page's danger zone: download everything, then delete the account (password, code, email). Pure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.i18n import t

EXPORT_HREF = "/account/export.zip"
# (field, input id, label key, type, autocomplete): the service's field names (dashboard.services.erasure).
FIELDS = (
    ("password", "delete-password", "erasure.password", "password", "current-password"),
    ("code", "delete-code", "erasure.code", "text", "one-time-code"),
    ("typed", "delete-typed", "erasure.typed", "email", "off"),
)


def _field(input_id: str, label_key: str, kind: str, autocomplete: str, lang: str) -> html.Div:
    extra = {"inputMode": "numeric"} if input_id == "delete-code" else {}
    return html.Div(
        [
            dbc.Label(t(label_key, lang), html_for=input_id, className="small"),
            dbc.Input(id=input_id, type=kind, autocomplete=autocomplete, maxLength=254, **extra),
            dbc.FormFeedback(id=f"{input_id}-error", type="invalid"),
        ],
        id=f"{input_id}-group", className="mb-2",
        # The code field shows only for users with a second factor (callbacks.account_delete).
        hidden=input_id == "delete-code",
    )


def delete_section(lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("account.delete", lang), className="h5 text-danger-emphasis"),
            html.P(t("erasure.intro", lang), className="small"),
            html.A([t("erasure.download", lang)], href=EXPORT_HREF, id="delete-export",
                   className="btn btn-outline-secondary btn-sm mb-3", download="", role="button"),
            html.P(t("erasure.warning", lang), className="small fw-semibold"),
            *[_field(input_id, label, kind, auto, lang) for _, input_id, label, kind, auto in FIELDS],
            dbc.Button(t("erasure.submit", lang), id="delete-submit", color="danger", className="mt-2"),
            html.Div(id="delete-result", className="mt-2", role="status", **{"aria-live": "polite"}),
            dcc.Location(id="delete-redirect", refresh=True),
        ],
        className="card card-body mb-3 border-danger", id="delete-card",
    )


def refused(lang: str) -> dbc.Alert:
    return dbc.Alert(t("erasure.not_deleted", lang), color="danger", className="mb-0")
