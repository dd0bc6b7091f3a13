"""Every refusal a service raises has words in the catalogue, in both languages: a page shows
`t(error.key)` (callbacks/refusals.py, the family page) and the API sends it as `message`, so a key with no
entry would be a 500 where the user should read why."""

from __future__ import annotations

import ast
from pathlib import Path

from dashboard.services import errors
from dashboard.text.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
REFUSALS = {name for name, value in vars(errors).items()
            if isinstance(value, type) and issubclass(value, errors.ServiceError)}


def _raised_keys() -> tuple[set[str], set[str]]:
    """(literal keys, files that build a key with an f-string) given to NotFound/Forbidden/…/ServiceError."""
    literal: set[str] = set()
    built: set[str] = set()
    for path in (ROOT / "dashboard" / "services").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REFUSALS
                    and node.args):
                continue
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literal.add(key.value)
            elif isinstance(key, ast.JoinedStr):
                built.add(path.name)
    return literal, built


def test_the_services_raise_refusals_at_all():
    literal, _ = _raised_keys()
    assert {"actions.line_not_found", "factor.not_found", "invite.bad_email"} <= literal


def test_every_literal_refusal_key_has_words():
    literal, _ = _raised_keys()
    missing = sorted(key for key in literal if key not in catalogue())
    assert missing == []


def test_every_built_refusal_key_has_words_for_each_role():
    """The one built key, f"{NOT_ALLOWED}.{access.role}" (dashboard/services/access.py): every role that lacks
    some permission can be refused."""
    from dashboard.services.access import NOT_ALLOWED
    from data.access import ROLE_PERMISSIONS, Permission

    _, built = _raised_keys()
    assert built == {"access.py"}  # a new built key elsewhere needs its own check here
    keys = [f"{NOT_ALLOWED}.{role}" for role, allowed in ROLE_PERMISSIONS.items() if set(allowed) != set(Permission)]
    assert len(keys) >= 2
    assert [key for key in keys if key not in catalogue()] == []
    for key in keys:
        ko, en = catalogue()[key]
        assert ko and en and ko != en
