"""The import use case shared by the REST API, the CLI and (through import_staging) the /import page.

    reading = read_file(store, user_id, content, filename, mapping, max_bytes)   # parse, no writes
    preview(store, user_id, line_id, reading)   # counts new vs duplicates, first rows
    commit(store, settings, user_id, line_id, reading, filename)   # all rows or none
    import_upload(store, settings, user_id, line_id, content, filename, mapping_json, dry_run=…)   # the API

Each entrance checks the line's owner once (commit: in its write transaction) and the size once (the
parser's first step: nothing is parsed past the limit). A file whose headers we do not know uses the
user's remembered mapping for that header row if there is one, else asks for a mapping.

Refusals are ImportRefused, whose `errors` are Problems: a row, a message key of
dashboard/text/messages/importing.py and its values; `error_text(problem, lang)` says it in a language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dashboard.alerts.engine import evaluate_import
from dashboard.jobs.deadline import past_deadline
from dashboard.observability.counters import count_import
from dashboard.services.access import line_if_allowed
from dashboard.settings import Settings
from dashboard.text.i18n import t
from data import untrusted_json
from data.access import Permission
from data.db import Store
from data.import_mappings import clean_mapping, header_signature, recall, remember
from data.import_store import ImportSummary as ImportSummary  # re-exported: callbacks import no data.*
from data.import_store import import_rows, new_rows
from data.importing import FIELDS, FIELDS_BY_NAME, ImportedRow, ParseResult, parse_file
from data.importing import IGNORE as IGNORE  # re-exported: the mapping's "leave this column out"
from data.models import Line

PREVIEW_ROWS = 20
STATISTICS_AFTER_ROWS = 1_000  # an import this big refreshes SQLite's planner statistics
TOO_LARGE = "import.too_large"  # the parser's message key for a file over the limit
MAPPING_FIELDS: tuple[tuple[str, bool], ...] = tuple((f.name, f.required) for f in FIELDS)  # (name, required)
REQUIRED_FIELDS: tuple[str, ...] = tuple(name for name, required in MAPPING_FIELDS if required)


@dataclass(frozen=True)
class Problem:
    """One refusal reason: `row` (spreadsheet row, 0 = the whole file), a message key and its values."""

    row: int
    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return error_text(self, lang)

    @property
    def message(self) -> str:
        """In Korean, the language of the CLI and of the API's default."""
        return self.text("ko")


def error_text(error: Any, lang: str) -> str:
    """A Problem or a parser RowError in `lang`. Values named `field`/`fields` are field names, shown
    as their labels (import.field.<name>)."""
    values = dict(error.values)
    if "field" in values:
        values["field"] = _label(values["field"], lang)
    if "fields" in values:
        values["fields"] = ", ".join(_label(name, lang) for name in values["fields"])
    return t(error.key, lang, **values)


def _label(name: object, lang: str) -> str:
    return t(f"import.field.{name}", lang) if name in FIELDS_BY_NAME else str(name)


@dataclass(frozen=True)
class MappingAsk:
    """What the page shows to ask for a mapping: the file's header row, a few rows, the choice so far."""

    columns: list[str]
    samples: list[list[str]]
    chosen: dict[str, str]


class ImportRefused(Exception):
    """Nothing was written. `kind`: too_large | line | mapping | rows (the file or its rows) | no_file |
    bad_mapping (the API's input) | expired | bad_upload | mapping_choice (the page's staged upload) |
    timeout (a job past MICROBILL_IMPORT_JOB_SECONDS: dashboard.jobs.deadline).
    `ask`: the page should ask for (another) mapping."""

    def __init__(self, kind: str, errors: list[Any], reading: Reading | None = None,
                 ask: MappingAsk | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.errors = [e if isinstance(e, Problem) else Problem(e.row, e.key, e.values) for e in errors]
        self.reading = reading
        self.ask = ask

    @classmethod
    def because(cls, kind: str, key: str, **values: Any) -> ImportRefused:
        return cls(kind, [Problem(0, key, values)])


@dataclass(frozen=True)
class Reading:
    """A parsed file and how its columns were found."""

    parsed: ParseResult
    signature: str | None = None  # header-row signature when the headers needed a mapping
    mapping: dict[str, str] | None = None  # the mapping given or recalled (None: headers known)
    remembered: bool = False  # the mapping came from the user's memory

    @property
    def rows(self) -> list[ImportedRow]:
        return self.parsed.rows


@dataclass(frozen=True)
class Preview:
    rows: int
    new: int
    duplicates: int
    sample: list[ImportedRow] = field(default_factory=list)
    file_format: str | None = None
    encoding: str | None = None
    remembered: bool = False


def read_file(store: Store, user_id: int, content: bytes, filename: str,
              mapping: Mapping[str, str] | None, max_bytes: int, signature: str | None = None,
              reader: Callable[..., Any] | None = None) -> Reading:
    """Parse (no writes). Raises ImportRefused: too_large, mapping (ask the user) or rows.

    One parse, whose first step is the size check; a second one only with a remembered mapping
    (the first stopped at the unknown headers). `signature`: the header signature when the caller
    already has it (else it comes from the parse). `reader`: parse_file's, for content that is not
    a file (a pasted table).
    """
    if mapping:
        parsed = parse_file(content, filename, mapping=dict(mapping), max_bytes=max_bytes, reader=reader)
        signature = signature or _signature(parsed)
        if parsed.needs_mapping:
            raise ImportRefused("mapping", parsed.errors, Reading(parsed, signature, dict(mapping)))
        return _checked(Reading(parsed, signature, dict(mapping)))
    parsed = parse_file(content, filename, max_bytes=max_bytes, reader=reader)
    if not parsed.needs_mapping:
        return _checked(Reading(parsed))
    signature = _signature(parsed)
    with store.read() as db:
        known = recall(db, user_id, signature)
    if known:
        again = parse_file(content, filename, mapping=known, max_bytes=max_bytes, reader=reader)
        if not again.needs_mapping:
            return _checked(Reading(again, signature, known, remembered=True))
    raise ImportRefused("mapping", parsed.errors, Reading(parsed, signature))


def _signature(parsed: ParseResult) -> str | None:
    return header_signature(parsed.unmapped_headers) if parsed.unmapped_headers else None


def _checked(reading: Reading) -> Reading:
    errors = reading.parsed.errors
    if errors:
        kind = "too_large" if errors[0].key == TOO_LARGE else "rows"
        raise ImportRefused(kind, errors, reading)
    return reading


def line_not_found() -> ImportRefused:
    return ImportRefused.because("line", "import.err.line_not_found")


def preview(store: Store, user_id: int, line_id: object, reading: Reading) -> Preview:
    """Counts against the stored rows (ownership checked in the same read)."""
    with store.read() as db:
        line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
        if line is None:
            raise line_not_found()
        return count_preview(db, line.id, reading)


def count_preview(db: Any, line_id: int, reading: Reading) -> Preview:
    """The preview of a reading for a line whose owner was checked (one query)."""
    rows = reading.rows
    fresh = len(new_rows(db, line_id, rows))
    parsed = reading.parsed
    return Preview(len(rows), fresh, len(rows) - fresh, rows[:PREVIEW_ROWS], parsed.file_format, parsed.encoding,
                   reading.remembered)


def commit(store: Store, settings: Settings, user_id: int, line_id: object, reading: Reading, filename: str, *,
           progress: Callable[[int, int], None] | None = None, now: datetime | None = None,
           channel: str = "web") -> ImportSummary:
    """Store every row or none (one write transaction, which checks the owner); remembers a mapping
    the user chose."""
    with store.write() as db:
        line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
        if line is None:
            raise line_not_found()
        summary = _store_rows(db, settings, line, reading, filename, progress, now, channel)
    return _after(store, summary, channel)


def check_deadline(settings: Settings) -> None:
    """A job past its time limit (dashboard.jobs.deadline) stops here: ImportRefused timeout. Raised inside
    the commit's transaction, it rolls back every row."""
    if past_deadline():
        raise ImportRefused.because("timeout", "import.timeout", seconds=settings.import_job_seconds)


def _on_time(progress: Callable[[int, int], None] | None, settings: Settings) -> Callable[[int, int], None]:
    """The commit's progress callback, checking the deadline at every chunk first."""
    def step(done: int, total: int) -> None:
        check_deadline(settings)
        if progress is not None:
            progress(done, total)

    return step


def _store_rows(db: Any, settings: Settings, line: Line, reading: Reading, filename: str,
                progress: Callable[[int, int], None] | None, now: datetime | None, channel: str) -> ImportSummary:
    check_deadline(settings)  # the page's commit, the API's import and its job alike
    summary = import_rows(db, line, reading.rows, user_id=line.user_id, filename=filename, now=now or datetime.now(UTC),
                          progress=_on_time(progress, settings), after_insert=alerts_hook(settings), channel=channel)
    if reading.signature and reading.mapping and not reading.remembered:
        remember(db, line.user_id, reading.signature, reading.mapping)
    return summary


def _after(store: Store, summary: ImportSummary, channel: str) -> ImportSummary:
    count_import(channel, "committed")
    if summary.added >= STATISTICS_AFTER_ROWS:
        store.refresh_statistics()  # a big import can change which index a query should take
    return summary


def import_upload(store: Store, settings: Settings, user_id: int, line_id: object, content: bytes | None,
                  filename: str, mapping_json: str | None, *, dry_run: bool = False,
                  channel: str = "api") -> Preview | ImportSummary:
    """The API's import: the line's owner, the file, the mapping (JSON {raw header: field}), the size
    and the rows are each checked once, in that order. Raises ImportRefused (line, no_file,
    bad_mapping, too_large, mapping, rows); a dry run writes nothing."""
    try:
        return _import_upload(store, settings, user_id, line_id, content, filename, mapping_json, dry_run, channel)
    except ImportRefused:
        count_import(channel, "refused")
        raise


def _import_upload(store: Store, settings: Settings, user_id: int, line_id: object, content: bytes | None,
                   filename: str, mapping_json: str | None, dry_run: bool, channel: str) -> Preview | ImportSummary:
    with store.read() as db:
        line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
    if line is None:
        raise line_not_found()
    if content is None:
        raise ImportRefused.because("no_file", "import.err.no_file")
    reading = read_file(store, user_id, content, filename, api_mapping(mapping_json), settings.import_max_bytes)
    if dry_run:
        with store.read() as db:
            return count_preview(db, line.id, reading)
    with store.write() as db:  # the owner was checked above; the row is read again in this transaction
        summary = _store_rows(db, settings, db.get(Line, line.id), reading, filename, None, None, channel)
    return _after(store, summary, channel)


def api_mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        value = untrusted_json.loads(text)
    except ValueError:  # orjson: also 100,000-deep nesting and huge numbers, which json.loads turns into a 500
        value = None
    if not isinstance(value, dict):
        raise ImportRefused.because("bad_mapping", "import.err.mapping_json", example='{"일자": "occurred_at"}')
    return clean_mapping(value)


def field_list() -> list[dict[str, Any]]:
    """The fields a mapping may name, for the API's 422 body (Korean labels)."""
    return [{"name": f.name, "label": f.label, "required": f.required} for f in FIELDS]


def alerts_hook(settings: Settings) -> Callable[..., Any]:
    """The alerts engine's evaluate_import, in the import's transaction: imported months before
    this one give at most one summary alert, not one per old charge."""

    def hook(session, line, txs, now):
        return evaluate_import(session, line, txs, now, settings)

    return hook


def errors_json(errors: list[Problem], lang: str = "ko") -> list[dict[str, Any]]:
    return [{"row": error.row, "code": error.key, "message": error.text(lang)} for error in errors]
