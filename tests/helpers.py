"""Test helpers that act like a user: create accounts and lines, log in through the real form."""

from __future__ import annotations

import re

from data import accounts
from data.lines import create_line

PASSWORD = "correct horse battery"


def make_user(store, email: str = "owner@example.com", password: str = PASSWORD) -> int:
    with store.write() as db:
        return accounts.create_user(db, email, password).id


def make_line(store, user_id: int, *, carrier: str = "KT", number: str = "010-****-5678",
              limits: dict[str, int] | None = None, **kwargs) -> int:
    from data.models import utcnow

    with store.write() as db:
        line = create_line(db, user_id=user_id, carrier=carrier, number_masked=number,
                           limits=limits if limits is not None else {"micropayment": 300_000, "content": 200_000},
                           effective_from=kwargs.pop("effective_from", utcnow()), **kwargs)
        return line.id


def form_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "login form has no CSRF token"
    return match.group(1)


def login(client, email: str = "owner@example.com", password: str = PASSWORD):
    page = client.get("/login")
    token = form_csrf(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def csrf_header(client) -> dict[str, str]:
    """What Dash's renderer sends: the _csrf_token cookie echoed as X-CSRFToken."""
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "no CSRF cookie set"
    return {"X-CSRFToken": cookie.value}


def dash_update(client, output: str, inputs: list[dict], state: list[dict] | None = None,
                headers: dict[str, str] | None = None):
    """POST /_dash-update-component the way the renderer does."""
    body = {"output": output, "outputs": _outputs(output), "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def _outputs(output: str):
    parts = output.strip(".").split("...")
    outs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    return outs if len(outs) > 1 else outs[0]


def overview_inputs(line_id: object, lang: str = "ko", theme: str = "light") -> list[dict]:
    """The inputs of the overview's meters + 13-month callback, as the renderer sends them."""
    return [{"id": "line-picker", "property": "value", "value": line_id},
            {"id": "prefs", "property": "data", "value": {"lang": lang, "theme": theme}},
            {"id": "line-status-version", "property": "data", "value": 0}]


def add_charge(store, line_id: int, amount: int, at, external_id: str, merchant: str = "넥슨코리아") -> None:
    """One approved 소액결제 (a game top-up through 다날) at `at` (an aware datetime), stored as a manual row."""
    from data.importing.normalize import merchant_key
    from data.models import Transaction

    with store.write() as db:
        row = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg="다날",
                          category="game", bucket="micropayment", amount=amount, status="approved",
                          source="manual", external_id=external_id)
        row.set_time(at)
        db.add(row)
