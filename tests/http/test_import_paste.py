"""The /import page's paste callback as the browser calls it, then the staged paste through the same
preview and commit services the page's background job runs: what is stored, what is refused, what is kept."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.services.import_staging import (
    PASTE,
    Staging,
    choose_mapping,
    commit_staged,
    preview_staged,
    stage_upload,
)
from dashboard.services.imports import ImportRefused
from data.models import Transaction
from tests.e2e.fixtures.import_files import HEADERS, history_csv, history_rows
from tests.helpers import csrf_header, dash_update, login, make_line, make_user

PREFS = {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}


def pasted(rows) -> str:
    """What a browser puts on the clipboard for the carrier page's table: tab-separated rows."""
    return "\n".join("\t".join(cells) for cells in [HEADERS, *(row.cells() for row in rows)])


def paste_callback(app) -> str:
    return next(key for key, spec in app.callback_map.items()
                if any(i["id"] == "import-paste-data" for i in spec["inputs"]))


def send(app, client, line_id, text) -> dict:
    inputs = [{"id": "import-paste-data", "property": "data", "value": {"text": text, "n": 1}}]
    state = [{"id": "line-picker", "property": "value", "value": line_id}, PREFS]
    response = dash_update(client, paste_callback(app), inputs, state, headers=csrf_header(client))
    assert response.status_code == 200
    return response.get_json()["response"]


def staged_files(app) -> list[Path]:
    return list(Path(app.server.config["MICROBILL"].instance_path, "import-staging").glob("*.bin"))


def rows_in(store, line_id) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


@pytest.fixture
def user_id(store) -> int:
    return make_user(store)


@pytest.fixture
def owner(client, store, user_id) -> int:
    """The logged-in user's line."""
    line_id = make_line(store, user_id)
    login(client)
    return line_id


def test_a_pasted_table_is_previewed_and_stored_like_a_file(app, client, store, user_id, owner):
    response = send(app, client, owner, pasted(history_rows(7)))
    job = response["import-job"]["data"]
    assert job["step"] == "preview" and job["source"] == PASTE
    settings = app.server.config["MICROBILL"]
    with app.server.app_context():
        found = preview_staged(store, settings, job["token"])
        assert (found.preview.rows, found.preview.new, found.preview.file_format) == (7, 7, "paste")
        assert rows_in(store, owner) == 0  # the preview writes nothing
        summary = commit_staged(store, settings, job["token"])
    assert (summary.added, summary.duplicates) == (7, 0)
    assert rows_in(store, owner) == 7
    assert staged_files(app) == []  # the paste is forgotten once stored

    # The same history uploaded afterwards as Excel's CSV: every row is already there.
    staged = stage_upload(store, settings, user_id, owner, history_csv(history_rows(7)), "내역.csv")
    with app.server.app_context():
        again = preview_staged(store, settings, staged.token).preview
    assert (again.new, again.duplicates) == (0, 7)


@pytest.mark.parametrize(("text", "says"), [
    ("", "붙여 넣은 내용이 없습니다"),
    ("\x00\x01PNG\ufffd\ufffd" * 50, "글자가 아닙니다"),
    ("결제 내역 확인 부탁드립니다.\n감사합니다.", "표를 찾지 못했습니다"),
    ("2025.05.11 14:23:05\t넷마블\t12,300원\n2025.05.12 10:00:00\t넷마블\t1,100원", "머리글 줄"),
    ("\t".join(HEADERS), "결제 내역 행이 없습니다"),
])
def test_text_that_is_no_table_is_refused_and_nothing_is_kept(app, client, store, owner, text, says):
    response = send(app, client, owner, text)
    assert response["import-job"]["data"] is None
    assert says in json.dumps(response["import-result"]["children"], ensure_ascii=False)
    assert staged_files(app) == [] and rows_in(store, owner) == 0


def test_a_paste_over_the_upload_limit_is_refused_on_the_server_too(app, client, store, owner):
    config = app.server.config
    config["MICROBILL"] = replace(config["MICROBILL"], import_max_bytes=2_000)
    text = pasted(history_rows(60))
    assert len(text.encode()) > 2_000
    response = send(app, client, owner, text)  # as if the browser's own check were skipped
    assert response["import-job"]["data"] is None
    assert "붙여 넣은 내용이 너무 큽니다 (최대 0.002MB)" in json.dumps(response, ensure_ascii=False)
    assert staged_files(app) == []


def test_a_paste_for_another_users_line_is_refused(app, client, store, owner):
    theirs = make_line(store, make_user(store, "other@example.com"))
    response = send(app, client, theirs, pasted(history_rows(3)))
    assert response["import-job"]["data"] is None
    assert "회선" in json.dumps(response["import-result"]["children"], ensure_ascii=False)
    assert staged_files(app) == [] and rows_in(store, theirs) == 0


def test_unknown_headers_of_a_paste_are_mapped_like_a_files(app, client, store, user_id, owner):
    text = "언제\t어디서\t얼마\n2025.05.11 14:23\t넷마블\t12,300원\n2025.05.12 10:00\t멜론\t10,900원"
    token = send(app, client, owner, text)["import-job"]["data"]["token"]
    settings = app.server.config["MICROBILL"]
    with app.server.app_context():
        with pytest.raises(ImportRefused) as asked:
            preview_staged(store, settings, token)
        assert asked.value.kind == "mapping" and asked.value.ask.columns == ["언제", "어디서", "얼마"]
        assert Staging(settings.instance_path).load(token).source == PASTE
        choose_mapping(settings, user_id, token, {0: "occurred_at", 1: "merchant", 2: "amount"})
        assert preview_staged(store, settings, token).preview.new == 2
        assert commit_staged(store, settings, token).added == 2
    assert rows_in(store, owner) == 2
