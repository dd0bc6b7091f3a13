"""Property-based contract test of /api/v1 with schemathesis, against the app's own OpenAPI document.

Every operation gets generated requests, valid and invalid (schemathesis' positive and negative modes), from a
bearer-token user who owns a line with bills (one carried, one overdue, with a pending deposit), transactions
and an alert. Three times in four a valid case is steered to ids that exist (the caller's, or another user's
for the 404s) and to the values no schema can state (the password, a Luhn-valid card, a known carrier, a real
history file), so payments, unblocks, limit changes and imports really happen, not only refusals.

Every built-in check of schemathesis runs (its default), among them: no 5xx (`not_a_server_error`; on the test
client an unhandled exception surfaces as itself and is reported too), every status code is one the document
lists (`status_code_conformance` — the document has no catch-all `default`), bodies, headers and content types
conform to what is documented, schema-invalid input is refused with a 4xx (`negative_data_rejection`), and a
request without the token is refused (`ignored_auth`). The one setting changed is `positive_data_acceptance`
for the operations in BUSINESS_REFUSALS, each with its reason.

Not the `schemathesis.pytest` integration: its `from_fixture` fails on pytest 9 ("'Function' object has no
attribute '_nodeid'"), so the test drives Hypothesis itself over `operation.as_strategy(...)` — the fuzzing
phase; schemathesis' separate examples/coverage/stateful phases (its CLI runner) are not run here.
Runs on SQLite and PostgreSQL through the `app` fixture (one database per backend for the whole run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from data.models import Alert, Line, Transaction, User, utcnow
from data.tokens import create_token
from data.vocab import month_start, months_back, usage_month
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import PASSWORD, make_line, make_user

# Values a request needs to get past the rules a schema cannot state, so the success paths run too.
VALID = {
    "password": [PASSWORD],
    "carrier": ["KT", "SKT", "LGU+", "알뜰폰"],
    "number": ["010-1234-5678", "01098765432"],
    "amount": [10_000, 50_000, 100_000, 300_000],  # authorizations, budgets, limit steps
}
CARDS = ["4111111111111111", "5555555555554444", "4000000000000002"]  # approves, approves, declines
HISTORY = history_csv(history_rows(3))
POSITIVE_EXAMPLES, NEGATIVE_EXAMPLES = 25, 15  # per operation
# Schema-valid requests may still be refused where a rule cannot be written in JSON Schema. Each entry is a
# documented refusal of that operation, allowed on top of schemathesis' default for `positive_data_acceptance`.
ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429"]
BUSINESS_REFUSALS = {
    # the amount must fit the line's current total limit, which depends on the line's state
    "PUT /api/v1/lines/{line_id}/budget": ["400"],
    # a 10,000-won step and the cap of the line (minor, arrears) — state again
    "PUT /api/v1/lines/{line_id}/limits/{bucket}": ["400"],
    # carrier names (aliases, any case) and phone numbers (any separators) are parsed leniently
    "POST /api/v1/lines": ["400"],
    # occurred_at may not be more than 5 minutes ahead of the server's clock; it and the two below take
    # date-times from 1990-01-01 to tomorrow (KST), a span the date-time format cannot state
    "POST /api/v1/lines/{line_id}/authorizations": ["422"],
    "POST /api/v1/lines/{line_id}/messages": ["422"],
    "GET /api/v1/lines/{line_id}/forecast": ["422"],
    # the whole input is a file: its content (encoding, headers, rows) is checked by the importer, and a missing
    # `file` is the route's own 400 (the schema cannot mark it required without turning that into webargs' 422)
    "POST /api/v1/lines/{line_id}/imports": ["400", "413", "422"],
    # card_number must pass the Luhn check and is required when method is "card" (no JSON Schema for either)
    "POST /api/v1/bills/{bill_id}/payments": ["422"],
    "POST /api/v1/lines/{line_id}/bills/pay-overdue": ["422"],
}


@dataclass(frozen=True)
class World:
    """The token user's resources: path parameter name → ids that exist (the caller's, and someone else's)."""

    token: str
    ids: dict[str, list[int]]
    limiter: object


def _seed(store) -> tuple[int, dict[str, list[int]]]:
    uid = make_user(store, "owner@example.com")
    line_id = make_line(store, uid, nickname="내 폰")
    other_uid = make_user(store, "other@example.com")
    other_line = make_line(store, other_uid)
    old, _last, this = months_back(usage_month(utcnow()), 3)
    with store.write() as db:
        # argon2's cost is not under test: the default (~0.2 s) would make each correct password slow.
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        db.get(User, uid).password_hash = cheap.hash(PASSWORD)
        # Registered three months ago and never paid: one bill carried, one overdue, the line restricted.
        db.get(Line, line_id).created_at = month_start(old)
        rows = []
        for n, (line, month, amount) in enumerate([(line_id, old, 10_000), (line_id, this, 5_000),
                                                    (other_line, this, 1_000)]):
            row = Transaction(line_id=line, merchant="넥슨", bucket="micropayment", amount=amount,
                              status="approved", source="manual", external_id=f"seed-{n}")
            row.set_time(month_start(month) + timedelta(days=2))
            rows.append(row)
        alerts = [Alert(user_id=owner, line_id=line, kind="budget_threshold", rule_key=f"seed-{line}",
                        message="예산의 50%를 썼습니다.") for owner, line in ((uid, line_id), (other_uid, other_line))]
        db.add_all([*rows, *alerts])
        db.flush()
        ids = {"line_id": [line_id, other_line], "transaction_id": [r.id for r in rows],
               "alert_id": [a.id for a in alerts]}
    return uid, ids


@pytest.fixture
def world(app, store) -> World:
    uid, ids = _seed(store)
    with store.write() as db:
        token = create_token(db, uid, "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.server.test_client()
    bills = client.get(f"/api/v1/lines/{ids['line_id'][0]}/bills", headers=headers).get_json()
    assert sorted(b["status"] for b in bills) == ["carried", "overdue"], bills
    ids["bill_id"] = [b["id"] for b in bills]
    # A pending virtual-account payment, so confirm-deposit has something real to confirm.
    overdue = next(b for b in bills if b["status"] == "overdue")
    deposit = client.post(f"/api/v1/bills/{overdue['id']}/payments",
                          json={"method": "virtual_account", "password": PASSWORD},
                          headers={**headers, "Idempotency-Key": "seed-deposit"})
    assert deposit.status_code == 201, deposit.get_json()
    ids["payment_id"] = [deposit.get_json()["payment_id"]]
    return World(token, ids, app.server.extensions["microbill_limiter"])


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "auth": {"openapi": {"bearer": {"bearer": token}}},
        # The app gzips larger answers (Dash's compress=True) and schemathesis' WSGI transport does not decode
        # Content-Encoding; what the check reads must be the body itself.
        "headers": {"Accept-Encoding": "identity"},
        "operations": [
            {"include-name": name,
             "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTANCE + statuses}}}
            for name, statuses in BUSINESS_REFUSALS.items()
        ],
    })


def _positive(case, location: ParameterLocation) -> bool:
    info = case.meta.components.get(location) if case.meta is not None else None
    return info is None or info.mode.is_positive


def _often(data, label: str) -> bool:
    return data.draw(st.integers(0, 3), label=label) > 0  # 3 times in 4


def _steer(case, data, world: World) -> None:
    """Random ids are someone else's or nobody's (404) and random passwords are wrong: most of the time use real
    ids and the values the schema cannot describe (password, a Luhn-valid card, a carrier, a history file) —
    only in components generated as valid, so that a negative case stays negative."""
    if case.path_parameters and _positive(case, ParameterLocation.PATH):
        for name in case.path_parameters:
            if world.ids.get(name) and _often(data, f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(world.ids[name]), label=name)
    if not (isinstance(case.body, dict) and _positive(case, ParameterLocation.BODY)):
        return
    for name, values in VALID.items():
        if name in case.body and _often(data, f"valid {name}"):
            case.body[name] = data.draw(st.sampled_from(values), label=name)
    if case.body.get("method") == "card" and _often(data, "valid card"):
        case.body["card_number"] = data.draw(st.sampled_from(CARDS), label="card")
    if "file" in case.body and _often(data, "history file"):
        case.body["file"] = HISTORY
        case.body.pop("mapping", None)


def _run_operation(operation, world: World) -> None:
    """Hypothesis over one operation: valid requests, then invalid ones (schemathesis' negative mode)."""
    for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES), (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)):

        @given(case=operation.as_strategy(mode), data=st.data())
        # Health checks are about generation (slow or filtered data, large inputs), not the app: off.
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case, data) -> None:
            _steer(case, data, world)
            # Wrong passwords are throttled per user (the documented 429): forget them so correct ones get through.
            world.limiter.reset()
            case.call_and_validate()

        run()


def test_api_conforms_to_its_openapi_document(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app.server, config=_config(world.token))
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()  # an operation the document cannot describe fails here
        operations += 1
        try:
            _run_operation(operation, world)
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, reported together
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 20
    assert not failures, "\n\n".join(failures)
