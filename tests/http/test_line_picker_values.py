"""A crafted `line-picker` value (the browser's, so anything JSON can say) is no line: never a 500, never
another line. Posted to the Dash callback endpoint the way the renderer does."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from data.models import Line
from tests.helpers import csrf_header, login, make_line, make_user

PREFS = {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}
# A list, a dict, true (== 1 in Python), past the INTEGER column (orjson reads it as a float), a numeric string
# past it, a float, a negative id. "Infinity" is not JSON: the whole body is refused (the last test).
BAD = [[1], {"id": 1}, True, 10**30, "99999999999999999999", 1.5, -1]


def post(app, client, output_prefix: str, inputs: list[dict], state: list[dict]):
    key = next(k for k in app.callback_map if k.startswith(output_prefix))
    parts = key.strip(".").split("...")
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1].split("@")[0]} for p in parts]
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
    return client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                       content_type="application/json", headers=csrf_header(client))


@pytest.fixture
def line(client, store) -> int:
    line_id = make_line(store, make_user(store))
    login(client)
    return line_id


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_the_picker_falls_back_to_the_users_first_line(app, client, line, bad):
    response = post(app, client, "..line-picker.options...line-picker.value..",
                    [{"id": "url", "property": "pathname", "value": "/"}],
                    [{"id": "line-picker", "property": "value", "value": bad}, PREFS])
    assert response.status_code == 200
    assert response.get_json()["response"]["line-picker"]["value"] == line


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_a_page_reads_it_as_no_line(app, client, line, bad):
    response = post(app, client, "import-line.children",
                    [{"id": "line-picker", "property": "value", "value": bad}], [PREFS])
    assert response.status_code == 200
    said = response.get_json()["response"]["import-line"]["children"]
    assert said == "먼저 위에서 회선을 선택하거나 회선을 등록해 주세요."  # import.no_line, not the user's line


@pytest.mark.parametrize("bad", [True, [1], 10**30, 1.5], ids=repr)
def test_the_block_button_blocks_nothing(app, client, store, line, bad):
    response = post(app, client, "..block-modal.is_open",
                    [{"id": "block-button", "property": "n_clicks", "value": 1},
                     {"id": "block-all-button", "property": "n_clicks", "value": None},
                     {"id": "block-modal-close", "property": "n_clicks", "value": None}],
                    [{"id": "line-picker", "property": "value", "value": bad}, PREFS,
                     {"id": "line-status-version", "property": "data", "value": 0}])
    assert response.status_code == 200
    assert "block-modal-body" in response.get_json()["response"]  # the "no line selected" panel
    with store.read() as db:
        assert db.scalar(select(Line.status).where(Line.id == line)) == "active"


def test_infinity_is_not_json_and_the_callback_is_refused_whole(app, client, line):
    response = post(app, client, "import-line.children",
                    [{"id": "line-picker", "property": "value", "value": float("inf")}], [PREFS])
    assert response.status_code == 400  # data.untrusted_json: orjson reads JSON only, no NaN or Infinity
