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
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_smorest import abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.context import settings, store
from dashboard.services.imports import (
    MAPPING_FIELDS,
    ImportRefused,
    Preview,
    errors_json,
    field_list,
    import_upload,
)
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


@blp.route("/lines/<int:line_id>/imports", methods=["POST"])
@blp.arguments(ImportQuery, location="query")
@blp.arguments(ImportUpload, location="files")
@blp.response(201, ImportResult)
@blp.alt_response(200, schema=PreviewOut, description="dry_run=true: the preview; nothing written.")
@blp.alt_response(422, schema=ImportErrors, description="Rejected whole: every problem with its row.")
@blp.alt_response(400, description="No file, or a mapping that is not a JSON object.")
@blp.alt_response(413, description="File too large (MICROBILL_IMPORT_MAX_BYTES).")
@blp.alt_response(404, description="Not the caller's line.")
def import_file(query: dict, files: dict, line_id: int):
    """Import a history file into the line: all rows or none; rows already stored are skipped."""
    upload = files.get("file")
    content = upload.read(settings().import_max_bytes + 1) if upload else None  # at most one byte past the limit
    filename = (upload.filename if upload else None) or "upload"
    try:
        found = import_upload(store(), settings(), caller_id(), line_id, content, filename,
                              request.form.get("mapping"), dry_run=query["dry_run"], channel="api")
    except ImportRefused as refused:
        return _refused(refused)
    if isinstance(found, Preview):  # a Response, so the 201 schema does not apply to the preview
        return jsonify(PreviewOut().dump(_preview_body(found)))
    return found.as_dict()


# Refusals answered with a plain error body (its message in Korean, like the API's other errors).
_STATUS = {"line": 404, "no_file": 400, "bad_mapping": 400, "too_large": 413}


def _refused(refused: ImportRefused):
    if refused.kind in _STATUS:
        abort(_STATUS[refused.kind], message=refused.errors[0].message)
    lang = ui_lang()  # the 422 body speaks the `lang` cookie's language (Korean without one)
    body: dict[str, Any] = {"error": "import_rejected", "message": t("import.failed", lang),
                            "errors": errors_json(refused.errors, lang)}
    if refused.kind == "mapping" and refused.reading is not None:
        body["needs_mapping"] = True
        body["columns"] = refused.reading.parsed.columns
        body["fields"] = field_list()
    response = jsonify(body)
    response.status_code = 422
    return response


def _preview_body(found: Preview) -> dict[str, Any]:
    return {
        "rows": found.rows, "new": found.new, "duplicates": found.duplicates, "format": found.file_format,
        "encoding": found.encoding, "mapping_remembered": found.remembered,
        "preview": [{"row": r.source_row, "occurred_at": r.occurred_at, "merchant": r.merchant, "amount": r.amount,
                     "status": r.status, "partial": r.partial, "category": r.category, "bucket": r.bucket}
                    for r in found.sample],
    }
