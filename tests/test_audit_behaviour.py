"""Issue 17, "Wrong behaviour": what the outside audit found the API doing wrong, each through
the HTTP API (pure rules as unit tests): a corrected address can be mailed again, a tenant's own
event type filters the timeline, a template's unknown merge field is refused when saved, an
import never re-cases a stored address, the export limit's wait and the cancel message read
right, notification texts are natural Japanese, and every answer uses the error envelope."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import assert_error, contact_of, create
from mail_support import outbox_listening, send, sent, set_contact_field  # noqa: F401 - autouse fixture
from stack_support import imported

# --- 1. the delivery status belongs to the address ------------------------------------------------


@pytest.mark.parametrize("status", ["invalid_address", "spam", "error"])
def test_a_corrected_address_of_a_suppressed_contact_can_be_mailed_again(api, status):
    contact = create(api, family_name="山田", email="taro@exmaple.jp")
    set_contact_field(api, contact["id"], "delivery_status", status)
    assert_error(send(api, contact["id"]), 422, "contact_id")

    changed = api.patch(f"/v1/contacts/{contact['id']}", {"email": "taro@example.jp"})
    assert changed.status == 200, changed.body
    assert changed.body["delivery_status"] == "unconfirmed"
    assert contact_of(api, contact["id"])["delivery_status"] == "unconfirmed"
    sent(api, contact["id"])


def test_the_same_address_in_other_letters_keeps_its_delivery_status(api):
    contact = create(api, family_name="山田", email="taro@example.jp")
    set_contact_field(api, contact["id"], "delivery_status", "invalid_address")
    changed = api.patch(f"/v1/contacts/{contact['id']}", {"email": "Taro@Example.jp", "given_name": "太郎"})
    assert changed.status == 200, changed.body
    assert changed.body["delivery_status"] == "invalid_address"
    assert_error(send(api, contact["id"]), 422, "contact_id")


def test_a_corrected_address_is_found_by_its_delivery_status(api):
    contact = create(api, family_name="山田", email="taro@exmaple.jp")
    set_contact_field(api, contact["id"], "delivery_status", "invalid_address")
    assert api.patch(f"/v1/contacts/{contact['id']}", {"email": "taro@example.jp"}).status == 200
    unconfirmed = api.post("/v1/contacts/search",
                           {"filter": {"field": "delivery_status", "op": "eq", "value": "unconfirmed"}})
    assert unconfirmed.status == 200, unconfirmed.body
    assert [item["id"] for item in unconfirmed.body["items"]] == [contact["id"]]


# --- 2. a tenant's own event type filters the timeline --------------------------------------------


def test_the_timeline_filters_by_a_type_the_tenant_ingested(api):
    from infra.local.server import call_handler

    contact = create(api, family_name="山田", email="taro@example.jp")
    key = api.post("/v1/api-keys", {"name": "booking"}).body["secret"]
    events = [{"contact": {"id": contact["id"]}, "type": "reservation", "data": {"room": "A"}},
              {"contact": {"id": contact["id"]}, "type": "purchase", "data": {}}]
    result = call_handler("POST", "/v1/events", None, json.dumps({"events": events}), headers={"x-api-key": key})
    assert result["statusCode"] in (200, 202), result["body"]

    reply = api.get(f"/v1/contacts/{contact['id']}/timeline", query={"type": "reservation"})
    assert reply.status == 200, reply.body
    assert [item["type"] for item in reply.body["items"]] == ["reservation"]
    both = api.get(f"/v1/contacts/{contact['id']}/timeline", query={"type": "reservation,purchase"})
    assert sorted(item["type"] for item in both.body["items"]) == ["purchase", "reservation"]


@pytest.mark.parametrize("value", ["Reservation", "x", "reser-vation"])
def test_a_name_no_activity_can_have_is_still_a_422(api, value):
    contact = create(api, family_name="山田")
    assert_error(api.get(f"/v1/contacts/{contact['id']}/timeline", query={"type": value}), 422, "type")


# --- 4. a template's merge fields are checked when it is saved --------------------------------------


def test_a_template_with_an_unknown_merge_field_is_refused_when_saved(api):
    body = {"name": "ご挨拶", "subject": "{{contact.bogus}}様",
            "body_text": "{{contact.properties.nothing}} {{sender.name}}"}
    reply = api.post("/v1/email-templates", body)
    assert_error(reply, 422, "subject", "body_text")
    assert [detail["code"] for detail in reply.error["details"]] == ["unknown_merge_field", "unknown_merge_field"]
    assert api.get("/v1/email-templates").body["items"] == []


def test_a_template_is_checked_again_when_replaced_and_known_fields_pass(api):
    assert api.post("/v1/properties", {"key": "size", "label": "規模", "type": "text"}).status == 201
    made = api.post("/v1/email-templates", {"name": "ご挨拶", "subject": "{{contact.family_name}}様",
                                            "body_text": "{{contact.properties.size}} {{sender.email}}"})
    assert made.status == 201, made.body
    replaced = api.put(f"/v1/email-templates/{made.body['id']}",
                       {"name": "ご挨拶", "subject": "{{ contact.nope }}", "body_text": "本文"})
    assert_error(replaced, 422, "subject")
    assert api.get(f"/v1/email-templates/{made.body['id']}").body["subject"] == "{{contact.family_name}}様"


# --- 5. an import matches an address case-insensitively and keeps it --------------------------------


def test_an_import_matching_another_case_keeps_the_stored_address(api):
    contact = create(api, family_name="鈴木", email="ichiro@example.net")
    data = "姓,メールアドレス\r\n鈴木一郎,ICHIRO@example.net\r\n".encode()
    done = imported(api, data, {"姓": "family_name", "メールアドレス": "email"}, "update")
    assert done["updated"] == 1, done
    stored = contact_of(api, contact["id"])
    assert (stored["email"], stored["family_name"]) == ("ichiro@example.net", "鈴木一郎")


# --- 6. words: the export wait, the cancel conflict, notification texts -----------------------------


def test_a_second_export_straight_after_says_30_minutes_at_most(api):
    create(api, family_name="山田", email="taro@example.jp")
    body = {"reason": "展示会フォロー", "fields": ["family_name", "email"]}
    assert api.post("/v1/exports", body).status == 202
    again = api.post("/v1/exports", body)
    assert_error(again, 429)
    assert "try again in 30 minutes." in again.error["message"], again.error
    assert 1790 <= int(again.headers["retry-after"]) <= 1800


def test_the_export_wait_rounds_the_remaining_time_up():
    from shared.domain import exports

    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert exports.retry_after(start, start) == 1800
    assert exports.retry_after(start, start + timedelta(seconds=0.4)) == 1800
    assert exports.retry_after(start, start + timedelta(minutes=29, seconds=59.5)) == 1
    assert exports.retry_after(start, start + timedelta(minutes=31)) == 0
    assert exports.wait_message(1800).endswith("try again in 30 minutes.")
    assert exports.wait_message(61).endswith("try again in 2 minutes.")
    assert exports.wait_message(1).endswith("try again in 1 minute.")


def test_cancelling_an_email_no_longer_scheduled_says_cancelled(api):
    contact = create(api, family_name="山田", email="taro@example.jp")
    email = sent(api, contact["id"])
    reply = api.delete(f"/v1/emails/{email['id']}")
    assert_error(reply, 409, "status")
    assert reply.error["message"] == "This email is sent, no longer scheduled, so it cannot be cancelled."


@pytest.mark.parametrize("kind, subject, sentence", [
    ("email_opened", "【通知】メール「ご提案の件」が開封されました",
     "taro@example.jp 様宛てのメール「ご提案の件」が開封されました（2026/12/01 10:30）。"),
    ("email_clicked", "【通知】メール「ご提案の件」のリンクがクリックされました",
     "taro@example.jp 様宛てのメール「ご提案の件」のリンクがクリックされました（2026/12/01 10:30）。"),
])
def test_notification_texts_are_natural_japanese_in_japan_time(kind, subject, sentence):
    from shared.domain import notifications

    notification = {"kind": kind, "subject": "ご提案の件", "occurred_at": "2026-12-01T01:30:00.000Z"}
    made_subject, text = notifications.mail(notification, "taro@example.jp")
    assert made_subject == subject
    assert text.splitlines()[0] == sentence


# --- 7. every answer uses the error envelope -----------------------------------------------------


def assert_envelope_404(status: int, body: Any) -> None:
    assert status == 404, body
    assert set(body) == {"error"} and body["error"]["code"] == "not_found", body
    assert isinstance(body["error"]["message"], str) and body["error"]["details"] == []


@pytest.mark.parametrize("method, path", [("DELETE", "/v1/properties/p"), ("GET", "/v1/nothing"),
                                          ("DELETE", "/health"), ("PUT", "/v1/contacts")])
def test_an_unknown_route_or_method_is_the_envelopes_404(api, method, path):
    reply = api.call(method, path)
    assert_envelope_404(reply.status, reply.body)
    assert f"{method} {path}" in reply.error["message"]


@pytest.mark.parametrize("method, path", [("DELETE", "/v1/properties/p"), ("GET", "/v1/nope"), ("POST", "/")])
def test_the_local_gateway_sends_unknown_routes_to_the_catch_all_without_a_token(moto_endpoint, method, path):
    from werkzeug.test import Client

    from infra.local.server import LocalApi

    response = Client(LocalApi()).open(path, method=method)
    assert_envelope_404(response.status_code, response.get_json())


def test_the_template_routes_every_unmatched_request_to_the_contacts_function():
    """API Gateway answers an unmatched request itself, outside the envelope, unless a
    `$default` route takes it (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html)."""
    from infra.template import catch_all_route, load_template

    route = catch_all_route()
    assert route is not None and route.route_key == "$default"
    assert (route.function, route.authorized) == ("ContactsApiFunction", False)
    [resource] = [resource["Properties"] for resource in load_template()["Resources"].values()
                  if resource.get("Type") == "AWS::ApiGatewayV2::Route"
                  and resource["Properties"]["RouteKey"] == "$default"]
    assert resource["AuthorizationType"] == "NONE" and "AuthorizerId" not in resource


# --- 8. the README walk-through works on a fresh stack, as written ---------------------------------

README = Path(__file__).resolve().parents[1] / "README.md"


def walk_through_script() -> str:
    """The shell blocks of the README's "Walk-through with curl" up to the mail events, as one session."""
    section = README.read_text(encoding="utf-8").split("## Walk-through with curl", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) >= 2 and "PROVIDER=" in blocks[0] and "_local/inbound" in blocks[1], blocks
    return "\n".join(blocks[:2])


def test_the_readme_walk_through_works_on_a_fresh_stack(tmp_path):
    """Every request of the walk-through answers 2xx; the received mail lands on the contact,
    the user's own Bcc'd mail is filed as sent, the bounce is on the timeline and the corrected
    address was mailed."""
    from infra.local import REPO_ROOT
    from infra.local.served import ServedStack

    data, shim = tmp_path / "data", tmp_path / "bin"
    shim.mkdir()
    for name, command in (("python", f'"{sys.executable}"'), ("crm-local", f'"{sys.executable}" -m infra.local.cli')):
        (shim / name).write_text(f"#!/bin/sh\nexec {command} \"$@\"\n")
        (shim / name).chmod(0o755)
    statuses = tmp_path / "statuses"
    stack = ServedStack(data, clean_env=True)
    try:
        script = walk_through_script().replace(".venv/bin/", f"{shim}/").replace("http://127.0.0.1:3000", stack.url)
        # each answer's status line, kept aside: the walk-through prints bodies only
        recorder = (f'curl() {{ command curl -D "{tmp_path}/headers" "$@"; '
                    f'head -n 1 "{tmp_path}/headers" >> "{statuses}"; }}\n')
        run = subprocess.run(["bash", "-c", recorder + script], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=300,
                             env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(REPO_ROOT),
                                  "CRM_LOCAL_DATA": str(data), "LANG": "C.UTF-8"})
        assert run.returncode == 0 and not run.stderr, (run.stdout, run.stderr)
        lines = statuses.read_text().splitlines()
        assert len(lines) == script.count("curl -s") and all(line.split()[1][0] == "2"
                                                             for line in lines), (lines, run.stdout)

        from infra.local.sign_in import id_token

        token = id_token(data, "acme", "taro@example.jp", "owner")

        def get(path: str) -> Any:
            request = urllib.request.Request(stack.url + path, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())

        [contact] = get("/v1/contacts")["items"]
        assert (contact["email"], contact["delivery_status"]) == ("taro.yamada@example.com", "unconfirmed")
        assert contact["last_contacted_at"] and contact["last_customer_action_type"] == "email_received"
        [received] = get("/v1/emails?folder=received")["items"]
        assert received["contact_id"] == contact["id"] and "①" in received["body_text"]
        sent_items = get("/v1/emails?folder=sent")["items"]
        assert sorted(item["subject"] for item in sent_items) == ["Re: Re: ご提案", "再送", "山田様 ご提案"]
        assert all(item["contact_id"] == contact["id"] for item in sent_items)
        assert len(get("/v1/emails?folder=scheduled")["items"]) == 1
        types = [item["type"] for item in get(f"/v1/contacts/{contact['id']}/timeline?limit=100")["items"]]
        assert {"email_bounced", "email_received", "email_sent"} <= set(types), types
        stack.stop()
    finally:
        stack.kill()
