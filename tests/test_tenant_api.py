"""Tags, custom properties and tenant settings (/v1/tags, /v1/properties, /v1/settings),
driven through the Lambda handler. Follows /work/shared/api-contract.md (Custom properties,
tags, settings; the permission matrix of Identity, tenants, roles; Conventions for errors)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from conftest import Api, assert_error, create

SETTING_NAMES = {"name_order", "list_columns", "owner_visibility_restricted", "export_roles", "score_weights"}


# --- helpers ------------------------------------------------------------------------------


def tags(api: Api) -> dict[str, int]:
    reply = api.get("/v1/tags")
    assert reply.status == 200, reply.body
    assert "items" in reply.body and "next_cursor" in reply.body
    for item in reply.body["items"]:
        assert set(item) >= {"name", "contact_count"}
    return {item["name"]: item["contact_count"] for item in reply.body["items"]}


def tag_path(name: str) -> str:
    """The path a client sends: the tag name percent-encoded as one path segment."""
    return "/v1/tags/" + quote(name, safe="")


def properties(api: Api) -> dict[str, dict]:
    reply = api.get("/v1/properties")
    assert reply.status == 200, reply.body
    return {item["key"]: item for item in reply.body["items"]}


def define(api: Api, key: str, type_: str, options=None, label: str | None = None) -> dict:
    body = {"key": key, "label": label or key.title(), "type": type_}
    if options is not None:
        body["options"] = options
    reply = api.post("/v1/properties", body)
    assert reply.status == 201, reply.body
    return reply.body


def settings(api: Api) -> dict:
    reply = api.get("/v1/settings")
    assert reply.status == 200, reply.body
    return reply.body


def new_tenant() -> Api:
    return Api(f"tenant-{uuid.uuid4().hex[:10]}")


# --- tags ---------------------------------------------------------------------------------

def test_tags_given_on_create_are_listed_with_counts(api):
    create(api, family_name="A", tags=["vip", "展示会"])
    create(api, family_name="B", tags=["vip"])
    create(api, family_name="C")
    assert tags(api) == {"vip": 2, "展示会": 1}


def test_tag_counts_follow_patch_and_delete(api):
    a = create(api, family_name="A", tags=["vip", "old"])
    b = create(api, family_name="B", tags=["vip"])
    assert tags(api) == {"vip": 2, "old": 1}
    assert api.patch(f"/v1/contacts/{a['id']}", {"tags": ["new"]}).status == 200
    counts = tags(api)
    assert counts["vip"] == 1 and counts["new"] == 1 and counts.get("old", 0) == 0
    assert api.delete(f"/v1/contacts/{b['id']}").status == 204
    counts = tags(api)
    assert counts.get("vip", 0) == 0 and counts["new"] == 1


def test_patch_without_tags_keeps_counts(api):
    a = create(api, family_name="A", tags=["vip"])
    assert api.patch(f"/v1/contacts/{a['id']}", {"title": "部長"}).status == 200
    assert api.patch(f"/v1/contacts/{a['id']}", {"tags": ["vip"]}).status == 200
    assert tags(api) == {"vip": 1}


def test_refused_patch_keeps_counts(api):
    a = create(api, family_name="A", tags=["vip"])
    assert_error(api.patch(f"/v1/contacts/{a['id']}", {"tags": ["other"], "status": "bogus"}), 422, "status")
    assert tags(api) == {"vip": 1}
    assert api.get(f"/v1/contacts/{a['id']}").body["tags"] == ["vip"]


def test_post_tag_creates_an_unused_tag(api):
    reply = api.post("/v1/tags", {"name": "見込み客"})
    assert reply.status == 201, reply.body
    assert reply.body["name"] == "見込み客" and reply.body["contact_count"] == 0
    assert tags(api) == {"見込み客": 0}
    contact = create(api, family_name="A", tags=["見込み客"])
    assert tags(api) == {"見込み客": 1}
    assert api.get(f"/v1/contacts/{contact['id']}").body["tags"] == ["見込み客"]


def test_post_duplicate_tag_is_409(api):
    assert api.post("/v1/tags", {"name": "vip"}).status == 201
    assert_error(api.post("/v1/tags", {"name": "vip"}), 409)
    create(api, family_name="A", tags=["used"])
    assert_error(api.post("/v1/tags", {"name": "used"}), 409)
    assert tags(api) == {"vip": 0, "used": 1}


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "   "}, {"name": 12}, {}, {"name": "x" * 51}])
def test_post_tag_with_bad_name_is_422(api, body):
    assert_error(api.post("/v1/tags", body), 422, "name")
    assert tags(api) == {}


def test_post_tag_malformed_json_is_400(api):
    assert_error(api.call("POST", "/v1/tags", raw_body="{"), 400)


def test_delete_tag_removes_it_from_every_contact_and_the_list(api):
    a = create(api, family_name="A", tags=["vip", "keep"])
    b = create(api, family_name="B", tags=["vip"])
    c = create(api, family_name="C", tags=["keep"])
    reply = api.delete(tag_path("vip"))
    assert reply.status == 204, reply.body
    assert api.get(f"/v1/contacts/{a['id']}").body["tags"] == ["keep"]
    assert api.get(f"/v1/contacts/{b['id']}").body["tags"] == []
    assert api.get(f"/v1/contacts/{c['id']}").body["tags"] == ["keep"]
    assert tags(api) == {"keep": 2}
    assert api.get("/v1/contacts", query={"tag": "vip"}).body["items"] == []


def test_delete_unused_tag(api):
    assert api.post("/v1/tags", {"name": "empty"}).status == 201
    assert api.delete(tag_path("empty")).status == 204
    assert tags(api) == {}


def test_delete_unknown_tag_is_404(api):
    create(api, family_name="A", tags=["vip"])
    assert_error(api.delete(tag_path("nope")), 404)
    assert tags(api) == {"vip": 1}


def test_deleted_tag_is_gone_and_can_be_created_again(api):
    a = create(api, family_name="A", tags=["vip"])
    assert api.delete(tag_path("vip")).status == 204
    assert_error(api.delete(tag_path("vip")), 404)
    assert api.patch(f"/v1/contacts/{a['id']}", {"tags": ["vip"]}).status == 200
    assert tags(api) == {"vip": 1}


@pytest.mark.parametrize("name", ["展示会2026", "a b", "100%"])
def test_delete_tag_whose_name_needs_percent_encoding(api, name):
    """A client percent-encodes a non-ASCII or reserved name in the path, as API Gateway receives it."""
    a = create(api, family_name="A", tags=[name, "keep"])
    reply = api.delete(tag_path(name))
    assert reply.status == 204, reply.body
    assert api.get(f"/v1/contacts/{a['id']}").body["tags"] == ["keep"]
    assert tags(api) == {"keep": 1}


@pytest.mark.parametrize("name", ["顧客/重要", "A/B"])
def test_a_tag_name_with_a_slash_is_refused_up_front(api, name):
    """A slash could not be told from the path's own in DELETE /v1/tags/{name}: such a name is a 422."""
    assert_error(api.post("/v1/contacts", {"family_name": "A", "tags": [name]}), 422, "tags[0]")
    assert api.get("/v1/contacts").body["items"] == []
    assert tags(api) == {}


def test_tags_are_per_tenant(api):
    create(api, family_name="A", tags=["vip"])
    other = new_tenant()
    assert tags(other) == {}
    assert_error(other.delete(tag_path("vip")), 404)
    assert tags(api) == {"vip": 1}
    assert other.post("/v1/tags", {"name": "vip"}).status == 201
    assert tags(api) == {"vip": 1}


@pytest.mark.parametrize("role", ["admin", "manager", "user"])
def test_every_role_can_read_and_write_tags(api, role):
    caller = api.as_(role)
    assert caller.post("/v1/tags", {"name": f"t-{role}"}).status == 201
    assert tags(caller) == {f"t-{role}": 0}


def test_tag_counts_stay_exact_under_concurrent_writes(api):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda i: api.post("/v1/contacts", {"family_name": f"N{i}", "tags": ["hot"]}),
                                range(8)))
    assert all(reply.status == 201 for reply in created)
    assert tags(api) == {"hot": 8}
    with ThreadPoolExecutor(max_workers=8) as pool:
        changed = list(pool.map(
            lambda reply: api.patch(f"/v1/contacts/{reply.body['id']}", {"tags": ["cold"]}), created[:5]))
        deleted = list(pool.map(lambda reply: api.delete(f"/v1/contacts/{reply.body['id']}"), created[5:7]))
    assert all(reply.status == 200 for reply in changed) and all(reply.status == 204 for reply in deleted)
    counts = tags(api)
    assert counts["hot"] == 1 and counts["cold"] == 5


# --- custom properties ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("type_", "options"),
    [("text", None), ("email", None), ("number", None), ("boolean", None), ("date", None),
     ("select", ["S", "M", "L"])],
)
def test_create_property_of_each_type(api, type_, options):
    body = {"key": f"p_{type_}", "label": f"Label {type_}", "type": type_}
    if options:
        body["options"] = options
    reply = api.post("/v1/properties", body)
    assert reply.status == 201, reply.body
    assert reply.body["key"] == f"p_{type_}"
    assert reply.body["label"] == f"Label {type_}"
    assert reply.body["type"] == type_
    if options:
        assert reply.body["options"] == options
    listed = properties(api)
    assert set(listed) == {f"p_{type_}"}
    assert listed[f"p_{type_}"]["type"] == type_


def test_property_list_holds_every_definition(api):
    define(api, "size", "number")
    define(api, "plan", "select", ["free", "pro"])
    listed = properties(api)
    assert set(listed) == {"size", "plan"}
    assert listed["plan"]["options"] == ["free", "pro"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"key": "plan", "label": "Plan", "type": "select"}, ["options"]),
        ({"key": "plan", "label": "Plan", "type": "select", "options": []}, ["options"]),
        ({"key": "plan", "label": "Plan", "type": "colour"}, ["type"]),
        ({"label": "Plan", "type": "text"}, ["key"]),
        ({"key": "plan", "label": "Plan"}, ["type"]),
        ({"key": "plan", "label": "Plan", "type": "text", "extra": 1}, ["extra"]),
        ({"key": "plan\n", "label": "Plan", "type": "text"}, ["key"]),  # `$` alone would match before the \n
    ],
)
def test_create_property_refuses_bad_definitions(api, body, fields):
    assert_error(api.post("/v1/properties", body), 422, *fields)
    assert properties(api) == {}


def test_duplicate_property_key_is_409(api):
    define(api, "size", "number")
    assert_error(api.post("/v1/properties", {"key": "size", "label": "Other", "type": "text"}), 409)
    assert properties(api)["size"]["type"] == "number"


def test_property_malformed_json_is_400(api):
    assert_error(api.call("POST", "/v1/properties", raw_body="{nope"), 400)


@pytest.mark.parametrize("role", ["manager", "user"])
def test_only_owner_and_admin_define_properties(api, role):
    caller = api.as_(role)
    assert_error(caller.post("/v1/properties", {"key": "size", "label": "Size", "type": "number"}), 403)
    define(api, "plan", "select", ["free", "pro"])
    assert_error(caller.patch("/v1/properties/plan", {"label": "Changed"}), 403)
    assert_error(caller.patch("/v1/properties/plan", {"archived": True}), 403)
    listed = properties(api)
    assert set(listed) == {"plan"} and listed["plan"]["label"] == "Plan"
    assert not listed["plan"].get("archived")


def test_admin_defines_properties(api):
    admin = api.as_("admin")
    assert admin.post("/v1/properties", {"key": "size", "label": "Size", "type": "number"}).status == 201
    assert admin.patch("/v1/properties/size", {"label": "Headcount"}).status == 200
    assert properties(api)["size"]["label"] == "Headcount"


def test_properties_are_per_tenant(api):
    define(api, "size", "number")
    other = new_tenant()
    assert properties(other) == {}
    assert_error(other.post("/v1/contacts", {"properties": {"size": 1}}), 422, "properties.size")
    assert_error(other.patch("/v1/properties/size", {"label": "x"}), 404)


@pytest.mark.parametrize(
    ("type_", "options", "good", "bad"),
    [
        ("number", None, [0, 12, -3.5], ["5", True, [1], {"n": 1}]),
        ("boolean", None, [True, False], ["true", 1, "yes"]),
        ("date", None, ["2026-04-01", "1999-12-31"], ["2026/04/01", "01-04-2026", "2026-13-01", "tomorrow", 20260401]),
        ("email", None, ["a@example.jp"], ["not-an-email", 5]),
        ("select", ["S", "M", "L"], ["S", "L"], ["XL", "s", 1]),
        ("text", None, ["自由記述"], [5, ["x"]]),
    ],
)
def test_property_values_are_validated_by_type(api, type_, options, good, bad):
    define(api, "field_x", type_, options)
    contact = create(api, family_name="A")
    for value in good:
        reply = api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"field_x": value}})
        assert reply.status == 200, (value, reply.body)
        assert reply.body["properties"]["field_x"] == value
        assert api.get(f"/v1/contacts/{contact['id']}").body["properties"]["field_x"] == value
    kept = api.get(f"/v1/contacts/{contact['id']}").body
    for value in bad:
        assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"field_x": value}}), 422,
                     "properties.field_x")
        assert_error(api.post("/v1/contacts", {"family_name": "B", "properties": {"field_x": value}}), 422,
                     "properties.field_x")
    assert api.get(f"/v1/contacts/{contact['id']}").body == kept
    assert len(api.get("/v1/contacts").body["items"]) == 1


def test_select_options_can_be_changed(api):
    define(api, "plan", "select", ["free", "pro"])
    reply = api.patch("/v1/properties/plan", {"options": ["free", "pro", "enterprise"], "label": "Plan name"})
    assert reply.status == 200, reply.body
    assert properties(api)["plan"]["options"] == ["free", "pro", "enterprise"]
    assert properties(api)["plan"]["label"] == "Plan name"
    contact = create(api, family_name="A", properties={"plan": "enterprise"})
    assert contact["properties"] == {"plan": "enterprise"}


def test_patch_unknown_property_is_404(api):
    assert_error(api.patch("/v1/properties/nope", {"label": "x"}), 404)


@pytest.mark.parametrize("body", [{"archived": "yes"}, {"type": "text"}, {"key": "other"}])
def test_patch_property_refuses_bad_changes(api, body):
    define(api, "size", "number")
    reply = api.patch("/v1/properties/size", body)
    assert_error(reply, 422, next(iter(body)))
    listed = properties(api)["size"]
    assert listed["type"] == "number" and not listed.get("archived")


def test_archived_property_is_hidden_refused_and_restored(api):
    define(api, "size", "number")
    define(api, "note", "text")
    contact = create(api, family_name="A", properties={"size": 42, "note": "keep"})
    reply = api.patch("/v1/properties/size", {"archived": True})
    assert reply.status == 200, reply.body
    assert reply.body.get("archived") is True
    # hidden from reads
    assert api.get(f"/v1/contacts/{contact['id']}").body["properties"] == {"note": "keep"}
    listed = api.get("/v1/contacts").body["items"]
    assert listed[0]["properties"] == {"note": "keep"}
    found = api.post("/v1/contacts/lookup", {"field": "id", "values": [contact["id"]]}).body["found"]
    assert found[0]["properties"] == {"note": "keep"}
    # refused on writes
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"size": 1}}), 422, "properties.size")
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"size": None}}), 422,
                 "properties.size")
    assert_error(api.post("/v1/contacts", {"family_name": "B", "properties": {"size": 1}}), 422, "properties.size")
    # other writes keep the hidden value
    assert api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"note": "changed"}}).status == 200
    assert api.patch(f"/v1/contacts/{contact['id']}", {"title": "部長"}).status == 200
    # restored: the kept value is back
    reply = api.patch("/v1/properties/size", {"archived": False})
    assert reply.status == 200 and reply.body.get("archived") is False
    assert api.get(f"/v1/contacts/{contact['id']}").body["properties"] == {"size": 42, "note": "changed"}
    assert api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"size": 43}}).status == 200
    assert api.get(f"/v1/contacts/{contact['id']}").body["properties"]["size"] == 43


def test_archived_property_stays_listed_as_archived(api):
    define(api, "size", "number")
    api.patch("/v1/properties/size", {"archived": True})
    listed = properties(api)
    assert "size" in listed and listed["size"]["archived"] is True
    assert_error(api.post("/v1/properties", {"key": "size", "label": "Again", "type": "text"}), 409)


# --- settings -------------------------------------------------------------------------------

def test_settings_defaults(api):
    current = settings(api)
    assert SETTING_NAMES <= set(current)
    assert current["name_order"] == "family_given"
    assert current["owner_visibility_restricted"] is False
    assert current["export_roles"] == ["owner", "admin"]
    assert isinstance(current["list_columns"], list) and current["list_columns"][0] == "name"
    assert isinstance(current["score_weights"], dict)
    assert all(isinstance(points, int) for points in current["score_weights"].values())


def test_put_settings_is_partial(api):
    before = settings(api)
    reply = api.put("/v1/settings", {"name_order": "given_family"})
    assert reply.status == 200, reply.body
    after = settings(api)
    assert after["name_order"] == "given_family"
    assert {k: v for k, v in after.items() if k != "name_order"} == \
        {k: v for k, v in before.items() if k != "name_order"}
    reply = api.put("/v1/settings",
                    {"owner_visibility_restricted": True, "export_roles": ["owner", "admin", "manager"]})
    assert reply.status == 200, reply.body
    latest = settings(api)
    assert latest["name_order"] == "given_family"
    assert latest["owner_visibility_restricted"] is True
    assert sorted(latest["export_roles"]) == ["admin", "manager", "owner"]
    assert latest["list_columns"] == before["list_columns"]
    assert latest["score_weights"] == before["score_weights"]


def test_empty_put_changes_nothing(api):
    before = settings(api)
    assert api.put("/v1/settings", {}).status == 200
    assert settings(api) == before


def test_score_weights_can_be_set(api):
    weights = {"email_opened": 2, "meeting": 15, "purchase": 30}
    assert api.put("/v1/settings", {"score_weights": weights}).status == 200
    current = settings(api)
    for name, points in weights.items():
        assert current["score_weights"][name] == points


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["company", "email"], ["name", "company", "email"]),
        (["email", "name", "company"], ["name", "email", "company"]),
        (["name", "phone"], ["name", "phone"]),
        ([], ["name"]),
    ],
)
def test_list_columns_put_the_name_first(api, given, expected):
    reply = api.put("/v1/settings", {"list_columns": given})
    assert reply.status == 200, reply.body
    assert settings(api)["list_columns"] == expected


def test_list_columns_accept_defined_properties(api):
    define(api, "size", "number")
    assert api.put("/v1/settings", {"list_columns": ["properties.size", "email"]}).status == 200
    assert settings(api)["list_columns"] == ["name", "properties.size", "email"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name_order": "reverse"}, "name_order"),
        ({"name_order": None}, "name_order"),
        ({"list_columns": "name,email"}, "list_columns"),
        ({"list_columns": ["email", 3]}, "list_columns"),
        ({"list_columns": ["no_such_field"]}, "list_columns"),
        ({"owner_visibility_restricted": "yes"}, "owner_visibility_restricted"),
        ({"owner_visibility_restricted": None}, "owner_visibility_restricted"),
        ({"export_roles": ["owner", "guest"]}, "export_roles"),
        ({"export_roles": "owner"}, "export_roles"),
        ({"score_weights": "lots"}, "score_weights"),
        ({"timezone": "Asia/Tokyo"}, "timezone"),
    ],
)
def test_invalid_settings_are_422_and_change_nothing(api, body, field):
    before = settings(api)
    reply = api.put("/v1/settings", {**body, "name_order": "given_family"} if field != "name_order" else body)
    assert_error(reply, 422, field)
    assert settings(api) == before


def test_settings_malformed_json_is_400(api):
    before = settings(api)
    assert_error(api.call("PUT", "/v1/settings", raw_body="{"), 400)
    assert settings(api) == before


@pytest.mark.parametrize("role", ["manager", "user"])
def test_only_owner_and_admin_change_settings(api, role):
    before = settings(api)
    assert_error(api.as_(role).put("/v1/settings", {"name_order": "given_family"}), 403)
    assert settings(api) == before


def test_admin_changes_settings(api):
    assert api.as_("admin").put("/v1/settings", {"name_order": "given_family"}).status == 200
    assert settings(api)["name_order"] == "given_family"


def test_settings_are_per_tenant(api):
    assert api.put("/v1/settings", {"name_order": "given_family", "owner_visibility_restricted": True}).status == 200
    other = settings(new_tenant())
    assert other["name_order"] == "family_given"
    assert other["owner_visibility_restricted"] is False
