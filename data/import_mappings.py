"""Remembered column mappings: a user maps an unknown header row once, the next file with the same
headers imports without asking.

The signature is the SHA-256 of the header row after `normalize_header` (NFKC, lower case, no
spaces or units), so "결제 일시" and "결제일시" count as the same file layout.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.importing.columns import normalize_header
from data.importing.model import FIELDS_BY_NAME, IGNORE
from data.models import ImportMapping, utcnow


def header_signature(headers: Sequence[str]) -> str:
    normalised = "\x1f".join(normalize_header(header) for header in headers)
    return hashlib.sha256(normalised.encode()).hexdigest()


def clean_mapping(mapping: Mapping[object, object]) -> dict[str, str]:
    """{raw header: field or ""} with only known field names; anything else is left out."""
    cleaned: dict[str, str] = {}
    for raw, name in mapping.items():
        if isinstance(raw, str) and isinstance(name, str) and (name == IGNORE or name in FIELDS_BY_NAME):
            cleaned[raw] = name
    return cleaned


def recall(session: Session, user_id: int, signature: str) -> dict[str, str] | None:
    text = session.scalar(
        select(ImportMapping.mapping).where(ImportMapping.user_id == user_id, ImportMapping.signature == signature)
    )
    if text is None:
        return None
    try:
        stored = json.loads(text)
    except ValueError:
        return None  # a damaged row: ask again rather than fail the import
    return clean_mapping(stored) if isinstance(stored, dict) else None


def remember(session: Session, user_id: int, signature: str, mapping: Mapping[str, str]) -> None:
    """Create or replace the user's mapping for this header row (one statement: no race)."""
    text = json.dumps(clean_mapping(mapping), ensure_ascii=False, sort_keys=True)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ImportMapping).values(user_id=user_id, signature=signature, mapping=text, created_at=utcnow())
    session.execute(statement.on_conflict_do_update(
        index_elements=[ImportMapping.user_id, ImportMapping.signature],
        set_={"mapping": text, "created_at": utcnow()},
    ))
