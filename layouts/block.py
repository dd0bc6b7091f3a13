"""The one-click block: the top-bar button (every page) and the panel with the carrier's steps. Pure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.carriers import instructions
from dashboard.text.i18n import t


def block_button(lang: str) -> dbc.ButtonGroup:
    """Red "차단" = the selected line; the caret opens "모든 회선 차단". Neither asks for a password."""
    return dbc.ButtonGroup(
        [
            dbc.Button(t("block.button", lang), id="block-button", color="danger", size="sm",
                       title=t("block.button_title", lang), className="fw-bold block-button"),
            dbc.DropdownMenu(
                dbc.DropdownMenuItem(t("block.all", lang), id="block-all-button"),
                label=html.Span(t("block.more", lang), className="visually-hidden"),
                color="danger", size="sm", group=True, align_end=True, id="block-menu",
                toggle_class_name="dropdown-toggle-split",
            ),
        ],
        className="block-group",
    )


def block_overlay(lang: str) -> html.Div:
    """The modal the block button fills, and a counter pages watch to refresh a line's status."""
    return html.Div(
        [
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle(t("block.title", lang))),
                    dbc.ModalBody(id="block-modal-body"),
                    dbc.ModalFooter(dbc.Button(t("block.close", lang), id="block-modal-close", color="secondary")),
                ],
                id="block-modal", is_open=False, scrollable=True, size="lg", fullscreen="sm-down",
            ),
            dcc.Store(id="line-status-version", data=0),
        ]
    )


def _phone(text: str, number: str | None) -> html.Li:
    """A step whose number is a tap-to-call link on phones."""
    if not number or number not in text:
        return html.Li(text)
    before, after = text.split(number, 1)
    return html.Li([before, html.A(number, href=f"tel:{number.replace('-', '')}", className="fw-semibold"), after])


def instructions_view(info: dict, lang: str) -> html.Div:
    """One carrier's mirror-the-block steps and what to do about charges already made."""
    numbers = [info.get("hotline"), info.get("landline"), info.get("loss_theft")]
    steps = [_phone(step, next((n for n in numbers if n and n in step), None)) for step in info["steps"]]
    pgs = [html.Li([f"{row['pg']} ", html.A(row["phone"], href=f"tel:{row['phone'].replace('-', '')}")])
           for row in info["pg_contacts"]]
    return html.Div(
        [
            html.H3(info["title"], className="h6 mt-3"),
            html.P(info["why"], className="small text-body-secondary mb-2"),
            html.Ol(steps, className="mb-3 carrier-steps"),
            html.H3(t("block.charges_title", lang), className="h6"),
            html.Ul([html.Li(text) for text in info["charges"]], className="small mb-2 charge-steps"),
            html.Details([html.Summary(t("block.pg_title", lang), className="small"),
                          html.Ul(pgs, className="small mb-0")]),
        ],
        className="carrier-instructions",
    )


def block_panel(lang: str, notices: list[str], instructions: list[dict]) -> html.Div:
    """What the modal shows after a block: what happened, then each carrier's steps."""
    return html.Div(
        [
            *[dbc.Alert(text, color="danger", className="py-2 mb-2 block-notice") for text in notices],
            *[instructions_view(info, lang) for info in instructions],
            html.P([t("block.unblock_where", lang), " ", html.A(t("nav.limits", lang), href="/limits")],
                   className="small text-body-secondary mt-3 mb-0"),
        ],
        id="block-panel",
    )


def line_name(nickname: str, carrier: str, number_masked: str) -> str:
    """"Nickname (KT 010-****-5678)", or "KT 010-****-5678" without a nickname."""
    plain = f"{carrier} {number_masked}"
    return f"{nickname} ({plain})" if nickname else plain


def blocked_one_panel(lang: str, name: str, already_blocked: bool, carrier: str) -> html.Div:
    """After blocking one line: blocked now (or already), then its carrier's steps."""
    notice = t("block.already" if already_blocked else "block.done", lang, line=name)
    return block_panel(lang, [notice], [instructions(carrier, lang)])


def blocked_all_panel(lang: str, count: int, carriers: list[str]) -> html.Div:
    """After blocking every line: how many, then each carrier's steps once (in the order given)."""
    unique = list(dict.fromkeys(carriers))
    return block_panel(lang, [t("block.all_done", lang, count=count)], [instructions(c, lang) for c in unique])


def no_line_panel(lang: str) -> html.Div:
    return block_panel(lang, [t("block.no_line", lang)], [])
