"""Handing a job to its worker's SQS queue, for the routes that create jobs (bulk actions,
exports, imports)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import client
from shared.db import jobs as job_store
from shared.errors import Busy


def enqueue(tenant: str, job_id: str, queue_url: str, message: dict[str, Any]) -> None:
    """Send the job's message. When SQS does not take it (after botocore's retries), the job is
    failed with the reason, so nothing waits for a message that never comes, and the caller
    answers 503: nothing was started, and the same request may be made again."""
    try:
        client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))
    except (BotoCoreError, ClientError) as error:
        job_store.finish(tenant, job_id, "failed", "The job could not be queued; nothing was done.")
        raise Busy("The job queue is not taking work right now; nothing was started. Retry in a moment.") from error
