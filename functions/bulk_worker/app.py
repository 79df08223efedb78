"""Bulk-action, email-to-a-selection and import jobs from SQS (one message: {"tenant", "job_id", "kind"?}), the
leftovers of deleted contacts ({"kind": "tidy", ...}), the rest of a company's deletion
({"kind": "company_delete", ...}), and the open and click notification
emails ({"kind": "notification", ...}). A job that
runs out of time sends itself again and returns; a crash leaves the message to come back after
its visibility timeout, and the job resumes after the last slice or chunk it wrote
(shared.services.bulk, shared.services.imports)."""

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared.aws import client
from shared.config import CONFIG, require
from shared.observability import carry_on, logger
from shared.services import bulk, bulk_emails, companies, contacts, imports, job_queue, notifications

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "BULK_QUEUE_URL", "FILES_BUCKET", "TRACKING_KEY_SECRET_ID")

processor = BatchProcessor(event_type=EventType.SQS)


# template.yaml's maxReceiveCount: the last delivery before the message goes to the dead letters
LAST_DELIVERY = 5


def _time_left(lambda_context: Any) -> Callable[[], float]:
    return lambda: lambda_context.get_remaining_time_in_millis() / 1000


def _work(record: SQSRecord, lambda_context: Any) -> None:
    """Powertools passes the Lambda context to a record handler that names `lambda_context`."""
    message = json.loads(record.body)
    carry_on(message)
    if message.get("kind") == "notification":
        notifications.send_mail(message["tenant"], message["user_id"], message["notification_id"])
        return
    if message.get("kind") == "tidy":  # deleted contacts' leftovers (contacts.tidy_deleted): idempotent
        done: bool | None = contacts.run_tidy(message["tenant"], message["contact_ids"], _time_left(lambda_context))
    elif message.get("kind") == "company_delete":  # a company's contacts past a DELETE's share: idempotent
        done = companies.run_deletion(message["tenant"], message["company_id"], _time_left(lambda_context))
    else:
        run = {"import": imports.run, "bulk_email": bulk_emails.run}.get(message.get("kind"), bulk.run)
        tenant, job_id = message["tenant"], message["job_id"]
        done = job_queue.run_delivery(
            job_id, int(record.attributes.approximate_receive_count), LAST_DELIVERY,
            lambda: run(tenant, job_id, _time_left(lambda_context)),
            lambda: bulk.fail(tenant, job_id, "The job failed repeatedly; retry it, or contact support."))
    if done is False:  # out of time: the work goes on from a new message
        client("sqs").send_message(QueueUrl=CONFIG.bulk_queue_url, MessageBody=record.body)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_work, processor=processor, context=context)
