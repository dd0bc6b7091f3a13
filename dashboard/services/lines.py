"""Lines: which of them a user may see. Every page, API route and CLI command asks here first.

The rows come back detached (the store's sessions do not expire on commit): read their columns, pass their
ids to other services; never lazy-load a relationship from them.
"""

from __future__ import annotations

from data import lines as line_store
from data.db import Store
from data.models import Line


def line_of_user(store: Store, user_id: int, line_id: object) -> Line | None:
    """The line if it belongs to the user; None for anyone else's id or a malformed one (never their data)."""
    with store.read() as db:
        return line_store.owned_line(db, user_id, line_id)


def lines_of_user(store: Store, user_id: int) -> list[Line]:
    """The user's lines, oldest first (the order of the line picker)."""
    with store.read() as db:
        return line_store.lines_of(db, user_id)
