"""Scheduled sending: an email's own one-time trigger (`{"tenant", "email_id"}`) and the
`rate(1 minute)` sweep (`{"sweep": true}`) over the due index. Both claim an email with a
conditional write before sending, so it goes out once whichever fires first."""

from typing import Any

from shared import keys
from shared.config import require
from shared.observability import carry_on, logger
from shared.services import emails

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "TRACKING_KEY_SECRET_ID", "TRACKING_BASE_URL", "SES_CONFIGURATION_SET", "MAILBOX_SECRET_PREFIX",
        "SCHEDULE_GROUP")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("sweep"):
        return emails.sweep(context.get_remaining_time_in_millis)
    carry_on(event)
    tenant, email_id = event.get("tenant"), event.get("email_id")
    if not (isinstance(tenant, str) and isinstance(email_id, str) and keys.is_plain_id(tenant) and
            keys.is_plain_id(email_id)):
        logger.error("not a scheduled-send event", extra={"event": event})
        return {"sent": 0}
    sent = emails.send_scheduled(tenant, email_id)
    return {"sent": int(sent is not None and sent["status"] == "sent")}
