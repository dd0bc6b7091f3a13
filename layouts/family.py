"""The family overview (/family): one card per line the user sees, side by side (one column on a phone), with
its status, this month's use against the limit, the forecast, unread alerts, a block button behind one
confirmation, and for the owner's lines the members, pending invitations and an invite form. Pure: it renders
dashboard.services.family.family_overview's plain data."""

from __future__ import annotations

from datetime import date, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from layouts.block import line_name
from layouts.components import usage_meter
from layouts.forecast import risk_sentence, short_date

# Pattern-matching id types (agreed with the other pages' browser tests: docs in the issue #14 brief).
CARD, STATUS, BLOCK = "family-card", "family-status", "family-block"
INVITE_EMAIL, INVITE_ROLE, INVITE_SEND, INVITE_RESULT = "invite-email", "invite-role", "invite-send", "invite-result"
INVITE_LIST, INVITE_REVOKE = "invite-list", "invite-revoke"
MEMBER_ROLE, MEMBER_REMOVE, MEMBER_LEAVE = "member-role", "member-remove", "member-leave"
MEMBER_ROLES = ("guardian", "viewer")
STATUS_COLORS = {"active": "success", "blocked": "danger", "restricted": "warning"}


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("family.title", lang), className="h4 mb-2"),
            html.P(t("family.intro", lang), className="text-body-secondary"),
            dbc.Alert(id="family-message", is_open=False, dismissable=True, color="info"),
            dcc.Store(id="family-refresh", data=0),
            dcc.Store(id="family-block-target"),
            block_modal(lang),
            html.Div(id="family-body"),
        ],
        className="family-page",
    )


def block_modal(lang: str) -> dbc.Modal:
    """The one confirmation before a block ("차단할까요?"); its body names the line (callbacks fill it)."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("family.block_title", lang))),
            dbc.ModalBody(id="family-block-body"),
            dbc.ModalFooter([
                dbc.Button(t("family.block_cancel", lang), id="family-block-cancel", color="secondary"),
                dbc.Button(t("family.block_confirm", lang), id="family-block-confirm", color="danger",
                           className="fw-bold"),
            ]),
        ],
        id="family-block-modal", is_open=False, centered=True,
    )


def card_name(card: dict) -> str:
    return line_name(card["nickname"], card["carrier"], card["number_masked"])


def block_question(name: str, lang: str) -> str:
    return t("family.block_body", lang, line=name)


def message(text: str, ok: bool) -> tuple[str, str, bool]:
    """family-message's (children, color, is_open)."""
    return text, "success" if ok else "danger", True


def body(cards: list[dict], lang: str) -> html.Div:
    """cards: family_overview(...)."""
    if not cards:
        return html.P(t("family.none", lang), className="text-body-secondary")
    return dbc.Row([dbc.Col(card_view(card, lang), xs=12, md=6, xl=4)
                    for card in cards], className="g-3 family-cards")


# ---- one line's card ------------------------------------------------------------------------------

def card_view(card: dict, lang: str) -> dbc.Card:
    line_id = card["id"]
    parts = [_heading(card, lang), *_minor(card, lang), _use(card, lang), _forecast(card, lang),
             _alerts(card, lang), _actions(card, lang)]
    if card["can_manage"]:
        parts.append(members_section(line_id, card["members"], card["invitations"], lang))
    return dbc.Card(dbc.CardBody(parts), id={"type": CARD, "line": line_id}, className="h-100 shadow-sm family-card")


def _heading(card: dict, lang: str) -> html.Div:
    status = card["status"]
    badges = [
        dbc.Badge(t(f"status.{status}", lang), color=STATUS_COLORS.get(status, "secondary"),
                  id={"type": STATUS, "line": card["id"]}, className="family-status"),
        dbc.Badge(t(f"members.role.{card['role']}", lang), color="primary" if card["role"] == "owner" else "info",
                  text_color="white" if card["role"] == "owner" else "dark", className="family-role"),
    ]
    return html.Div([html.H2(card_name(card), className="h6 mb-0 me-auto text-break user-text"),
                     html.Div(badges, className="d-flex gap-1")],
                    className="d-flex flex-wrap align-items-center gap-2 mb-3")


def _minor(card: dict, lang: str) -> list[html.P]:
    """A minor's line: the legal cap; any line with guardians: who they are."""
    lines = []
    if card["is_minor"] and card["minor_cap"] is not None:
        lines.append(html.P(t("family.minor_cap", lang, amount=won(card["minor_cap"])),
                            className="small fw-semibold mb-1 family-minor-cap"))
    if card["guardians"]:
        lines.append(html.P(t("family.guardians", lang, emails=", ".join(card["guardians"])),
                            className="small text-body-secondary mb-2 text-break family-guardians"))
    return lines


def _use(card: dict, lang: str) -> html.Div:
    texts = {k: t(f"overview.{k}", lang) for k in ("remaining", "limit", "of_limit", "no_limit")}
    return usage_meter(t("family.used", lang), card["used"], card["limit"], texts)


def _forecast(card: dict, lang: str) -> html.Div:
    fc = card["forecast"]
    amount = [html.Span(t("family.forecast", lang, amount=won(fc["expected"])), className="fw-semibold amount")]
    if card["over_limit"]:
        amount.append(dbc.Badge(t("family.over_limit", lang), color="danger", className="ms-2"))
    return html.Div([html.P(amount, className="mb-1 family-forecast"), risk_sentence(fc, lang)], className="mb-2")


def _alerts(card: dict, lang: str) -> html.P:
    count = card["unread_alerts"]
    text = t("family.alerts", lang, n=count) if count else t("family.alerts_none", lang)
    return html.P([html.Span(text, className="me-2 family-alerts" + (" fw-semibold" if count else "")),
                   dcc.Link(t("family.alerts_link", lang), href="/alerts")], className="small mb-3")


def _actions(card: dict, lang: str) -> html.Div:
    """Block (for roles that may: no password), and for a shared line the way out of it."""
    buttons = []
    if card["can_block"] and card["status"] != "blocked":
        buttons.append(_button(t("family.block", lang), {"type": BLOCK, "line": card["id"]}, "danger fw-bold",
                               t("family.block_label", lang, line=card_name(card))))
    if card["role"] != "owner":
        buttons.append(dbc.Button(t("family.leave", lang), id={"type": MEMBER_LEAVE, "line": card["id"]},
                                  color="secondary", outline=True, size="sm"))
    return html.Div(buttons, className="d-flex flex-wrap gap-2 mb-2")


def _button(text: str, button_id: dict, tone: str, label: str) -> html.Button:
    # html.Button rather than dbc.Button: only html components take aria-label (several cards each have a
    # "차단"; the label names the line or the person).
    return html.Button(text, id=button_id, className=f"btn btn-sm btn-{tone}", n_clicks=0, type="button",
                       **{"aria-label": label})


def _labelled(text: str, control, grow: bool = False) -> html.Label:
    """A control inside its label (dbc inputs take no aria-label; a dict id cannot be a label's `for`)."""
    return html.Label([html.Span(text, className="visually-hidden"), control],
                      className="mb-0 flex-grow-1" if grow else "mb-0")


# ---- members of an owned line -----------------------------------------------------------------------

def _role_options(lang: str) -> list[dict]:
    return [{"label": t(f"members.role.{role}", lang), "value": role} for role in MEMBER_ROLES]


def members_section(line_id: int, members: list[dict], invitations: list[dict], lang: str) -> html.Div:
    rows = [_member_row(line_id, member, lang) for member in members]
    return html.Div(
        [
            html.H3(t("family.members", lang), className="h6 mt-2"),
            html.Ul(rows, className="list-unstyled mb-2 family-members") if rows
            else html.P(t("family.no_members", lang), className="small text-body-secondary mb-2"),
            html.H3(t("family.invitations", lang), className="h6 mt-2"),
            html.Div(invitation_list(line_id, invitations, lang), id={"type": INVITE_LIST, "line": line_id}),
            _invite_form(line_id, lang),
        ],
        className="border-top pt-2 family-members-section",
    )


def _member_row(line_id: int, member: dict, lang: str) -> html.Li:
    email = member["email"]
    return html.Li(
        [
            html.Span(email, className="text-break me-auto user-text small"),
            _labelled(t("family.role_label", lang, email=email),
                      dbc.Select(id={"type": MEMBER_ROLE, "line": line_id, "user": member["user_id"]},
                                 options=_role_options(lang), value=member["role"], size="sm")),
            _button(t("family.remove", lang), {"type": MEMBER_REMOVE, "line": line_id, "user": member["user_id"]},
                    "outline-secondary", t("family.remove_label", lang, email=email)),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mb-2 family-member",
    )


def _until(value: object, lang: str) -> str:
    """An invitation's expiry (datetime, date or ISO text) as "12월 11일"."""
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return t("family.invite_until", lang, date=short_date(str(value)[:10], lang))


def invitation_list(line_id: int, invitations: list[dict], lang: str) -> html.Ul | html.P:
    if not invitations:
        return html.P(t("family.no_invitations", lang), className="small text-body-secondary mb-2")
    return html.Ul([html.Li(
        [html.Span(item["email"], className="text-break me-auto user-text small"),
         dbc.Badge(t(f"members.role.{item['role']}", lang), color="secondary"),
         html.Span(_until(item["expires_at"], lang), className="small text-body-secondary"),
         _button(t("family.revoke", lang), {"type": INVITE_REVOKE, "line": line_id, "invitation": item["id"]},
                 "outline-secondary", t("family.revoke_label", lang, email=item["email"]))],
        className="d-flex flex-wrap align-items-center gap-2 mb-2 family-invitation") for item in invitations],
        className="list-unstyled mb-2 family-invitations")


def _invite_form(line_id: int, lang: str) -> html.Div:
    email_id = {"type": INVITE_EMAIL, "line": line_id}
    return html.Div(
        [
            html.H3(t("family.invite", lang), className="h6 mt-2"),
            html.Div(
                [
                    _labelled(t("family.invite_email", lang),
                              dbc.Input(id=email_id, type="email", placeholder=t("family.invite_email", lang),
                                        autocomplete="off", size="sm"), grow=True),
                    _labelled(t("family.invite_role", lang),
                              dbc.Select(id={"type": INVITE_ROLE, "line": line_id}, options=_role_options(lang),
                                         value="guardian", size="sm")),
                    dbc.Button(t("family.invite_send", lang), id={"type": INVITE_SEND, "line": line_id},
                               color="primary", size="sm"),
                ],
                className="d-flex flex-wrap gap-2",
            ),
            html.Div(id={"type": INVITE_RESULT, "line": line_id}, className="mt-2", role="status",
                     **{"aria-live": "polite"}),
        ],
        className="family-invite",
    )


def invite_result(text: str, ok: bool) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 mb-0 small")
