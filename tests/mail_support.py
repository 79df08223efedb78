"""Helpers of the email tests, shared by every suite that sends mail or reads what was stored
(emails, tracking, scheduled sending, mail events, inbound mail, timeline, web collection).
A module that sends mail imports the autouse fixture `outbox_listening` from here."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from conftest import TABLE_NAME, Api, Reply


def at(seconds: float) -> str:
    """An ISO 8601 UTC time `seconds` from now."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def in_contract_form(moment: str) -> str:
    """A time as the API answers it: UTC, milliseconds, Z."""
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def send(api: Api, contact_id: str, **fields: Any) -> Reply:
    body = {"contact_id": contact_id, "subject": "ご挨拶", "body_text": "本文です", **fields}
    return api.post("/v1/emails", body)


def sent(api: Api, contact_id: str, **fields: Any) -> dict[str, Any]:
    """POST /v1/emails; it must answer 201."""
    reply = send(api, contact_id, **fields)
    assert reply.status == 201, reply.body
    return reply.body


def outbox():
    from infra.local.outbox import OUTBOX  # reads the handlers' configuration: import after moto is up

    return OUTBOX


def outbox_entries(email_id: str) -> list[dict[str, Any]]:
    return [entry for entry in outbox().items() if entry["email_id"] == email_id]


def the_message(email_id: str) -> tuple[dict[str, Any], EmailMessage]:
    """The one outbox entry of an email and its raw MIME, parsed."""
    entries = outbox_entries(email_id)
    assert len(entries) == 1, f"{len(entries)} messages went out for {email_id}"
    return entries[0], message_from_bytes(entries[0]["raw"].encode("ascii"), policy=policy.default)


def html_of(message: EmailMessage) -> str | None:
    part = message.get_body(("html",))
    return None if part is None else part.get_content()


def table():
    return boto3.resource("dynamodb").Table(TABLE_NAME)


def timeline(api: Api, contact_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The contact's timeline entries as stored (no endpoint lists them yet), oldest first."""
    from boto3.dynamodb.conditions import Key

    items = table().query(
        KeyConditionExpression=Key("pk").eq(f"TENANT#{api.tenant}#CONTACT#{contact_id}")
        & Key("sk").begins_with("ACTIVITY#"),
        ConsistentRead=True,
    )["Items"]
    entries = [item["data"] for item in items]
    return [entry for entry in entries if kind is None or entry["type"] == kind]


def set_contact_field(api: Api, contact_id: str, name: str, value: Any) -> None:
    """Arrange a read-only field (delivery_status) as the mail-events pipeline would store it."""
    table().update_item(
        Key={"pk": f"TENANT#{api.tenant}#CONTACT#{contact_id}", "sk": "CONTACT"},
        UpdateExpression="SET #data.#name = :value",
        ExpressionAttributeNames={"#data": "data", "#name": name},
        ExpressionAttributeValues={":value": value},
    )


def set_email_attribute(api: Api, email_id: str, name: str, value: Any) -> None:
    table().update_item(
        Key={"pk": f"TENANT#{api.tenant}#MAIL#{email_id}", "sk": "MAIL"},
        UpdateExpression="SET #name = :value",
        ExpressionAttributeNames={"#name": name},
        ExpressionAttributeValues={":value": value},
    )


def folder(api: Api, name: str | None = None, **query: Any) -> Reply:
    return api.get("/v1/emails", query={**({"folder": name} if name else {}), **query})


def folder_ids(api: Api, name: str | None = None) -> list[str]:
    reply = folder(api, name)
    assert reply.status == 200, reply.body
    return [email["id"] for email in reply.body["items"]]


def scheduler():
    return boto3.client("scheduler")


def trigger_of(email_id: str) -> dict[str, Any] | None:
    """The email's one-time schedule in the emulated EventBridge Scheduler, or None."""
    client = scheduler()
    try:
        return client.get_schedule(Name=f"email-{email_id}", GroupName=os.environ["SCHEDULE_GROUP"])
    except client.exceptions.ResourceNotFoundException:
        return None


# --- scheduled sending, as its function runs -------------------------------------------------------


def invoke_scheduled_send(event: dict[str, Any]) -> Any:
    from infra.local.server import invoke_function

    return invoke_function("ScheduledSendFunction", event)


def sweep() -> dict[str, int]:
    return invoke_scheduled_send({"sweep": True})


def trigger(api, email_id: str) -> dict[str, int]:
    """The event the email's one-time schedule carries."""
    return invoke_scheduled_send({"tenant": api.tenant, "email_id": email_id})


def make_due(api, email_id: str, seconds_ago: float = 1.0) -> None:
    """Arrange that the email's time has come: its send_at moved into the past (index keys too)."""
    from shared.db import emails as repository
    from shared.domain.validation import format_time

    email = repository.get(api.tenant, email_id)
    past = format_time(datetime.now(UTC) - timedelta(seconds=seconds_ago))
    assert repository.transition(api.tenant, {**email, "send_at": past}, "scheduled") is not None


def at_expression(send_at: str) -> str:
    """at(...) of the first whole second not before send_at."""
    moment = datetime.fromisoformat(send_at.replace("Z", "+00:00"))
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def outbox_listening(moto_endpoint):
    """The outbox records only once imported: import it before anything is sent."""
    return outbox()


# --- tracking hits, as the tracker receives them -------------------------------------------------

BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/17.4 Safari/605.1.15")
PERSON_IP = "203.0.113.7"
APPLE_IP = "17.58.0.1"
HTML = ("<html><body><p>{{contact.family_name}}様</p>"
        '<a href="https://example.com/a?x=1&amp;y=2">資料</a> <a href="https://example.com/b">b</a> '
        "<a href='https://example.org/c#top'>c</a></body></html>")


def hit(kind: str, token: str, user_agent: str | None = BROWSER, ip: str = PERSON_IP, method: str = "GET") -> dict:
    """One request to the tracker, as API Gateway would pass it."""
    from infra.local.server import call_handler

    headers = {} if user_agent is None else {"user-agent": user_agent}
    return call_handler(method, f"/t/{kind}/{token}", None, headers=headers, source_ip=ip)


def tokens(email_id: str) -> tuple[str | None, list[str]]:
    """The open token and the click tokens (in link order) of the message that went out."""
    html = the_message(email_id)[1].get_body(("html",)).get_content()
    opens = re.findall(r"/t/o/([A-Za-z0-9_-]+)", html)
    assert len(opens) <= 1, opens
    return (opens[0] if opens else None), re.findall(r"/t/c/([A-Za-z0-9_-]+)", html)


def seconds_ago(seconds: float) -> str:
    moment = datetime.now(UTC) - timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- received mail, dropped into the inbound path -------------------------------------------------

@pytest.fixture
def local(moto_endpoint):
    from infra.local import inbound  # noqa: F401 - registers POST /_local/inbound
    from infra.local.server import LocalApi

    return Client(LocalApi())


def drop(local: Client, raw: bytes) -> dict[str, Any]:
    response = local.post("/_local/inbound", data=raw)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
