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
