"""Export jobs from SQS (one message: {"tenant", "job_id", "password"}): the rows streamed into an
S3 multipart upload, then a mail to the requester. A redelivered message after a crash starts
the file again (the unfinished upload is dropped first); a finished job is left alone; an export
still failing on its last delivery is marked failed, never left running."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared.config import require
from shared.observability import carry_on, logger
from shared.services import exports, job_queue

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "FILES_BUCKET", "API_BASE_URL")

processor = BatchProcessor(event_type=EventType.SQS)

# template.yaml's maxReceiveCount of the export queue: the last delivery before the dead letters
LAST_DELIVERY = 3


def _work(record: SQSRecord) -> None:
    message = json.loads(record.body)  # the zip password travels only here (SQS encrypts it at rest)
    carry_on(message)
    tenant, job_id = message["tenant"], message["job_id"]
    job_queue.run_delivery(
        job_id, int(record.attributes.approximate_receive_count), LAST_DELIVERY,
        lambda: exports.run(tenant, job_id, message.get("password")),
        lambda: exports.fail(tenant, job_id, "The export failed repeatedly; try again, or contact support."))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_work, processor=processor, context=context)
