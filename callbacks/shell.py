"""Router, line picker and preference toggles shared by every page."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State

from callbacks.common import prefs_of, user_id
from dashboard.context import store
from dashboard.text.i18n import t
from data.lines import lines_of
from layouts.shell import not_found


def line_label(line, lang: str) -> str:
    status = "" if line.status == "active" else f" · {t('status.' + line.status, lang)}"
    name = line.nickname or line.number_masked
    return f"{name} ({line.carrier} {line.number_masked}){status}"


def register(app: Dash) -> None:
    @app.callback(Output("page", "children"), Input("url", "pathname"), State("prefs", "data"))
    def route(pathname: str | None, prefs: dict | None):
        lang, _ = prefs_of(prefs)
        from callbacks import pages  # late: the page modules import this one's helpers

        make = {page.path: page.layout for page in pages()}.get(pathname or "/")
        return make(lang) if make else not_found(lang)

    @app.callback(
        Output("line-picker", "options"),
        Output("line-picker", "value"),
        Input("url", "pathname"),
        State("line-picker", "value"),
        State("prefs", "data"),
    )
    def line_options(_pathname, current, prefs):
        lang, _ = prefs_of(prefs)
        with store().read() as db:
            lines = lines_of(db, user_id())
        options = [{"label": line_label(line, lang), "value": line.id} for line in lines]
        ids = {line.id for line in lines}
        value = current if current in ids else (lines[0].id if lines else None)
        return options, value

    app.clientside_callback(
        ClientsideFunction("prefs", "toggleTheme"),
        Output("prefs", "data"),
        Input("theme-toggle", "n_clicks"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("prefs", "toggleLang"),
        Output("lang-toggle", "className"),
        Input("lang-toggle", "n_clicks"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
