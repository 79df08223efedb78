"""Scheduled sending through ScheduledSendFunction: the rate(1 minute) sweep (`{"sweep": true}`)
and each email's one-time trigger (`{"tenant", "email_id"}`), fired directly or by the local
EventBridge Scheduler stand-in. An email goes out once, only when due, never once cancelled.

Only the first test waits for real time; the others arrange "the time has come" by moving
`send_at` into the past in the table, as the repository stores it."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import ANY

import pytest

from conftest import create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    at,
    folder_ids,
    make_due,
    outbox_entries,
    outbox_listening,
    sent,
    sweep,
    timeline,
    trigger,
    trigger_of,
)
from mail_support import (
    invoke_scheduled_send as invoke,
)


def status(api, email_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/emails/{email_id}")
    assert reply.status == 200, reply.body
    return reply.body


@pytest.fixture
def contact(api):
    return create(api, family_name="山田", email="taro@example.jp")


def scheduled(api, contact_id: str, seconds: float = 3600, **fields: Any) -> dict[str, Any]:
    email = sent(api, contact_id, send_at=at(seconds), **fields)
    assert email["status"] == "scheduled"
    return email


# --- the sweep ---------------------------------------------------------------------------------


def test_the_sweep_sends_an_email_once_it_is_due_and_not_before(api, contact):
    email = scheduled(api, contact["id"], seconds=1.5)

    sweep()
    assert outbox_entries(email["id"]) == []
    assert status(api, email["id"])["status"] == "scheduled"

    time.sleep(max(0.0, (datetime.fromisoformat(email["send_at"].replace("Z", "+00:00"))
                         - datetime.now(UTC)).total_seconds()) + 0.1)
    result = sweep()

    assert result["sent"] >= 1
    after = status(api, email["id"])
    assert after["status"] == "sent" and after["sent_at"] >= email["send_at"]
    assert len(outbox_entries(email["id"])) == 1
    assert [entry["data"]["email_id"] for entry in timeline(api, contact["id"], "email_sent")] == [email["id"]]
    assert api.get(f"/v1/contacts/{contact['id']}").body["last_contacted_at"] == after["sent_at"]
    assert folder_ids(api, "scheduled") == [] and folder_ids(api, "sent") == [email["id"]]
    assert trigger_of(email["id"]) is None  # what the sweep sent has its trigger deleted
    sweep()
    assert len(outbox_entries(email["id"])) == 1


# --- the per-email trigger ---------------------------------------------------------------------


def test_the_trigger_sends_a_due_email_exactly_once(api, contact):
    email = scheduled(api, contact["id"])
    assert trigger(api, email["id"]) == {"sent": 0}  # not due yet
    make_due(api, email["id"])

    assert trigger(api, email["id"]) == {"sent": 1}
    assert trigger(api, email["id"]) == {"sent": 0}
    sweep()

    assert status(api, email["id"])["status"] == "sent"
    assert len(outbox_entries(email["id"])) == 1
    assert len(timeline(api, contact["id"], "email_sent")) == 1


def race(api, emails: list[str]) -> list[Any]:
    """The sweep and every email's trigger at once, as when a minute's triggers and the sweep
    overlap; each run's result, or the exception it raised."""
    def run(job):
        try:
            return job()
        except Exception as error:  # a Lambda error: Scheduler would retry it
            return error

    jobs = [sweep] + [lambda email_id=email_id: trigger(api, email_id) for email_id in emails]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def assert_each_sent_once(api, emails: list[str]) -> None:
    assert {email_id: len(outbox_entries(email_id)) for email_id in emails} == dict.fromkeys(emails, 1)
    assert {email_id: status(api, email_id)["status"] for email_id in emails} == dict.fromkeys(emails, "sent")


def test_triggers_and_the_sweep_racing_send_each_email_once(api):
    contacts = [create(api, family_name=f"顧客{number}", email=f"c{number}@example.jp")["id"] for number in range(20)]
    emails = [scheduled(api, contact_id)["id"] for contact_id in contacts]
    for email_id in emails:
        make_due(api, email_id)

    results = race(api, emails)

    assert [result for result in results if isinstance(result, Exception)] == []
    assert_each_sent_once(api, emails)
    assert sum(result["sent"] for result in results) == 20
    for contact_id in contacts:
        assert len(timeline(api, contact_id, "email_sent")) == 1


def test_many_emails_due_at_once_to_one_contact_are_all_recorded_sent(api, contact):
    """20 emails to the same contact, due together: each is delivered once, and each must end
    `sent` with its timeline entry, however busy the contact's item is."""
    emails = [scheduled(api, contact["id"], subject=f"{number}通目")["id"] for number in range(20)]
    for email_id in emails:
        make_due(api, email_id)

    failed_triggers = [email_id for email_id, result in zip(emails, race(api, emails)[1:], strict=False)
                       if isinstance(result, Exception)]
    for email_id in failed_triggers:  # Scheduler retries a target that raised
        trigger(api, email_id)
    sweep()  # and the next minute's sweep: whatever is left to do is done by now

    assert {email_id: len(outbox_entries(email_id)) for email_id in emails} == dict.fromkeys(emails, 1)
    states = {email_id: status(api, email_id)["status"] for email_id in emails}
    stuck = {email_id: state for email_id, state in states.items() if state != "sent"}
    assert stuck == {}, f"{len(stuck)} of 20 delivered emails never became sent: {stuck}"
    assert len(timeline(api, contact["id"], "email_sent")) == 20


def test_the_sweep_paces_its_sends_to_the_accounts_send_rate(api, monkeypatch):
    """SES refuses sends beyond the account's maximum send rate; the sweep's 16 threads take
    turns from one pace (here 5 a second) instead of sending as fast as they can."""
    from shared.aws import client
    from shared.domain.send_limits import SendPace
    from shared.services import delivery

    turns: list[float] = []

    class RecordedPace(SendPace):
        def wait(self) -> float:
            turns.append(super().wait())
            return turns[-1]

    monkeypatch.setattr(delivery, "SES_PACE", RecordedPace(5))
    contacts = [create(api, family_name=f"顧客{number}", email=f"p{number}@example.jp")["id"] for number in range(12)]
    emails = [scheduled(api, contact_id)["id"] for contact_id in contacts]
    for email_id in emails:
        make_due(api, email_id)
    sends: list[float] = []
    ses = client("sesv2").meta.events
    ses.register("before-send.sesv2.SendEmail", lambda **_: sends.append(time.monotonic()), unique_id="pace-probe")
    try:
        assert sweep()["sent"] == 12
    finally:
        ses.unregister("before-send.sesv2.SendEmail", unique_id="pace-probe")

    assert len(turns) == len(sends) == 12  # every send took its turn
    assert max(sum(1 for other in turns if start <= other < start + 1 - 1e-9) for start in turns) == 5
    assert max(sends) - min(sends) >= 2.0  # 12 sends at 5 a second: at least 2.2 s, whatever the jitter
    assert_each_sent_once(api, emails)


# --- cancelled, moved, orphaned ----------------------------------------------------------------


def test_a_cancelled_email_is_never_sent(api, contact):
    email = scheduled(api, contact["id"])
    make_due(api, email["id"])
    assert api.delete(f"/v1/emails/{email['id']}").status == 204

    assert trigger(api, email["id"]) == {"sent": 0}
    sweep()

    assert status(api, email["id"])["status"] == "cancelled"
    assert outbox_entries(email["id"]) == []


def test_a_moved_email_is_not_sent_by_its_old_trigger(api, contact):
    email = scheduled(api, contact["id"])
    make_due(api, email["id"])  # its first time has come...
    moved = api.patch(f"/v1/emails/{email['id']}", {"send_at": at(3600)})  # ...but it was moved an hour on
    assert moved.status == 200, moved.body

    assert trigger(api, email["id"]) == {"sent": 0}  # the old trigger's event fires anyway
    sweep()

    assert status(api, email["id"])["status"] == "scheduled"
    assert outbox_entries(email["id"]) == []
    assert folder_ids(api, "scheduled") == [email["id"]]


def test_an_email_to_a_deleted_contact_fails_without_sending(api, contact):
    email = scheduled(api, contact["id"])
    assert api.delete(f"/v1/contacts/{contact['id']}").status == 204
    make_due(api, email["id"])

    assert trigger(api, email["id"]) == {"sent": 0}

    after = status(api, email["id"])
    assert after["status"] == "failed" and after["failure_reason"].strip()
    assert after["sent_at"] is None
    assert outbox_entries(email["id"]) == []


# --- the local EventBridge Scheduler -----------------------------------------------------------


def test_the_local_scheduler_fires_the_trigger_the_api_created_and_deletes_it(api, contact):
    from infra.local.scheduler import LocalScheduler
    from infra.local.server import invoke_function

    email = scheduled(api, contact["id"], seconds=30)
    make_due(api, email["id"])
    fired: list[tuple[str, dict]] = []

    def invoke_target(function: str, event: dict) -> Any:
        fired.append((function, event))
        return invoke_function(function, event)

    ours = ("ScheduledSendFunction", {"tenant": api.tenant, "email_id": email["id"], "correlation_id": ANY})
    local = LocalScheduler(invoke_target, os.environ["SCHEDULE_GROUP"])
    local.fire_due()  # its at(...) is 30 s away: not yet
    assert ours not in fired and trigger_of(email["id"]) is not None
    local.fire_due(now=datetime.now(UTC) + timedelta(seconds=31))

    assert fired.count(ours) == 1
    assert status(api, email["id"])["status"] == "sent"
    assert len(outbox_entries(email["id"])) == 1
    assert trigger_of(email["id"]) is None


# --- events that are not ours ------------------------------------------------------------------


@pytest.mark.parametrize("event", [
    {"tenant": "a#b", "email_id": "x"}, {}, {"tenant": 1}, {"tenant": "t", "email_id": None},
    {"tenant": "t", "email_id": "../../x"}, {"sweep": False, "tenant": "t"},
])
def test_a_malformed_trigger_event_sends_nothing(moto_endpoint, event):
    assert invoke(event) == {"sent": 0}


def test_a_trigger_for_an_unknown_email_sends_nothing(api):
    assert trigger(api, "01JNOSUCHEMAIL00000000000") == {"sent": 0}
