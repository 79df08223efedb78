"""POST /v1/emails/preview: what would be sent, rendered, with every refusal of the contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import Api, assert_error, create

NO_EMAIL = "This contact has no email address; add one before sending."


class NamedApi(Api):
    """A caller whose token carries a `name` claim (Cognito's optional one)."""

    def claims(self):
        return {**super().claims(), "name": "営業 花子"}


def preview(api: Api, contact_id: str, **fields):
    body = {"contact_id": contact_id, "subject": "ご挨拶", "body_text": "本文", **fields}
    return api.post("/v1/emails/preview", body)


def set_delivery_status(api: Api, contact_id: str, status: str) -> None:
    """No endpoint sets it before issue 6 (mail events): write it as the repository would."""
    from shared.db import contacts as repository

    contact, version, config = repository.get_with_config(api.tenant, contact_id)
    repository.save(api.tenant, {**contact, "delivery_status": status}, config, previous=contact, version=version)


@pytest.fixture
def yamada(api):
    return create(api, family_name="山田", given_name="太郎", email="taro@example.jp", company="株式会社サンプル")


def test_merge_fields_are_rendered_in_subject_and_bodies(api, yamada):
    named = NamedApi(api.tenant, "user")
    reply = preview(named, yamada["id"], subject="{{contact.family_name}}様 ご提案",
                    body_text="{{contact.display_name}}様\n{{ contact.company }}\n{{sender.name}} ({{sender.email}})",
                    body_html="<p>{{contact.family_name}}様</p>")
    assert reply.status == 200, reply.body
    assert reply.body["subject"] == "山田様 ご提案"
    assert reply.body["body_text"] == f"山田 太郎様\n株式会社サンプル\n営業 花子 ({named.user_id}@example.jp)"
    assert reply.body["body_html"] == "<p>山田様</p>"


def test_display_name_follows_the_tenant_name_order(api, yamada):
    assert api.put("/v1/settings", {"name_order": "given_family"}).status == 200
    reply = preview(api, yamada["id"], subject="{{contact.display_name}}様")
    assert reply.body["subject"] == "太郎 山田様"


def test_values_are_html_escaped_in_the_html_body_only(api):
    contact = create(api, family_name="<b>&山田", email="x@example.jp")
    reply = preview(api, contact["id"], subject="{{contact.family_name}}", body_text="{{contact.family_name}}",
                    body_html="<p>{{contact.family_name}}</p>")
    assert reply.body["subject"] == "<b>&山田"
    assert reply.body["body_text"] == "<b>&山田"
    assert reply.body["body_html"] == "<p>&lt;b&gt;&amp;山田</p>"


def test_text_body_is_derived_from_html_when_absent(api, yamada):
    reply = api.post("/v1/emails/preview", {"contact_id": yamada["id"], "subject": "件名",
                                            "body_html": "<p>一行目<br>二行目</p>"})
    assert reply.status == 200, reply.body
    assert "一行目" in reply.body["body_text"] and "二行目" in reply.body["body_text"]
    assert "<" not in reply.body["body_text"]


def test_custom_properties_merge_and_archived_ones_are_refused(api):
    assert api.post("/v1/properties", {"key": "plan", "label": "プラン", "type": "text"}).status == 201
    contact = create(api, family_name="山田", email="p@example.jp", properties={"plan": "エンタープライズ"})
    assert preview(api, contact["id"], subject="{{contact.properties.plan}}").body["subject"] == "エンタープライズ"
    assert api.patch("/v1/properties/plan", {"archived": True}).status == 200
    assert_error(preview(api, contact["id"], subject="{{contact.properties.plan}}"), 422, "subject")


def test_contact_without_email_is_refused_with_the_contract_message(api):
    contact = create(api, family_name="山田")
    reply = preview(api, contact["id"])
    assert_error(reply, 422)
    assert reply.error["message"] == NO_EMAIL


def test_each_empty_merge_value_is_named(api):
    contact = create(api, family_name="山田", email="e@example.jp")
    reply = preview(api, contact["id"], subject="{{contact.company}}", body_text="{{contact.title}} {{contact.phone}}")
    assert_error(reply, 422, "subject", "body_text")
    messages = " ".join(detail["message"] for detail in reply.error["details"])
    for field in ("contact.company", "contact.title", "contact.phone"):
        assert field in messages


def test_an_unknown_merge_field_is_refused(api, yamada):
    reply = preview(api, yamada["id"], body_text="{{contact.shoe_size}}")
    assert_error(reply, 422, "body_text")


def test_sender_name_missing_from_the_token_is_refused_when_used(api, yamada):
    assert_error(preview(api, yamada["id"], body_text="{{sender.name}}"), 422, "body_text")


@pytest.mark.parametrize("status", ["invalid_address", "error", "spam"])
def test_suppressed_delivery_status_is_refused(api, yamada, status):
    set_delivery_status(api, yamada["id"], status)
    reply = preview(api, yamada["id"])
    assert_error(reply, 422, "contact_id")
    assert status in reply.error["message"]


@pytest.mark.parametrize("status", ["unconfirmed", "normal", "temporary_error"])
def test_deliverable_statuses_are_accepted(api, yamada, status):
    set_delivery_status(api, yamada["id"], status)
    assert preview(api, yamada["id"]).status == 200


def test_header_injection_in_the_subject_is_refused(api, yamada):
    assert_error(preview(api, yamada["id"], subject="こんにちは\r\nBcc: evil@example.com"), 422, "subject")


def test_a_merge_value_cannot_inject_a_header(api):
    contact = create(api, family_name="山田", email="h@example.jp", memo="一行目\n二行目")
    assert_error(preview(api, contact["id"], subject="{{contact.memo}}"), 422, "subject")


def test_cc_and_bcc_are_checked(api, yamada):
    assert preview(api, yamada["id"], cc=["boss@example.jp"], bcc=["log@example.jp"]).status == 200
    assert_error(preview(api, yamada["id"], cc=["not-an-address"]), 422, "cc[0]")
    assert_error(preview(api, yamada["id"], cc=["Taro@Example.jp"]), 422, "cc[0]")  # the contact is already "to"
    assert_error(preview(api, yamada["id"], bcc="x@example.jp"), 422, "bcc")


@pytest.mark.parametrize("send_at, reason", [
    ((datetime.now(UTC) - timedelta(minutes=5)).isoformat(), "past"),
    ((datetime.now(UTC) + timedelta(days=400)).isoformat(), "too far"),
    ("tomorrow", "format"),
    ("2026-12-01", "a date without a time"),
    (12345, "not a string"),
])
def test_bad_send_at_is_refused(api, yamada, send_at, reason):
    assert_error(preview(api, yamada["id"], send_at=send_at), 422, "send_at")


def test_a_future_send_at_is_accepted(api, yamada):
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert preview(api, yamada["id"], send_at=later).status == 200


@pytest.mark.parametrize("field, value", [("transport", "fax"), ("track_opens", "yes"), ("track_clicks", None),
                                          ("in_reply_to", 42), ("contact_id", None), ("priority", "high")])
def test_wrong_fields_are_named(api, yamada, field, value):
    body = {"contact_id": yamada["id"], "subject": "件名", "body_text": "本文", field: value}
    assert_error(api.post("/v1/emails/preview", body), 422, field)


def test_subject_and_a_body_are_required(api, yamada):
    reply = api.post("/v1/emails/preview", {"contact_id": yamada["id"]})
    assert_error(reply, 422, "subject", "body_text", "body_html")


def test_another_tenants_contact_is_404(api, yamada):
    assert_error(preview(Api("other-" + api.tenant), yamada["id"]), 404)


def test_a_contact_hidden_by_owner_visibility_is_404(api):
    contact = create(api, family_name="山田", email="v@example.jp")  # owned by the owner
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    assert_error(preview(api.as_("user"), contact["id"]), 404)
    assert preview(api.as_("manager"), contact["id"]).status == 200


def test_preview_changes_nothing(api, yamada):
    assert preview(api, yamada["id"]).status == 200
    after = api.get(f"/v1/contacts/{yamada['id']}").body
    assert after == yamada


def test_malformed_json_is_400_and_no_token_is_401(api, yamada):
    assert_error(api.post("/v1/emails/preview", raw_body="{oops"), 400)
    assert_error(api.post("/v1/emails/preview", {"contact_id": yamada["id"]}, authorized=False), 401)
