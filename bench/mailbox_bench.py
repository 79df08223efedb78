"""Issue 22 figures: a mailbox sync of 1,000 messages (inbox and Sent, from and to contacts and
strangers) against a real Dovecot (tests/imap_support.py): DynamoDB requests and IMAP round
trips per message, and what a sync with nothing new costs."""

from __future__ import annotations

import imaplib
import sys
import time
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from unittest import mock

from bench.counting import DynamoCounter, seated
from bench.figures import Figure

REPO_ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 1000
CONTACTS = 20
REP = "rep@example.co.jp"


def _message(number: int) -> tuple[str, bytes]:
    """(folder, raw) of the number-th message: 6 in 10 from a contact to the inbox, 2 in 10 from a
    stranger (a newsletter), 2 in 10 from the rep to a contact in Sent."""
    mail = EmailMessage()
    contact = f"customer{number % CONTACTS}@example.jp"
    kind = number % 10
    folder, sender, to = ("Sent", REP, contact) if kind >= 8 \
        else ("INBOX", contact if kind < 6 else "news@shop.example", REP)
    mail["From"], mail["To"], mail["Subject"] = sender, to, f"お問い合わせ {number}"
    mail["Date"], mail["Message-ID"] = "Mon, 23 Nov 2026 15:00:00 +0900", f"<bench-{number}@example.jp>"
    mail.set_content("お世話になっております。\n" * 20)
    return folder, bytes(mail)


def run() -> list[Figure]:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from bench.emails_bench import _call
    from imap_support import IMAP_PASSWORD, running_dovecot
    from shared.aws import client
    from shared.config import CONFIG
    from shared.db import emails as repository
    from shared.db.models import table_connection
    from shared.services import mailbox_sync

    counter = DynamoCounter(table_connection().connection.client)
    claims = seated({"sub": "rep-1", "email": REP, "custom:tenant_id": "bench-mailbox", "custom:role": "owner"})
    for index in range(CONTACTS):
        status, _ = _call("POST", "/v1/contacts", claims,
                          {"family_name": "佐藤", "email": f"customer{index}@example.jp"})
        assert status == 201
    commands = [0]
    command = imaplib.IMAP4._command

    def counted(imap: imaplib.IMAP4, *args: object) -> str:
        commands[0] += 1  # each command is one round trip: its tagged answer is awaited before the next
        return command(imap, *args)

    with running_dovecot() as server:
        user = server.account()
        appender = imaplib.IMAP4("127.0.0.1", server.port)
        appender.login(user, IMAP_PASSWORD)
        for number in range(MESSAGES):
            folder, raw = _message(number)
            appender.append(folder, None, None, raw)
        appender.logout()
        secret = client("secretsmanager").create_secret(Name="bench/mailbox/imap", SecretString=IMAP_PASSWORD)["Name"]
        repository.put_mailbox("bench-mailbox", "rep-1", {
            "host": "smtp.example.co.jp", "port": 587, "security": "starttls", "username": REP, "secret_id": secret,
            "updated_at": "2026-11-23T00:00:00.000Z", "imap_host": "127.0.0.1", "imap_port": server.port,
            "imap_security": "none", "imap_username": user, "imap_secret_id": secret})
        # the bench's stack is configured for AWS; the server is on this machine
        with mock.patch.object(mailbox_sync, "CONFIG", replace(CONFIG, allow_private_smtp_hosts=True)), \
                mock.patch.object(imaplib.IMAP4, "_command", counted):
            with counter.measure() as first:
                result = mailbox_sync.sync("bench-mailbox", "rep-1", time.monotonic() + 3600)
            round_trips = commands[0]
            with counter.measure() as again:
                nothing = mailbox_sync.sync("bench-mailbox", "rep-1", time.monotonic() + 3600)
            round_trips_again = commands[0] - round_trips
    assert result["complete"] and result["filed"] == MESSAGES * 8 // 10, result
    assert nothing["filed"] == 0, nothing
    return [
        Figure("#22", f"mailbox sync of {MESSAGES:,} messages (8 in 10 with a contact): DynamoDB requests per message",
               round(first.total_requests / MESSAGES, 2), 4, "requests"),
        Figure("#22", f"mailbox sync of {MESSAGES:,} messages: IMAP round trips per message",
               round(round_trips / MESSAGES, 3), 0.1, "round trips"),
        Figure("#22", "mailbox sync with nothing new: DynamoDB requests", again.total_requests, 3, "requests"),
        Figure("#22", "mailbox sync with nothing new: IMAP round trips", round_trips_again, 10, "round trips"),
    ]
