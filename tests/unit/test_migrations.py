"""Migrations run from empty on both backends and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from data.db import make_engine
from data.migrate import downgrade, upgrade
from data.models import Base


def test_migrations_down_to_empty_and_up_again_match_models(database_url):
    engine = make_engine(database_url)
    try:
        downgrade(engine, "base")
        with engine.connect() as conn:
            tables = set(engine.dialect.get_table_names(conn)) - {"alembic_version"}
        assert tables == set()
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()



def test_sqlite_planner_statistics_are_stored(sqlite_template, tmp_path):
    """refresh_statistics fills sqlite_stat1 (PostgreSQL's autovacuum keeps its own statistics)."""
    import shutil

    from sqlalchemy import text

    from data.db import Store

    path = tmp_path / "stats.sqlite3"
    shutil.copy(sqlite_template, path)
    store = Store(f"sqlite:///{path}")
    try:
        store.refresh_statistics()
        with store.read() as db:
            assert db.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar() > 0
    finally:
        store.dispose()
