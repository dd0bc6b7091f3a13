"""Engine and sessions. SQLite gets WAL, foreign keys, a busy timeout and `BEGIN IMMEDIATE` for writes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

# SQLite reports faults and bugs alike as OperationalError ("no such table" too): only these are the machine's.
SQLITE_FAULTS = ("readonly database", "disk is full", "unable to open database file", "disk i/o error",
                 "database is locked")
# PostgreSQL SQLSTATE classes of a server that cannot serve now: connection (08), resources such as a full
# disk (53), operator intervention such as a shutdown or a statement timeout (57), a read-only standby (25006),
# and contention that outlasted write_retrying (serialization failure, deadlock).
PG_FAULT_STATES = ("08", "53", "57", "25006", "40001", "40P01")


def is_unavailable(exc: BaseException) -> bool:
    """A fault of the database or its disk (answered 503, worth retrying), not a bug in a query."""
    if isinstance(exc, DisconnectionError | PoolTimeout | InterfaceError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state:
        return state.startswith(PG_FAULT_STATES)
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        # psycopg's connection failures carry no SQLSTATE; sqlite3 errors carry only their message.
        return not text or "connection" in text or any(fault in text for fault in SQLITE_FAULTS)
    return False


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN so that we can choose IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "handle_error")
    def _drop_read_only(context: ExceptionContext) -> None:
        # SQLite opens a file it may not write read-only and the connection stays so: once the file is writable
        # again, pooled connections would still refuse every write. Treated as a disconnect, the pool is emptied.
        if "readonly database" in str(context.original_exception).lower():
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A deferred transaction that reads and then writes fails with "database is locked"
        # under concurrency; writers take the lock up front.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


ANALYSIS_ROWS = 20_000  # rows sampled per index by ANALYZE (see Store.refresh_statistics)


class Store:
    """Holds the engine and hands out sessions. One per app (tests build many apps)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = url.startswith("sqlite")
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A read-then-write transaction: committed on success, rolled back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def write_retrying(self, work: Callable[[Session], T], attempts: int = 5) -> T:
        """Run `work` in a write transaction, retrying PostgreSQL serialization/deadlock failures."""
        for attempt in range(attempts):
            try:
                with self.write() as session:
                    return work(session)
            except OperationalError as exc:
                code = getattr(getattr(exc, "orig", None), "sqlstate", None)
                if code not in {"40001", "40P01"} or attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def refresh_statistics(self) -> None:
        """Refresh SQLite's planner statistics (PostgreSQL's autovacuum keeps its own).

        Without them SQLite takes the (line_id, category) index for a month's GROUP BY and reads a big
        line's whole history: 150 ms instead of 4 ms for a 100k-row line (benchmarks/overview_callbacks.py).
        A sample of 20,000 rows per index gives the right plans and takes ~35 ms on a million rows, so it
        runs after bulk imports and with the daily close-month, not on every connection."""
        if not self.is_sqlite:
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_ROWS}")
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    def ping(self) -> None:
        """`SELECT 1` on a pooled connection (pre-pinged on PostgreSQL); raises when the database is away."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
