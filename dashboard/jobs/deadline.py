"""The time limit of the job running in this context (MICROBILL_IMPORT_JOB_SECONDS), checked between its
steps: the import commit checks it at every chunk, so a job past it stops with a clear refusal and its
transaction rolls back. Works the same in a thread, a forked DiskcacheManager process and the Celery worker
(a context variable: each job, each thread its own)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ENDS: ContextVar[float | None] = ContextVar("microbill_job_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the block under a limit of `seconds` from now (an outer, earlier limit still holds)."""
    ends = time.monotonic() + seconds
    outer = _ENDS.get()
    reset = _ENDS.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _ENDS.reset(reset)


def past_deadline() -> bool:
    ends = _ENDS.get()
    return ends is not None and time.monotonic() > ends
