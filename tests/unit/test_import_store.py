"""Storing imported rows: dedupe, all or nothing, partial cancellations, size limit, remembered
mappings and the alerts hook — on SQLite and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dashboard.services.imports import ImportRefused, commit, preview, read_file
from dashboard.settings import load_settings
from data import import_store
from data.exporting import transactions_csv
from data.import_store import import_rows
from data.importing import ImportedRow, parse_file
from data.importing.normalize import merchant_key
from data.models import Alert, AuditLog, ImportMapping, Line, Transaction
from data.usage import monthly_usage
from data.vocab import KST
from tests.e2e.fixtures.import_files import Row, history_csv, history_rows
from tests.helpers import make_line, make_user

MAX = 20_000_000


@pytest.fixture
def owner(store):
    user_id = make_user(store)
    return user_id, make_line(store, user_id)


@pytest.fixture
def config(tmp_path):
    return load_settings({"instance_path": str(tmp_path / "inst"), "secret_key": "x"})


def count(store, line_id: int) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


def audits(store) -> list[dict]:
    with store.read() as db:
        return [json.loads(d) for d in db.scalars(select(AuditLog.detail).where(AuditLog.action == "import"))]


def run(store, config, user_id, line_id, content, name="내역.csv", mapping=None):
    reading = read_file(store, user_id, content, name, mapping, MAX)
    return commit(store, config, user_id, line_id, reading, name)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


# ---- duplicates ----------------------------------------------------------------------------------

def test_the_same_file_twice_adds_nothing_the_second_time(store, owner, config):
    user_id, line_id = owner
    content = history_csv(history_rows(30))
    first = run(store, config, user_id, line_id, content)
    second = run(store, config, user_id, line_id, content)
    assert (first.added, first.duplicates) == (30, 0)
    assert (second.added, second.duplicates) == (0, 30)
    assert count(store, line_id) == 30
    assert [(a["added"], a["duplicates"], a["rows"]) for a in audits(store)] == [(30, 0, 30), (0, 30, 30)]


def test_a_category_rule_files_imported_rows_of_that_merchant(store, owner, config):
    from data.categorize import set_rule

    user_id, line_id = owner
    with store.write() as db:
        set_rule(db, user_id, merchant_key("넷마블"), "shopping")  # the importer would say game
    run(store, config, user_id, line_id, history_csv(history_rows(8)))
    with store.read() as db:
        filed = dict(db.execute(select(Transaction.merchant, Transaction.category)
                                .where(Transaction.line_id == line_id)).all())
    assert filed["넷마블"] == "shopping" and filed["멜론"] != "shopping"


def test_stored_rows_get_month_key_defaults_and_source(store, owner, config):
    user_id, line_id = owner
    rows = [Row(datetime(2025, 4, 30, 23, 30), "(주)다날_넥슨", 12_300),
            Row(datetime(2025, 5, 1, 0, 30), "넥슨코리아", 500)]
    run(store, config, user_id, line_id, history_csv(rows))
    with store.read() as db:
        stored = db.scalars(select(Transaction).where(Transaction.line_id == line_id)
                            .order_by(Transaction.occurred_at)).all()
    assert [t.usage_month for t in stored] == ["2025-04", "2025-05"]  # KST month, though UTC is 04-30 for both
    assert {t.merchant_key for t in stored} == {"넥슨"}
    assert {t.source for t in stored} == {"import"} and {t.pay_type for t in stored} == {"one_off"}
    assert stored[0].occurred_at == kst(2025, 4, 30, 23, 30)


def test_the_driver_values_match_what_sqlalchemy_would_bind(store):
    """The fast insert converts datetimes itself; they must equal the column type's own binding,
    or range queries on SQLite (text comparison) would miss imported rows."""
    from data.models import UTCDateTime

    dialect = store.engine.dialect
    bind = UTCDateTime()._cached_bind_processor(dialect)
    convert = import_store._sqlite_text if dialect.name == "sqlite" else import_store._naive_utc
    moments = [kst(2025, 5, 11, 14, 23, 5), datetime(2024, 1, 1, tzinfo=UTC),
               kst(2025, 12, 31, 23, 59, 59).replace(microsecond=250_000)]
    for moment in moments:
        assert bind(moment) == convert(moment)
    in_utc = [moment.astimezone(UTC) for moment in moments]  # how the parser hands them over
    if dialect.name == "sqlite":
        assert import_store._sqlite_texts(in_utc) == [bind(m) for m in in_utc]  # the vectorised path
        assert import_store._sqlite_texts(moments) == [bind(m) for m in moments]


def test_an_overlapping_export_adds_only_the_new_rows(store, owner, config):
    user_id, line_id = owner
    run(store, config, user_id, line_id, history_csv(history_rows(12)))
    with store.read() as db:
        stored = db.scalars(select(Transaction).where(Transaction.line_id == line_id)
                            .order_by(Transaction.occurred_at)).all()
    later = parse_file(history_csv(history_rows(3, start=datetime(2025, 6, 1, 9, 0))), "b.csv").rows
    exported = transactions_csv([*stored[6:], *later])  # the last 6 stored rows and 3 new ones
    summary = run(store, config, user_id, line_id, exported, name="export.csv")
    assert (summary.added, summary.duplicates) == (3, 6)
    assert count(store, line_id) == 15


def test_a_repeated_id_inside_one_list_is_counted_once(store, owner):
    _user_id, line_id = owner
    rows = parse_file(history_csv(history_rows(3)), "a.csv").rows
    with store.write() as db:
        summary = import_rows(db, db.get(Line, line_id), [*rows, rows[1]])
    assert (summary.added, summary.duplicates) == (3, 1)


def test_an_id_stored_outside_the_files_time_span_is_a_duplicate_not_a_failure(store, owner):
    _user_id, line_id = owner
    rows = parse_file(history_csv(history_rows(2)), "a.csv").rows
    moved = ImportedRow(**{**rows[0].__dict__, "occurred_at": rows[0].occurred_at + timedelta(days=300)})
    with store.write() as db:
        import_rows(db, db.get(Line, line_id), rows)
    with store.write() as db:
        summary = import_rows(db, db.get(Line, line_id), [moved])
    assert (summary.added, summary.duplicates) == (0, 1)
    assert count(store, line_id) == 2


# ---- all or nothing --------------------------------------------------------------------------------

def test_a_file_with_bad_rows_is_rejected_whole_with_each_row_and_reason(store, owner, config):
    user_id, line_id = owner
    run(store, config, user_id, line_id, history_csv(history_rows(5)))
    before = count(store, line_id)
    bad = history_csv(history_rows(8, start=datetime(2025, 7, 1)),
                      raw=[["2025.07.30 10:00:00", "넷마블", "", "", "천원", "승인"],
                           ["2025.13.01 10:00:00", "넷마블", "", "", "1,000원", "승인"]])
    with pytest.raises(ImportRefused) as refused:
        run(store, config, user_id, line_id, bad)
    assert refused.value.kind == "rows"
    assert [e.row for e in refused.value.errors] == [12, 13]  # title, blank, header, 8 rows → rows 12, 13
    assert all(e.message for e in refused.value.errors)
    assert count(store, line_id) == before
    assert len(audits(store)) == 1


def test_a_database_failure_mid_insert_rolls_everything_back(store, owner, monkeypatch):
    _user_id, line_id = owner
    monkeypatch.setattr(import_store, "CHUNK_ROWS", 4)  # the bad row sits in the third statement
    rows = parse_file(history_csv(history_rows(10)), "a.csv").rows
    broken = ImportedRow(**{**rows[9].__dict__, "bucket": None})  # NOT NULL violation in the database
    with pytest.raises(IntegrityError), store.write() as db:
        import_rows(db, db.get(Line, line_id), [*rows[:9], broken])
    assert count(store, line_id) == 0
    assert audits(store) == []


def test_an_exception_in_the_alerts_hook_rolls_the_rows_back(store, owner):
    _user_id, line_id = owner
    rows = parse_file(history_csv(history_rows(4)), "a.csv").rows

    def failing(*_args):
        raise RuntimeError("engine down")

    with pytest.raises(RuntimeError), store.write() as db:
        import_rows(db, db.get(Line, line_id), rows, after_insert=failing)
    assert count(store, line_id) == 0


def test_a_file_over_the_size_limit_is_refused_in_korean_and_nothing_is_written(store, owner):
    user_id, line_id = owner
    content = history_csv(history_rows(50))
    with pytest.raises(ImportRefused) as refused:
        read_file(store, user_id, content, "a.csv", None, max_bytes=len(content) - 1)
    assert refused.value.kind == "too_large"
    assert "파일이 너무 큽니다" in refused.value.errors[0].message and refused.value.errors[0].row == 0
    assert count(store, line_id) == 0


def test_preview_counts_new_and_duplicate_rows_without_writing(store, owner, config):
    user_id, line_id = owner
    run(store, config, user_id, line_id, history_csv(history_rows(5)))
    reading = read_file(store, user_id, history_csv(history_rows(25)), "a.csv", None, MAX)
    found = preview(store, user_id, line_id, reading)
    assert (found.rows, found.new, found.duplicates) == (25, 20, 5)
    assert len(found.sample) == 20 and found.encoding == "cp949" and found.file_format == "csv"
    assert count(store, line_id) == 5


def test_another_users_line_gets_nothing(store, owner, config):
    user_id, _line_id = owner
    other_line = make_line(store, make_user(store, "other@example.com"))
    reading = read_file(store, user_id, history_csv(history_rows(3)), "a.csv", None, MAX)
    with pytest.raises(ImportRefused) as refused:
        commit(store, config, user_id, other_line, reading, "a.csv")
    assert refused.value.kind == "line"
    assert count(store, other_line) == 0


def test_the_audit_row_has_counts_and_file_name_never_cell_contents(store, owner, config):
    user_id, line_id = owner
    secret = Row(datetime(2025, 5, 1, 9, 0), "비밀가맹점", 777_000, product="비밀상품")
    run(store, config, user_id, line_id, history_csv([secret]), name="5월.csv")
    [detail] = audits(store)
    assert detail["filename"] == "5월.csv" and detail["added"] == 1
    assert "비밀" not in json.dumps(detail, ensure_ascii=False) and "777" not in json.dumps(detail)


# ---- cancellations ---------------------------------------------------------------------------------

def net(store, line_id, *months):
    with store.read() as db:
        usage = monthly_usage(db, line_id, list(months))
    return {m: sum(usage[m].values()) for m in months}


def test_a_cancelled_row_stays_an_unlinked_payment_that_nets_to_zero(store, owner, config):
    user_id, line_id = owner
    rows = [Row(datetime(2025, 5, 3, 10), "넷마블", 10_000), Row(datetime(2025, 5, 4, 10), "넷마블", 5_000, "취소")]
    run(store, config, user_id, line_id, history_csv(rows))
    with store.read() as db:
        cancelled = db.scalar(select(Transaction).where(Transaction.status == "cancelled"))
    assert cancelled.cancels_id is None
    assert net(store, line_id, "2025-05") == {"2025-05": 10_000}


def test_a_partial_cancellation_in_the_same_month_links_and_lowers_the_bill(store, owner, config):
    user_id, line_id = owner
    rows = [Row(datetime(2025, 5, 3, 10), "넷마블", 10_000), Row(datetime(2025, 5, 2, 10), "넷마블", 2_000),
            Row(datetime(2025, 5, 10, 10), "넷마블", 3_000, "부분취소")]
    summary = run(store, config, user_id, line_id, history_csv(rows))
    assert summary.linked == 1
    with store.read() as db:
        partial = db.scalar(select(Transaction).where(Transaction.status == "cancelled"))
        payment = db.get(Transaction, partial.cancels_id)
    assert (payment.amount, partial.refund, partial.amount) == (10_000, False, 3_000)  # the nearest big enough
    assert net(store, line_id, "2025-05") == {"2025-05": 9_000}


def test_a_partial_cancellation_after_month_end_is_a_refund_and_leaves_the_bill(store, owner, config):
    user_id, line_id = owner
    run(store, config, user_id, line_id, history_csv([Row(datetime(2025, 4, 28, 10), "넷마블", 10_000)]))
    later = history_csv([Row(datetime(2025, 5, 2, 10), "넷마블", 4_000, "부분취소")])
    summary = run(store, config, user_id, line_id, later)  # the payment is in the store, not the file
    assert summary.linked == 1
    with store.read() as db:
        partial = db.scalar(select(Transaction).where(Transaction.status == "cancelled"))
    assert partial.cancels_id is not None and partial.refund is True
    assert net(store, line_id, "2025-04", "2025-05") == {"2025-04": 10_000, "2025-05": 0}


def test_a_partial_cancellation_without_a_matching_payment_stays_unlinked(store, owner, config):
    user_id, line_id = owner
    rows = [Row(datetime(2025, 5, 3, 10), "넷마블", 1_000),  # too small
            Row(datetime(2025, 5, 20, 10), "멜론", 9_000),  # later than the cancellation
            Row(datetime(2025, 5, 10, 10), "넷마블", 3_000, "부분취소"),
            Row(datetime(2025, 5, 10, 11), "멜론", 3_000, "부분취소")]
    summary = run(store, config, user_id, line_id, history_csv(rows))
    assert summary.linked == 0
    with store.read() as db:
        links = db.scalars(select(Transaction.cancels_id).where(Transaction.status == "cancelled")).all()
    assert links == [None, None]
    assert net(store, line_id, "2025-05") == {"2025-05": 10_000}


def test_two_partials_do_not_cancel_more_than_the_payment(store, owner, config):
    user_id, line_id = owner
    rows = [Row(datetime(2025, 5, 3, 10), "넷마블", 10_000), Row(datetime(2025, 5, 4, 10), "넷마블", 6_000, "부분취소"),
            Row(datetime(2025, 5, 5, 10), "넷마블", 6_000, "부분취소")]
    summary = run(store, config, user_id, line_id, history_csv(rows))
    assert summary.linked == 1
    assert net(store, line_id, "2025-05") == {"2025-05": 4_000}


# ---- remembered mappings ---------------------------------------------------------------------------

ODD_HEADERS = ["언제", "어디서", "얼마", "비고"]


def odd_file(rows: list[Row]) -> bytes:
    raw = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount), ""] for r in rows]
    return history_csv([], headers=ODD_HEADERS, raw=raw, title=False)


def test_unknown_headers_ask_once_then_the_mapping_is_remembered(store, owner, config):
    user_id, line_id = owner
    with pytest.raises(ImportRefused) as refused:
        read_file(store, user_id, odd_file(history_rows(3)), "a.csv", None, MAX)
    assert refused.value.kind == "mapping" and refused.value.reading.parsed.columns == ODD_HEADERS
    mapping = {"언제": "occurred_at", "어디서": "merchant", "얼마": "amount", "비고": ""}
    assert run(store, config, user_id, line_id, odd_file(history_rows(3)), mapping=mapping).added == 3
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(ImportMapping)) == 1

    nxt = read_file(store, user_id, odd_file(history_rows(5, start=datetime(2025, 8, 1))), "b.csv", None, MAX)
    assert nxt.remembered and len(nxt.rows) == 5
    assert commit(store, config, user_id, line_id, nxt, "b.csv").added == 5

    # The memory is per user: someone else is asked again.
    stranger = make_user(store, "stranger@example.com")
    with pytest.raises(ImportRefused) as again:
        read_file(store, stranger, odd_file(history_rows(3)), "a.csv", None, MAX)
    assert again.value.kind == "mapping"


# ---- alerts ----------------------------------------------------------------------------------------

def test_imported_history_of_past_months_raises_at_most_one_summary_alert(store, owner, config):
    pytest.importorskip("dashboard.alerts.engine")
    user_id, line_id = owner
    bursts = []
    for month in (3, 5, 7):  # three dawn gift-voucher bursts in past months: fraud patterns each
        start = datetime(2025, month, 9, 3, 0)
        bursts += [Row(start + timedelta(minutes=5 * i), "컬쳐랜드", 50_000, product="문화상품권") for i in range(4)]
    run(store, config, user_id, line_id, history_csv([*history_rows(40), *bursts]))
    with store.read() as db:
        kinds = db.scalars(select(Alert.kind).where(Alert.line_id == line_id)).all()
    assert kinds == ["import_summary"]  # one summary for three past incidents, not three alerts
