"""A real SMTP server for the tests that reach one through the API (sending with `transport:
"smtp"`, the mailbox's connection test, the console's mailbox screen): aiosmtpd on 127.0.0.1,
requiring a login, recording each message it accepts. The local stack and the tests allow
loopback SMTP hosts (ALLOW_PRIVATE_SMTP_HOSTS)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER, SMTP_PASSWORD = "rep@example.jp", "correct horse battery staple"


def free_port() -> int:
    """A port nothing listens on (a refused connection)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mailbox_body(port: int, **fields: Any) -> dict[str, Any]:
    """PUT /v1/me/mailbox's body for the server on PORT (no TLS: loopback only)."""
    return {"host": "127.0.0.1", "port": port, "security": "none", "username": SMTP_USER,
            "password": SMTP_PASSWORD, **fields}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class SmtpServer:
    """An aiosmtpd handler that requires a login and records each message it accepts, and each login tried."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.logins: list[bool] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append(auth_data == LoginPassword(SMTP_USER.encode(), SMTP_PASSWORD.encode()))
        return AuthResult(success=self.logins[-1], handled=False)

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Queued"


@pytest.fixture
def smtp_server():
    """(the handler, its port): a server taking AUTH without TLS (security `none`, loopback)."""
    handler = SmtpServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), authenticator=handler.authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield handler, controller.port
    controller.stop()
