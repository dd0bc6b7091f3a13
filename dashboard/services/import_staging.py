"""Uploaded files waiting for preview and confirmation, kept in the instance folder.

The browser sends a file once; it is kept here under a random token so that the preview, a column
mapping and the confirmation never send it again, and so that the background job (another
process, with no request or login) finds the file *and who uploaded it for which line* on the
server side: the token is an unguessable handle, never a source of user or line ids.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32); anything else is refused
MAX_AGE_SECONDS = 3600  # an abandoned upload is deleted after an hour


@dataclass(frozen=True)
class Staged:
    token: str
    user_id: int
    line_id: int
    filename: str
    size: int
    created: float
    mapping: dict[str, str] | None = None
    signature: str | None = None
    columns: list[str] = field(default_factory=list)  # header row, when a mapping is needed
    samples: list[list[str]] = field(default_factory=list)  # a few rows to show beside it


class Staging:
    def __init__(self, instance_path: str) -> None:
        self.folder = Path(instance_path) / "import-staging"

    def save(self, user_id: int, line_id: int, filename: str, content: bytes) -> Staged:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.purge()
        staged = Staged(secrets.token_urlsafe(32), user_id, line_id, filename[:200], len(content), time.time())
        self._data(staged.token).write_bytes(content)
        self._write_meta(staged)
        return staged

    def load(self, token: object) -> Staged | None:
        if not isinstance(token, str) or not TOKEN.match(token):
            return None
        try:
            meta = json.loads(self._meta(token).read_text())
        except (OSError, ValueError):
            return None
        return Staged(**meta)

    def content(self, staged: Staged) -> bytes:
        return self._data(staged.token).read_bytes()

    def update(self, staged: Staged, **changes: object) -> Staged:
        updated = replace(staged, **changes)
        self._write_meta(updated)
        return updated

    def discard(self, token: str) -> None:
        if TOKEN.match(token):
            self._data(token).unlink(missing_ok=True)
            self._meta(token).unlink(missing_ok=True)

    def purge(self, now: float | None = None) -> None:
        cutoff = (now or time.time()) - MAX_AGE_SECONDS
        for path in self.folder.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    self.discard(path.stem)
            except OSError:
                continue  # removed by another worker meanwhile

    def _write_meta(self, staged: Staged) -> None:
        meta = asdict(staged)
        temporary = self._meta(staged.token).with_suffix(".tmp")
        temporary.write_text(json.dumps(meta, ensure_ascii=False))
        temporary.replace(self._meta(staged.token))  # atomic: a reader never sees half a file

    def _data(self, token: str) -> Path:
        return self.folder / f"{token}.bin"

    def _meta(self, token: str) -> Path:
        return self.folder / f"{token}.json"
