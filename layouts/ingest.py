"""The message-forwarding set-up page (/ingest): the line's intake URL, recipes for the phone, a test box. Pure.

The recipes show the URL only in the render right after it was made (it is never stored in clear); otherwise a
placeholder. What the user types into the phone as it is (the Korean words a message must contain, placeholders,
bodies) is marked `user-text literal`: it is not interface text and stays the same in English.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import to_kst
from layouts.components import section

KEYWORDS = ("결제", "승인", "취소", "인증번호")  # words of Korean payment texts, the same in both languages
SAMPLE = "[Web발신]\n[다날] 12,300원 결제완료\n넥슨코리아\n11/18 14:23"
SAMPLE_SENDER = "15663355"  # 다날's customer line, as a phone shows the sender
URL, WORDS = "url", "keywords"  # a step followed by this line's URL / by the keywords
LITERAL = "user-text literal"
WRAP = {"whiteSpace": "pre-wrap", "overflowWrap": "anywhere"}  # long URLs and bodies wrap inside a phone's width


def _json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


# Each recipe: its steps (what follows each step's words: None, URL, WORDS or literal text to type), then how
# the request it makes looks (content type and an example body for the sample message).
RECIPES: dict[str, tuple[tuple[str | None, ...], str, str]] = {
    "android": ((None, None, URL, _json({"text": "%text%", "sender": "%from%"}), None, WORDS),
                "application/json", _json({"text": SAMPLE, "sender": SAMPLE_SENDER})),
    "tasker": ((None, "/".join(f"*{word}*" for word in KEYWORDS), None, URL,
                "Headers: Content-Type:application/x-www-form-urlencoded\nBody: text=%text&sender=%SMSRF"),
               "application/x-www-form-urlencoded", urlencode({"text": SAMPLE, "sender": SAMPLE_SENDER})),
    "macrodroid": ((WORDS, URL, "[sms_message]"), "text/plain", SAMPLE),
    "ios": ((None, WORDS, URL, None), "application/json", _json({"text": SAMPLE})),
}


def _when(moment: datetime) -> str:
    return to_kst(moment).strftime("%Y-%m-%d %H:%M")


def _literal(text: str) -> html.Code:
    return html.Code(text, className=LITERAL)


def _block(text: str, block_id: str | None = None) -> html.Pre:
    kwargs = {"id": block_id} if block_id else {}
    return html.Pre(text, className=f"{LITERAL} bg-body-tertiary border rounded p-2 small mb-2", style=WRAP,
                    **kwargs)


# ---- the intake URL ----------------------------------------------------------------------------

def status_view(lang: str, active: bool, created_at: datetime | None, last_used_at: datetime | None) -> html.Div:
    """Whether the line has a live intake URL, since when and when a message last came in (never the URL)."""
    if not active:
        return html.Div(html.P(t("ingest_page.none", lang), className="mb-0"), id="ingest-state")
    used = (t("ingest_page.last_used", lang, when=_when(last_used_at)) if last_used_at
            else t("ingest_page.never_used", lang))
    return html.Div(
        [html.Div([dbc.Badge(t("ingest_page.active", lang), color="success", className="me-1"), " ",
                   html.Span(t("ingest_page.since", lang, when=_when(created_at)) if created_at else None)],
                  className="mb-1"),
         html.P(used, className="small mb-1"),
         html.P(t("ingest_page.lost_hint", lang), className="small text-body-secondary mb-0")],
        id="ingest-state",
    )


def new_url(lang: str, url: str) -> dbc.Alert:
    """The URL just made, shown this once, with a copy button and who can use it."""
    return dbc.Alert(
        [html.P(t("ingest_page.shown_once", lang), className="fw-semibold mb-2"),
         dbc.Label(t("ingest_page.url_label", lang), html_for="ingest-url", className="small mb-1"),
         html.Div([html.Code(url, id="ingest-url", className="text-break text-reset flex-grow-1"),
                   dbc.Button(t("ingest_page.copy", lang), id="ingest-copy", size="sm", color="primary")],
                  className="d-flex gap-2 align-items-start"),
         html.Div(id="ingest-copy-status", className="small mt-1", role="status")],
        color="warning", id="ingest-new-url", className="mt-3 mb-0",
    )


def notice(text: str, ok: bool = True) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="mt-3 mb-0 py-2")


def _url_card(lang: str) -> list:
    return [
        html.Div(id="ingest-status", className="mb-3"),
        html.Div([dbc.Button(t("ingest_page.create", lang), id="ingest-rotate", color="primary"),
                  dbc.Button(t("ingest_page.revoke", lang), id="ingest-revoke", color="secondary", outline=True,
                             disabled=True)],
                 className="d-flex gap-2 flex-wrap"),
        html.P(t("ingest_page.rotate_hint", lang), className="small text-body-secondary mt-2 mb-0"),
        html.Div(id="ingest-reveal", **{"aria-live": "polite"}),
    ]


# ---- the recipes -------------------------------------------------------------------------------

def _url_view(lang: str, url: str | None, active: bool) -> html.Span | html.Code:
    if url:
        return html.Code(url, className="text-break")
    return html.Span(t("ingest_page.url_hidden" if active else "ingest_page.url_placeholder", lang),
                     className="fst-italic fw-semibold")


def _keywords() -> html.Span:
    return html.Span([_literal(word) for word in KEYWORDS], className="d-inline-flex flex-wrap gap-2 ms-1")


def _step(lang: str, key: str, extra: str | None, url_view) -> html.Li:
    if extra is None:
        return html.Li(t(key, lang), className="mb-2")
    after = url_view if extra == URL else _keywords() if extra == WORDS else _block(extra)
    inline = extra in (URL, WORDS)
    return html.Li([t(key, lang), " " if inline else None, after], className="mb-2")


def _recipe(lang: str, name: str, url: str | None, active: bool) -> dbc.AccordionItem:
    steps, content_type, body = RECIPES[name]
    url_view = _url_view(lang, url, active)
    posts = f"POST {url or '…/ingest/<token>'}\nContent-Type: {content_type}\n\n{body}"
    return dbc.AccordionItem(
        [html.Ol([_step(lang, f"ingest_page.{name}.{n}", extra, url_view) for n, extra in enumerate(steps, 1)],
                 className="ps-3"),
         html.H3(t("ingest_page.posts", lang), className="h6 mt-3"),
         _block(posts, f"ingest-posts-{name}")],
        title=t(f"ingest_page.{name}.title", lang), item_id=name,
    )


def recipes(lang: str, url: str | None, active: bool, open_items: list[str] | None = None) -> dbc.Accordion:
    """Step-by-step set-up for each kind of phone, each with this line's URL (or a placeholder); the items the
    user had open stay open (the first one to begin with)."""
    return dbc.Accordion([_recipe(lang, name, url, active) for name in RECIPES], id="ingest-recipe-list",
                         always_open=True, active_item=[next(iter(RECIPES))] if open_items is None else open_items)


# ---- the test box ------------------------------------------------------------------------------

def _test_box(lang: str) -> list:
    return [
        html.P(t("ingest_page.test_intro", lang), className="small text-body-secondary"),
        dbc.Label(t("ingest_page.test_text", lang), html_for="ingest-test-text", className="small"),
        # The sample is a Korean text message in both languages (user data, not interface text).
        dbc.Textarea(id="ingest-test-text", value=SAMPLE, rows=5, className="user-text mb-2"),
        dbc.Label(t("ingest_page.test_sender", lang), html_for="ingest-test-sender", className="small"),
        dbc.Input(id="ingest-test-sender", type="text", maxLength=40, autoComplete="off", className="mb-2",
                  inputMode="tel"),
        dbc.Button(t("ingest_page.test_send", lang), id="ingest-test-send", color="primary"),
        html.Div(id="ingest-test-result", className="mt-3", **{"aria-live": "polite"}),
    ]


def test_result(lang: str, kind: str, amount: int | None, merchant: str | None,
                occurred_at: datetime | None) -> html.Div:
    """How the test message was read: kind, amount, merchant and time, and what would happen to it."""
    rows = [
        ("kind", dbc.Badge(t(f"ingest_page.kind.{kind}", lang), color="primary" if kind == "charge" else "secondary")),
        ("amount", html.Span(won(amount), className="amount fw-bold")),
        ("merchant", html.Span(merchant or "-", className="user-text")),
        ("time", _when(occurred_at) if occurred_at else "-"),
    ]
    items = []
    for name, value in rows:
        items += [html.Dt(t(f"ingest_page.result_{name}", lang), className="col-4 fw-normal text-body-secondary"),
                  html.Dd(value, className="col-8 mb-1", id=f"ingest-result-{name}")]
    return html.Div(
        [html.H3(t("ingest_page.result_title", lang), className="h6"),
         html.Dl(items, className="row mb-2"),
         html.P(t(f"ingest_page.note.{kind}", lang), className="small mb-0")],
        id="ingest-result", className="border rounded p-2",
    )


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("ingest_page.title", lang), className="h4 mb-2"),
            html.P(t("ingest_page.intro", lang), className="text-body-secondary"),
            dbc.Row(
                [dbc.Col(section(t("ingest_page.url_title", lang), *_url_card(lang), id="ingest-url-card"),
                         xs=12, lg=6),
                 dbc.Col(section(t("ingest_page.test_title", lang), *_test_box(lang), id="ingest-test-card"),
                         xs=12, lg=6)],
                className="g-3",
            ),
            section(t("ingest_page.recipes_title", lang),
                    html.P([t("ingest_page.recipes_intro", lang), _keywords()], className="small"),
                    html.Div(recipes(lang, None, False), id="ingest-recipes"), id="ingest-recipes-card"),
            dcc.Store(id="ingest-copy-texts", data={"copied": t("ingest_page.copied", lang),
                                                    "failed": t("ingest_page.copy_failed", lang)}),
        ],
        className="ingest-page",
    )
