"""The one-time EventBridge Scheduler trigger of each scheduled email.

The trigger is a convenience for punctuality: the `rate(1 minute)` sweep over the due index
sends every due email anyway, so a failure here is logged and the email still goes out. Each
schedule deletes itself after it fired (ActionAfterCompletion); a cancelled email's is deleted.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from shared.aws import client
from shared.config import CONFIG
from shared.observability import correlated, logger


def schedule_name(email_id: str) -> str:
    return f"email-{email_id}"


def at_expression(send_at: str) -> str:
    """`at(...)` of the first whole second not before send_at: firing early would find the email
    not yet due."""
    moment = datetime.fromisoformat(send_at.replace("Z", "+00:00"))
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def schedule(tenant: str, email_id: str, send_at: str) -> None:
    """Create the email's trigger at send_at, or move it there if it exists."""
    from botocore.exceptions import BotoCoreError, ClientError

    scheduler = client("scheduler")
    request = {
        "Name": schedule_name(email_id),
        "GroupName": CONFIG.schedule_group,
        "ScheduleExpression": at_expression(send_at),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": CONFIG.scheduled_send_arn,
            "RoleArn": CONFIG.scheduler_role_arn,
            "Input": json.dumps(correlated({"tenant": tenant, "email_id": email_id})),
        },
        "ActionAfterCompletion": "DELETE",
    }
    try:
        try:
            scheduler.create_schedule(**request)
        except scheduler.exceptions.ConflictException:
            scheduler.update_schedule(**request)
    except (BotoCoreError, ClientError) as error:
        logger.warning("no trigger for a scheduled email; the sweep will send it",
                       extra={"email_id": email_id, "error": str(error)})


def unschedule(email_id: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    scheduler = client("scheduler")
    try:
        scheduler.delete_schedule(Name=schedule_name(email_id), GroupName=CONFIG.schedule_group)
    except scheduler.exceptions.ResourceNotFoundException:
        pass
    except (BotoCoreError, ClientError) as error:
        # harmless: when it fires, the claim finds the email no longer scheduled
        logger.warning("trigger of a cancelled email not deleted", extra={"email_id": email_id, "error": str(error)})
