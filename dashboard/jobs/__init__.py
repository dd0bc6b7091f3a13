"""Background jobs that outlive the request that started them (issue #13; docs/operations.md).

    submit(server, name, *args)   # run TASKS[name](store, settings, *args) after this request

With `MICROBILL_REDIS_URL` set the job goes to the Celery worker (`microbill worker`), so any host may
start it and any host may poll its result; without it (the laptop) it runs in a daemon thread of this
process, as before: one command, no extra process. A job's arguments are plain ids: everything else
it reads from the store, so it needs no request, no login and no memory of the host that submitted it.
The Celery app (dashboard/jobs/celery_app.py) is built per Flask app and kept in its extensions.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask

from dashboard.jobs.deadline import deadline

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

# name → "module:function"; the function takes (store, settings, *args). Imported lazily, so this
# package depends on no service (the services submit jobs, the worker runs them).
TASKS: dict[str, str] = {
    "import_job": "dashboard.services.import_jobs:run_import_job",
    "deliver_notifications": "dashboard.alerts.delivery.outbox:deliver_alerts",
}
CELERY = "microbill_celery"  # server.extensions key of the app's Celery app


def task_function(name: str) -> Callable[..., Any]:
    module, _, function = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), function)


def celery_of(server: Flask) -> Celery | None:
    """The app's Celery app when MICROBILL_REDIS_URL is set (built once), else None (jobs run in threads)."""
    if not server.config["MICROBILL"].redis_url:
        return None
    if CELERY not in server.extensions:
        from dashboard.jobs.celery_app import make_celery  # celery is imported only when it is used

        server.extensions[CELERY] = make_celery(server)
    return server.extensions[CELERY]


def run_job(server: Flask, name: str, *args: Any) -> None:
    """Run job `name` here and now, inside the app's context and under the jobs' time limit
    (MICROBILL_IMPORT_JOB_SECONDS, checked by the import between its chunks): the thread and the Celery
    task both."""
    settings = server.config["MICROBILL"]
    with server.app_context(), deadline(settings.import_job_seconds):
        task_function(name)(server.extensions["microbill_store"], settings, *args)


def submit(server: Flask, name: str, *args: Any) -> threading.Thread | None:
    """Start job `name` with these arguments. Returns the thread when it runs in-process (tests join it);
    None when it was sent to the Celery worker."""
    task_function(name)  # an unknown name or a missing function fails here, in the caller, not in the worker
    celery = celery_of(server)
    if celery is not None:
        # No result kept: nothing waits for it (and the result store is not touched while a request answers).
        celery.send_task("microbill.job", args=[name, *args], ignore_result=True)
        return None

    def run() -> None:
        try:
            run_job(server, name, *args)
        except Exception:  # the job records its own failure; this is what it could not record
            log.exception("job %s%r failed", name, args)

    thread = threading.Thread(target=run, name=f"microbill-{name}", daemon=True)
    thread.start()
    return thread
