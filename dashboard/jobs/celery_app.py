"""The Celery app of one Flask app: Redis as broker and result store, every task inside the app's context.

Tasks are Dash's background callbacks (the /import page's preview and commit, registered when the Dash
app is built) and "microbill.job", which runs any job of dashboard.jobs.TASKS by name. A job is acked
only once it has finished (`task_acks_late`, `task_reject_on_worker_lost`), one at a time per process
(`worker_prefetch_multiplier=1`): a job whose worker dies is given to another. The import jobs stop
themselves past MICROBILL_IMPORT_JOB_SECONDS with a clear refusal; Celery's own time limits, a little
above, stop whatever did not.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task
from flask import Flask

from dashboard.settings import Settings

log = logging.getLogger(__name__)
SOFT_MARGIN_SECONDS = 15  # after the jobs' own deadline: a SoftTimeLimitExceeded inside the job (rolls back)
HARD_MARGIN_SECONDS = 30  # then the worker process is killed and replaced
CONNECT_SECONDS = 5  # a Redis that does not answer


def make_celery(server: Flask) -> Celery:
    settings: Settings = server.config["MICROBILL"]

    class AppTask(Task):
        """Every task runs inside the Flask app's context (store(), settings() work, as in a request)."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with server.app_context():
                return self.run(*args, **kwargs)

    celery = Celery("microbill", task_cls=AppTask, set_as_current=False)
    celery.conf.update(config(settings))
    celery.flask_app = server  # type: ignore[attr-defined] # the worker command reaches the store through it

    @celery.task(name="microbill.job", ignore_result=True)
    def job(name: str, *args: Any) -> None:
        from dashboard.jobs import run_job

        run_job(server, name, *args)
        log.info("job %s%r done (pid %d)", name, tuple(args), os.getpid())

    return celery


def config(settings: Settings) -> dict[str, Any]:
    limit = settings.import_job_seconds
    return {
        "broker_url": settings.redis_url,
        "result_backend": settings.redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": limit + SOFT_MARGIN_SECONDS,
        "task_time_limit": limit + HARD_MARGIN_SECONDS,
        # A job taken by a worker that vanished (host lost) is handed out again after this long: longer than
        # any job may run (the hard limit), so a running job is never given to a second worker.
        "broker_transport_options": {"visibility_timeout": max(300, limit + HARD_MARGIN_SECONDS + 60),
                                     "socket_connect_timeout": CONNECT_SECONDS},
        "redis_socket_connect_timeout": CONNECT_SECONDS,
        # Sending a job retries briefly, then fails: a request never hangs on a Redis that is away.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                      "interval_max": 0.5},
        "result_expires": 3600,
        "broker_connection_retry_on_startup": True,
        # MICROBILL_LOG_FORMAT=json: the app's JSON handler on the root logger stays, and Celery's lines go there.
        "worker_hijack_root_logger": settings.log_format != "json",
    }
