"""POST /v1/emails/bulk (1:1 email to a selection, seed 002: メール送信), its preview, and the
one-click unsubscribe its mail carries, through the handlers: one merged, tracked email per
contact by the single-send path, each skip counted with its reason on the job, exactly once per
contact however often the job's message comes, and RFC 8058's List-Unsubscribe."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    at,
    folder_ids,
    make_due,
    outbox,
    outbox_listening,
    set_contact_field,
    sweep,
    timeline,
)
from stack_support import run_queued_jobs

HTML = '<p>{{contact.family_name}}様</p><p><a href="https://example.com/seminar">セミナー</a></p>'


def bulk_send(api: Api, selection: dict[str, Any], **fields: Any) -> Any:
    body = {"selection": selection, "subject": "{{contact.family_name}}様へのご案内", "body_html": HTML, **fields}
    return api.post("/v1/emails/bulk", body)


def job_of(api: Api, job_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/jobs/{job_id}")
    assert reply.status == 200, reply.body
    return reply.body


def address(api: Api, name: str) -> str:
    """An address of this test's tenant only (the outbox holds every test's mail)."""
    return f"{name}.{api.tenant}@example.jp"


def messages_to(api: Api, name: str) -> list[dict[str, Any]]:
    return [entry for entry in outbox().items() if entry["to"] == [address(api, name)]]


def header(raw: str, name: str) -> str | None:
    from email import message_from_string, policy

    value = message_from_string(raw, policy=policy.default)[name]
    return None if value is None else str(value)


def html_body(raw: str) -> str:
    from email import message_from_string, policy

    return message_from_string(raw, policy=policy.default).get_body(("html",)).get_content()


def unsubscribe_token(raw: str) -> str:
    [token] = re.findall(r"/t/u/([A-Za-z0-9_-]+)>", header(raw, "List-Unsubscribe"))
    return token


def unsubscribe(token: str, method: str = "POST", body: str | None = "List-Unsubscribe=One-Click") -> Any:
    from infra.local.server import call_handler

    return call_handler(method, f"/t/u/{token}", None, body=body if method == "POST" else None,
                        headers={"content-type": "application/x-www-form-urlencoded", "accept-language": "ja"})


@pytest.fixture
def audience(api) -> dict[str, str]:
    """Two contacts who get the email and one of each skip reason."""
    people = {
        "yamada": create(api, family_name="山田", email=address(api, "yamada")),
        "sato": create(api, family_name="佐藤", email=address(api, "sato")),
        "no_email": create(api, family_name="鈴木"),
        "empty_merge_field": create(api, given_name="花子", email=address(api, "hanako")),
        "delivery_status": create(api, family_name="高橋", email=address(api, "bounced")),
        "opted_out": create(api, family_name="田中", email=address(api, "optout"), marketing_opt_out=True),
    }
    set_contact_field(api, people["delivery_status"]["id"], "delivery_status", "invalid_address")
    return {name: contact["id"] for name, contact in people.items()}


def test_each_contact_gets_one_merged_tracked_email_and_each_skip_is_counted(api, audience):
    reply = bulk_send(api, {"ids": list(audience.values())}, body_text="{{contact.family_name}}様 セミナーのご案内")
    assert reply.status == 202, reply.body
    assert (reply.body["type"], reply.body["status"]) == ("bulk_email", "queued")

    run_queued_jobs()

    job = job_of(api, reply.body["id"])
    assert job["status"] == "succeeded" and job["total"] == 6 and job["processed"] == 6
    assert job["counts"] == {"sent": 2, "scheduled": 0, "failed": 0, "cancelled": 0, "no_email": 1,
                             "empty_merge_field": 1, "delivery_status": 1, "opted_out": 1, "not_found": 0}
    [yamada] = messages_to(api, "yamada")
    assert yamada["subject"] == "山田様へのご案内"
    assert ("山田様" in html_body(yamada["raw"]) and "/t/o/" in html_body(yamada["raw"])
            and "/t/c/" in html_body(yamada["raw"]))
    assert header(yamada["raw"], "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert (header(yamada["raw"], "List-Unsubscribe").startswith("<")
            and "/t/u/" in header(yamada["raw"], "List-Unsubscribe"))
    assert [entry["subject"] for entry in messages_to(api, "sato")] == ["佐藤様へのご案内"]
    assert [messages_to(api, name) for name in ("hanako", "bounced", "optout")] == [[], [], []]
    for name in ("yamada", "sato"):
        [entry] = timeline(api, audience[name], "email_sent")
        assert api.get(f"/v1/contacts/{audience[name]}").body["last_contacted_at"] is not None
        assert api.get(f"/v1/emails/{entry['data']['email_id']}").body["status"] == "sent"
    assert len(folder_ids(api, "sent")) == 2

    run_queued_jobs()  # nothing left to deliver; a job run again sends nothing
    from shared.services import bulk_emails

    assert bulk_emails.run(api.tenant, reply.body["id"], lambda: 900.0) is True
    assert len(messages_to(api, "yamada")) == 1


def test_a_template_gives_the_content(api, audience):
    template = api.post("/v1/email-templates", {"name": "セミナー案内",
                                                "subject": "{{contact.family_name}}様 テンプレート",
                                                "body_text": "ご案内です"})
    assert template.status == 201, template.body
    reply = api.post("/v1/emails/bulk", {"selection": {"ids": [audience["yamada"]]},
                                         "template_id": template.body["id"]})
    assert reply.status == 202, reply.body
    run_queued_jobs()
    assert [entry["subject"] for entry in messages_to(api, "yamada")] == ["山田様 テンプレート"]


def test_a_filter_selects_the_contacts_the_search_finds(api, audience):
    reply = bulk_send(api, {"filter": {"field": "family_name", "op": "eq", "value": "佐藤"}})
    assert reply.status == 202, reply.body
    run_queued_jobs()
    assert job_of(api, reply.body["id"])["counts"]["sent"] == 1
    assert len(messages_to(api, "sato")) == 1 and messages_to(api, "yamada") == []


def test_the_preview_merges_the_first_recipients_and_counts_the_skips_sending_nothing(api, audience):
    reply = api.post("/v1/emails/bulk/preview", {"selection": {"ids": list(audience.values())},
                                                 "subject": "{{contact.family_name}}様へのご案内", "body_html": HTML})
    assert reply.status == 200, reply.body
    assert reply.body["total"] == 6
    assert reply.body["counts"] == {"sent": 2, "no_email": 1, "empty_merge_field": 1, "delivery_status": 1,
                                    "opted_out": 1, "failed": 0, "not_found": 0}
    assert [(item["to"], item["subject"]) for item in reply.body["recipients"]] == [
        (address(api, "yamada"), "山田様へのご案内"), (address(api, "sato"), "佐藤様へのご案内")]
    assert "山田様" in reply.body["recipients"][0]["body_html"]
    assert messages_to(api, "yamada") == [] and messages_to(api, "sato") == []
    assert api.get("/v1/jobs").body["items"] == [] and folder_ids(api, "sent") == []


@pytest.mark.parametrize("body, field", [
    ({"subject": "件名", "body_text": "本文"}, "selection"),
    ({"selection": {"ids": []}, "subject": "件名", "body_text": "本文"}, "selection.ids"),
    ({"selection": {"ids": ["x"]}, "body_text": "本文"}, "subject"),
    ({"selection": {"ids": ["x"]}, "subject": "{{contact.nickname}}", "body_text": "本文"}, "subject"),
    ({"selection": {"ids": ["x"]}, "subject": "件名", "body_text": "本文", "cc": ["a@example.jp"]}, "cc"),
    ({"selection": {"ids": ["x"]}, "subject": "件名", "body_text": "本文",
      "send_at": "2001-01-01T00:00:00Z"}, "send_at"),
    ({"selection": {"ids": ["x"]}, "template_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "template_id"),
])
def test_bad_input_is_a_422_and_starts_nothing(api, body, field):
    for path in ("/v1/emails/bulk", "/v1/emails/bulk/preview"):
        assert_error(api.post(path, body), 422, field)
    assert api.get("/v1/jobs").body["items"] == []


def test_an_unknown_segment_is_a_404(api):
    assert_error(bulk_send(api, {"segment_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}), 404)
    assert api.get("/v1/jobs").body["items"] == []


def test_another_tenants_contacts_are_not_found_and_get_nothing(api, audience):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    theirs = create(other, family_name="他社", email=address(api, "other"))["id"]
    reply = bulk_send(api, {"ids": [theirs, audience["yamada"]]})
    run_queued_jobs()
    counts = job_of(api, reply.body["id"])["counts"]
    assert (counts["not_found"], counts["sent"]) == (1, 1) and messages_to(api, "other") == []


def test_scheduled_for_later_each_email_waits_and_is_sent_once_when_due(api, audience):
    reply = bulk_send(api, {"ids": [audience["yamada"], audience["sato"]]}, send_at=at(3600))
    run_queued_jobs()
    assert job_of(api, reply.body["id"])["counts"]["scheduled"] == 2
    scheduled = folder_ids(api, "scheduled")
    assert len(scheduled) == 2 and messages_to(api, "yamada") == []
    for email_id in scheduled:
        make_due(api, email_id)
    sweep()
    sweep()
    assert len(messages_to(api, "yamada")) == 1 and len(messages_to(api, "sato")) == 1


def test_one_click_unsubscribe_opts_the_contact_out_once_and_shows_on_the_timeline(api, audience):
    bulk_send(api, {"ids": [audience["yamada"], audience["sato"]]})
    run_queued_jobs()
    token = unsubscribe_token(messages_to(api, "yamada")[0]["raw"])

    page = unsubscribe(token, "GET")  # a link scanner's GET changes nothing
    assert page["statusCode"] == 200 and 'name="List-Unsubscribe" value="One-Click"' in page["body"]
    assert api.get(f"/v1/contacts/{audience['yamada']}").body["marketing_opt_out"] is False

    assert_error_page = unsubscribe(token, body="hello")
    assert assert_error_page["statusCode"] == 400
    assert api.get(f"/v1/contacts/{audience['yamada']}").body["marketing_opt_out"] is False

    done = unsubscribe(token)
    assert done["statusCode"] == 200 and "配信を停止しました" in done["body"]
    assert unsubscribe(token)["statusCode"] == 200  # a second click: the same answer, nothing twice
    assert api.get(f"/v1/contacts/{audience['yamada']}").body["marketing_opt_out"] is True
    [entry] = timeline(api, audience["yamada"], "email_unsubscribed")
    assert entry["actor"] == {"kind": "contact", "id": audience["yamada"]}
    assert api.get(f"/v1/contacts/{audience['sato']}").body["marketing_opt_out"] is False

    again = bulk_send(api, {"ids": [audience["yamada"], audience["sato"]]})
    run_queued_jobs()
    assert job_of(api, again.body["id"])["counts"]["opted_out"] == 1
    assert len(messages_to(api, "yamada")) == 1


def test_a_multipart_one_click_post_unsubscribes_and_an_oversized_one_is_a_413(api, audience):
    from infra.local.server import call_handler

    bulk_send(api, {"ids": [audience["yamada"]]})
    run_queued_jobs()
    token = unsubscribe_token(messages_to(api, "yamada")[0]["raw"])
    too_large = unsubscribe(token, body="List-Unsubscribe=One-Click&" + "x" * 5000)
    assert too_large["statusCode"] == 413
    assert api.get(f"/v1/contacts/{audience['yamada']}").body["marketing_opt_out"] is False

    form = ('--b1\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b1--\r\n')
    reply = call_handler("POST", f"/t/u/{token}", None, body=form,
                         headers={"content-type": "multipart/form-data; boundary=b1"})
    assert reply["statusCode"] == 200
    assert api.get(f"/v1/contacts/{audience['yamada']}").body["marketing_opt_out"] is True


@pytest.mark.parametrize("token", ["forged", "A" * 80])
def test_a_forged_unsubscribe_token_is_a_404_and_changes_nothing(api, audience, token):
    assert unsubscribe(token)["statusCode"] == 404
    assert unsubscribe(token, "GET")["statusCode"] == 404


def test_an_open_token_is_no_unsubscribe_token(api, audience):
    bulk_send(api, {"ids": [audience["yamada"]]})
    run_queued_jobs()
    [open_token] = re.findall(r"/t/o/([A-Za-z0-9_-]+)", html_body(messages_to(api, "yamada")[0]["raw"]))
    assert unsubscribe(open_token)["statusCode"] == 404
    assert api.get(f"/v1/contacts/{audience['yamada']}").body["marketing_opt_out"] is False


def test_one_to_one_email_has_no_unsubscribe_header(api, audience):
    reply = api.post("/v1/emails", {"contact_id": audience["yamada"], "subject": "個別", "body_text": "本文"})
    assert reply.status == 201, reply.body
    [message] = messages_to(api, "yamada")
    assert header(message["raw"], "List-Unsubscribe") is None
