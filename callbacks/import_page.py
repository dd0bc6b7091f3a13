"""/import: upload → (column mapping) → preview → confirm → stored, with visible progress.

1. A clientside check refuses a file over the size limit before it is sent.
2. `stage` (normal callback, logged-in request) decodes the upload; the service checks the line
   belongs to the caller and keeps it under a random token (dashboard.services.import_staging)
   with user and line ids.
3. `run` is a Dash background callback (DiskcacheManager in the instance folder): the preview
   parses the staged file (the parse is kept beside it) and counts it; the commit stores the
   kept rows, reporting progress with set_progress. It runs in a forked process with no login
   (the request's app context is inherited), so the services take user and line from the
   staged record (written by step 2) and never from the browser; the commit re-checks
   ownership in its transaction.
4. `confirm` / `apply_mapping` / `cancel` are normal callbacks that move the staged upload on.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from pathlib import Path

from dash import ALL, Dash, DiskcacheManager, Input, Output, State, html, no_update

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services.import_staging import (
    choose_mapping,
    commit_staged,
    confirm_staged,
    discard_staged,
    preview_staged,
    stage_upload,
)
from dashboard.services.imports import IGNORE, MAPPING_FIELDS, ImportRefused, Problem
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
    manager = _manager(app.server.config["MICROBILL"].instance_path)
    # Input and output are the same prop on purpose: the callback empties the upload once read.
    app.clientside_callback(CHECK_SIZE, Output("import-file", "data"), Output("import-upload", "contents"),
                            Input("import-upload", "contents"),
                            State("import-upload", "filename"), State("import-config", "data"),
                            prevent_initial_call=True)
    app.clientside_callback(LABEL_INPUT, Output("import-a11y", "data"), Input("import-config", "data"))
    app.callback(Output("import-line", "children"), Input("line-picker", "value"), State("prefs", "data"))(show_line)
    app.callback(
        Output("import-job", "data"),
        Output("import-result", "children"),
        Output("import-preview", "children", allow_duplicate=True),
        Output("import-mapping", "children", allow_duplicate=True),
        Input("import-file", "data"),
        State("line-picker", "value"),
        State("prefs", "data"),
        running=[(Output("import-uploading", "hidden"), False, True)],
        prevent_initial_call=True,
    )(stage)
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
                 (Output("import-upload", "disabled"), True, False)],
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


def show_line(line_id, prefs):
    lang, _ = prefs_of(prefs)
    line = line_for_user(line_id)
    return view.line_text(lang, line_label(line, lang) if line else None)


def stage(upload, line_id, prefs):
    lang, _ = prefs_of(prefs)
    upload = upload if isinstance(upload, dict) else {}
    if upload.get("error"):
        return None, view.notice_view(str(upload["error"])), None, None
    try:
        staged = stage_upload(store(), settings(), user_id(), line_id, _decode(upload.get("contents")),
                              upload.get("name"))
    except ImportRefused as refused:
        return None, view.notice_view(refused.errors[0].text(lang)), None, None
    return _job(staged.token, "preview"), None, None, None


def run(set_progress, job, prefs):
    lang, _ = prefs_of(prefs)
    if not isinstance(job, dict):
        return no_update, no_update, no_update
    store().engine.dispose(close=False)  # a forked process must not share the parent's connections
    progress = _progress(set_progress)
    progress(5, t("import.reading", lang))
    try:
        if job.get("step") == "commit":
            return _commit(progress, lang, job.get("token"))
        return _preview(progress, lang, job.get("token"))
    except ImportRefused as refused:
        return _refused(lang, refused)


def confirm(clicks, job, line_id, prefs):
    lang, _ = prefs_of(prefs)
    if not clicks:
        return no_update, no_update
    try:
        step = confirm_staged(store(), settings(), user_id(), _token(job), line_id)
    except ImportRefused as refused:
        return no_update, view.notice_view(refused.errors[0].text(lang))
    notice = view.notice_view(t("import.line_changed", lang)) if step == "preview" else None
    return _job(_token(job), step), notice


def apply_mapping(clicks, values, ids, job, prefs):
    lang, _ = prefs_of(prefs)
    if not clicks:
        return no_update, no_update
    chosen = {i.get("col") if isinstance(i, dict) else None: v for i, v in zip(ids, values, strict=True)}
    try:
        choose_mapping(settings(), user_id(), _token(job), chosen)
    except ImportRefused as refused:
        return no_update, refused.errors[0].text(lang)
    return _job(_token(job), "preview"), ""


def cancel(clicks, job):
    if not clicks:
        return no_update, no_update
    discard_staged(settings(), user_id(), _token(job))
    return None, None


def _manager(instance: str) -> DiskcacheManager:
    import diskcache

    folder = Path(instance) / "dash-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    # expire: a finished job's result waits at most an hour for its page to collect it.
    return DiskcacheManager(diskcache.Cache(str(folder)), expire=3600)


def _job(token: str, step: str) -> dict:
    # `n` makes every request a new job (the manager keys jobs by their arguments).
    return {"token": token, "step": step, "n": secrets.token_hex(4)}


def _token(job: object) -> object:
    return job.get("token") if isinstance(job, dict) else None


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


def _refused(lang: str, refused: ImportRefused):
    if refused.kind in ("expired", "line"):
        return None, None, view.notice_view(refused.errors[0].text(lang))
    ask = refused.ask
    mapping = view.mapping_view(lang, ask.columns, ask.samples, ask.chosen, MAPPING_FIELDS, IGNORE) if ask else None
    return mapping, None, _errors(lang, refused.errors) if refused.errors else None


def _errors(lang: str, errors: list[Problem]) -> html.Div:
    return view.errors_view(lang, [(e.row, e.text(lang)) for e in errors])
