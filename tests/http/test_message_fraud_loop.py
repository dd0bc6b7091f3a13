"""The loop, end to end with a real local SMTP server: dawn voucher approvals forwarded from the phone →
one fraud alert → its mail with a block-now link → the link blocks the line → the next forwarded approval
is recorded as a charge on a blocked line."""

from __future__ import annotations

from sqlalchemy import select

from data.intake_tokens import issue_token
from data.line_actions import lock_line
from data.models import Alert, Line
from tests.http.test_mail_smtp import body_text, mail_app, owner, smtp  # noqa: F401 (fixtures)
from tests.http.test_message_intake import voucher
from tests.unit.test_block_links import form_token


def test_dawn_voucher_messages_mail_a_block_link_that_blocks_the_line(mail_app, smtp):  # noqa: F811
    store = mail_app.server.extensions["microbill_store"]
    client = mail_app.server.test_client()
    line, _ = owner(store)
    with store.write() as db:
        url = f"/ingest/{issue_token(db, lock_line(db, line))}"
    for minute in (10, 14, 18, 22):  # 03:10–03:22 KST, as the phone forwards them
        answer = client.post(url, json={"text": voucher(minute), "sender": "1566-3355",
                                        "received_at": f"2026-11-18T03:{minute + 1}:05+09:00"})
        assert answer.status_code == 201 and answer.get_json()["kind"] == "charge", answer.get_json()
    with store.read() as db:
        assert list(db.scalars(select(Alert.kind))) == ["fraud_burst"]
    mail = smtp.wait(1)[0]
    assert "부정결제 의심" in str(mail["Subject"]) and "컬쳐랜드" in body_text(mail)
    token = body_text(mail).split("http://microbill.test/b/", 1)[1].split()[0]
    csrf = form_token(client.get(f"/b/{token}").get_data(as_text=True))
    assert client.post(f"/b/{token}", data={"csrf_token": csrf}).status_code == 200
    with store.read() as db:
        assert db.get(Line, line).status == "blocked"
    after = client.post(url, json={"text": voucher(40), "sender": "1566-3355",
                                   "received_at": "2026-11-18T03:41:00+09:00"}).get_json()
    assert after["kind"] == "charge" and after["flags"] == ["blocked_line"]
    with store.read() as db:
        assert "blocked_charge" in db.scalars(select(Alert.kind)).all()
    assert len(smtp.wait(2)) == 2  # the blocked-line charge is mailed too, at once
