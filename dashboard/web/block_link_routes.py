"""GET/POST /b/<token>: the "block now" page from an alert mail, usable without logging in.

GET only shows what the button would do (mail scanners prefetch links: a GET must never block);
POST, with the CSRF token the GET page put in the form, spends the link and blocks the line.
The endpoint is listed in dashboard.web.security.PUBLIC_ENDPOINTS.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask_wtf.csrf import generate_csrf

from dashboard.alerts.text import alert_text, line_label
from dashboard.context import settings, store
from dashboard.services.lines import block_by_link, block_link_preview
from dashboard.text.carriers import instructions
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang

ENDPOINT = "block_link.page"
REFUSED_STATUS = {"used": 410, "expired": 410, "invalid": 404}


def _render(lang: str, state: str, status: int = 200, **values):
    response = current_app.make_response(
        (render_template("block_link.html", t=t, lang=lang, state=state, **values), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(lang: str, status: str):
    return _render(lang, "refused", REFUSED_STATUS.get(status, 400), message=t(f"blocklink.{status}", lang))


def page(token: str):
    lang = ui_lang()
    if request.method == "POST":
        return _block(lang, token)
    state = block_link_preview(store(), settings(), token)
    if state.status != "ok" or state.line is None:
        return _refused(lang, state.status)
    line = state.line
    if line.status == "blocked":  # nothing left to do; say so instead of offering the button
        return _render(lang, "done", message=t("blocklink.already_blocked", lang, line=line_label(line)),
                       steps=[], mirror_title="")
    line_text = f"{line_label(line)} ({line.carrier} {line.number_masked})"
    return _render(lang, "confirm", line_text=line_text,
                   alert_text=alert_text(state.alert, lang) if state.alert else "", csrf=generate_csrf())


def _block(lang: str, token: str):
    state = block_by_link(store(), settings(), token, ip=client_ip())
    if state.status != "ok" or state.line is None:
        return _refused(lang, state.status)
    key = "blocklink.done" if state.blocked_now else "blocklink.already_blocked"
    help_ = instructions(state.line.carrier, lang)
    return _render(lang, "done", message=t(key, lang, line=line_label(state.line)), steps=help_["steps"],
                   mirror_title=help_["title"])


def init_block_links(server: Flask) -> None:
    bp = Blueprint("block_link", __name__)
    limiter = server.extensions["microbill_limiter"]
    view = limiter.limit("30 per minute", key_func=client_ip, methods=["POST"])(page)
    bp.add_url_rule("/b/<token>", endpoint="page", view_func=view, methods=["GET", "POST"])
    server.register_blueprint(bp)
