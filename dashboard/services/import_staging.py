"""Uploaded files waiting for preview and confirmation, kept in the instance folder (or in Redis when
MICROBILL_REDIS_URL is set: every host and the worker see them), and the /import page's steps over them.

The browser sends a file once; it is kept here under a random token so that the preview, a column
mapping and the confirmation never send it again, and so that the background job (another
process, with no request or login) finds the file *and who uploaded it for which line* on the
server side: the token is an unguessable handle, never a source of user or line ids.

The preview's parse is kept beside the file (`{token}.pkl`, written and read only by the server), so
the confirmation stores exactly the rows that were previewed without parsing the file again: the page's
background jobs run in processes of their own (DiskcacheManager, or the Celery worker), so memory would
not do. The job dict carries a signature (job_signature) binding its token to the user who started it.

    stage_upload(store, settings, user_id, line_id, content, filename) -> Staged
    stage_paste(store, settings, user_id, line_id, text) -> Staged    # a table pasted as text
    preview_staged(store, settings, token, checking) -> StagedPreview      # the background job
    commit_staged(store, settings, token, progress) -> ImportSummary       # the background job
    confirm_staged(store, settings, user_id, token, line_id) -> "commit" | "preview"
    choose_mapping(settings, user_id, token, chosen_by_column) / discard_staged(settings, user_id, token)
    check_job(settings, token, signature, session_user)                    # the background job, first
    job_signature(settings, user_id, token)                                 # signs the job dict for it
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import redis
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer

from dashboard.services.access import managed_line
from dashboard.services.imports import (
    REQUIRED_FIELDS,
    TOO_LARGE,
    ImportRefused,
    ImportSummary,
    MappingAsk,
    Preview,
    Problem,
    Reading,
    commit,
    count_preview,
    read_file,
)
from dashboard.settings import Settings
from data.db import Store
from data.importing import FIELDS_BY_NAME, ImportedRow
from data.importing.columns import header_score
from data.importing.paste import PASTE_NAME, paste_table, read_paste
from data.importing.pipeline import size_text
from data.importing.read import FileError
from data.models import Line

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32); anything else is refused
MAX_AGE_SECONDS = 3600  # an abandoned upload is deleted after an hour
_ROW_FIELDS = tuple(f.name for f in fields(ImportedRow))
PASTE = "paste"  # Staged.source of a pasted table (kept as UTF-8 text); "file" for an upload
PASTE_TOO_LARGE = "import_paste.too_large"
_READERS = {PASTE: read_paste}  # parse_file's reader by source; a file gets the default one


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
    source: str = "file"  # or PASTE


class Staging:
    """Staged uploads in the instance folder (the laptop: one host). The interface both backends share:
    save / load / content / update / keep / kept / discard / purge; RedisStaging keeps the same in Redis."""

    def __init__(self, instance_path: str) -> None:
        self.folder = Path(instance_path) / "import-staging"

    def save(self, user_id: int, line_id: int, filename: str, content: bytes, source: str = "file") -> Staged:
        self.purge()
        staged = Staged(secrets.token_urlsafe(32), user_id, line_id, filename[:200], len(content), time.time(),
                        source=source)
        self._put(staged.token, "bin", content)
        self._write_meta(staged)
        return staged

    def load(self, token: object) -> Staged | None:
        if not isinstance(token, str) or not TOKEN.match(token):
            return None
        data = self._get(token, "json")
        try:
            return Staged(**json.loads(data)) if data is not None else None
        except (TypeError, ValueError):
            return None

    def content(self, staged: Staged) -> bytes:
        data = self._get(staged.token, "bin")
        if data is None:
            raise ImportRefused.because("expired", "import.expired")
        return data

    def update(self, staged: Staged, **changes: object) -> Staged:
        updated = replace(staged, **changes)
        self._write_meta(updated)
        return updated

    def keep(self, staged: Staged, value: object) -> None:
        """Keep a value beside the file (pickled: only this server writes it)."""
        self._put(staged.token, "pkl", self._seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))

    def kept(self, staged: Staged) -> object | None:
        data = self._open(self._get(staged.token, "pkl"))
        # Only this server writes it, under a token checked by load() (and sealed in Redis): no outside input.
        return pickle.loads(data) if data is not None else None  # noqa: S301

    def discard(self, token: str) -> None:
        if TOKEN.match(token):
            for part in ("bin", "pkl", "json"):
                (self.folder / f"{token}.{part}").unlink(missing_ok=True)

    def purge(self, now: float | None = None) -> None:
        cutoff = (now or time.time()) - MAX_AGE_SECONDS
        for path in self.folder.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    self.discard(path.stem)
            except OSError:
                continue  # removed by another worker meanwhile

    def _write_meta(self, staged: Staged) -> None:
        self._put(staged.token, "json", json.dumps(asdict(staged), ensure_ascii=False).encode())

    def _put(self, token: str, part: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{token}.{part}"
        temporary = path.with_suffix(f".{part}-tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file

    def _get(self, token: str, part: str) -> bytes | None:
        try:
            return (self.folder / f"{token}.{part}").read_bytes()
        except OSError:
            return None

    def _seal(self, data: bytes) -> bytes:
        return data

    def _open(self, data: bytes | None) -> bytes | None:
        return data


class RedisStaging(Staging):
    """Staged uploads in Redis (MICROBILL_REDIS_URL), so that every host and the worker see them; each key
    expires MAX_AGE_SECONDS after its last write (an abandoned upload goes by itself). The kept parse is
    signed with the app's secret: a value someone else wrote into Redis is never unpickled."""

    PREFIX = "microbill:import-staging:"

    def __init__(self, redis_url: str, secret_key: str) -> None:
        self.redis = _redis(redis_url)
        self.signer = Signer(secret_key, salt="microbill.import-staging", digest_method=hashlib.sha256)

    def discard(self, token: str) -> None:
        if TOKEN.match(token):
            self.redis.delete(*(self._key(token, part) for part in ("bin", "pkl", "json")))

    def purge(self, now: float | None = None) -> None:
        """Nothing to do: Redis expires the keys."""

    def _put(self, token: str, part: str, data: bytes) -> None:
        self.redis.set(self._key(token, part), data, ex=MAX_AGE_SECONDS)
        if part == "json":  # the upload lives as long as its record was last touched
            for other in ("bin", "pkl"):
                self.redis.expire(self._key(token, other), MAX_AGE_SECONDS)

    def _get(self, token: str, part: str) -> bytes | None:
        return self.redis.get(self._key(token, part))

    def _seal(self, data: bytes) -> bytes:
        return self.signer.sign(data)

    def _open(self, data: bytes | None) -> bytes | None:
        if data is None:
            return None
        try:
            return self.signer.unsign(data)
        except BadSignature:
            return None

    def _key(self, token: str, part: str) -> str:
        return f"{self.PREFIX}{token}:{part}"


@functools.lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
    """One connection pool per Redis URL and process (redis-py opens new connections after a fork)."""
    return redis.Redis.from_url(url)


def staging_of(settings: Settings) -> Staging:
    if settings.redis_url:
        return RedisStaging(settings.redis_url, settings.secret_key)
    return Staging(settings.instance_path)


@dataclass(frozen=True)
class StagedPreview:
    preview: Preview
    line: Line  # detached: read its columns (the page shows its label)


def stage_upload(store: Store, settings: Settings, user_id: int, line_id: object, content: bytes | None,
                 filename: object) -> Staged:
    """Keep an upload for the user's line. Refuses (ImportRefused line / bad_upload / too_large) before
    anything is written: the owner and the size are checked here, once."""
    name = filename if isinstance(filename, str) else "upload"
    return _stage(store, settings, user_id, line_id, content, name)


def stage_paste(store: Store, settings: Settings, user_id: int, line_id: object, text: object) -> Staged:
    """Keep a table pasted from the carrier's page, as stage_upload keeps a file (the same size limit;
    the preview, mapping and commit are the same after it). Text that holds no table is refused here
    too (ImportRefused paste: empty, binary, one column, no header row, no rows), so nothing is kept."""
    content = text.encode("utf-8", "replace") if isinstance(text, str) else None
    return _stage(store, settings, user_id, line_id, content, PASTE_NAME, source=PASTE)


def _stage(store: Store, settings: Settings, user_id: int, line_id: object, content: bytes | None, name: str,
           source: str = "file") -> Staged:
    line = managed_line(store, user_id, line_id)
    if line is None:
        raise ImportRefused.because("line", "import.no_line")
    if content is None:
        raise ImportRefused.because("bad_upload", "import.bad_upload")
    limit = settings.import_max_bytes
    if len(content) > limit:
        raise ImportRefused.because("too_large", PASTE_TOO_LARGE if source == PASTE else TOO_LARGE,
                                    limit=size_text(limit))
    if source == PASTE:
        _check_paste(content)
    return staging_of(settings).save(user_id, line.id, name, content, source)


def _check_paste(content: bytes) -> None:
    """The cheap half of reading a paste (its table's shape), so that text with no table is refused
    at once; the cells are parsed by the preview like a file's."""
    try:
        paste_table(content.decode("utf-8"), header_score)
    except FileError as error:
        raise ImportRefused("paste", [Problem(0, error.message.key, error.message.values)]) from None


def preview_staged(store: Store, settings: Settings, token: object,
                   checking: Callable[[], None] | None = None) -> StagedPreview:
    """Parse the staged file (kept for the confirmation) and count it against the line's rows. The
    user and line come from the staged record; `checking` is called once the file is read."""
    staging = staging_of(settings)
    staged = staging.load(token)
    if staged is None:
        raise ImportRefused.because("expired", "import.expired")
    line = managed_line(store, staged.user_id, staged.line_id)
    if line is None:
        raise ImportRefused.because("line", "import.no_line")
    reading = _reading(store, settings, staging, staged)
    if checking is not None:
        checking()
    with store.read() as db:
        return StagedPreview(count_preview(db, line.id, reading), line)


def commit_staged(store: Store, settings: Settings, token: object,
                  progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Store the previewed rows (commit checks the owner in its transaction); the upload is done."""
    staging = staging_of(settings)
    staged = staging.load(token)
    if staged is None:
        raise ImportRefused.because("expired", "import.expired")
    reading = _reading(store, settings, staging, staged)
    try:
        summary = commit(store, settings, staged.user_id, staged.line_id, reading, staged.filename,
                         progress=progress, channel="web")
    except ImportRefused as refused:
        if refused.kind != "line":
            raise
        raise ImportRefused.because("line", "import.no_line") from None
    staging.discard(staged.token)
    return summary


def confirm_staged(store: Store, settings: Settings, user_id: int, token: object, line_id: object) -> str:
    """The next step for the user's confirmation: "commit", or "preview" again when the line picker
    moved after the preview (the upload now goes to the line picked)."""
    staging = staging_of(settings)
    staged = _own(staging, user_id, token)
    line = managed_line(store, user_id, line_id)
    if line is None:
        raise ImportRefused.because("line", "import.no_line")
    if line.id != staged.line_id:
        staging.update(staged, line_id=line.id)
        return "preview"
    return "commit"


def choose_mapping(settings: Settings, user_id: int, token: object, chosen_by_column: Mapping[object, Any]) -> None:
    """The user's mapping ({column index: field name or ""}) for the next preview of their upload.
    Raises ImportRefused expired, or mapping_choice (a required field left out, a field chosen twice)."""
    staging = staging_of(settings)
    staged = _own(staging, user_id, token)
    columns = staged.columns
    chosen = {columns[i]: v for i, v in chosen_by_column.items() if isinstance(i, int) and 0 <= i < len(columns)}
    problem = mapping_problem(chosen)
    if problem is not None:
        raise ImportRefused("mapping_choice", [problem])
    staging.update(staged, mapping={k: v or "" for k, v in chosen.items()})


def mapping_problem(chosen: Mapping[str, Any]) -> Problem | None:
    picked = [v for v in chosen.values() if v]
    missing = [name for name in REQUIRED_FIELDS if name not in picked]
    if missing:
        return Problem(0, "import.mapping_missing", {"fields": missing})
    twice = {v for v in picked if picked.count(v) > 1}
    if twice:
        ordered = sorted(twice, key=lambda v: FIELDS_BY_NAME[v].label if v in FIELDS_BY_NAME else str(v))
        return Problem(0, "import.mapping_twice", {"fields": ordered})
    return None


def discard_staged(settings: Settings, user_id: int, token: object) -> None:
    """Forget the user's upload (another user's token, or none, changes nothing)."""
    staging = staging_of(settings)
    staged = staging.load(token)
    if staged is not None and staged.user_id == user_id:
        staging.discard(staged.token)


def job_signature(settings: Settings, user_id: int, token: str) -> str:
    """What the logged-in callback that starts a background job adds to the job: its upload and its user,
    signed with the app's secret. The job may run where there is no login (the Celery worker)."""
    return _job_serializer(settings).dumps([token, user_id])


def check_job(settings: Settings, token: object, signature: object, session_user: int | None) -> None:
    """The background job's first step: whose job this is — the signed user, or the session's when the job
    still has the request's login (DiskcacheManager); both, when both are there, must agree — and the upload
    must be theirs. Anything else is ImportRefused expired, as another user's token is."""
    signed = _signed_user(settings, token, signature)
    if signed is not None and session_user is not None and signed != session_user:
        raise ImportRefused.because("expired", "import.expired")
    owner = signed if signed is not None else session_user
    if owner is None:
        raise ImportRefused.because("expired", "import.expired")
    _own(staging_of(settings), owner, token)


def _signed_user(settings: Settings, token: object, signature: object) -> int | None:
    if not isinstance(signature, str):
        return None
    try:
        signed_token, user = _job_serializer(settings).loads(signature, max_age=MAX_AGE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    return user if signed_token == token and isinstance(user, int) else None


def _job_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="microbill.import-job")


def _own(staging: Staging, user_id: int, token: object) -> Staged:
    staged = staging.load(token)
    if staged is None or staged.user_id != user_id:
        raise ImportRefused.because("expired", "import.expired")
    return staged


def _reading(store: Store, settings: Settings, staging: Staging, staged: Staged) -> Reading:
    """The staged file's reading: the kept parse when it was made under the current mapping, else
    one parse (kept). Refusals are shaped for the page (ask for a mapping, or forget the upload)."""
    kept = _unpack(staging.kept(staged), staged.mapping)
    if kept is not None:
        return kept
    try:
        reading = read_file(store, staged.user_id, staging.content(staged), staged.filename, staged.mapping,
                            settings.import_max_bytes, staged.signature, _READERS.get(staged.source))
    except ImportRefused as refused:
        raise _for_page(staging, staged, refused) from None
    staging.keep(staged, _pack(reading, staged.mapping))
    return reading


def _for_page(staging: Staging, staged: Staged, refused: ImportRefused) -> ImportRefused:
    reading = refused.reading
    if refused.kind == "mapping" and reading is not None:
        parsed = reading.parsed
        staged = staging.update(staged, signature=reading.signature, columns=parsed.columns,
                                samples=parsed.sample_rows, mapping=None)
        ask = MappingAsk(staged.columns, staged.samples, reading.mapping or parsed.mapping)
        # Headers we did not know: just ask. The user's own mapping did not do: say why, too.
        return ImportRefused("mapping", refused.errors if reading.mapping else [], reading, ask)
    if reading is not None and reading.mapping and not reading.remembered and staged.columns:
        # Rows failed under the user's own mapping: let them change it without uploading again.
        return ImportRefused(refused.kind, refused.errors, reading,
                             MappingAsk(staged.columns, staged.samples, reading.mapping))
    staging.discard(staged.token)
    return refused


def _pack(reading: Reading, made_for: dict[str, str] | None) -> dict[str, Any]:
    """A reading as kept: its rows as one list per field (quicker to pickle and load than the row
    objects: ~0.4 s for 100,000 rows, under a parse) and the mapping it was made under."""
    rows = reading.rows
    columns = [[getattr(row, name) for row in rows] for name in _ROW_FIELDS]
    rowless = replace(reading, parsed=replace(reading.parsed, rows=[]))
    return {"mapping": made_for, "columns": columns, "reading": rowless}


def _unpack(kept: object, mapping: dict[str, str] | None) -> Reading | None:
    if not isinstance(kept, dict) or kept.get("mapping") != mapping:
        return None
    reading: Reading = kept["reading"]
    return replace(reading, parsed=replace(reading.parsed, rows=ImportedRow.bulk(kept["columns"])))
