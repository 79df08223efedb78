"""Emails API: one-to-one email to a contact (this release: preview)."""

from typing import Any

from functions.emails_api.routes import emails
from shared.http import App
from shared.observability import logger

app = App(emails.router)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
