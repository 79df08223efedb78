"""The member directory's pure rules (shared.domain.members): who manages whom, the owner count,
what a request may ask, and what a member record lets its token do."""

from __future__ import annotations

import pytest

from shared.domain import members as rules
from shared.domain.access import Principal
from shared.errors import Forbidden, Unauthorized, ValidationFailed


def caller(role: str) -> Principal:
    return Principal(tenant="t", user_id="me", role=role, email="me@example.jp", name="トークン名")


def member(role: str = "user", status: str = "active", **extra) -> dict:
    return {"id": "m", "email": "m@example.jp", "name": "山田", "role": role, "status": status, "created_at": "x",
            "updated_at": "x", "removing": None, "version": 1, **extra}


@pytest.mark.parametrize("role", ["manager", "user"])
def test_manager_and_user_manage_nobody(role):
    with pytest.raises(Forbidden):
        rules.require_manager(caller(role))
    with pytest.raises(Forbidden):
        rules.require_may_touch(caller(role), member("user"))


@pytest.mark.parametrize("target, new_role", [("owner", None), ("owner", "user"), ("user", "owner"),
                                              ("admin", "owner")])
def test_only_an_owner_touches_an_owner_or_grants_owner(target, new_role):
    with pytest.raises(Forbidden):
        rules.require_may_touch(caller("admin"), member(target), new_role)
    rules.require_may_touch(caller("owner"), member(target), new_role)


@pytest.mark.parametrize("target, new_role", [("user", "admin"), ("admin", "manager"), ("manager", None)])
def test_an_admin_manages_everyone_below_owner(target, new_role):
    rules.require_may_touch(caller("admin"), member(target), new_role)


@pytest.mark.parametrize("before, after, delta", [
    (None, member("owner", "invited"), 1),  # an invited owner can act once signed in: counted
    (member("owner"), member("admin"), -1),
    (member("owner"), member("owner", "disabled"), -1),
    (member("owner"), member("owner", removing=True), -1),
    (member("owner", "disabled"), member("owner"), 1),
    (member("admin"), member("owner"), 1),
    (member("owner"), member("owner", name="別名"), 0),
    (member("user"), None, 0),
    (member("owner"), None, -1),
])
def test_owner_delta(before, after, delta):
    assert rules.owner_delta(before, after) == delta


def test_an_invitation_is_checked_field_by_field():
    assert rules.parse_invitation({"email": " Taro@Example.JP ", "name": " 山田 太郎 ", "role": "manager"}) == \
        {"email": "taro@example.jp", "name": "山田 太郎", "role": "manager"}
    with pytest.raises(ValidationFailed) as refused:
        rules.parse_invitation({"email": "not-an-address", "name": "", "role": "guest", "team": "x"})
    assert {detail.field for detail in refused.value.details} == {"email", "name", "role", "team"}


@pytest.mark.parametrize("body, field", [({"role": "superuser"}, "role"), ({"disabled": "yes"}, "disabled"),
                                         ({"name": "  "}, "name"), ({"email": "x@example.jp"}, "email")])
def test_a_bad_change_names_its_field(body, field):
    with pytest.raises(ValidationFailed) as refused:
        rules.parse_change(body)
    assert [detail.field for detail in refused.value.details] == [field]


def test_disabling_and_enabling_move_the_status():
    disabled = rules.changed(member(), {"disabled": True}, "now")
    assert disabled["status"] == "disabled" and disabled["updated_at"] == "now"
    assert rules.changed(disabled, {"disabled": False}, "later")["status"] == "active"
    assert rules.changed(member(status="invited"), {"disabled": False}, "now") == member(status="invited")


def test_the_directory_decides_role_and_name_and_refuses_removed_or_disabled_members():
    principal = rules.signed_in(caller("user"), member("admin"))
    assert (principal.role, principal.name, principal.email) == ("admin", "山田", "m@example.jp")
    assert rules.signed_in(caller("user"), member("user", name=None)).name == "トークン名"
    for gone in (None, member(removing=True), member(status="disabled")):
        with pytest.raises(Unauthorized):
            rules.signed_in(caller("owner"), gone)
