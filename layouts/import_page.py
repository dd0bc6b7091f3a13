"""/import: upload or paste, column mapping, preview, confirmation, progress and results. Pure.

Every cell from the user's file is passed as a plain string child (Dash renders it as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import to_kst
from layouts import message_inbox
from layouts.components import section

ACCEPT = ".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ERRORS_SHOWN = 50
PASTE_FORMAT = "paste"  # the file format the importer reports for a paste (data.importing.paste.PASTE_FORMAT)
# Amounts right-aligned with tabular digits; a gap before the status that follows them.
_CELL_CLASS = {"row": "text-nowrap", "when": "text-nowrap", "amount": "text-end amount text-nowrap",
               "status": "ps-3 text-nowrap"}


def size_text(max_bytes: int) -> str:
    return f"{max_bytes / 1_000_000:g}MB"


def page(lang: str, max_bytes: int) -> html.Div:
    config = {"max": max_bytes, "too_large": t("import.too_large", lang, limit=size_text(max_bytes)),
              "input_label": t("import.drop", lang),
              "paste_too_large": t("import_paste.too_large", lang, limit=size_text(max_bytes))}
    return html.Div(
        [
            html.H1(t("import.title", lang), className="h4 mb-3"),
            section(
                None,
                html.P(t("import.intro", lang), className="mb-2"),
                html.P(id="import-line", className="fw-semibold mb-3"),
                source_tabs(lang, upload_area(lang, max_bytes), paste_area(lang, max_bytes)),
                html.Div(
                    [dbc.Spinner(size="sm", spinner_class_name="me-2"), t("import.uploading", lang)],
                    id="import-uploading", hidden=True, className="small mt-3", role="status",
                ),
                html.Div(
                    [
                        html.Div(
                            html.Div(id="import-progress-bar", style={"width": "0%"},
                                     className="progress-bar progress-bar-striped progress-bar-animated"),
                            id="import-progress", className="progress mb-1", role="progressbar",
                            style={"height": "1.25rem"},
                            **{"aria-label": t("import.progress", lang), "aria-valuemin": "0",
                               "aria-valuemax": "100", "aria-valuenow": "0"},
                        ),
                        html.Div(id="import-status", className="small text-body-secondary", role="status",
                                 **{"aria-live": "polite"}),
                    ],
                    id="import-progress-wrap", hidden=True, className="mt-3",
                ),
                html.Ul([html.Li(t("import.tip_dupes", lang)), html.Li(t("import.tip_all", lang))],
                        className="small text-body-secondary mt-3 mb-0 ps-3"),
            ),
            html.Div(id="import-result", role="status", **{"aria-live": "polite"}),
            html.Div(id="import-mapping"),
            html.Div(id="import-preview"),
            message_inbox.card(lang),  # forwarded texts the parser could not read (callbacks/message_inbox.py)
            dcc.Store(id="import-config", data=config),
            dcc.Store(id="import-file"),
            dcc.Store(id="import-job"),
            dcc.Store(id="import-a11y"),
        ],
        className="import-page",
    )


def upload_area(lang: str, max_bytes: int) -> dcc.Upload:
    return dcc.Upload(
        id="import-upload",
        children=html.Div([
            html.Div("⇪", className="fs-2 lh-1 mb-2", **{"aria-hidden": "true"}),
            html.Div(t("import.drop", lang), className="fw-semibold"),
            html.Div(t("import.drop_hint", lang, limit=size_text(max_bytes)), className="small text-body-secondary"),
        ]),
        accept=ACCEPT,
        multiple=False,
        className="import-drop rounded-3 p-4 text-center",
        style={"border": "2px dashed var(--bs-border-color)", "cursor": "pointer"},
        style_active={"border": "2px dashed var(--bs-primary)", "backgroundColor": "var(--bs-primary-bg-subtle)"},
    )


SOURCES = ("file", "paste")  # the tabs of source_tabs, the first one open


def source_tabs(lang: str, upload: Any, paste: Any) -> html.Div:
    """Two ways in, one preview: a file (CSV/XLSX), or the carrier page's table pasted as text. ARIA tabs
    of our own (dbc.Tabs points aria-controls at ids that do not exist); callbacks/import_page.py switches
    them (tab_state)."""
    tabs = html.Div([_tab(lang, source, source == SOURCES[0]) for source in SOURCES],
                    role="tablist", className="nav nav-tabs", **{"aria-label": t("import_paste.tabs", lang)})
    panes = [html.Div(content, id=f"import-pane-{source}", role="tabpanel", hidden=source != SOURCES[0],
                      className="pt-3", **{"aria-labelledby": f"import-tab-{source}"})
             for source, content in zip(SOURCES, (upload, paste), strict=True)]
    return html.Div([tabs, *panes], className="import-sources")


def _tab(lang: str, source: str, selected: bool) -> html.Button:
    return html.Button(t(f"import_paste.tab_{source}", lang), id=f"import-tab-{source}", type="button", role="tab",
                       className=_TAB_CLASS[selected],
                       **{"aria-selected": _ARIA[selected], "aria-controls": f"import-pane-{source}"})


_TAB_CLASS = {True: "nav-link active", False: "nav-link"}
_ARIA = {True: "true", False: "false"}


def tab_state(chosen: str) -> list[Any]:
    """What choosing a tab changes: per tab in SOURCES its class and aria-selected, then per pane `hidden`."""
    tabs = [(_TAB_CLASS[source == chosen], _ARIA[source == chosen]) for source in SOURCES]
    return [value for pair in tabs for value in pair] + [source != chosen for source in SOURCES]


def paste_area(lang: str, max_bytes: int) -> html.Div:
    """A textarea for the table copied from the carrier's page, its hint and a preview button."""
    return html.Div([
        dbc.Label(t("import_paste.label", lang), html_for="import-paste", class_name="fw-semibold"),
        dbc.Textarea(id="import-paste", rows=8, wrap="off", spellcheck="false", submit_on_enter=False,
                     class_name="font-monospace small import-paste"),
        html.Div(t("import_paste.hint", lang, limit=size_text(max_bytes)), id="import-paste-hint",
                 className="form-text mb-2"),
        dbc.Button(t("import_paste.preview", lang), id="import-paste-preview", color="primary"),
        dcc.Store(id="import-paste-data"),
        dcc.Store(id="import-paste-a11y"),
    ])


def line_text(lang: str, label: str | None) -> str:
    return t("import.line", lang, line=label) if label else t("import.no_line", lang)


def preview_card(lang: str, found: Any, line_label: str | None) -> dbc.Card:
    """The preview of an upload. `found`: the service's Preview (rows, new, duplicates, file_format,
    encoding, remembered, sample of parsed rows)."""
    counts = {"rows": found.rows, "new": found.new, "duplicates": found.duplicates}
    detected = " · ".join(filter(None, [format_text(lang, found.file_format), (found.encoding or "").upper(),
                                        line_label]))
    return preview_view(lang, counts, detected, found.remembered, [display_row(lang, row) for row in found.sample])


def format_text(lang: str, file_format: str | None) -> str:
    """"CSV", "XLSX", or a paste said in words."""
    return t("import_paste.source", lang) if file_format == PASTE_FORMAT else (file_format or "").upper()


def display_row(lang: str, row: Any) -> dict[str, str]:
    """A parsed row (occurred_at, merchant, amount, status, partial, category, bucket, source_row) as text."""
    status = t("import.partial", lang) if row.partial else t(f"tx.status.{row.status}", lang)
    return {
        "row": str(row.source_row),
        "when": to_kst(row.occurred_at).strftime("%Y-%m-%d %H:%M"),
        "merchant": row.merchant,
        "amount": won(row.amount),
        "status": status,
        "category": t(f"tx.cat.{row.category}", lang),
        "bucket": t(f"bucket.{row.bucket}", lang),
    }


def preview_view(lang: str, counts: dict[str, int], detected: str, remembered: bool,
                 rows: Sequence[dict[str, str]]) -> dbc.Card:
    """`rows`: display strings per column (row, when, merchant, amount, status, category, bucket)."""
    columns = ("row", "when", "merchant", "amount", "status", "category", "bucket")
    header = html.Thead(html.Tr([
        html.Th(t(f"import.col.{c}", lang), scope="col", className=_CELL_CLASS.get(c)) for c in columns
    ]))
    body = html.Tbody([
        html.Tr([html.Td(row[c], className=_CELL_CLASS.get(c)) for c in columns])
        for row in rows
    ])
    badges = html.Div(
        [
            dbc.Badge(t("import.count_rows", lang, n=f"{counts['rows']:,}"), color="secondary", className="me-2"),
            dbc.Badge(t("import.count_new", lang, n=f"{counts['new']:,}"), color="primary", className="me-2",
                      id="import-count-new"),
            dbc.Badge(t("import.count_dupes", lang, n=f"{counts['duplicates']:,}"), color="body-tertiary",
                      text_color="body", className="me-2 border"),
            html.Span(detected, className="small text-body-secondary"),
        ],
        className="d-flex flex-wrap align-items-center gap-1 mb-2",
    )
    notes = [html.P(t("import.remembered", lang), className="small text-body-secondary mb-2")] if remembered else []
    if counts["new"]:
        action = dbc.Button(t("import.confirm", lang, n=f"{counts['new']:,}"), id="import-confirm", color="primary")
    else:
        action = html.P(t("import.nothing_new", lang), className="mb-0 text-body-secondary")
    return section(
        t("import.preview_title", lang),
        badges,
        *notes,
        html.Div(t("import.first_rows", lang, n=len(rows)), className="small text-body-secondary mb-1"),
        # Focusable: on a phone the table scrolls sideways, and keyboard users must be able to scroll it too.
        html.Div(dbc.Table([header, body], size="sm", hover=True, className="mb-3 align-middle",
                           id="import-preview-table"), className="table-responsive", tabIndex="0", role="region",
                 **{"aria-label": t("import.preview_title", lang)}),
        html.Div([action, dbc.Button(t("import.cancel", lang), id="import-cancel", color="secondary",
                                     outline=True)], className="d-flex flex-wrap gap-2"),
        id="import-preview-card",
    )


def mapping_view(lang: str, columns: Sequence[str], samples: Sequence[Sequence[str]], chosen: dict[str, str],
                 fields: Sequence[tuple[str, bool]], ignore: str) -> dbc.Card:
    """`fields`: (name, required) in the order shown; `ignore`: the value that leaves a column out."""
    options = [{"label": t("import.mapping_ignore", lang), "value": ignore}] + [
        {"label": t(f"import.field.{name}", lang) + (" *" if required else ""), "value": name}
        for name, required in fields
    ]
    rows = []
    for index, column in enumerate(columns):
        examples = [row[index] for row in samples if index < len(row) and row[index]][:2]
        rows.append(html.Tr([
            html.Th(column, scope="row", className="text-break"),
            html.Td(", ".join(examples), className="small text-body-secondary text-break"),
            html.Td(dcc.Dropdown(id={"type": "import-map", "col": index}, options=options,
                                 value=chosen.get(column, ignore), clearable=False, searchable=False,
                                 className="import-map-field"), style={"minWidth": "200px"}),
        ]))
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(t(f"import.mapping_{k}", lang), scope="col")
                             for k in ("column", "sample", "field")])),
         html.Tbody(rows)],
        size="sm", className="align-middle mb-3",
    )
    return section(
        t("import.mapping_title", lang),
        html.P(t("import.mapping_intro", lang), className="small"),
        html.Div(table, className="table-responsive"),
        html.Div(id="import-map-error", className="text-danger small mb-2", role="alert"),
        dbc.Button(t("import.mapping_apply", lang), id="import-map-apply", color="primary"),
        id="import-mapping-card",
    )


def errors_view(lang: str, errors: Sequence[tuple[int, str]], pasted: bool = False) -> dbc.Alert:
    """`pasted`: the errors are a pasted table's (worded so), not a file's."""
    shown = errors[:MAX_ERRORS_SHOWN]
    whole, failed = ("import_paste.whole", "import_paste.failed") if pasted else ("import.file", "import.failed")
    items = [html.Li([html.Span(t("import.row", lang, row=row) if row else t(whole, lang),
                                className="fw-semibold me-2"), html.Span(message)])
             for row, message in shown]
    more = [html.P(t("import.more_errors", lang, n=len(errors) - len(shown)), className="mb-0 small")] \
        if len(errors) > len(shown) else []
    return dbc.Alert(
        [html.H2(t(failed, lang), className="h6 alert-heading"),
         html.Ul(items, className="mb-1 import-errors ps-3"), *more],
        color="danger", id="import-errors", className="mb-3",
    )


def done_view(lang: str, added: int, duplicates: int) -> dbc.Alert:
    return dbc.Alert(
        [html.Span(t("import.done", lang, added=f"{added:,}", dupes=f"{duplicates:,}"), id="import-done-text"),
         " ", dcc.Link(t("import.view_tx", lang), href="/transactions", className="alert-link")],
        color="success", id="import-done", className="mb-3",
    )


def notice_view(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="warning", className="mb-3")
