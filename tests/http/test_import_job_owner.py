"""The /import page's background job (Dash DiskcacheManager, a forked process) as the browser drives it:
start it, then poll with the signed handles until it answers. It stores only the session user's upload."""

from __future__ import annotations

import json
import re
import time

from sqlalchemy import func, select

from dashboard.services.import_staging import Staging
from data.models import Transaction
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import csrf_header, login, make_line, make_user

PREFS = {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}


def end_id(client) -> str:
    """The page load's signed id, which the renderer echoes on every callback (background handles need it)."""
    page = client.get("/").get_data(as_text=True)
    return json.loads(re.search(r'id="_dash-config" type="application/json">(.*?)</script>', page).group(1))["end_id"]


def run_job(app, client, job: dict, timeout: float = 60) -> dict:
    """POST the job's callback, then poll it with the handles it answered, until it gives its outputs."""
    key = next(k for k, spec in app.callback_map.items()
               if [i["id"] for i in spec["inputs"]] == ["import-job"] and "import-mapping" in k)
    parts = key.strip(".").split("...")
    body = {"output": key, "outputs": [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts],
            "inputs": [{"id": "import-job", "property": "data", "value": job}], "state": [PREFS],
            "changedPropIds": ["import-job.data"]}
    params = {"endId": end_id(client)}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.post("/_dash-update-component", query_string=params, json=body, headers=csrf_header(client))
        assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
        data = response.get_json() if response.status_code == 200 else {}
        if "cacheKey" in data:
            params.update(cacheKey=data["cacheKey"], job=data["job"])
        elif data.get("response"):
            return data["response"]
        time.sleep(0.2)
    raise AssertionError("the background job did not answer")


def rows_in(store, line_id: int) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


def _staged(app, user_id: int, line_id: int, rows: int = 3):
    staging = Staging(app.server.config["MICROBILL"].instance_path)
    return staging, staging.save(user_id, line_id, "내역.csv", history_csv(history_rows(rows)))


def test_the_job_stores_the_session_users_own_upload(app, client, store):
    owner = make_user(store)
    line = make_line(store, owner)
    _, staged = _staged(app, owner, line)
    login(client)
    preview = run_job(app, client, {"token": staged.token, "step": "preview", "n": "1"})
    assert "import-preview" in preview  # the preview card
    done = run_job(app, client, {"token": staged.token, "step": "commit", "n": "2"})
    assert "3" in json.dumps(done["import-result"], ensure_ascii=False)
    assert rows_in(store, line) == 3


def test_the_job_refuses_another_users_upload(app, client, store):
    victim = make_user(store, "victim@example.com")
    victim_line = make_line(store, victim)
    staging, staged = _staged(app, victim, victim_line)
    make_user(store)
    login(client)  # owner@example.com, who learnt the victim's token
    for step in ("commit", "preview"):
        answer = run_job(app, client, {"token": staged.token, "step": step, "n": step})
        assert "다시 올려" in json.dumps(answer, ensure_ascii=False)  # import.expired, as confirm says
        assert "import-preview" not in answer or not answer["import-preview"]["children"]
    assert rows_in(store, victim_line) == 0
    assert staging.load(staged.token) is not None  # the victim's upload is untouched
