"""The family overview (/family): a card per line the user sees, the block button behind one confirmation, and
the members of the user's own lines (invite, change a role, remove, revoke an invitation) or leaving a shared
line. Every id from the browser is untrusted: the services re-check the asker's role on the line each time, and
a refusal (not found, not allowed, invalid) is said in "family-message" / the invite result, never swallowed."""

from __future__ import annotations

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks import Page
from callbacks.block import picker_options
from callbacks.common import clicked_id, line_for_user, prefs_of, user_id
from callbacks.shell import pick_line
from dashboard.context import settings, store
from dashboard.services import family as family_service
from dashboard.services import lines as lines_service
from dashboard.services import members as members_service
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from layouts import family as layout
from layouts.block import line_name

PAGE = Page("/family", "family.nav", layout.page, order=55)

MESSAGE = ("family-message", ("children", "color", "is_open"))


def refusal_text(error: ServiceError, lang: str) -> str:
    """The refusal in words (every key a service raises has them: tests/unit/test_refusal_keys.py)."""
    return t(error.key, lang, **error.values)


def _refused(error: ServiceError, lang: str) -> tuple[str, str, bool]:
    return layout.message(refusal_text(error, lang), ok=False)


# ---- the cards ------------------------------------------------------------------------------------

def show(prefs, _refresh, _version):
    lang, _theme = prefs_of(prefs)
    return layout.body(family_service.family_overview(store(), settings(), user_id()), lang)


# ---- block: ask once, then block ------------------------------------------------------------------

def ask_block(_clicks, prefs):
    """Open the confirmation for the line whose button was pressed; nothing for a line the user cannot see."""
    lang, _theme = prefs_of(prefs)
    line = line_for_user(clicked_id().get("line"))
    if line is None:
        raise PreventUpdate
    name = line_name(line.nickname, line.carrier, line.number_masked)
    return True, line.id, layout.block_question(name, lang)


def decide_block(confirm, _cancel, target, prefs, version):
    """Cancel closes the question; confirm blocks (the service checks BLOCK: a viewer is told why not)."""
    lang, _theme = prefs_of(prefs)
    if ctx.triggered_id == "family-block-cancel":
        return False, *(no_update,) * 5
    if ctx.triggered_id != "family-block-confirm" or not confirm:
        raise PreventUpdate
    try:
        done = lines_service.block_line(store(), user_id(), target, ip=client_ip())
    except ServiceError as refused:
        return False, *_refused(refused, lang), no_update, no_update
    name = line_name(done.nickname, done.carrier, done.number_masked)
    text = t("family.already_blocked" if done.already_blocked else "family.blocked", lang, line=name)
    # The top bar's line picker names the status too; other pages watch line-status-version.
    return False, *layout.message(text, ok=True), (version or 0) + 1, picker_options(lang)


# ---- members of the user's own lines --------------------------------------------------------------

def _clicked_in_card() -> dict:
    """clicked_id for a MATCH callback, whose single-button inputs arrive as one item rather than a list."""
    trigger = ctx.triggered_id
    groups = [group if isinstance(group, list) else [group] for group in ctx.inputs_list]
    if not isinstance(trigger, dict) or not any(item.get("value") for group in groups for item in group
                                                 if item["id"] == trigger):
        raise PreventUpdate
    return trigger


def invite(_send, _revoke, email, role, prefs):
    """Send (or revoke) an invitation on one owned line; the line's result and pending list are redrawn."""
    lang, _theme = prefs_of(prefs)
    trigger = _clicked_in_card()
    line_id, uid = trigger.get("line"), user_id()
    try:
        if trigger.get("type") == layout.INVITE_REVOKE:
            members_service.revoke_invitation(store(), uid, trigger.get("invitation"), ip=client_ip())
            result, email = layout.invite_result(t("family.revoked", lang), ok=True), no_update
        else:
            sent = members_service.invite(store(), settings(), uid, line_id, email or "", role or "",
                                          base_url=settings().base_url, ip=client_ip())
            result, email = layout.invite_result(t("family.invite_sent", lang, email=sent["email"]), ok=True), ""
    except ServiceError as refused:
        return layout.invite_result(refusal_text(refused, lang), ok=False), no_update, no_update
    pending = members_service.invitations(store(), uid, line_id)
    return result, layout.invitation_list(line_id, pending, lang), email


def _member(line_id: object, member_id: object) -> dict | None:
    """The member as the service lists them (None: not a member, or a line the user cannot see)."""
    try:
        listed = members_service.members(store(), user_id(), line_id)
    except ServiceError:
        return None
    return next((m for m in listed if m["user_id"] == member_id), None)


def change_role(_values, prefs, refresh):
    """A member's role select changed: apply it unless it already is that role (a redraw also fires)."""
    lang, _theme = prefs_of(prefs)
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        raise PreventUpdate
    role = next((item.get("value") for item in ctx.inputs_list[0] if item["id"] == trigger), None)
    member = _member(trigger.get("line"), trigger.get("user"))
    if member is not None and member["role"] == role:
        raise PreventUpdate
    try:
        members_service.change_role(store(), user_id(), trigger.get("line"), trigger.get("user"), role,
                                    ip=client_ip())
    except ServiceError as refused:
        return *_refused(refused, lang), (refresh or 0) + 1  # redraw: the select shows the role kept
    email = member["email"] if member else ""
    text = t("family.role_changed", lang, email=email, role=t(f"members.role.{role}", lang))
    return *layout.message(text, ok=True), (refresh or 0) + 1


def remove(_clicks, prefs, refresh):
    lang, _theme = prefs_of(prefs)
    trigger = clicked_id()
    member = _member(trigger.get("line"), trigger.get("user"))
    try:
        members_service.remove(store(), user_id(), trigger.get("line"), trigger.get("user"), ip=client_ip())
    except ServiceError as refused:
        return *_refused(refused, lang), no_update
    text = t("family.removed", lang, email=member["email"] if member else "")
    return *layout.message(text, ok=True), (refresh or 0) + 1


def leave(_clicks, prefs, refresh, picked):
    """Leave a shared line: it leaves the cards and the top bar's line picker at once."""
    lang, _theme = prefs_of(prefs)
    trigger = clicked_id()
    try:
        members_service.leave(store(), user_id(), trigger.get("line"), ip=client_ip())
    except ServiceError as refused:
        return *_refused(refused, lang), no_update, no_update, no_update
    options, value = pick_line(None, picked, prefs)
    return *layout.message(t("family.left", lang), ok=True), (refresh or 0) + 1, options, value


# ---- wiring ---------------------------------------------------------------------------------------

def _message_outputs() -> list[Output]:
    element, props = MESSAGE
    return [Output(element, prop, allow_duplicate=True) for prop in props]


def register(app: Dash) -> None:
    app.callback(
        Output("family-body", "children"),
        Input("prefs", "data"),
        Input("family-refresh", "data"),
        Input("line-status-version", "data"),  # a block from the top bar redraws the cards too
    )(show)
    app.callback(
        Output("family-block-modal", "is_open"),
        Output("family-block-target", "data"),
        Output("family-block-body", "children"),
        Input({"type": layout.BLOCK, "line": ALL}, "n_clicks"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(ask_block)
    app.callback(
        Output("family-block-modal", "is_open", allow_duplicate=True),
        *_message_outputs(),
        Output("line-status-version", "data", allow_duplicate=True),
        Output("line-picker", "options", allow_duplicate=True),
        Input("family-block-confirm", "n_clicks"),
        Input("family-block-cancel", "n_clicks"),
        State("family-block-target", "data"),
        State("prefs", "data"),
        State("line-status-version", "data"),
        prevent_initial_call=True,
    )(decide_block)
    app.callback(
        Output({"type": layout.INVITE_RESULT, "line": MATCH}, "children"),
        Output({"type": layout.INVITE_LIST, "line": MATCH}, "children"),
        Output({"type": layout.INVITE_EMAIL, "line": MATCH}, "value"),
        Input({"type": layout.INVITE_SEND, "line": MATCH}, "n_clicks"),
        Input({"type": layout.INVITE_REVOKE, "line": MATCH, "invitation": ALL}, "n_clicks"),
        State({"type": layout.INVITE_EMAIL, "line": MATCH}, "value"),
        State({"type": layout.INVITE_ROLE, "line": MATCH}, "value"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(invite)
    app.callback(
        *_message_outputs(),
        Output("family-refresh", "data", allow_duplicate=True),
        Input({"type": layout.MEMBER_ROLE, "line": ALL, "user": ALL}, "value"),
        State("prefs", "data"),
        State("family-refresh", "data"),
        prevent_initial_call=True,
    )(change_role)
    app.callback(
        *_message_outputs(),
        Output("family-refresh", "data", allow_duplicate=True),
        Input({"type": layout.MEMBER_REMOVE, "line": ALL, "user": ALL}, "n_clicks"),
        State("prefs", "data"),
        State("family-refresh", "data"),
        prevent_initial_call=True,
    )(remove)
    app.callback(
        *_message_outputs(),
        Output("family-refresh", "data", allow_duplicate=True),
        Output("line-picker", "options", allow_duplicate=True),
        Output("line-picker", "value", allow_duplicate=True),
        Input({"type": layout.MEMBER_LEAVE, "line": ALL}, "n_clicks"),
        State("prefs", "data"),
        State("family-refresh", "data"),
        State("line-picker", "value"),
        prevent_initial_call=True,
    )(leave)
