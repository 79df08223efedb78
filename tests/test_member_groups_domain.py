"""Member groups' pure rules (shared.domain.groups, the group actions of shared.domain.bulk, the
`groups` column of shared.domain.imports): fields, names a person's cell may spell, membership
changes and their timeline entries, the member site's credentials."""

from __future__ import annotations

import itertools

import pytest

from shared.domain import activities, bulk, imports
from shared.domain import groups as rules
from shared.errors import ValidationFailed


def fields_of(error: ValidationFailed) -> set[str]:
    return {detail.field for detail in error.details}


def test_a_new_group_needs_a_name_and_takes_a_redirect_url_and_the_web_form_switch():
    assert rules.parse({"name": " サロン ", "redirect_url": "example.jp/ok"}) == {
        "name": "サロン", "redirect_url": "https://example.jp/ok", "web_form_joinable": False}
    with pytest.raises(ValidationFailed) as refused:
        rules.parse({"redirect_url": "javascript:alert(1)", "web_form_joinable": 1, "extra": True})
    assert fields_of(refused.value) == {"name", "redirect_url", "web_form_joinable", "extra"}


def test_an_update_changes_only_what_it_names_and_null_clears_the_redirect_url():
    current = {"name": "サロン", "redirect_url": "https://example.jp/ok", "web_form_joinable": True}
    assert rules.parse({"redirect_url": None}, current) == {"redirect_url": None}
    assert rules.parse({}, current) == {}


def test_a_cell_names_a_group_by_its_name_in_any_width_or_case_or_by_its_id():
    known = rules.by_name_or_id({"01GOLD": "Gold", "01SALON": "ｻﾛﾝ"})
    assert known[rules.name_key("ＧＯＬＤ")] == "01GOLD"
    assert known[rules.name_key("サロン")] == "01SALON"
    assert known[rules.name_key("01salon")] == "01SALON"


def test_join_and_leave_are_idempotent_and_a_contact_has_at_most_20_groups():
    contact = {"id": "c1", "groups": ["g1"], "updated_at": "t0"}
    assert bulk.applied(contact, "add_to_group", {"group_id": "g1"}, "t1") is contact
    assert bulk.applied(contact, "add_to_group", {"group_id": "g2"}, "t1")["groups"] == ["g1", "g2"]
    assert bulk.applied(contact, "remove_from_group", {"group_id": "g1"}, "t1")["groups"] == []
    full = {"id": "c2", "groups": [f"g{index}" for index in range(rules.MAX_GROUPS_PER_CONTACT)]}
    with pytest.raises(bulk.Refused):
        bulk.applied(full, "add_to_group", {"group_id": "new"}, "t1")


def test_a_group_action_needs_its_group_id():
    with pytest.raises(ValidationFailed) as refused:
        bulk.parse({"selection": {"ids": ["c1"]}, "action": "add_to_group", "params": {"tags": ["x"]}})
    assert fields_of(refused.value) == {"params.group_id", "params.tags"}


def test_the_timeline_names_each_group_joined_and_left():
    ids = (f"a{n}" for n in itertools.count())
    entries = activities.contact_changes({"groups": ["old"]}, {"groups": ["new"]}, "u1", "t1", lambda: next(ids),
                                         {"new": "新グループ"})
    assert [(entry["type"], entry["data"]) for entry in entries] == [
        ("group_joined", {"group_id": "new", "group_name": "新グループ"}),
        ("group_left", {"group_id": "old", "group_name": "old"}),
    ]


def test_an_import_row_joins_the_groups_it_names_and_an_unknown_name_is_its_error():
    start = imports.Start({"名前": "family_name", "グループ": "groups"}, "update")
    names = {"01GOLD": "Gold", "01SALON": "サロン"}
    changes, errors = imports.row_changes(2, {"名前": "山田", "グループ": "gold、サロン, gold"}, start, {}, names)
    assert errors == [] and changes["groups"] == ["01GOLD", "01SALON"]
    _, errors = imports.row_changes(3, {"名前": "佐藤", "グループ": "ない"}, start, {}, names)
    assert errors == [{"row": 3, "column": "グループ", "message": "there is no member group named ない"}]
    assert imports.merged({"groups": ["01SALON"]}, {"groups": ["01GOLD", "01SALON"]})["groups"] == ["01SALON", "01GOLD"]


def test_the_member_sites_credentials():
    assert rules.parse_credentials({"email": " Hanako@Example.JP ", "password": "pw"}, challenge=False) == {
        "email": "hanako@example.jp", "password": "pw"}
    with pytest.raises(ValidationFailed) as refused:
        rules.parse_credentials({"email": "x@example.jp", "session": "short", "new_password": ""}, challenge=True)
    assert fields_of(refused.value) == {"session", "new_password"}
