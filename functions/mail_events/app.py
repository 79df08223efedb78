"""Mail events in: SNS deliveries of SES notifications (POST /webhooks/ses), the same SES
events from EventBridge, and received mail (S3 object events from the SES receipt rule).
Every event is applied once, whichever way it came."""

from typing import Any
from urllib.parse import unquote_plus

from functions.mail_events.routes import webhooks
from shared.config import require
from shared.http import App
from shared.observability import API_CORRELATION_PATH, logger
from shared.services import mail_events

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "MAIL_EVENT_TOPIC_ARNS", "INBOUND_BUCKET")

app = App(webhooks.router)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=API_CORRELATION_PATH)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") == "aws.ses" and isinstance(event.get("detail"), dict):
        return mail_events.record(event["detail"], f"eventbridge:{event.get('id')}")
    records = event.get("Records")
    if isinstance(records, list) and records and records[0].get("eventSource") == "aws:s3":
        from shared.services import inbound  # the email parser is loaded only for received mail

        totals = {"received": 0, "ignored": 0}
        for record in records:
            result = inbound.receive_object(record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"]))
            totals = {name: totals[name] + result[name] for name in totals}
        return totals
    return app.resolve(event)
