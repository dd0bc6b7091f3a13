"""A small per-process LRU of values with an age, shared by the features that reuse a forecast.

Keys start with the database URL (`db_key`) because tests and tools run many stores in one process
whose line ids repeat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from data.models import utcnow


def db_key(session: Session) -> str:
    """Which database a memo entry belongs to."""
    return session.get_bind().url.render_as_string(hide_password=True)


class Memo:
    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[Hashable, tuple[datetime, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: Hashable, max_age: timedelta | None = None):
        with self._lock:
            item = self._items.get(key)
            if item is None or (max_age is not None and utcnow() - item[0] > max_age):
                return None
            return item[1]

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._items[key] = (utcnow(), value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
