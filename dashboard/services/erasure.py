"""Deleting the account (issue #12, point 8; 개인정보 보호법 right to erasure), after a downloadable export.

    export_zip(store, user_id, *, ip) -> ExportFile         # one CSV per table + one JSON of every table
    delete_account(store, user_id, session_id, password, code, typed, *, ip) -> dict[str, int]

Deleting needs the password entered now, the second factor (when the user has one: a code now or a factor
entered on this session a moment ago) and the account's email typed as confirmation. Everything of the user
goes in ONE transaction (data.erasure: rows deleted table by table, audit rows anonymised).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from dashboard.services import factors
from dashboard.services.passwords import FieldErrors
from dashboard.web.reauth import FAILURES, Reauth, verify_password
from data import accounts, erasure
from data.audit import audit
from data.db import Store
from data.exporting import to_csv
from data.models import User, utcnow

PASSWORD, CODE, TYPED = "password", "code", "typed"
JSON_NAME = "microbill-export.json"


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    filename: str
    tables: dict[str, int]  # rows per table


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_zip(store: Store, user_id: int, *, ip: str | None = None) -> ExportFile:
    """Every row of the user (no secrets), as `<table>.csv` files and one JSON; audited."""
    with store.read() as db:
        tables = erasure.export_tables(db, user_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, columns in erasure.export_columns().items():
            archive.writestr(f"{name}.csv", to_csv(tables[name], [(column, column) for column in columns]))
        archive.writestr(JSON_NAME, json.dumps(tables, ensure_ascii=False, indent=1, default=_json_value))
    with store.write() as db:
        audit(db, "account.export", user_id=user_id, ip=ip)
    stamp = utcnow().strftime("%Y%m%d")
    return ExportFile(buffer.getvalue(), f"microbill-{stamp}.zip", {name: len(rows) for name, rows in tables.items()})


def _typed_matches(email: str, typed: str | None) -> bool:
    return accounts.normalise_email(typed or "") == email


def delete_account(store: Store, user_id: int, session_id: str, password: str | None, code: str | None,
                   typed: str | None, *, ip: str | None = None) -> dict[str, int]:
    """Erase the user; rows removed per table. FieldErrors (nothing changed) for a wrong password, factor or
    confirmation. The factor is checked last: a code is spent only when everything else is right."""
    with store.read() as db:
        email = db.scalar(select(User.email).where(User.id == user_id))
    if email is None:
        raise FieldErrors({PASSWORD: "actions.password_wrong"})
    errors = {} if _typed_matches(email, typed) else {TYPED: "erasure.typed_wrong"}
    verdict = verify_password(user_id, password, store)
    if verdict is not Reauth.OK:
        errors[PASSWORD] = FAILURES[verdict][0]
    if errors:
        raise FieldErrors(errors)
    factor = factors.factor_check(store, user_id, session_id, code)
    if factor is not factors.FactorVerdict.OK:
        raise FieldErrors({CODE: factors.factor_refusal(factor).key})
    with store.write() as db:
        if db.get(User, user_id, with_for_update=True) is None:  # deleted meanwhile (another tab)
            raise FieldErrors({PASSWORD: "actions.password_wrong"})
        removed = erasure.erase_user(db, user_id)
        audit(db, "account.delete", user_id=None, ip=None, rows=sum(removed.values()))
    return removed
