"""Issue 10, parts 3, 5 and 6, through the handlers:
- Calls: POST /v1/contacts/{id}/calls logs a `call` on the timeline and answers the `tel:` URI
  to dial (E.164 for Japanese numbers); its defaults and refusals; a contact without a phone;
  what a call does to the contact (owner, contacted times); visibility.
- Plan quotas: the `contact_limit` setting (owner only), `usage.contacts` in GET /v1/settings,
  creates beyond the limit refused, deleting frees room, imports stop at the limit.
- Compose to a new address: POST /v1/emails with `to_email` instead of `contact_id`.
Errors, roles and contact fields follow /work/shared/api-contract.md."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import Api, Reply, assert_error, contact_of, create
from mail_support import (
    folder_ids,
    outbox,
    outbox_listening,  # noqa: F401  (the outbox records only once imported)
    the_message,
)
from stack_support import imported as import_file

NO_PHONE = "This contact has no phone number; add one to call."


# --- helpers -----------------------------------------------------------------------------------


def now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def call(api: Api, contact_id: str, body: Any = None) -> Reply:
    return api.post(f"/v1/contacts/{contact_id}/calls", {} if body is None else body)


def called(api: Api, contact_id: str, **fields: Any) -> dict[str, Any]:
    """POST a call; it must answer 201."""
    reply = call(api, contact_id, fields)
    assert reply.status == 201, reply.body
    return reply.body


def timeline_items(api: Api, contact_id: str, **query: Any) -> list[dict[str, Any]]:
    """The contact's timeline as GET /v1/contacts/{id}/timeline answers it (one page is enough here)."""
    reply = api.get(f"/v1/contacts/{contact_id}/timeline", query={"limit": "200", **query})
    assert reply.status == 200, reply.body
    assert reply.body["next_cursor"] is None, reply.body
    return reply.body["items"]


def all_contacts(api: Api) -> list[dict[str, Any]]:
    reply = api.get("/v1/contacts", query={"limit": "200"})
    assert reply.status == 200, reply.body
    return reply.body["items"]


def found_by_email(api: Api, *emails: str) -> list[dict[str, Any]]:
    reply = api.post("/v1/contacts/lookup", {"field": "email", "values": list(emails)})
    assert reply.status == 200, reply.body
    return reply.body["found"]


def settings(api: Api) -> dict[str, Any]:
    reply = api.get("/v1/settings")
    assert reply.status == 200, reply.body
    return reply.body


def usage(api: Api) -> int:
    current = settings(api)
    assert isinstance(current.get("usage"), dict), current
    return current["usage"]["contacts"]


def set_limit(api: Api, limit: int | None) -> None:
    reply = api.put("/v1/settings", {"contact_limit": limit})
    assert reply.status == 200, reply.body


def names_the_limit(text: str, limit: int) -> bool:
    """The number stands on its own in the text (3 in "allows 3 contacts", not in "13" or "30")."""
    return re.search(rf"(?<!\d){limit}(?!\d)", text) is not None


def compose(api: Api, to_email: Any, **fields: Any) -> Reply:
    return api.post("/v1/emails", {"to_email": to_email, "subject": "ご挨拶", "body_text": "本文です", **fields})


def assert_nothing_sent(api: Api) -> None:
    assert outbox().items() == []
    assert folder_ids(api, "sent") == [] and folder_ids(api, "scheduled") == []


def named_fields(reply: Reply) -> set[str]:
    return {detail.get("field") for detail in reply.error["details"]}


@pytest.fixture
def quiet_outbox(api) -> Api:
    """An empty outbox, so a refusal can show that nothing left."""
    outbox().clear()
    return api


# ===============================================================================================
# 3. Calls
# ===============================================================================================


@pytest.fixture
def phoned(api) -> dict[str, Any]:
    return create(api, family_name="山田", given_name="太郎", email="taro@example.jp", phone="03-1234-5678")


def test_a_call_is_logged_on_the_timeline_with_its_fields_and_the_dial_uri(api, phoned):
    rep = api.as_("user")
    reply = call(rep, phoned["id"], {
        "direction": "inbound", "outcome": "voicemail", "duration_seconds": 125,
        "notes": "折り返し希望\n午後に再度", "occurred_at": "2026-03-01T18:30:15.5+09:00",
    })

    assert reply.status == 201, reply.body
    assert set(reply.body) == {"activity", "dial"}, reply.body
    assert reply.body["dial"] == "tel:+81312345678"
    activity = reply.body["activity"]
    assert isinstance(activity["id"], str) and activity["id"]
    assert activity["type"] == "call"
    assert activity["occurred_at"] == "2026-03-01T09:30:15.500Z"
    assert activity["actor"] == {"kind": "user", "id": rep.user_id, "name": None}
    assert isinstance(activity["summary"], str) and activity["summary"]
    data = activity["data"]
    assert (data["direction"], data["outcome"], data["duration_seconds"], data["notes"]) == \
        ("inbound", "voicemail", 125, "折り返し希望\n午後に再度")
    assert timeline_items(api, phoned["id"], type="call") == [activity]


@pytest.mark.parametrize("phone, dial", [
    ("03-1234-5678", "tel:+81312345678"),
    ("090-1234-5678", "tel:+819012345678"),
    ("０３-１２３４-５６７８", "tel:+81312345678"),  # full-width digits
    ("０９０１２３４５６７８", "tel:+819012345678"),
    ("(03) 1234-5678", "tel:+81312345678"),
    ("0120-123-456", "tel:+81120123456"),
    ("+81 3-1234-5678", "tel:+81312345678"),
    ("+1 415 555 0100", "tel:+14155550100"),
    ("+1 (415) 555-0100", "tel:+14155550100"),
])
def test_the_dial_uri_is_e164(api, phone, dial):
    contact = create(api, family_name="電話", phone=phone)

    answer = called(api, contact["id"])

    assert answer["dial"] == dial
    assert [item["id"] for item in timeline_items(api, contact["id"], type="call")] == [answer["activity"]["id"]]


def test_a_call_takes_its_defaults(api, phoned):
    before = now()
    answer = called(api, phoned["id"])
    after = now()

    activity = answer["activity"]
    assert activity["type"] == "call"
    assert before <= activity["occurred_at"] <= after, (before, activity["occurred_at"], after)
    assert activity["data"]["direction"] == "outbound"
    assert activity["data"]["outcome"] == "connected"
    assert activity["data"]["duration_seconds"] == 0
    assert activity["data"].get("notes") is None
    assert timeline_items(api, phoned["id"], type="call") == [activity]


@pytest.mark.parametrize("fields", [
    {"direction": "outbound", "outcome": "no_answer", "duration_seconds": 0},
    {"direction": "inbound", "outcome": "busy", "duration_seconds": 86400},
    {"outcome": "wrong_number", "notes": "あ" * 20000},
])
def test_the_boundaries_of_a_call_are_accepted(api, phoned, fields):
    activity = called(api, phoned["id"], **fields)["activity"]

    for name, value in fields.items():
        assert activity["data"][name] == value, name
    assert timeline_items(api, phoned["id"], type="call") == [activity]


@pytest.mark.parametrize("body, field", [
    ({"direction": "sideways"}, "direction"),
    ({"direction": "Outbound"}, "direction"),
    ({"outcome": "hung_up"}, "outcome"),
    ({"outcome": 1}, "outcome"),
    ({"duration_seconds": -1}, "duration_seconds"),
    ({"duration_seconds": 86401}, "duration_seconds"),
    ({"duration_seconds": "60"}, "duration_seconds"),
    ({"duration_seconds": 1.5}, "duration_seconds"),
    ({"duration_seconds": True}, "duration_seconds"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2026-13-01T00:00:00Z"}, "occurred_at"),
    ({"occurred_at": 1767225600}, "occurred_at"),
    ({"notes": "x" * 20001}, "notes"),
    ({"notes": 42}, "notes"),
    ({"colour": "red"}, "colour"),
    ({"type": "meeting"}, "type"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_bad_call_is_refused_naming_the_field_and_stores_nothing(api, body, field):
    contact = create(api, family_name="無主", phone="03-1234-5678", owner_id=None)
    before = contact_of(api, contact["id"])

    assert_error(call(api.as_("user"), contact["id"], body), 422, field)

    assert timeline_items(api, contact["id"]) == []
    assert contact_of(api, contact["id"]) == before  # no owner, no contacted times


@pytest.mark.parametrize("fields", [{}, {"phone": ""}, {"phone": None}])
def test_a_contact_without_a_phone_cannot_be_called(api, fields):
    contact = create(api, family_name="番号なし", email="nophone@example.jp", owner_id=None, **fields)
    before = contact_of(api, contact["id"])
    rep = api.as_("user")

    reply = call(rep, contact["id"], {"outcome": "connected", "duration_seconds": 60})

    assert_error(reply, 422)
    assert reply.error["message"] == NO_PHONE
    assert timeline_items(api, contact["id"]) == []
    assert contact_of(api, contact["id"]) == before


def test_a_phone_removed_later_makes_the_contact_uncallable(api, phoned):
    assert api.patch(f"/v1/contacts/{phoned['id']}", {"phone": None}).status == 200

    reply = call(api, phoned["id"])

    assert_error(reply, 422)
    assert reply.error["message"] == NO_PHONE
    assert timeline_items(api, phoned["id"]) == []


def test_a_call_assigns_an_ownerless_contact_to_the_caller(api):
    contact = create(api, family_name="無主", phone="090-1234-5678", owner_id=None)
    assert contact["owner_id"] is None
    rep, colleague = api.as_("user"), api.as_("user")

    called(rep, contact["id"], occurred_at="2026-03-02T09:00:00Z")
    called(colleague, contact["id"], occurred_at="2026-03-05T09:00:00Z")

    assert contact_of(api, contact["id"])["owner_id"] == rep.user_id  # the first caller, once
    [assigned] = timeline_items(api, contact["id"], type="owner_assigned")
    assert assigned["data"]["owner_id"] == rep.user_id
    assert len(timeline_items(api, contact["id"], type="call")) == 2


def test_a_call_keeps_the_owner_of_an_owned_contact(api):
    manager = api.as_("manager")
    contact = create(manager, family_name="有主", phone="03-1234-5678")

    called(api.as_("user"), contact["id"])

    assert contact_of(api, contact["id"])["owner_id"] == manager.user_id
    assert timeline_items(api, contact["id"], type="owner_assigned") == []


def test_a_call_sets_the_contacted_times(api, phoned):
    assert phoned.get("last_contacted_at") is None

    called(api, phoned["id"], occurred_at="2026-03-02T09:00:00Z")
    first = contact_of(api, phoned["id"])
    called(api, phoned["id"], occurred_at="2026-03-05T18:00:00+09:00")
    second = contact_of(api, phoned["id"])

    assert (first["first_contacted_at"], first["last_contacted_at"]) == \
        ("2026-03-02T09:00:00.000Z", "2026-03-02T09:00:00.000Z")
    assert (second["first_contacted_at"], second["last_contacted_at"]) == \
        ("2026-03-02T09:00:00.000Z", "2026-03-05T09:00:00.000Z")


def test_unknown_and_foreign_contacts_are_404(api, phoned):
    assert_error(call(api, "01JNOSUCHCONTACT000000000"), 404)
    stranger = Api(f"other-{api.tenant}")
    assert_error(call(stranger, phoned["id"]), 404)
    assert timeline_items(api, phoned["id"]) == []


def test_under_owner_visibility_a_user_calls_only_their_own_contacts(api, phoned):
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    rep = api.as_("user")
    own = create(rep, family_name="担当", phone="03-9999-0000")
    before = contact_of(api, phoned["id"])

    assert_error(call(rep, phoned["id"], {"notes": "x"}), 404)
    assert timeline_items(api, phoned["id"]) == []
    assert contact_of(api, phoned["id"]) == before

    assert called(rep, own["id"])["dial"] == "tel:+81399990000"
    assert called(api.as_("manager"), phoned["id"])["dial"] == "tel:+81312345678"


# ===============================================================================================
# 5. Plan quotas
# ===============================================================================================


def test_usage_follows_creates_and_deletes_and_there_is_no_limit_by_default(api):
    current = settings(api)
    assert current["contact_limit"] is None
    assert current["usage"] == {"contacts": 0}

    first = create(api, family_name="一")
    create(api.as_("user"), family_name="二", owner_id=None)
    create(api, family_name="三", email="three@example.jp")
    assert usage(api) == 3
    assert usage(api.as_("user")) == 3  # any role reads it

    assert api.delete(f"/v1/contacts/{first['id']}").status == 204
    assert usage(api) == 2


@pytest.mark.parametrize("limit", [1, 3, 10_000_000])
def test_the_owner_sets_and_clears_the_limit(api, limit):
    reply = api.put("/v1/settings", {"contact_limit": limit})
    assert reply.status == 200, reply.body
    assert settings(api)["contact_limit"] == limit

    assert api.put("/v1/settings", {"contact_limit": None}).status == 200
    assert settings(api)["contact_limit"] is None


@pytest.mark.parametrize("value", [0, -1, 10_000_001, "100", 2.5, True, [5], {"max": 5}])
def test_an_invalid_limit_is_refused_and_changes_nothing(api, value):
    set_limit(api, 5)
    before = settings(api)

    assert_error(api.put("/v1/settings", {"contact_limit": value}), 422, "contact_limit")

    assert settings(api) == before


@pytest.mark.parametrize("role", ["admin", "manager", "user"])
def test_only_the_owner_changes_the_limit(api, role):
    set_limit(api, 5)
    caller = api.as_(role)

    assert_error(caller.put("/v1/settings", {"contact_limit": 100}), 403)
    assert_error(caller.put("/v1/settings", {"contact_limit": None}), 403)

    assert settings(api)["contact_limit"] == 5


def test_an_admin_still_changes_the_other_settings(api):
    set_limit(api, 5)

    assert api.as_("admin").put("/v1/settings", {"name_order": "given_family"}).status == 200

    current = settings(api)
    assert (current["name_order"], current["contact_limit"]) == ("given_family", 5)


def test_usage_sent_back_in_a_put_is_ignored(api):
    create(api, family_name="一")
    create(api, family_name="二")
    assert usage(api) == 2

    reply = api.put("/v1/settings", {"usage": {"contacts": 999}, "name_order": "given_family"})

    assert reply.status == 200, reply.body
    after = settings(api)
    assert after["usage"] == {"contacts": 2}
    assert after["name_order"] == "given_family"
    if "usage" in reply.body:
        assert reply.body["usage"] == {"contacts": 2}


def test_creating_beyond_the_limit_is_403_naming_the_limit_and_stores_nothing(api):
    set_limit(api, 3)
    for number in range(3):
        create(api, family_name=f"顧客{number}")
    before = sorted(contact["id"] for contact in all_contacts(api))
    rep = api.as_("user")

    for caller in (api, rep):
        reply = caller.post("/v1/contacts", {"family_name": "超過", "email": "over@example.jp", "tags": ["新規タグ"]})
        assert_error(reply, 403)
        assert names_the_limit(reply.error["message"], 3), reply.error["message"]

    assert sorted(contact["id"] for contact in all_contacts(api)) == before
    assert found_by_email(api, "over@example.jp") == []
    assert usage(api) == 3
    tag_counts = {tag["name"]: tag["contact_count"] for tag in api.get("/v1/tags").body["items"]}
    assert tag_counts.get("新規タグ", 0) == 0


def test_deleting_a_contact_frees_room(api):
    set_limit(api, 2)
    first = create(api, family_name="一")
    create(api, family_name="二")
    assert_error(api.post("/v1/contacts", {"family_name": "三"}), 403)

    assert api.delete(f"/v1/contacts/{first['id']}").status == 204
    third = create(api, family_name="三")

    assert usage(api) == 2
    assert contact_of(api, third["id"])["family_name"] == "三"
    assert_error(api.post("/v1/contacts", {"family_name": "四"}), 403)


def test_clearing_the_limit_lifts_it(api):
    set_limit(api, 1)
    create(api, family_name="一")
    assert_error(api.post("/v1/contacts", {"family_name": "二"}), 403)

    set_limit(api, None)

    create(api, family_name="二")
    assert usage(api) == 2


# --- imports under a limit ----------------------------------------------------------------------


def imported(api: Api, text: str, mapping: dict[str, str], on_duplicate: str = "update") -> dict[str, Any]:
    return import_file(api, text.encode("utf-8-sig"), mapping, on_duplicate)


MAPPING = {"姓": "family_name", "メールアドレス": "email", "会社名": "company"}


def test_an_import_stops_at_the_limit_and_reports_the_rest_as_row_errors(api):
    set_limit(api, 4)
    create(api, family_name="既存", email="existing@example.jp")
    emails = [f"row{number}@example.jp" for number in range(1, 6)]  # five new contacts, room for three
    text = "\r\n".join(["姓,メールアドレス,会社名",
                        *(f"顧客{n},{email},会社{n}" for n, email in enumerate(emails, 1))]) + "\r\n"

    done = imported(api, text, MAPPING)

    assert (done["created"], done["updated"], done["skipped"], done["failed"]) == (3, 0, 0, 2), done
    assert len(done["errors"]) == 2, done["errors"]
    for error in done["errors"]:
        assert error["column"] is None, error
        assert names_the_limit(error["message"], 4), error
    refused_rows = {error["row"] for error in done["errors"]}
    assert refused_rows <= {2, 3, 4, 5, 6}  # the header is line 1
    assert usage(api) == 4
    created_emails = {contact["email"] for contact in found_by_email(api, *emails)}
    assert created_emails == {email for row, email in enumerate(emails, 2) if row not in refused_rows}


def test_an_import_at_the_limit_still_updates_known_contacts(api):
    set_limit(api, 2)
    first = create(api, family_name="一", email="one@example.jp")
    second = create(api, family_name="二", email="two@example.jp")
    text = ("姓,メールアドレス,会社名\r\n一,one@example.jp,更新一\r\n"
            "二,two@example.jp,更新二\r\n三,three@example.jp,新規\r\n")

    done = imported(api, text, MAPPING)

    assert (done["created"], done["updated"], done["failed"]) == (0, 2, 1), done
    [error] = done["errors"]
    assert (error["row"], error["column"]) == (4, None)
    assert names_the_limit(error["message"], 2), error
    assert contact_of(api, first["id"])["company"] == "更新一"
    assert contact_of(api, second["id"])["company"] == "更新二"
    assert found_by_email(api, "three@example.jp") == []
    assert usage(api) == 2


# ===============================================================================================
# 6. Compose to a new address
# ===============================================================================================


def test_composing_to_a_new_address_creates_the_senders_contact_and_sends(quiet_outbox):
    api = quiet_outbox
    rep = api.as_("user")

    reply = compose(rep, "ichiro@example.jp", subject="{{contact.email}} 様")

    assert reply.status == 201, reply.body
    email = reply.body
    assert email["status"] == "sent"
    contact_id = email["contact_id"]
    contact = contact_of(api, contact_id)
    assert contact["email"] == "ichiro@example.jp"
    assert contact["owner_id"] == rep.user_id
    assert contact["last_contacted_at"] == email["sent_at"]
    assert [item["id"] for item in all_contacts(api)] == [contact_id]
    entry, message = the_message(email["id"])
    assert [address.addr_spec for address in message["To"].addresses] == ["ichiro@example.jp"]
    assert message["Subject"] == "ichiro@example.jp 様"
    assert rep.get(f"/v1/emails/{email['id']}").body["contact_id"] == contact_id


def test_a_composed_contact_is_visible_to_a_user_under_owner_visibility(quiet_outbox):
    api = quiet_outbox
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    rep = api.as_("user")

    reply = compose(rep, "jiro@example.jp")

    assert reply.status == 201, reply.body
    contact = contact_of(rep, reply.body["contact_id"])
    assert (contact["email"], contact["owner_id"]) == ("jiro@example.jp", rep.user_id)
    assert [item["id"] for item in all_contacts(rep)] == [contact["id"]]


@pytest.mark.parametrize("address", ["taro@example.jp", "TARO@Example.JP"])
def test_composing_to_a_known_address_uses_that_contact(quiet_outbox, address):
    api = quiet_outbox
    manager = api.as_("manager")
    existing = create(manager, family_name="山田", email="taro@example.jp")

    reply = compose(api.as_("user"), address, subject="{{contact.family_name}}様")

    assert reply.status == 201, reply.body
    assert reply.body["contact_id"] == existing["id"]
    assert [item["id"] for item in all_contacts(api)] == [existing["id"]]
    assert contact_of(api, existing["id"])["owner_id"] == manager.user_id
    assert the_message(reply.body["id"])[1]["Subject"] == "山田様"


def test_contact_id_and_to_email_together_are_refused(quiet_outbox):
    api = quiet_outbox
    existing = create(api, family_name="山田", email="taro@example.jp")

    reply = api.post("/v1/emails", {"contact_id": existing["id"], "to_email": "new@example.jp",
                                    "subject": "ご挨拶", "body_text": "本文です"})

    assert_error(reply, 422)
    assert named_fields(reply) & {"contact_id", "to_email"}, reply.error
    assert_nothing_sent(api)
    assert [item["id"] for item in all_contacts(api)] == [existing["id"]]


@pytest.mark.parametrize("extra", [{}, {"contact_id": None, "to_email": None}, {"to_email": ""}, {"to_email": " "}])
def test_neither_contact_id_nor_to_email_is_refused(quiet_outbox, extra):
    api = quiet_outbox

    reply = api.post("/v1/emails", {"subject": "ご挨拶", "body_text": "本文です", **extra})

    assert_error(reply, 422)
    assert named_fields(reply) & {"contact_id", "to_email"}, reply.error
    assert_nothing_sent(api)
    assert all_contacts(api) == []


@pytest.mark.parametrize("address", ["not-an-email", "taro@", "@example.jp", "taro@example", "taro@@example.jp",
                                     "taro@example.jp\r\nBcc: evil@example.com", 42])
def test_an_invalid_address_is_refused_and_creates_no_contact(quiet_outbox, address):
    api = quiet_outbox

    reply = compose(api, address)

    assert_error(reply, 422)
    assert named_fields(reply) & {"to_email", "email"}, reply.error
    assert_nothing_sent(api)
    assert all_contacts(api) == []


@pytest.mark.parametrize("fields, field", [
    ({"subject": "{{contact.family_name}}様"}, "subject"),
    ({"body_text": "{{contact.company}} ご担当者様"}, "body_text"),
])
def test_a_send_refused_for_a_merge_field_creates_no_contact(quiet_outbox, fields, field):
    api = quiet_outbox

    reply = compose(api, "hanako@example.jp", **fields)

    assert_error(reply, 422, field)
    assert_nothing_sent(api)
    assert all_contacts(api) == []
    assert found_by_email(api, "hanako@example.jp") == []


def test_composing_beyond_the_limit_is_403_and_sends_nothing(quiet_outbox):
    api = quiet_outbox
    set_limit(api, 2)
    create(api, family_name="一")
    create(api, family_name="二")
    before = sorted(contact["id"] for contact in all_contacts(api))

    reply = compose(api, "over@example.jp")

    assert_error(reply, 403)
    assert names_the_limit(reply.error["message"], 2), reply.error["message"]
    assert_nothing_sent(api)
    assert sorted(contact["id"] for contact in all_contacts(api)) == before
    assert found_by_email(api, "over@example.jp") == []
    assert usage(api) == 2


def test_composing_to_a_known_address_at_the_limit_still_sends(quiet_outbox):
    api = quiet_outbox
    set_limit(api, 1)
    existing = create(api, family_name="山田", email="taro@example.jp")

    reply = compose(api, "taro@example.jp")

    assert reply.status == 201, reply.body
    assert reply.body["contact_id"] == existing["id"]
    message = the_message(reply.body["id"])[1]
    assert [address.addr_spec for address in message["To"].addresses] == ["taro@example.jp"]
    assert usage(api) == 1


def test_a_hidden_contacts_address_is_neither_used_nor_duplicated(quiet_outbox):
    """Under owner visibility a user cannot write to another user's contact by its address, and no
    second contact with that address appears (email is unique per tenant)."""
    api = quiet_outbox
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    hidden = create(api, family_name="山田", email="taro@example.jp")

    reply = compose(api.as_("user"), "taro@example.jp")

    assert_error(reply, 409, "to_email")
    assert_nothing_sent(api)
    assert [item["id"] for item in all_contacts(api)] == [hidden["id"]]
