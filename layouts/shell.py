"""The frame around every page: top bar (line picker, language, theme, logout) and the page slot."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.i18n import t
from layouts.bell import bell_button, bell_panel
from layouts.block import block_button, block_overlay
from layouts.line_state import slot as line_state_slot


def line_label(line, lang: str, role: str = "owner") -> str:
    """A line as the picker names it: "nickname (SKT 010-****-1234) · 차단 · 보호자" (the role only on a line
    shared with the user); `line` is read by attribute."""
    status = "" if line.status == "active" else f" · {t('status.' + line.status, lang)}"
    shared = "" if role == "owner" else f" · {t('members.role.' + role, lang)}"
    name = line.nickname or line.number_masked
    return f"{name} ({line.carrier} {line.number_masked}){status}{shared}"


def line_options(lines: list[tuple], lang: str) -> list[dict]:
    """(line, role) pairs as picker options."""
    return [{"label": line_label(line, lang, role), "value": line.id} for line, role in lines]


def nav_links(nav: list[tuple[str, str]]) -> dbc.Nav:
    return dbc.Nav([dbc.NavItem(dbc.NavLink(label, href=path, active="exact")) for path, label in nav],
                   pills=True, className="nav-pages flex-nowrap overflow-auto", id="nav-pages")


def top_bar(lang: str, csrf_token: str, nav: list[tuple[str, str]]) -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("app.title", lang), href="/", id="brand", className="fw-bold"),
                nav_links(nav),
                html.Div(
                    [
                        dcc.Dropdown(id="line-picker", clearable=False, searchable=False,
                                     placeholder=t("line.pick", lang), className="line-picker",
                                     style={"minWidth": "180px"}),
                        block_button(lang),  # one-click block on every page (no password)
                        bell_button(lang),  # unread alerts; opens the list (callbacks/bell.py)
                        dbc.Button(t("nav.lang", lang), id="lang-toggle", color="secondary", outline=True,
                                   size="sm"),
                        html.Button("◐", id="theme-toggle", className="btn btn-sm btn-outline-secondary",
                                    title=t("nav.theme", lang), **{"aria-label": t("nav.theme", lang)}),
                        dbc.NavLink(t("nav.account", lang), href="/account", id="account-link", active="exact",
                                    className="btn btn-sm btn-link account-link"),
                        html.Form(
                            [dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
                             dbc.Button(t("nav.logout", lang), id="logout", type="submit", color="link",
                                        size="sm")],
                            action="/logout", method="POST", className="m-0",
                        ),
                    ],
                    className="d-flex align-items-center gap-2 flex-wrap ms-auto topbar-tools",
                ),
            ],
            fluid=True,
            className="flex-wrap gap-2",
        ),
        color="body-tertiary",
        dark=False,  # dbc defaults to navbar-dark: white links on the light bar
        className="border-bottom mb-3 topbar",
        sticky="top",
    )


def shell(lang: str, theme: str, csrf_token: str, nav: list[tuple[str, str]]) -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id="prefs", data={"lang": lang, "theme": theme}),
            html.Div(top_bar(lang, csrf_token, nav), id="topbar-slot"),
            line_state_slot(),  # blocked / overdue / over-budget first (callbacks/line_state.py)
            html.Div(id="alerts-banner", className="container-fluid page-container alerts-banner"),  # overview only
            dbc.Container(html.Main(id="page", role="main"), fluid=True, className="pb-5 page-container"),
            block_overlay(lang),
            bell_panel(lang),
            refusal_toast(lang),
        ]
    )


def refusal_toast(lang: str) -> dbc.Toast:
    """Where a refused action says why (callbacks/refusals.py fills it): e.g. a viewer pressing a button."""
    return dbc.Toast(id="refusal-toast", header=t("members.refused_header", lang), is_open=False, dismissable=True,
                     duration=8000, icon="warning", className="refusal-toast position-fixed bottom-0 end-0 m-3",
                     style={"zIndex": 1080})


def not_found(lang: str) -> html.Div:
    return html.Div([html.H1("404", className="h3"), html.P(t("line.none", lang))])
