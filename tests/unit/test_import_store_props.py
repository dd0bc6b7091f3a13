"""Property tests for storing imports, on both backends: for any generated file every row lands or
none does, a second import adds nothing, an overlapping import adds exactly the missing rows, and a
database failure anywhere in the insert leaves the line empty. A fresh line per example."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dashboard.services.imports import ImportRefused, commit, read_file
from dashboard.settings import load_settings
from data import import_store
from data.import_store import import_rows
from data.importing import parse_file
from data.models import Line, Transaction
from tests.helpers import make_line, make_user
from tests.unit.test_importing_props import Table, tables

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
MAX = 20_000_000


@pytest.fixture
def user_id(store):
    return make_user(store)


@pytest.fixture
def config(tmp_path):
    return load_settings({"instance_path": str(tmp_path / "inst"), "secret_key": "x"})


def count(store, line_id: int) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


@SETTINGS
@given(table=tables)
def test_every_row_or_none_and_a_second_import_adds_nothing(store, user_id, config, table: Table) -> None:
    line_id = make_line(store, user_id)
    content = table.content()
    try:
        reading = read_file(store, user_id, content, f"t.{table.kind}", None, MAX)
    except ImportRefused as refused:
        assert any(row.invalid for row in table.rows), refused.errors
        assert count(store, line_id) == 0
        return
    assert not any(row.invalid for row in table.rows)
    first = commit(store, config, user_id, line_id, reading, "t")
    assert (first.added, first.duplicates) == (len(table.rows), 0)
    assert count(store, line_id) == len(table.rows)
    second = commit(store, config, user_id, line_id, read_file(store, user_id, content, "t", None, MAX), "t")
    assert (second.added, second.duplicates) == (0, len(table.rows))
    assert count(store, line_id) == len(table.rows)


valid_tables = tables.map(lambda t: dataclasses.replace(t, rows=[dataclasses.replace(r, invalid=None) for r in t.rows]))


@SETTINGS
@given(table=valid_tables, data=st.data())
def test_an_overlapping_import_adds_exactly_the_missing_rows(store, user_id, table: Table, data) -> None:
    line_id = make_line(store, user_id)
    rows = parse_file(table.content(), f"t.{table.kind}").rows
    chosen = data.draw(st.lists(st.sampled_from(range(len(rows))), unique=True), label="already stored")
    with store.write() as db:
        import_rows(db, db.get(Line, line_id), [rows[i] for i in sorted(chosen)])
    with store.write() as db:
        summary = import_rows(db, db.get(Line, line_id), rows)
    assert (summary.added, summary.duplicates) == (len(rows) - len(chosen), len(chosen))
    assert count(store, line_id) == len(rows)


@SETTINGS
@given(table=valid_tables, data=st.data())
def test_a_database_failure_anywhere_leaves_the_line_empty(store, user_id, table: Table, data) -> None:
    line_id = make_line(store, user_id)
    rows = parse_file(table.content(), f"t.{table.kind}").rows
    broken_at = data.draw(st.integers(0, len(rows) - 1), label="broken row")
    rows[broken_at] = dataclasses.replace(rows[broken_at], merchant=None)  # NOT NULL in the database
    chunk = data.draw(st.integers(1, 4), label="rows per statement")
    original = import_store.CHUNK_ROWS
    import_store.CHUNK_ROWS = chunk  # several statements, so the failure can come after some succeeded
    try:
        with pytest.raises(IntegrityError), store.write() as db:
            import_rows(db, db.get(Line, line_id), rows)
    finally:
        import_store.CHUNK_ROWS = original
    assert count(store, line_id) == 0
