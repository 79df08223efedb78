"""Emails API: one-to-one email to a contact, and the sender's own SMTP mailbox."""

from typing import Any

from functions.emails_api.routes import emails, mailbox
from shared.http import App
from shared.observability import logger

app = App(emails.router, mailbox.router)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
