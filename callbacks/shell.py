"""Router, line picker and preference toggles shared by every page."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State

from callbacks.common import prefs_of, user_id
from dashboard.context import store
from dashboard.services.lines import lines_with_roles
from layouts.shell import line_options, not_found


def route(pathname: str | None, prefs: dict | None):
    lang, _ = prefs_of(prefs)
    from callbacks import pages  # late: the page modules import this one's helpers

    make = {page.path: page.layout for page in pages()}.get(pathname or "/")
    return make(lang) if make else not_found(lang)


def pick_line(_pathname, current, prefs):
    """The user's lines as picker options; the current choice if it is still one of them, else the first."""
    lang, _ = prefs_of(prefs)
    lines = lines_with_roles(store(), user_id())
    ids = [line.id for line, _role in lines]
    # The value comes from the browser: only one of the user's ids is kept (not true == 1, a list, a dict).
    kept = type(current) is int and current in ids
    return line_options(lines, lang), current if kept else (ids[0] if ids else None)


def register(app: Dash) -> None:
    app.callback(Output("page", "children"), Input("url", "pathname"), State("prefs", "data"))(route)
    app.callback(
        Output("line-picker", "options"),
        Output("line-picker", "value"),
        Input("url", "pathname"),
        State("line-picker", "value"),
        State("prefs", "data"),
    )(pick_line)
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
