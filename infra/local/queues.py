"""What Lambda's SQS event source mappings do for the deployed stack, done for the local one.

The template's `Type: SQS` events name a queue (`!GetAtt <Queue>.Arn`); the functions find the
same queue by the URL in their environment (`!Ref <Queue>`). Every second the local stack
receives from each such queue, invokes the function with an SQS event of the messages (its
BatchSize at most), and deletes the messages the function did not report as failed
(`batchItemFailures`), as the event source mapping does. A failed message comes back after its
visibility timeout, as in AWS.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import boto3

from infra.template import load_template

log = logging.getLogger("crm-local")

TICK_SECONDS = 1.0
Invoke = Callable[[str, dict[str, Any]], Any]


def _queue_url_variables() -> dict[str, str]:
    """Queue logical id → the environment variable that holds its URL (`!Ref <Queue>`)."""
    found = {}
    for resource in load_template()["Resources"].values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if isinstance(value, dict) and set(value) == {"Ref"}:
                found[value["Ref"]] = name
    return found


def subscriptions() -> list[tuple[str, str, int]]:
    """(function logical id, queue URL, batch size) of every SQS event of the template whose
    queue's URL is configured."""
    variables = _queue_url_variables()
    found = []
    for logical_id, resource in load_template()["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
            url = os.environ.get(variables.get(queue, ""), "")
            if url:
                found.append((logical_id, url, int(event["Properties"].get("BatchSize", 10))))
    return found


def _event(messages: list[dict[str, Any]], queue_url: str) -> dict[str, Any]:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "ap-northeast-1")
    account, name = queue_url.rstrip("/").rsplit("/", 2)[-2:]
    return {"Records": [{
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": message.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{region}:{account}:{name}", "awsRegion": region,
    } for message in messages]}


class LocalQueues:
    def __init__(self, invoke: Invoke, tick: float = TICK_SECONDS) -> None:
        self._invoke = invoke
        self._tick = tick
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = boto3.client("sqs", region_name=os.environ.get("AWS_REGION"))

    def deliver(self) -> list[str]:
        """One round: each queue's waiting messages to its function; the bodies delivered."""
        delivered: list[str] = []
        for function, url, batch_size in subscriptions():
            messages = self._client.receive_message(QueueUrl=url, MaxNumberOfMessages=min(batch_size, 10),
                                                    AttributeNames=["All"]).get("Messages", [])
            if not messages:
                continue
            result = self._invoke(function, _event(messages, url)) or {}
            failed = {failure["itemIdentifier"] for failure in result.get("batchItemFailures", [])}
            for message in messages:
                if message["MessageId"] not in failed:
                    self._client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            delivered += [message["Body"] for message in messages]
        return delivered

    def drain(self, rounds: int = 100) -> list[str]:
        """Deliver until every queue is empty (or `rounds` ran); the bodies delivered."""
        total: list[str] = []
        for _ in range(rounds):
            delivered = self.deliver()
            if not delivered:
                break
            total += delivered
        return total

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="crm-local-queues", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.wait(self._tick):
            try:
                self.deliver()
            except Exception:  # keep polling: a bad round must not stop local jobs for good
                log.exception("local queue delivery failed")
