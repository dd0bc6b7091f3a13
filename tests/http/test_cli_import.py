"""`microbill import FILE --line ID [--json]`: exit codes, JSON and readable output, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from data.models import Transaction
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import make_line, make_user


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path / "inst"),
            "MICROBILL_SECRET_KEY": "cli-test", **extra}


@pytest.fixture
def line_id(store_for_url):
    return make_line(store_for_url, make_user(store_for_url))


def count(store, line_id) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


def run(args, database_url, tmp_path, **extra):
    return CliRunner().invoke(main, ["import", *args], env=_env(database_url, tmp_path, **extra))


def test_json_output_and_a_second_run_adds_nothing(database_url, store_for_url, line_id, tmp_path):
    path = tmp_path / "내역.csv"
    path.write_bytes(history_csv(history_rows(15)))
    first = run([str(path), "--line", str(line_id), "--json"], database_url, tmp_path)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"added": 15, "duplicates": 0}
    second = run([str(path), "--line", str(line_id), "--json"], database_url, tmp_path)
    assert json.loads(second.output) == {"added": 0, "duplicates": 15}
    assert count(store_for_url, line_id) == 15


def test_readable_summary_without_json(database_url, store_for_url, line_id, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(history_csv(history_rows(3)))
    result = run([str(path), "--line", str(line_id)], database_url, tmp_path)
    assert result.exit_code == 0 and "추가 3건" in result.output and "3 added" in result.output


def test_bad_rows_exit_non_zero_with_row_errors_and_nothing_written(database_url, store_for_url, line_id, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(history_csv(history_rows(5), raw=[["2025.02.30 10:00", "넷마블", "", "", "1,000원", "승인"]]))
    result = run([str(path), "--line", str(line_id), "--json"], database_url, tmp_path)
    assert result.exit_code == 1
    errors = json.loads(result.output)["errors"]
    assert [e["row"] for e in errors] == [9] and errors[0]["message"]
    assert count(store_for_url, line_id) == 0
    readable = run([str(path), "--line", str(line_id)], database_url, tmp_path)
    assert readable.exit_code == 1 and "9행" in readable.output and "nothing imported" in readable.output


def test_size_limit_from_the_environment(database_url, store_for_url, line_id, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(history_csv(history_rows(30)))
    result = run([str(path), "--line", str(line_id), "--json"], database_url, tmp_path,
                 MICROBILL_IMPORT_MAX_BYTES="100")
    assert result.exit_code == 1 and "파일이 너무 큽니다" in json.loads(result.output)["errors"][0]["message"]
    assert count(store_for_url, line_id) == 0


def test_unknown_line_and_unknown_headers(database_url, store_for_url, line_id, tmp_path):
    path = tmp_path / "odd.csv"
    raw = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount)] for r in history_rows(2)]
    path.write_bytes(history_csv([], headers=["언제", "어디서", "얼마"], raw=raw, title=False))
    missing = run([str(path), "--line", "999999", "--json"], database_url, tmp_path)
    assert missing.exit_code == 1 and json.loads(missing.output)["errors"][0]["row"] == 0
    asked = run([str(path), "--line", str(line_id), "--json"], database_url, tmp_path)
    assert asked.exit_code == 1 and json.loads(asked.output)["columns"] == ["언제", "어디서", "얼마"]
    mapping = json.dumps({"언제": "occurred_at", "어디서": "merchant", "얼마": "amount"}, ensure_ascii=False)
    mapped = run([str(path), "--line", str(line_id), "--json", "--mapping", mapping], database_url, tmp_path)
    assert mapped.exit_code == 0 and json.loads(mapped.output)["added"] == 2
