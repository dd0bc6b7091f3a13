"""The rows of background API imports (import_jobs): create, claim once, progress, finish, read.

A job is claimed with a conditional UPDATE (queued → running), so a job submitted twice — or picked up by two
workers — runs once. Finishing drops the upload's bytes: they are needed only until the import has run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, defer

from data.models import ImportJob

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ENDED = (DONE, FAILED)
MAX_FILENAME = 200


def create_job(session: Session, *, user_id: int, line_id: int, filename: str, content: bytes,
               mapping: str | None, dry_run: bool, lang: str, now: datetime) -> ImportJob:
    job = ImportJob(user_id=user_id, line_id=line_id, status=QUEUED, filename=filename[:MAX_FILENAME],
                    content=content, mapping=mapping, dry_run=dry_run, lang=lang, rows_stored=0, created_at=now)
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: int, now: datetime) -> bool:
    """queued → running; False when another run claimed it first (or it does not exist)."""
    claimed = session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == QUEUED)
                              .values(status=RUNNING, started_at=now).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def job_input(session: Session, job_id: int) -> ImportJob | None:
    return session.get(ImportJob, job_id)


def set_progress(session: Session, job_id: int, stored: int, total: int | None) -> None:
    session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == RUNNING)
                    .values(rows_stored=stored, rows_total=total).execution_options(synchronize_session=False))


def finish(session: Session, job_id: int, *, status: str, result_status: int, result: str, now: datetime,
           stored: int | None = None) -> None:
    """The job's end: its answer kept, the upload dropped."""
    values: dict[str, object] = {"status": status, "result_status": result_status, "result": result,
                                 "finished_at": now, "content": None}
    if stored is not None:
        values.update(rows_stored=stored, rows_total=stored)
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values)
                    .execution_options(synchronize_session=False))


def fail_stale(session: Session, job_id: int, *, before: datetime, result: str, now: datetime) -> bool:
    """A job still queued or running that was created before `before`: its runner is gone (a process killed
    mid-import, a lost queue message). Failed, its upload dropped; False when it was not stale."""
    failed = session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status.in_((QUEUED, RUNNING)),
                                                     ImportJob.created_at < before)
                             .values(status=FAILED, result_status=500, result=result, finished_at=now, content=None)
                             .execution_options(synchronize_session=False))
    return failed.rowcount == 1


def job_of_user(session: Session, user_id: int, job_id: object) -> ImportJob | None:
    """The job if `user_id` started it; None for anyone else's (or a malformed id), without reading the bytes."""
    if not isinstance(job_id, int) or isinstance(job_id, bool):
        return None
    query = (select(ImportJob).where(ImportJob.id == job_id, ImportJob.user_id == user_id)
             .options(defer(ImportJob.content)))
    return session.scalars(query).first()

