"""Emails API: one-to-one email to a contact, email templates, the sender's own SMTP mailbox and
their open and click notifications."""

from typing import Any

from shared.config import require
from shared.http import App, RouteModules
from shared.observability import API_CORRELATION_PATH, logger

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "APP_SECRET_ID", "TRACKING_KEY_SECRET_ID", "TRACKING_BASE_URL", "SES_CONFIGURATION_SET",
        "MAILBOX_SECRET_PREFIX", "SCHEDULE_GROUP", "SCHEDULER_ROLE_ARN", "SCHEDULED_SEND_ARN")

app = App(modules=RouteModules("functions.emails_api.routes", {
    "/v1/emails": "emails", "/v1/email-templates": "templates", "/v1/me/mailbox": "mailbox",
    "/v1/me/notifications": "mailbox",
}))


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event)
