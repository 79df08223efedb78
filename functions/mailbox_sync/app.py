"""Mailbox sync: the `rate(5 minutes)` sweep (`{"sweep": true}`) over the mailboxes with IMAP set
up, least recently synced first (shared.services.mailbox_sync)."""

from typing import Any

from shared.config import require
from shared.observability import logger
from shared.services import mailbox_sync

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "MAILBOX_SECRET_PREFIX")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    if not event.get("sweep"):
        logger.error("not a mailbox-sync event", extra={"event": event})
        return {"mailboxes": 0, "filed": 0}
    return mailbox_sync.sweep(context.get_remaining_time_in_millis)
