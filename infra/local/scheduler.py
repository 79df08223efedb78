"""What EventBridge Scheduler does for the deployed stack, done for the local one.

Every few seconds: fire the emulation's one-time ``at(...)`` schedules that are due (and
delete those marked ActionAfterCompletion=DELETE, as Scheduler does), and run the template's
``rate(...)`` schedules (the scheduled-send sweep) at least every 15 s, whatever their rate.
Schedules and their inputs are read from the emulated Scheduler API, so the code under test
creates them exactly as it does in AWS.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3

from infra.template import load_template

log = logging.getLogger("crm-local")

TICK_SECONDS = 5.0
RATE_SECONDS = 15.0

Invoke = Callable[[str, dict[str, Any]], Any]  # (function logical id, event) → result


def rate_schedules() -> list[tuple[str, dict[str, Any]]]:
    """(function logical id, input event) of every ScheduleV2 event of the template."""
    found = []
    for logical_id, resource in load_template()["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event.get("Type") == "ScheduleV2":
                found.append((logical_id, json.loads(event["Properties"].get("Input", "{}"))))
    return found


def _due(expression: str, now: datetime) -> bool:
    if not (expression.startswith("at(") and expression.endswith(")")):
        return False
    return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC) <= now


class LocalScheduler:
    def __init__(self, invoke: Invoke, group: str, tick: float = TICK_SECONDS, rate: float = RATE_SECONDS) -> None:
        self._invoke = invoke
        self._group = group
        self._tick = tick
        self._rate = rate
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = boto3.client("scheduler", region_name=os.environ.get("AWS_REGION"))

    def fire_due(self, now: datetime | None = None) -> int:
        """Invoke the target of every due one-time schedule of the group; how many fired."""
        now = now or datetime.now(UTC)
        fired = 0
        pages = self._client.get_paginator("list_schedules").paginate(GroupName=self._group)
        for summary in (schedule for page in pages for schedule in page["Schedules"]):
            schedule = self._client.get_schedule(Name=summary["Name"], GroupName=self._group)
            if schedule.get("State") == "DISABLED" or not _due(schedule["ScheduleExpression"], now):
                continue
            target = schedule["Target"]
            self._invoke(target["Arn"].rsplit(":", 1)[-1], json.loads(target.get("Input") or "{}"))
            fired += 1
            if schedule.get("ActionAfterCompletion") == "DELETE":
                self._client.delete_schedule(Name=summary["Name"], GroupName=self._group)
        return fired

    def run_rates(self) -> None:
        for function, event in rate_schedules():
            self._invoke(function, event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        since_rate = self._rate
        while not self._stopping.wait(self._tick):
            since_rate += self._tick
            try:
                self.fire_due()
                if since_rate >= self._rate:
                    since_rate = 0.0
                    self.run_rates()
            except Exception:  # keep ticking; a failed target is retried by the sweep
                log.exception("local scheduler tick failed")
