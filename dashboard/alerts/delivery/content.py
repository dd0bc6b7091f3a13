"""What an alert says by mail and by webhook. Pure: the outbox loads the rows and passes them in."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from dashboard.alerts.rules import kst_text
from dashboard.alerts.text import kind_label, line_label
from dashboard.text.carriers import mirror_steps
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.alerts_store import detail_of
from data.models import Alert, Line


def _facts(alert: Alert, line: Line, lang: str) -> list[str]:
    detail = detail_of(alert)
    facts = [t("mail.line", lang, line=f"{line_label(line)} ({line.carrier} {line.number_masked})")]
    if detail.get("merchant"):
        facts.append(t("mail.merchant", lang, merchant=detail["merchant"]))
    if detail.get("amount") is not None:
        facts.append(t("mail.amount", lang, amount=won(detail["amount"])))
    if detail.get("occurred_at"):
        facts.append(t("mail.time", lang, time=kst_text(datetime.fromisoformat(detail["occurred_at"]))))
    if alert.kind == "fraud_burst" and detail.get("count"):
        facts.append(t("mail.burst", lang, count=detail["count"], total=won(detail.get("total"))))
    return facts


def compose_mail(alert: Alert, line: Line, *, base_url: str, block_url: str | None = None,
                 expires_at: datetime | None = None, lang: str = "ko") -> tuple[str, str, str]:
    """(subject, plain text, html) of an alert mail."""
    subject = t("mail.subject", lang, kind=kind_label(alert.kind, lang), line=line_label(line))
    facts = _facts(alert, line, lang)
    alerts_url = f"{base_url.rstrip('/')}/alerts"
    parts = [alert.message, "", *facts]
    block_html = ""
    if block_url:
        note = t("mail.block_note", lang, expires=kst_text(expires_at)) if expires_at else ""
        parts += ["", t("mail.block_intro", lang), f"{t('mail.block_button', lang)}: {block_url}", note]
        block_html = (
            f"<p>{html.escape(t('mail.block_intro', lang))}</p>"
            f'<p><a href="{html.escape(block_url)}" style="display:inline-block;padding:14px 28px;'
            f'background:#dc3545;color:#fff;font-size:18px;font-weight:bold;text-decoration:none;'
            f'border-radius:8px">{html.escape(t("mail.block_button", lang))}</a></p>'
            f'<p style="color:#666;font-size:13px">{html.escape(note)}</p>'
        )
    steps = mirror_steps(line.carrier, lang) if alert.kind in ("fraud_burst", "large_charge",
                                                               "blocked_attempt") else []
    if steps:
        parts += ["", t("mail.carrier", lang), *[f"- {step}" for step in steps]]
    parts += ["", t("mail.see_all", lang, url=alerts_url), "", t("mail.footer", lang)]
    text = "\n".join(parts).strip() + "\n"
    steps_html = ("<p>" + html.escape(t("mail.carrier", lang)) + "</p><ul>"
                  + "".join(f"<li>{html.escape(step)}</li>" for step in steps) + "</ul>") if steps else ""
    body_html = (
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">'
        f"<p><strong>{html.escape(alert.message)}</strong></p>"
        "<ul>" + "".join(f"<li>{html.escape(fact)}</li>" for fact in facts) + "</ul>"
        f"{block_html}{steps_html}"
        f'<p><a href="{html.escape(alerts_url)}">{html.escape(t("alerts.bell_all", lang))}</a></p>'
        f'<p style="color:#666;font-size:12px">{html.escape(t("mail.footer", lang))}</p>'
        "</body></html>"
    )
    return subject, text, body_html


def webhook_payload(alert: Alert, line: Line, delivery_id: int) -> dict[str, Any]:
    """Alert facts for an operator's endpoint. No block link: that capability is the owner's alone."""
    detail = {k: v for k, v in detail_of(alert).items() if k not in ("block_link_id", "msg")}
    return {
        "event": "alert.created",
        "delivery_id": delivery_id,
        "alert": {"id": alert.id, "user_id": alert.user_id, "line_id": alert.line_id, "kind": alert.kind,
                  "rule_key": alert.rule_key, "message": alert.message,
                  "created_at": alert.created_at.isoformat(), "detail": detail},
        "line": {"id": line.id, "carrier": line.carrier, "number_masked": line.number_masked,
                 "nickname": line.nickname, "status": line.status},
    }
