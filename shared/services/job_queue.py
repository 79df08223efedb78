"""A job's SQS message: handed to the worker's queue by the routes that create jobs (bulk
actions, exports, imports), and run by the workers until its last delivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import client
from shared.db import jobs as job_store
from shared.errors import Busy
from shared.observability import correlated, count, logger

T = TypeVar("T")

# A worker stops and sends its message again when less than this is left of its Lambda's time:
# one more step (a slice, a page of deletions, a batch of unlinks) fits well within it.
WORKER_MARGIN_SECONDS = 60


# SQS delays a message by at most 15 minutes
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
MAX_DELAY_SECONDS = 900


def send(queue_url: str, message: dict[str, Any], delay_seconds: int = 0) -> None:
    """Queue `message`, delivered after `delay_seconds` (capped at SQS's 15 minutes), with the
    request's correlation id for the worker's log lines."""
    extra = {"DelaySeconds": min(max(int(delay_seconds), 0), MAX_DELAY_SECONDS)} if delay_seconds > 0 else {}
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(correlated(message)), **extra)


def enqueue(tenant: str, job_id: str, queue_url: str, message: dict[str, Any]) -> None:
    """Send the job's message. When SQS does not take it (after botocore's retries), the job is
    failed with the reason, so nothing waits for a message that never comes, and the caller
    answers 503: nothing was started, and the same request may be made again."""
    try:
        send(queue_url, message)
    except (BotoCoreError, ClientError) as error:
        job_store.finish(tenant, job_id, "failed", "The job could not be queued; nothing was done.")
        count("JobsFailed")
        raise Busy("The job queue is not taking work right now; nothing was started. Retry in a moment.") from error


def run_delivery(job_id: str, receive_count: int, last_delivery: int, work: Callable[[], T],
                 fail: Callable[[], None]) -> T | None:
    """`work()` for one delivery of a job's message. Its failure is raised again while SQS will
    deliver the message again (the job resumes then); on the last delivery (the queue's
    maxReceiveCount) it is logged and the job is `fail()`ed instead, so that no job stays running
    once its message is gone: None then."""
    try:
        return work()
    except Exception:
        if receive_count < last_delivery:
            raise
        logger.exception("job failed on its last delivery", extra={"job_id": job_id})
        count("JobsFailed")
        fail()
        return None
