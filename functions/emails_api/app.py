"""Emails API: one-to-one email to a contact, email templates, the sender's own SMTP mailbox and
their open and click notifications."""

from typing import Any

from functions.emails_api.routes import emails, mailbox, templates
from shared.http import App
from shared.observability import API_CORRELATION_PATH, logger

app = App(emails.router, templates.router, mailbox.router)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
