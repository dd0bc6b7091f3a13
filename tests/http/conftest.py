"""Fixtures the HTTP tests share."""

from __future__ import annotations

import pytest

from data.tokens import create_token
from tests.helpers import make_line, make_user


@pytest.fixture
def owner(store) -> tuple[int, dict[str, str]]:
    """A user with one line and a bearer token: (line id, the Authorization header)."""
    user_id = make_user(store)
    line_id = make_line(store, user_id)
    with store.write() as db:
        token = create_token(db, user_id)
    return line_id, {"Authorization": f"Bearer {token}"}
