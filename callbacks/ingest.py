"""Message forwarding set-up (/ingest) for the line picked in the top bar: its intake URL (make or replace,
shown once; turn off), the phone recipes with that URL, and a dry-run "send a test message".

Every handler goes through a service that re-checks ownership: another user's line id changes and shows nothing.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx
from flask import request

from callbacks import Page
from callbacks.common import prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import intake_tokens as intake_service
from dashboard.services import messages as messages_service
from dashboard.services.errors import NotFound, ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from layouts import ingest as layout
from layouts.components import no_line

PAGE = Page("/ingest", "nav.ingest", layout.page, order=25)

# Copies the URL just shown to the clipboard, in the browser (the URL never goes back to the server).
COPY = """
function (n, url, texts) {
    if (!n || !url) { return window.dash_clientside.no_update; }
    var byHand = function () {  // http:// on a LAN has no Clipboard API: select the text and copy
        var range = document.createRange(), selection = window.getSelection();
        range.selectNodeContents(document.getElementById('ingest-url'));
        selection.removeAllRanges();
        selection.addRange(range);
        try { return document.execCommand('copy') ? texts.copied : texts.failed; } catch (e) { return texts.failed; }
    };
    if (navigator.clipboard && window.isSecureContext) {
        return navigator.clipboard.writeText(url).then(function () { return texts.copied; }, byHand);
    }
    return byHand();
}
"""


def intake_url(token: str) -> str:
    """The address the phone posts to: the public URL when one is configured, else the host this page came from."""
    base = settings().public_url or request.host_url
    return f"{base.rstrip('/')}/ingest/{token}"


def act(action: object, line_id: object, lang: str) -> tuple[str | None, object]:
    """Make or replace the URL, or turn it off, when a button asked; → (the new URL or None, what to say)."""
    if action == "ingest-rotate":
        url = intake_url(intake_service.rotate_intake_token(store(), user_id(), line_id, ip=client_ip()))
        return url, layout.new_url(lang, url)
    if action == "ingest-revoke":
        done = intake_service.revoke_intake_token(store(), user_id(), line_id, ip=client_ip())
        return None, layout.notice(t("ingest_page.revoked" if done else "ingest_page.nothing_to_revoke", lang))
    return None, None


def intake(line_id, _rotate, _revoke, open_items, prefs):
    """The URL card and the recipes, after a line change or one of the two buttons."""
    lang, _ = prefs_of(prefs)
    try:
        url, said = act(ctx.triggered_id, line_id, lang)
        status = intake_service.intake_status(store(), user_id(), line_id)
    except NotFound:
        return no_line(lang), t("ingest_page.create", lang), True, True, None, layout.recipes(lang, None, False)
    return (layout.status_view(lang, status.active, status.created_at, status.last_used_at),
            t("ingest_page.rotate" if status.active else "ingest_page.create", lang), False, not status.active,
            said, layout.recipes(lang, url, status.active, _open(open_items)))


def _open(items: object) -> list[str] | None:
    """The recipes the user had open (browser state: only known names pass)."""
    if isinstance(items, str):
        items = [items]
    return [i for i in items if isinstance(i, str) and i in layout.RECIPES] if isinstance(items, list) else None


def try_text(_n, line_id, text, sender, prefs):
    """Read the pasted message as the intake would, storing nothing."""
    lang, _ = prefs_of(prefs)
    try:
        result = messages_service.try_message(store(), settings(), user_id(), line_id, text, sender or None)
    except ServiceError as error:
        return layout.notice(t(error.key, lang, **error.values), ok=False)
    return layout.test_result(lang, result.kind, result.amount, result.merchant, result.occurred_at)


def register(app: Dash) -> None:
    app.callback(
        Output("ingest-status", "children"),
        Output("ingest-rotate", "children"),
        Output("ingest-rotate", "disabled"),
        Output("ingest-revoke", "disabled"),
        Output("ingest-reveal", "children"),
        Output("ingest-recipes", "children"),
        Input("line-picker", "value"),
        Input("ingest-rotate", "n_clicks"),
        Input("ingest-revoke", "n_clicks"),
        State("ingest-recipe-list", "active_item"),
        State("prefs", "data"),
    )(intake)
    app.callback(
        Output("ingest-test-result", "children"),
        Input("ingest-test-send", "n_clicks"),
        State("line-picker", "value"),
        State("ingest-test-text", "value"),
        State("ingest-test-sender", "value"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(try_text)
    app.clientside_callback(COPY, Output("ingest-copy-status", "children"), Input("ingest-copy", "n_clicks"),
                            State("ingest-url", "children"), State("ingest-copy-texts", "data"),
                            prevent_initial_call=True)
