"""/import: upload → (column mapping) → preview → confirm → stored, with visible progress.

1. A clientside check refuses a file over the size limit before it is sent.
2. `stage` (normal callback, logged-in request) checks the line belongs to the caller, decodes the
   upload and keeps it under a random token (dashboard.services.import_staging) with user and line ids.
3. `run` is a Dash background callback (DiskcacheManager in the instance folder): it reads the
   staged file, builds the preview or commits it, reporting progress with set_progress. It runs in
   a forked process with no request or login, so it takes user and line from the staged record
   (written by step 2) and never from the browser; `commit` re-checks ownership in its transaction.
4. `confirm` / `apply_mapping` / `cancel` are normal callbacks that move the staged upload on.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path

from dash import ALL, Dash, DiskcacheManager, Input, Output, State, html, no_update
from flask import Flask

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from callbacks.shell import line_label
from dashboard.context import settings, store
from dashboard.services.import_staging import Staged, Staging
from dashboard.services.imports import ImportRefused, Reading, commit, preview, read_file
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.importing import FIELDS, REQUIRED_FIELDS, ImportedRow, RowError
from data.lines import owned_line
from data.vocab import to_kst
from layouts import import_page as view

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
    server: Flask = app.server
    instance = server.config["MICROBILL"].instance_path
    manager = _manager(instance)
    staging = Staging(instance)

    # Input and output are the same prop on purpose: the callback empties the upload once read.
    app.clientside_callback(CHECK_SIZE, Output("import-file", "data"), Output("import-upload", "contents"),
                            Input("import-upload", "contents"),
                            State("import-upload", "filename"), State("import-config", "data"),
                            prevent_initial_call=True)

    app.clientside_callback(LABEL_INPUT, Output("import-a11y", "data"), Input("import-config", "data"))

    @app.callback(Output("import-line", "children"), Input("line-picker", "value"), State("prefs", "data"))
    def show_line(line_id, prefs):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        return view.line_text(lang, line_label(line, lang) if line else None)

    @app.callback(
        Output("import-job", "data"),
        Output("import-result", "children"),
        Output("import-preview", "children", allow_duplicate=True),
        Output("import-mapping", "children", allow_duplicate=True),
        Input("import-file", "data"),
        State("line-picker", "value"),
        State("prefs", "data"),
        running=[(Output("import-uploading", "hidden"), False, True)],
        prevent_initial_call=True,
    )
    def stage(upload, line_id, prefs):
        lang, _ = prefs_of(prefs)
        upload = upload if isinstance(upload, dict) else {}
        if upload.get("error"):
            return None, view.notice_view(str(upload["error"])), None, None
        line = line_for_user(line_id)
        if line is None:
            return None, view.notice_view(t("import.no_line", lang)), None, None
        content = _decode(upload.get("contents"))
        if content is None:
            return None, view.notice_view(t("import.bad_upload", lang)), None, None
        limit = settings().import_max_bytes
        if len(content) > limit:
            return None, view.notice_view(t("import.too_large", lang, limit=view.size_text(limit))), None, None
        name = upload.get("name") if isinstance(upload.get("name"), str) else "upload"
        staged = staging.save(user_id(), line.id, name, content)
        return _job(staged.token, "preview"), None, None, None

    @app.callback(
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
    )
    def run(set_progress, job, prefs):
        lang, _ = prefs_of(prefs)
        if not isinstance(job, dict):
            return no_update, no_update, no_update
        with server.app_context():
            store().engine.dispose(close=False)  # a forked process must not share the parent's connections
            return _Job(staging, set_progress, lang).run(job)

    @app.callback(
        Output("import-job", "data", allow_duplicate=True),
        Output("import-result", "children", allow_duplicate=True),
        Input("import-confirm", "n_clicks"),
        State("import-job", "data"),
        State("line-picker", "value"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
    def confirm(clicks, job, line_id, prefs):
        lang, _ = prefs_of(prefs)
        staged = _own_staged(staging, job)
        if not clicks or staged is None:
            return no_update, view.notice_view(t("import.expired", lang)) if clicks else no_update
        line = line_for_user(line_id)
        if line is None:
            return no_update, view.notice_view(t("import.no_line", lang))
        if line.id != staged.line_id:  # the picker moved after the preview: show the new line's preview
            staging.update(staged, line_id=line.id)
            return _job(staged.token, "preview"), view.notice_view(t("import.line_changed", lang))
        return _job(staged.token, "commit"), None

    @app.callback(
        Output("import-job", "data", allow_duplicate=True),
        Output("import-map-error", "children"),
        Input("import-map-apply", "n_clicks"),
        State({"type": "import-map", "col": ALL}, "value"),
        State({"type": "import-map", "col": ALL}, "id"),
        State("import-job", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
    def apply_mapping(clicks, values, ids, job, prefs):
        lang, _ = prefs_of(prefs)
        staged = _own_staged(staging, job)
        if not clicks or staged is None:
            return no_update, t("import.expired", lang) if clicks else no_update
        chosen = {staged.columns[i["col"]]: v for i, v in zip(ids, values, strict=True)
                  if isinstance(i.get("col"), int) and 0 <= i["col"] < len(staged.columns)}
        problem = _mapping_problem(chosen, lang)
        if problem:
            return no_update, problem
        staging.update(staged, mapping={k: v or "" for k, v in chosen.items()})
        return _job(staged.token, "preview"), ""

    @app.callback(
        Output("import-job", "data", allow_duplicate=True),
        Output("import-preview", "children", allow_duplicate=True),
        Input("import-cancel", "n_clicks"),
        State("import-job", "data"),
        prevent_initial_call=True,
    )
    def cancel(clicks, job):
        staged = _own_staged(staging, job)
        if not clicks:
            return no_update, no_update
        if staged is not None:
            staging.discard(staged.token)
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


def _decode(contents: object) -> bytes | None:
    if not isinstance(contents, str) or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def _own_staged(staging: Staging, job: object) -> Staged | None:
    staged = staging.load(job.get("token")) if isinstance(job, dict) else None
    return staged if staged is not None and staged.user_id == user_id() else None


def _mapping_problem(chosen: dict[str, str], lang: str) -> str | None:
    picked = [v for v in chosen.values() if v]
    label = {f.name: t(f"import.field.{f.name}", lang) for f in FIELDS}
    missing = [label[name] for name in REQUIRED_FIELDS if name not in picked]
    if missing:
        return t("import.mapping_missing", lang, fields=", ".join(missing))
    twice = sorted({label.get(v, v) for v in picked if picked.count(v) > 1})
    if twice:
        return t("import.mapping_twice", lang, fields=", ".join(twice))
    return None


class _Job:
    """One background run: preview or commit of a staged upload (inside an app context)."""

    def __init__(self, staging: Staging, set_progress, lang: str) -> None:
        self.staging, self.set_progress, self.lang = staging, set_progress, lang

    def progress(self, percent: int, text: str) -> None:
        self.set_progress(({"width": f"{percent}%"}, str(percent), text))

    def run(self, job: dict):
        staged = self.staging.load(job.get("token"))
        if staged is None:
            return None, None, view.notice_view(t("import.expired", self.lang))
        with store().read() as db:
            line = owned_line(db, staged.user_id, staged.line_id)
            label = line_label(line, self.lang) if line else None
        if line is None:
            return None, None, view.notice_view(t("import.no_line", self.lang))
        self.progress(5, t("import.reading", self.lang))
        try:
            reading = read_file(store(), staged.user_id, self.staging.content(staged), staged.filename,
                                staged.mapping, settings().import_max_bytes, staged.signature)
            if job.get("step") == "commit":
                return self._commit(staged, reading)
            return self._preview(staged, reading, label)
        except ImportRefused as refused:
            return self._refused(staged, refused)

    def _preview(self, staged: Staged, reading: Reading, label: str | None):
        self.progress(60, t("import.checking", self.lang))
        found = preview(store(), staged.user_id, staged.line_id, reading)
        counts = {"rows": found.rows, "new": found.new, "duplicates": found.duplicates}
        detected = " · ".join(filter(None, [(found.file_format or "").upper(), (found.encoding or "").upper(),
                                            label]))
        self.progress(100, "")
        rows = [self._display(row) for row in found.sample]
        return None, view.preview_view(self.lang, counts, detected, found.remembered, rows), None

    def _commit(self, staged: Staged, reading: Reading):
        self.progress(30, t("import.checking", self.lang))

        def stored(done: int, to_store: int) -> None:
            # After the last chunk the alerts engine still looks at the new rows: say so.
            text = (t("import.finishing", self.lang) if done >= to_store else
                    t("import.storing", self.lang, done=f"{done:,}", total=f"{to_store:,}"))
            self.progress(30 + int(65 * done / max(to_store, 1)), text)

        summary = commit(store(), settings(), staged.user_id, staged.line_id, reading, staged.filename,
                         progress=stored, channel="web")
        self.staging.discard(staged.token)
        self.progress(100, t("import.finishing", self.lang))
        return None, None, view.done_view(self.lang, summary.added, summary.duplicates)

    def _refused(self, staged: Staged, refused: ImportRefused):
        reading = refused.reading
        if refused.kind == "mapping" and reading is not None:
            parsed = reading.parsed
            staged = self.staging.update(staged, signature=reading.signature, columns=parsed.columns,
                                         samples=parsed.sample_rows, mapping=None)
            chosen = reading.mapping or parsed.mapping
            errors = _errors(self.lang, refused.errors) if reading.mapping else None
            return view.mapping_view(self.lang, staged.columns, staged.samples, chosen), None, errors
        if reading is not None and reading.mapping and not reading.remembered and staged.columns:
            # Rows failed under the user's own mapping: let them change it without uploading again.
            mapping = view.mapping_view(self.lang, staged.columns, staged.samples, reading.mapping)
            return mapping, None, _errors(self.lang, refused.errors)
        self.staging.discard(staged.token)
        return None, None, _errors(self.lang, refused.errors)

    def _display(self, row: ImportedRow) -> dict[str, str]:
        status = t("import.partial", self.lang) if row.partial else t(f"tx.status.{row.status}", self.lang)
        return {
            "row": str(row.source_row),
            "when": to_kst(row.occurred_at).strftime("%Y-%m-%d %H:%M"),
            "merchant": row.merchant,
            "amount": won(row.amount),
            "status": status,
            "category": t(f"tx.cat.{row.category}", self.lang),
            "bucket": t(f"bucket.{row.bucket}", self.lang),
        }


def _errors(lang: str, errors: list[RowError]) -> html.Div:
    return view.errors_view(lang, [(e.row, e.message) for e in errors])
