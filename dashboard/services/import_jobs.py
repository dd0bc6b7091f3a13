"""The API's history import as a background job (issue #13): no upload ever meets a worker timeout.

    start_import_job(store, settings, user_id, line_id, content, filename, mapping_json, dry_run) -> JobStarted
    run_import_job(store, settings, job_id)        # the worker's (or thread's) entry point: dashboard.jobs
    abandon_import_job(store, job_id)              # the broker refused it: failed, with the caller's 503
    import_job_status(store, user_id, job_id) -> dict | None   # None: not the user's job (a 404, no leak)
    import_answer(found) / refusal_answer(refused, lang) -> Answer   # the inline route's bodies, shared

start_import_job checks what the inline import checks first — the line's MANAGE permission, the file, the
mapping's JSON, the size — so a refusal stores nothing. The job then runs the inline route's steps
(read_file, then preview or commit) and keeps the answer the route would have given (201, 200 or 422 with
the same body) for the client's poll; a crash is `failed` with a generic message. The upload's bytes live
in the job's row (every host sees the database) and are dropped when it ends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES

from dashboard.observability.counters import count_import
from dashboard.services.access import managed_line
from dashboard.services.errors import ServiceError
from dashboard.services.imports import (
    TOO_LARGE,
    ImportRefused,
    ImportSummary,
    Preview,
    api_mapping,
    commit,
    errors_json,
    field_list,
    line_not_found,
    preview,
    read_file,
)
from dashboard.settings import Settings
from dashboard.text.i18n import t
from data import import_jobs
from data.db import Store
from data.importing.pipeline import size_text
from data.models import ImportJob

log = logging.getLogger(__name__)

CHANNEL = "api"
# Refusals answered with a plain error body (its message in Korean, like the API's other errors); the rest is 422.
PLAIN_STATUS = {"line": 404, "no_file": 400, "bad_mapping": 400, "too_large": 413}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as data: what the inline route sends, and what a finished job keeps."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class JobStarted:
    job_id: int
    status: str


# ---- the answers (shared with the inline route) -----------------------------------------------------

def import_answer(found: Preview | ImportSummary) -> Answer:
    if isinstance(found, Preview):
        return Answer(200, _preview_body(found))
    return Answer(201, found.as_dict())


def refusal_answer(refused: ImportRefused, lang: str) -> Answer:
    """422 with every row's problem in `lang` (and what a mapping needs); the plain refusals in Korean."""
    if refused.kind in PLAIN_STATUS:
        return error_answer(PLAIN_STATUS[refused.kind], refused.errors[0].message)
    body: dict[str, Any] = {"error": "import_rejected", "message": t("import.failed", lang),
                            "errors": errors_json(refused.errors, lang)}
    if refused.kind == "mapping" and refused.reading is not None:
        body["needs_mapping"] = True
        body["columns"] = refused.reading.parsed.columns
        body["fields"] = field_list()
    return Answer(422, body)


def error_answer(status: int, message: str) -> Answer:
    """The API's error body, `{error, message}`, as dashboard.api's handler writes it."""
    return Answer(status, {"error": HTTP_STATUS_CODES[status].lower().replace(" ", "_"), "message": message})


def _preview_body(found: Preview) -> dict[str, Any]:
    return {
        "rows": found.rows, "new": found.new, "duplicates": found.duplicates, "format": found.file_format,
        "encoding": found.encoding, "mapping_remembered": found.remembered,
        "preview": [{"row": r.source_row, "occurred_at": r.occurred_at.isoformat(), "merchant": r.merchant,
                     "amount": r.amount, "status": r.status, "partial": r.partial, "category": r.category,
                     "bucket": r.bucket} for r in found.sample],
    }


# ---- starting a job ---------------------------------------------------------------------------------

def start_import_job(store: Store, settings: Settings, user_id: int, line_id: object, content: bytes | None,
                     filename: str, mapping_json: str | None, dry_run: bool = False, *, lang: str = "ko",
                     now: datetime | None = None) -> JobStarted:
    """Store a queued job for the user's line. Raises ImportRefused (line, no_file, bad_mapping, too_large)
    or Forbidden (a role without MANAGE) before anything is stored."""
    try:
        line, mapping = _checked_input(store, settings, user_id, line_id, content, mapping_json)
    except ImportRefused:  # counted as the inline import counts it (a role's 403 is not an import refusal)
        count_import(CHANNEL, "refused")
        raise
    assert content is not None  # checked above
    with store.write() as db:
        job = import_jobs.create_job(db, user_id=user_id, line_id=line, filename=filename, content=content,
                                     mapping=json.dumps(mapping, ensure_ascii=False) if mapping else None,
                                     dry_run=dry_run, lang=lang, now=now or datetime.now(UTC))
        return JobStarted(job.id, job.status)


def _checked_input(store: Store, settings: Settings, user_id: int, line_id: object, content: bytes | None,
                   mapping_json: str | None) -> tuple[int, dict[str, str] | None]:
    """The inline import's checks, in its order: the line, the file, the mapping, the size. Returns the line's
    id and the mapping."""
    line = managed_line(store, user_id, line_id)
    if line is None:
        raise line_not_found()
    if content is None:
        raise ImportRefused.because("no_file", "import.err.no_file")
    mapping = api_mapping(mapping_json)
    if len(content) > settings.import_max_bytes:
        raise ImportRefused.because("too_large", TOO_LARGE, limit=size_text(settings.import_max_bytes))
    return line.id, mapping


# ---- running it -------------------------------------------------------------------------------------

def run_import_job(store: Store, settings: Settings, job_id: int) -> None:
    """Claim the job (queued → running: a second run of the same job does nothing), run the import, keep
    the answer and drop the upload. Never raises for the import's own failures: they are the job's result."""
    with store.write() as db:
        if not import_jobs.claim(db, job_id, datetime.now(UTC)):
            return
        job = import_jobs.job_input(db, job_id)
    try:
        answer = _run(store, settings, job)
    except Exception:  # a bug or a fault: the client is told the job failed, the log has why
        log.exception("import job %s failed", job_id)
        _finish(store, job_id, import_jobs.FAILED, error_answer(500, t("import_job.failed", job.lang)))
        return
    _finish(store, job_id, import_jobs.DONE, answer)


def _run(store: Store, settings: Settings, job: ImportJob) -> Answer:
    mapping = json.loads(job.mapping) if job.mapping else None
    try:
        reading = read_file(store, job.user_id, job.content or b"", job.filename, mapping, settings.import_max_bytes)
        report = _progress(store, job.id)
        report(0, len(reading.rows))
        if job.dry_run:
            return import_answer(preview(store, job.user_id, job.line_id, reading))
        progress = report if not store.is_sqlite else None  # SQLite: the import's write lock would block it
        return import_answer(commit(store, settings, job.user_id, job.line_id, reading, job.filename,
                                    progress=progress, channel=CHANNEL))
    except ImportRefused as refused:
        count_import(CHANNEL, "refused")
        return refusal_answer(refused, job.lang)
    except ServiceError as refused:  # e.g. the user's role on the line changed since the upload
        return error_answer(refused.status, t(refused.key, job.lang, **refused.values))


def _progress(store: Store, job_id: int) -> Callable[[int, int], None]:
    """Rows stored so far, in a transaction of its own (the import's is still open on PostgreSQL)."""
    def report(stored: int, total: int) -> None:
        with store.write() as db:
            import_jobs.set_progress(db, job_id, stored, total)
    return report


def _finish(store: Store, job_id: int, status: str, answer: Answer) -> None:
    stored = answer.body.get("added") if answer.status == 201 else None
    with store.write() as db:
        import_jobs.finish(db, job_id, status=status, result_status=answer.status,
                           result=json.dumps(answer.body, ensure_ascii=False), now=datetime.now(UTC), stored=stored)


def abandon_import_job(store: Store, job_id: int, lang: str = "ko") -> None:
    """The job could not be handed to a worker (the broker is away): it ends failed with the 503 the caller
    got, its upload dropped, so no poll waits for a job nobody will run."""
    _finish(store, job_id, "failed", error_answer(503, t("fault.unavailable", lang)))


# ---- polling ----------------------------------------------------------------------------------------

def import_job_status(store: Store, user_id: int, job_id: object, *,
                      stale_after: timedelta | None = None) -> dict[str, Any] | None:
    """{job_id, status, progress: {stored, total}, created_at, started_at, finished_at, result_status?, result?}
    of the user's job; None for another user's job or none. A job not ended `stale_after` after it was
    created has lost its runner (the jobs' own deadline ends them sooner): it is marked failed."""
    with store.read() as db:
        job = import_jobs.job_of_user(db, user_id, job_id)
    if job is None:
        return None
    if stale_after is not None and job.status not in import_jobs.ENDED:
        job = _failed_if_stale(store, job, stale_after)
    status: dict[str, Any] = {
        "job_id": job.id, "status": job.status, "progress": {"stored": job.rows_stored, "total": job.rows_total},
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
    }
    if job.status in import_jobs.ENDED and job.result is not None:
        status["result_status"] = job.result_status
        status["result"] = json.loads(job.result)
    return status


def _failed_if_stale(store: Store, job: ImportJob, stale_after: timedelta) -> ImportJob:
    now = datetime.now(UTC)
    if job.created_at >= now - stale_after:
        return job
    result = json.dumps(error_answer(500, t("import_job.failed", job.lang)).body, ensure_ascii=False)
    with store.write() as db:
        if import_jobs.fail_stale(db, job.id, before=now - stale_after, result=result, now=now):
            log.warning("import job %s had no runner for %s: failed", job.id, stale_after)
        return import_jobs.job_of_user(db, job.user_id, job.id)


def is_pending(status: dict[str, Any]) -> bool:
    return status["status"] not in import_jobs.ENDED
