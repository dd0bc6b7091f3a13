"""POST /api/v1/lines/<id>/imports: a carrier-history file (CSV/XLSX, multipart field `file`).

- 201 {added, duplicates}: every row stored (duplicates of stored rows skipped), in one transaction
- ?dry_run=true → 200 with the preview (counts and the first rows); nothing is written
- 422 {error: "import_rejected", message, errors: [{row, code, message}]}: nothing written; `row` is the
  spreadsheet row (0 = the whole file), `code` the message key, `message` its text (the `lang` cookie's
  language, Korean without one).
  Unknown headers add needs_mapping, columns and fields: send `mapping` (form field, JSON
  {raw header: field}) and the mapping is remembered for the next file with those headers.
- 413 file over MICROBILL_IMPORT_MAX_BYTES; 400 no file or a mapping that is not a JSON object
- 404 another user's (or no) line
- 202 {job_id, status, status_url} + Location: a file over MICROBILL_IMPORT_INLINE_BYTES, or any file with
  `Prefer: respond-async` (RFC 7240), becomes a background job (dashboard/services/import_jobs.py); the refusals
  above that need no parse (404, 403, 400, 413) are still answered at once. Poll
  GET /api/v1/imports/jobs/<id>: {job_id, status, progress, result_status?, result?}, `result` the body this
  route would have answered; 404 for another user's job.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, jsonify, request, url_for
from flask_smorest import abort
from flask_smorest.fields import Upload
from kombu.exceptions import OperationalError as BrokerUnavailable
from marshmallow import Schema, fields

from dashboard import jobs
from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.context import settings, store
from dashboard.services.import_jobs import (
    Answer,
    abandon_import_job,
    import_answer,
    import_job_status,
    is_pending,
    refusal_answer,
    start_import_job,
)
from dashboard.services.imports import MAPPING_FIELDS, ImportRefused, import_upload
from dashboard.text.i18n import t
from dashboard.web.auth import ui_lang

blp = Blueprint("imports", __name__, description="Importing carrier history files")


class ImportUpload(Schema):
    """The multipart body. One schema for both parts, so OpenAPI shows one multipart/form-data body;
    webargs reads it from request.files, so `mapping` (a form field) is read from request.form."""

    file = Upload(metadata={"description": "CSV (UTF-8/CP949) or XLSX copy of the carrier's history page"})
    mapping = fields.String(load_default=None, metadata={
        "description": 'JSON {"raw header": "field"} for unknown headers; fields: '
                       + ", ".join(name for name, _ in MAPPING_FIELDS) + ' ("" ignores a column)'})


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Preview only; nothing is written."})


class ImportResult(Schema):
    added = fields.Integer()
    duplicates = fields.Integer()


class PreviewRow(Schema):
    row = fields.Integer()
    occurred_at = fields.DateTime(format="iso")
    merchant = fields.String()
    amount = fields.Integer()
    status = fields.String()
    partial = fields.Boolean()
    category = fields.String()
    bucket = fields.String()


class PreviewOut(Schema):
    rows = fields.Integer()
    new = fields.Integer()
    duplicates = fields.Integer()
    format = fields.String(allow_none=True)
    encoding = fields.String(allow_none=True)
    mapping_remembered = fields.Boolean()
    preview = fields.List(fields.Nested(PreviewRow))


ROW_ERRORS = {"type": "array", "description": "Every problem with its spreadsheet row (0 = the whole file)",
              "items": {"type": "object", "required": ["row", "message"],
                        "properties": {"row": {"type": "integer"}, "message": {"type": "string"},
                                       "code": {"type": "string", "description": "The message key"}}}}


class ImportErrors(Schema):
    """422: the file's problems by row — or, like every other route, webargs' validation messages by field."""

    error = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Raw(required=True, metadata={"oneOf": [
        ROW_ERRORS,
        {"type": "object", "description": "Validation messages by location and field"},
    ]})
    needs_mapping = fields.Boolean()
    columns = fields.List(fields.String())
    fields_ = fields.List(fields.Dict(), data_key="fields")


RETRY_SECONDS = 2  # how soon to poll a pending job (a 200,000-row file takes tens of seconds)
STALE_GRACE = timedelta(minutes=5)  # past the jobs' own time limit: a job still pending has lost its runner
RETRY_AFTER = {"description": "Seconds to wait before polling the job (again).",
               "schema": {"type": "integer", "minimum": 0}}


class ImportHeaders(Schema):
    prefer = fields.String(data_key="Prefer", load_default=None, metadata={
        "description": "`respond-async` (RFC 7240): answer 202 with a job to poll, whatever the file's size.",
        "example": "respond-async"})


class JobAccepted(Schema):
    job_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["queued", "running", "done", "failed"]})
    status_url = fields.String(required=True, metadata={"description": "GET it for the job's status and result."})


class JobProgress(Schema):
    stored = fields.Integer(required=True, metadata={"description": "Rows stored so far"})
    total = fields.Integer(allow_none=True, metadata={
        "description": "Rows to store (null until the file is read; duplicates drop out once storing starts)"})


class JobStatus(Schema):
    job_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["queued", "running", "done", "failed"]})
    progress = fields.Nested(JobProgress, required=True)
    created_at = fields.DateTime(format="iso", required=True)
    started_at = fields.DateTime(format="iso", allow_none=True)
    finished_at = fields.DateTime(format="iso", allow_none=True)
    result_status = fields.Integer(metadata={
        "description": "Once done or failed: the status the import would have answered at once "
                       "(201, 200, 422; 404/403 if the line went away meanwhile; 500 for a failed job)"})
    result = fields.Dict(metadata={
        "description": "Once done or failed: that answer's body (ImportResult, PreviewOut, ImportErrors or Error)"})


@blp.route("/lines/<int:line_id>/imports", methods=["POST"])
@blp.arguments(ImportQuery, location="query")
@blp.arguments(ImportHeaders, location="headers")
@blp.arguments(ImportUpload, location="files")
@blp.response(201, ImportResult)
@blp.alt_response(200, schema=PreviewOut, description="dry_run=true: the preview; nothing written.")
@blp.alt_response(202, schema=JobAccepted, description=(
    "A file over MICROBILL_IMPORT_INLINE_BYTES, or `Prefer: respond-async`: the import runs as a job; poll "
    "`status_url` (also in `Location`) for the answer this route would have given."),
    headers={"Location": {"description": "The job's status URL", "required": True, "schema": {"type": "string"}},
             "Retry-After": {**RETRY_AFTER, "required": True}})
@blp.alt_response(422, schema=ImportErrors, description="Rejected whole: every problem with its row.")
@blp.alt_response(400, description="No file, or a mapping that is not a JSON object.")
@blp.alt_response(413, description="File too large (MICROBILL_IMPORT_MAX_BYTES).")
@blp.alt_response(404, description="Not the caller's line.")
def import_file(query: dict, headers: dict, files: dict, line_id: int):
    """Import a history file into the line: all rows or none; rows already stored are skipped."""
    upload = files.get("file")
    content = upload.read(settings().import_max_bytes + 1) if upload else None  # at most one byte past the limit
    filename = (upload.filename if upload else None) or "upload"
    asked_async = _prefers_async(headers.get("prefer"))
    if content is not None and (asked_async or len(content) > settings().import_inline_bytes):
        return _start_job(line_id, content, filename, query["dry_run"], asked_async)
    try:
        found = import_upload(store(), settings(), caller_id(), line_id, content, filename,
                              request.form.get("mapping"), dry_run=query["dry_run"], channel="api")
    except ImportRefused as refused:
        return _respond(refusal_answer(refused, ui_lang()))  # 422s speak the `lang` cookie's language
    return _respond(import_answer(found))  # a Response, so the 201 schema does not re-dump it


@blp.route("/imports/jobs/<int:job_id>", methods=["GET"])
@blp.response(200, JobStatus, headers={"Retry-After": {**RETRY_AFTER, "description": "While the job is "
                                                        "queued or running: seconds to wait before polling again."}})
@blp.alt_response(404, description="Not a job the caller started.")
def import_job(job_id: int):
    """A background import's status; once it ended, the answer the import route would have given."""
    status = import_job_status(store(), caller_id(), job_id,
                               stale_after=timedelta(seconds=settings().import_job_seconds) + STALE_GRACE)
    if status is None:
        abort(404, message=t("import_job.not_found", "ko"))
    return status, 200, ({"Retry-After": str(RETRY_SECONDS)} if is_pending(status) else {})


def _start_job(line_id: int, content: bytes, filename: str, dry_run: bool, asked_async: bool) -> Response:
    try:
        started = start_import_job(store(), settings(), caller_id(), line_id, content, filename,
                                   request.form.get("mapping"), dry_run, lang=ui_lang())
    except ImportRefused as refused:
        return _respond(refusal_answer(refused, ui_lang()))
    # After the job's row is committed, so whichever worker picks it up finds it. The app object itself, not
    # the proxy: the thread that may run it has no application context.
    try:
        jobs.submit(current_app._get_current_object(), "import_job", started.job_id)
    except BrokerUnavailable:
        abandon_import_job(store(), started.job_id, ui_lang())
        raise  # dashboard.web.faults: 503 + Retry-After
    url = url_for("imports.import_job", job_id=started.job_id)
    response = _respond(Answer(202, {"job_id": started.job_id, "status": started.status, "status_url": url}))
    response.headers.update({"Location": url, "Retry-After": str(RETRY_SECONDS)})
    if asked_async:
        response.headers["Preference-Applied"] = "respond-async"
    return response


def _prefers_async(prefer: str | None) -> bool:
    """RFC 7240: comma-separated preferences, each `name[=value][; param]`, names case-insensitive."""
    names = (part.split(";", 1)[0].split("=", 1)[0].strip().lower() for part in (prefer or "").split(","))
    return "respond-async" in names


def _respond(answer: Answer) -> Response:
    response = jsonify(answer.body)
    response.status_code = answer.status
    return response
