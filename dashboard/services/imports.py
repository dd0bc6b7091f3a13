"""The import use case shared by the /import page, the REST API and the CLI.

    reading = read_file(store, user_id, content, filename, mapping, max_bytes)   # parse, no writes
    preview(store, line_id, reading)            # counts new vs duplicates, first rows
    commit(store, settings, user_id, line_id, reading, filename)   # all rows or none

Size limit first (nothing is parsed past it), then the parser; a file whose headers we do not know
uses the user's remembered mapping for that header row if there is one, else asks for a mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dashboard.alerts.engine import evaluate_import
from dashboard.settings import Settings
from data.db import Store
from data.import_mappings import header_signature, recall, remember
from data.import_store import ImportSummary, import_rows, new_rows
from data.importing import ImportedRow, ParseResult, RowError, parse_file
from data.lines import owned_line
from data.models import Line

PREVIEW_ROWS = 20
STATISTICS_AFTER_ROWS = 1_000  # an import this big refreshes SQLite's planner statistics


class ImportRefused(Exception):
    """Nothing was written. `kind`: too_large | line | mapping | rows (the file or its rows)."""

    def __init__(self, kind: str, errors: list[RowError], reading: Reading | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.errors = errors
        self.reading = reading


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


def too_large_message(max_bytes: int) -> str:
    return f"파일이 너무 큽니다 (최대 {max_bytes / 1_000_000:g}MB). 기간을 나눠 올려 주세요."


def read_file(store: Store, user_id: int, content: bytes, filename: str,
              mapping: Mapping[str, str] | None, max_bytes: int, signature: str | None = None) -> Reading:
    """Parse (no writes). Raises ImportRefused: too_large, mapping (ask the user) or rows.

    `signature`: the header signature of this file when the caller already has it (the page keeps
    it from the first try); with a mapping and no signature the file is read once without it.
    """
    if len(content) > max_bytes:
        raise ImportRefused("too_large", [RowError(0, too_large_message(max_bytes))])
    if mapping and signature is None:
        plain = parse_file(content, filename, max_bytes=max_bytes)  # stops early at unknown headers
        signature = header_signature(plain.columns) if plain.needs_mapping else None
    if mapping:
        parsed = parse_file(content, filename, mapping=dict(mapping), max_bytes=max_bytes)
        if parsed.needs_mapping:
            raise ImportRefused("mapping", parsed.errors, Reading(parsed, signature, dict(mapping)))
        return _checked(Reading(parsed, signature, dict(mapping)))
    parsed = parse_file(content, filename, max_bytes=max_bytes)
    if not parsed.needs_mapping:
        return _checked(Reading(parsed))
    signature = header_signature(parsed.columns)
    with store.read() as db:
        known = recall(db, user_id, signature)
    if known:
        again = parse_file(content, filename, mapping=known, max_bytes=max_bytes)
        if not again.needs_mapping:
            return _checked(Reading(again, signature, known, remembered=True))
    raise ImportRefused("mapping", parsed.errors, Reading(parsed, signature))


def _checked(reading: Reading) -> Reading:
    if reading.parsed.errors:
        raise ImportRefused("rows", reading.parsed.errors, reading)
    return reading


def owned_line_or_refuse(store: Store, user_id: int, line_id: object) -> Line:
    with store.read() as db:
        line = owned_line(db, user_id, line_id)
    if line is None:
        raise ImportRefused("line", [RowError(0, "회선을 찾을 수 없습니다.")])
    return line


def preview(store: Store, user_id: int, line_id: object, reading: Reading) -> Preview:
    line = owned_line_or_refuse(store, user_id, line_id)
    rows = reading.rows
    with store.read() as db:
        fresh = len(new_rows(db, line.id, rows))
    parsed = reading.parsed
    return Preview(len(rows), fresh, len(rows) - fresh, rows[:PREVIEW_ROWS], parsed.file_format, parsed.encoding,
                   reading.remembered)


def commit(store: Store, settings: Settings, user_id: int, line_id: object, reading: Reading, filename: str, *,
           progress: Callable[[int, int], None] | None = None, now: datetime | None = None,
           channel: str = "web") -> ImportSummary:
    """Store every row or none (one write transaction); remembers a mapping the user chose."""
    now = now or datetime.now(UTC)
    with store.write() as db:
        line = owned_line(db, user_id, line_id)
        if line is None:
            raise ImportRefused("line", [RowError(0, "회선을 찾을 수 없습니다.")])
        summary = import_rows(db, line, reading.rows, user_id=user_id, filename=filename, now=now,
                              progress=progress, after_insert=alerts_hook(settings), channel=channel)
        if reading.signature and reading.mapping and not reading.remembered:
            remember(db, user_id, reading.signature, reading.mapping)
    if summary.added >= STATISTICS_AFTER_ROWS:
        store.refresh_statistics()  # a big import can change which index a query should take
    return summary


def alerts_hook(settings: Settings) -> Callable[..., Any]:
    """The alerts engine's evaluate_import, in the import's transaction: imported months before
    this one give at most one summary alert, not one per old charge."""

    def hook(session, line, txs, now):
        return evaluate_import(session, line, txs, now, settings)

    return hook


def errors_json(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"row": error.row, "message": error.message} for error in errors]


def run_cli(settings: Settings, path: str, line_id: int, mapping_json: str | None, as_json: bool) -> tuple[int, str]:
    """`microbill import`: (exit code, text to print). The operator's command: the line's owner is
    the user whose remembered mappings apply."""
    import json
    from pathlib import Path

    from data.models import Line as LineModel

    store = Store(settings.database_url)
    try:
        with store.read() as db:
            line = db.get(LineModel, line_id)
        if line is None:
            return _cli_failure([RowError(0, f"회선 {line_id}을(를) 찾을 수 없습니다.")], as_json)
        try:
            mapping = json.loads(mapping_json) if mapping_json else None
        except ValueError:
            mapping = None
        if mapping_json and not isinstance(mapping, dict):
            return _cli_failure([RowError(0, "--mapping은 JSON 객체여야 합니다.")], as_json)
        file = Path(path)
        content = file.read_bytes()
        try:
            reading = read_file(store, line.user_id, content, file.name, mapping, settings.import_max_bytes)
            summary = commit(store, settings, line.user_id, line.id, reading, file.name, channel="cli")
        except ImportRefused as refused:
            return _cli_failure(refused.errors, as_json, refused)
    finally:
        store.dispose()
    if as_json:
        return 0, json.dumps(summary.as_dict())
    return 0, (f"가져오기 완료: 추가 {summary.added:,}건, 중복 {summary.duplicates:,}건 "
               f"(imported: {summary.added:,} added, {summary.duplicates:,} duplicates)")


def _cli_failure(errors: list[RowError], as_json: bool, refused: ImportRefused | None = None) -> tuple[int, str]:
    import json

    if as_json:
        body: dict[str, Any] = {"errors": errors_json(errors)}
        if refused is not None and refused.kind == "mapping" and refused.reading is not None:
            body["columns"] = refused.reading.parsed.columns
        return 1, json.dumps(body, ensure_ascii=False)
    lines = ["가져오지 못했습니다. 아무것도 저장하지 않았습니다 (nothing imported):"]
    lines += [f"  {f'{e.row}행' if e.row else '파일'}: {e.message}" for e in errors]
    if refused is not None and refused.kind == "mapping" and refused.reading is not None:
        lines.append("  열 (columns): " + ", ".join(refused.reading.parsed.columns))
        lines.append('  --mapping \'{"열 이름": "occurred_at", ...}\' 로 지정해 주세요 (see --help).')
    return 1, "\n".join(lines)
