"""/import: upload → (column mapping) → preview → confirm → stored, with visible progress.

1. A clientside check refuses a file over the size limit before it is sent.
2. `stage` (normal callback, logged-in request) decodes the upload; the service checks the line
   belongs to the caller and keeps it under a random token (dashboard.services.import_staging)
   with user and line ids.
3. `run` is a Dash background callback: on the Celery worker when MICROBILL_REDIS_URL is set
   (CeleryManager, dashboard/jobs/), else in a forked process (DiskcacheManager in the instance
   folder). The preview parses the staged file (the parse is kept beside it) and counts it; the
   commit stores the kept rows, reporting progress with set_progress. The job dict comes from the
   browser, but the logged-in callbacks that made it signed its token with their user
   (job_signature); on Celery the job has no request and no login, so it first checks that
   signature and that the staged upload is that user's (check_job; under DiskcacheManager the
   forked request's login must agree too). Then the services take user and line from the staged
   record (written by step 2) and never from the browser; the commit re-checks ownership in its
   transaction. The job stops past MICROBILL_IMPORT_JOB_SECONDS (ImportRefused timeout).
4. `confirm` / `apply_mapping` / `cancel` are normal callbacks that move the staged upload on.

A table pasted into the "표 붙여넣기" tab takes the same road from step 2: a clientside check of its
size, then `stage_pasted` keeps the text (stage_paste refuses text with no table in it) and starts the
same preview job; the job dict's `source` only words the errors for a paste.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from pathlib import Path

from dash import ALL, CeleryManager, Dash, DiskcacheManager, Input, Output, State, ctx, html, no_update
from flask import Flask, has_request_context
from flask_login import current_user

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.jobs import celery_of
from dashboard.jobs.deadline import deadline
from dashboard.services.import_staging import (
    PASTE,
    Staged,
    check_job,
    choose_mapping,
    commit_staged,
    confirm_staged,
    discard_staged,
    job_signature,
    preview_staged,
    stage_paste,
    stage_upload,
)
from dashboard.services.imports import IGNORE, MAPPING_FIELDS, ImportRefused, Problem, check_deadline
from dashboard.text.i18n import t
from layouts import import_page as view
from layouts.shell import line_label

JOB_INTERVAL_MS = 300  # how often the browser asks the background job for progress


def _layout(lang: str):
    return view.page(lang, settings().import_max_bytes)


PAGE = Page("/import", "nav.import", _layout, order=20)

# Size check in the browser: a file over the limit is never sent (the server checks again).
CHECK_SIZE = """
function (contents, filename, config) {
    var none = window.dash_clientside.no_update;
    if (!contents) { return [none, none]; }
    // Clear the upload (its contents and the chosen file), so that choosing the same file again
    // (a second import of it) is a change and fires again.
    var input = document.querySelector('#import-upload input[type=file]');
    if (input) { input.value = ''; }
    var comma = contents.indexOf(',');
    var encoded = contents.length - comma - 1;
    var padding = contents.endsWith('==') ? 2 : (contents.endsWith('=') ? 1 : 0);
    var size = Math.floor(encoded * 3 / 4) - padding;
    if (size > config.max) { return [{error: config.too_large, name: filename, n: Date.now()}, null]; }
    return [{contents: contents, name: filename, n: Date.now()}, null];
}
"""

# The pasted text's size as the server counts it (UTF-8 bytes): text over the limit is never sent.
CHECK_PASTE = """
function (clicks, text, config) {
    if (!clicks) { return window.dash_clientside.no_update; }
    text = text || '';
    if (new TextEncoder().encode(text).length > config.max) {
        return {error: config.paste_too_large, n: Date.now()};
    }
    return {text: text, n: Date.now()};
}
"""

# dbc.Textarea takes no aria attributes: tie the hint under it to it for screen readers.
DESCRIBE_PASTE = """
function (config) {
    var attach = function (tries) {
        var box = document.getElementById('import-paste');
        if (box) { box.setAttribute('aria-describedby', 'import-paste-hint'); }
        else if (tries > 0) { setTimeout(function () { attach(tries - 1); }, 100); }
    };
    if (config) { attach(50); }
    return window.dash_clientside.no_update;
}
"""

# dcc.Upload renders its <input type=file> without a label: name it for screen readers.
LABEL_INPUT = """
function (config) {
    // Runs as the page is inserted, possibly before React has drawn the upload area: wait for it,
    // then keep the label on the input whenever React redraws it.
    var attach = function (tries) {
        var area = document.getElementById('import-upload');
        if (!area) {
            if (tries > 0) { setTimeout(function () { attach(tries - 1); }, 100); }
            return;
        }
        var label = function () {
            var input = area.querySelector('input[type=file]');
            if (input && input.getAttribute('aria-label') !== config.input_label) {
                input.setAttribute('aria-label', config.input_label);
            }
        };
        label();
        new MutationObserver(label).observe(area, {childList: true, subtree: true});
    };
    if (config) { attach(50); }
    return window.dash_clientside.no_update;
}
"""


def register(app: Dash) -> None:
    manager = _manager(app.server)
    # Input and output are the same prop on purpose: the callback empties the upload once read.
    app.clientside_callback(CHECK_SIZE, Output("import-file", "data"), Output("import-upload", "contents"),
                            Input("import-upload", "contents"),
                            State("import-upload", "filename"), State("import-config", "data"),
                            prevent_initial_call=True)
    app.clientside_callback(LABEL_INPUT, Output("import-a11y", "data"), Input("import-config", "data"))
    app.callback(Output("import-line", "children"), Input("line-picker", "value"), State("prefs", "data"))(show_line)
    _on_sent(app, Input("import-file", "data"), stage, [(Output("import-uploading", "hidden"), False, True)],
             duplicate=False)
    app.callback(
        Output("import-mapping", "children"),
        Output("import-preview", "children"),
        Output("import-result", "children", allow_duplicate=True),
        Input("import-job", "data"),
        State("prefs", "data"),
        background=True,
        manager=manager,
        interval=JOB_INTERVAL_MS,
        progress=[Output("import-progress-bar", "style"), Output("import-progress", "aria-valuenow"),
                  Output("import-status", "children")],
        progress_default=[{"width": "0%"}, "0", ""],
        running=[(Output("import-progress-wrap", "hidden"), False, True),
                 (Output("import-upload", "disabled"), True, False),
                 (Output("import-paste-preview", "disabled"), True, False)],
        prevent_initial_call=True,
    )(run)
    app.callback(Output("import-job", "data", allow_duplicate=True),
                 Output("import-result", "children", allow_duplicate=True),
                 Input("import-confirm", "n_clicks"), State("import-job", "data"), State("line-picker", "value"),
                 State("prefs", "data"), prevent_initial_call=True)(confirm)
    app.callback(
        Output("import-job", "data", allow_duplicate=True),
        Output("import-map-error", "children"),
        Input("import-map-apply", "n_clicks"),
        State({"type": "import-map", "col": ALL}, "value"),
        State({"type": "import-map", "col": ALL}, "id"),
        State("import-job", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(apply_mapping)
    app.callback(Output("import-job", "data", allow_duplicate=True),
                 Output("import-preview", "children", allow_duplicate=True),
                 Input("import-cancel", "n_clicks"), State("import-job", "data"), prevent_initial_call=True)(cancel)
    _register_paste(app)


def _register_paste(app: Dash) -> None:
    tabs = [Output(f"import-tab-{source}", prop) for source in view.SOURCES for prop in ("className", "aria-selected")]
    panes = [Output(f"import-pane-{source}", "hidden") for source in view.SOURCES]
    app.callback(*tabs, *panes, *[Input(f"import-tab-{source}", "n_clicks") for source in view.SOURCES],
                 prevent_initial_call=True)(choose_tab)
    app.clientside_callback(CHECK_PASTE, Output("import-paste-data", "data"), Input("import-paste-preview", "n_clicks"),
                            State("import-paste", "value"), State("import-config", "data"), prevent_initial_call=True)
    app.clientside_callback(DESCRIBE_PASTE, Output("import-paste-a11y", "data"), Input("import-config", "data"))
    _on_sent(app, Input("import-paste-data", "data"), stage_pasted,
             [(Output("import-paste-preview", "disabled"), True, False)], duplicate=True)


def _on_sent(app: Dash, sent: Input, handler: Callable, running: list, *, duplicate: bool) -> None:
    """`handler(sent, line_id, prefs)` starts an import from what the browser sent (_start): it sets the job
    and the result line, and empties the preview and the mapping."""
    app.callback(
        Output("import-job", "data", allow_duplicate=duplicate),
        Output("import-result", "children", allow_duplicate=duplicate),
        Output("import-preview", "children", allow_duplicate=True),
        Output("import-mapping", "children", allow_duplicate=True),
        sent,
        State("line-picker", "value"),
        State("prefs", "data"),
        running=running,
        prevent_initial_call=True,
    )(handler)


def show_line(line_id, prefs):
    lang, _ = prefs_of(prefs)
    line = line_for_user(line_id)
    return view.line_text(lang, line_label(line, lang) if line else None)


def choose_tab(*_clicks):
    chosen = str(ctx.triggered_id or "").removeprefix("import-tab-")
    return view.tab_state(chosen) if chosen in view.SOURCES else [no_update] * (3 * len(view.SOURCES))


def stage(upload, line_id, prefs):
    return _start(prefs, upload, lambda sent: stage_upload(store(), settings(), user_id(), line_id,
                                                           _decode(sent.get("contents")), sent.get("name")))


def stage_pasted(pasted, line_id, prefs):
    return _start(prefs, pasted, lambda sent: stage_paste(store(), settings(), user_id(), line_id, sent.get("text")))


def _start(prefs, sent, keep: Callable[[dict], Staged]):
    """What the browser sent (a file, or pasted text) kept by `keep`, and the preview job started; or why not
    (the browser's own size check, or the service's refusal)."""
    lang, _ = prefs_of(prefs)
    sent = sent if isinstance(sent, dict) else {}
    if sent.get("error"):
        return None, view.notice_view(str(sent["error"])), None, None
    try:
        staged = keep(sent)
    except ImportRefused as refused:
        return None, view.notice_view(refused.errors[0].text(lang)), None, None
    return _job(staged.token, "preview", staged.source), None, None, None


def run(set_progress, job, prefs):
    lang, _ = prefs_of(prefs)
    if not isinstance(job, dict):
        return no_update, no_update, no_update
    store().engine.dispose(close=False)  # a forked process must not share the parent's connections
    progress = _progress(set_progress)
    try:
        with deadline(settings().import_job_seconds):
            progress(5, t("import.reading", lang))
            # The job dict comes from the browser: its signature says whose it is (the Celery worker has
            # no login; a forked DiskcacheManager job still has the request's, which must agree).
            check_job(settings(), job.get("token"), job.get("sig"), _session_user())
            if job.get("step") == "commit":
                return _commit(progress, lang, job.get("token"))
            return _preview(progress, lang, job.get("token"))
    except ImportRefused as refused:
        return _refused(lang, refused, job.get("source") == PASTE)


def _session_user() -> int | None:
    """The login the job inherited from its request (DiskcacheManager), or None (the Celery worker)."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.user_id
    return None


def confirm(clicks, job, line_id, prefs):
    lang, _ = prefs_of(prefs)
    if not clicks:
        return no_update, no_update
    try:
        step = confirm_staged(store(), settings(), user_id(), _token(job), line_id)
    except ImportRefused as refused:
        return no_update, view.notice_view(refused.errors[0].text(lang))
    notice = view.notice_view(t("import.line_changed", lang)) if step == "preview" else None
    return _job(_token(job), step, _source(job)), notice


def apply_mapping(clicks, values, ids, job, prefs):
    lang, _ = prefs_of(prefs)
    if not clicks:
        return no_update, no_update
    chosen = {i.get("col") if isinstance(i, dict) else None: v for i, v in zip(ids, values, strict=True)}
    try:
        choose_mapping(settings(), user_id(), _token(job), chosen)
    except ImportRefused as refused:
        return no_update, refused.errors[0].text(lang)
    return _job(_token(job), "preview", _source(job)), ""


def cancel(clicks, job):
    if not clicks:
        return no_update, no_update
    discard_staged(settings(), user_id(), _token(job))
    return None, None


class _CeleryJobs(CeleryManager):
    """Dash's CeleryManager, but the job's message (kept in Redis until a worker takes it) carries no
    cookies and no headers: the session cookie and the CSRF token never leave the web host. The job needs
    neither (check_job)."""

    def call_job_fn(self, key, job_fn, args, context):
        kept = {name: value for name, value in context.items() if name not in ("cookies", "headers")}
        return super().call_job_fn(key, job_fn, args, kept)


def _manager(server: Flask) -> CeleryManager | DiskcacheManager:
    celery = celery_of(server)
    if celery is not None:  # every host polls the same Redis; `microbill worker` runs the jobs
        return _CeleryJobs(celery, expire=3600)
    import diskcache

    folder = Path(server.config["MICROBILL"].instance_path) / "dash-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    # expire: a finished job's result waits at most an hour for its page to collect it.
    return DiskcacheManager(diskcache.Cache(str(folder)), expire=3600)


def _job(token: object, step: str, source: object = None) -> dict:
    # `n` makes every request a new job (the manager keys jobs by their arguments); `sig` says whose it is
    # (called from logged-in callbacks only, after the service found the upload to be this user's).
    sig = job_signature(settings(), user_id(), token) if isinstance(token, str) else None
    return {"token": token, "step": step, "n": secrets.token_hex(4), "source": source, "sig": sig}


def _token(job: object) -> object:
    return job.get("token") if isinstance(job, dict) else None


def _source(job: object) -> object:
    return job.get("source") if isinstance(job, dict) else None


def _decode(contents: object) -> bytes | None:
    if not isinstance(contents, str) or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


Progress = Callable[[int, str], None]


def _progress(set_progress) -> Progress:
    def progress(percent: int, text: str) -> None:
        check_deadline(settings())  # every step of the job (preview and commit) stops past its time limit
        set_progress(({"width": f"{percent}%"}, str(percent), text))

    return progress


def _preview(progress: Progress, lang: str, token: object):
    found = preview_staged(store(), settings(), token, checking=lambda: progress(60, t("import.checking", lang)))
    progress(100, "")
    return None, view.preview_card(lang, found.preview, line_label(found.line, lang)), None


def _commit(progress: Progress, lang: str, token: object):
    progress(30, t("import.checking", lang))

    def stored(done: int, to_store: int) -> None:
        # After the last chunk the alerts engine still looks at the new rows: say so.
        text = (t("import.finishing", lang) if done >= to_store else
                t("import.storing", lang, done=f"{done:,}", total=f"{to_store:,}"))
        progress(30 + int(65 * done / max(to_store, 1)), text)

    summary = commit_staged(store(), settings(), token, progress=stored)
    progress(100, t("import.finishing", lang))
    return None, None, view.done_view(lang, summary.added, summary.duplicates)


def _refused(lang: str, refused: ImportRefused, pasted: bool = False):
    if refused.kind in ("expired", "line", "timeout"):
        return None, None, view.notice_view(refused.errors[0].text(lang))
    ask = refused.ask
    mapping = view.mapping_view(lang, ask.columns, ask.samples, ask.chosen, MAPPING_FIELDS, IGNORE) if ask else None
    return mapping, None, _errors(lang, refused.errors, pasted) if refused.errors else None


def _errors(lang: str, errors: list[Problem], pasted: bool) -> html.Div:
    return view.errors_view(lang, [(e.row, e.text(lang)) for e in errors], pasted)
