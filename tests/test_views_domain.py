"""Pure unit tests of the selective views (issue 18): the view partitions a list's conditions
name (listing.views_of), the filters no view serves (listing.unserved_filters), the view
entries a contact's save writes and its delete removes (contacts.view_entries), and the key
attributes of the sorted indexes and their KEYS_ONLY twins (keys.index_key_names)."""

from __future__ import annotations

import pytest

from shared import keys
from shared.domain import contacts, listing

T = "t1"
CREATED = "2026-01-02T03:04:05.000Z"
ALL_SORTS = {"name", "email", "created_at", "last_contacted_at", "last_customer_action_at"}
BY_CREATION_AND_NAME = {"created_at", "name"}


def contact(**fields):
    return contacts.new_contact("01CONTACT", contacts.parse_changes(fields, {}), "creator", CREATED)


def partitions(views):
    return {view.partition: set(view.sorts) for view in views}


# --- listing.views_of -------------------------------------------------------------------------

def test_no_condition_names_no_view():
    assert listing.views_of(T, {}, None) == []


def test_owner_visibility_is_the_owners_view_with_every_sort():
    assert partitions(listing.views_of(T, {}, "rep-1")) == {keys.owner_pk(T, "rep-1"): ALL_SORTS}


@pytest.mark.parametrize("visible_owner", [None, "rep-1"])
def test_an_owner_filter_naming_the_visible_owner_is_one_view(visible_owner):
    views = listing.views_of(T, {"owner_id": "rep-1"}, visible_owner)
    assert partitions(views) == {keys.owner_pk(T, "rep-1"): ALL_SORTS}


def test_an_owner_filter_naming_someone_the_caller_may_not_see_matches_nothing():
    assert listing.views_of(T, {"owner_id": "rep-2"}, "rep-1") is None
    assert listing.views_of(T, {"owner_id": "rep-2", "tag": "a"}, "rep-1") is None


@pytest.mark.parametrize(("filters", "partition"), [
    ({"tag": "展示会"}, keys.tag_members_pk(T, "展示会")),
    ({"status": "won"}, keys.status_pk(T, "won")),
    ({"starred": True}, keys.starred_pk(T)),
    ({"company": "株式会社サンプル"}, keys.company_name_pk(T, "株式会社サンプル")),
])
def test_each_selective_filter_is_a_view_by_creation_and_name(filters, partition):
    assert partitions(listing.views_of(T, filters, None)) == {partition: BY_CREATION_AND_NAME}


def test_starred_false_is_no_view_but_a_filter():
    assert listing.views_of(T, {"starred": False}, None) == []
    assert partitions(listing.views_of(T, {"starred": False, "status": "new"}, "rep-1")) == {
        keys.owner_pk(T, "rep-1"): ALL_SORTS, keys.status_pk(T, "new"): BY_CREATION_AND_NAME}


def test_every_condition_with_a_view_is_one_view():
    views = listing.views_of(T, {"tag": "a", "status": "new", "starred": True, "company": "c", "owner_id": "rep-1"},
                             "rep-1")
    assert set(partitions(views)) == {keys.owner_pk(T, "rep-1"), keys.tag_members_pk(T, "a"), keys.status_pk(T, "new"),
                                      keys.starred_pk(T), keys.company_name_pk(T, "c")}


def test_views_are_the_tenants_own():
    conditions = {"tag": "a", "status": "new", "starred": True, "company": "c"}
    mine, theirs = listing.views_of("t1", conditions, "rep-1"), listing.views_of("t2", conditions, "rep-1")
    assert not set(partitions(mine)) & set(partitions(theirs))
    assert all(view.partition.startswith("t1#") for view in mine)


# --- listing.unserved_filters ------------------------------------------------------------------

def test_unserved_filters_are_only_starred_false():
    served = {"tag": "a", "status": "new", "owner_id": "rep-1", "company": "c"}
    assert listing.unserved_filters({**served, "starred": False}) == {"starred": False}
    assert listing.unserved_filters({**served, "starred": True}) == {}
    assert listing.unserved_filters({}) == {}


# --- contacts.view_entries -----------------------------------------------------------------------

def full_contact(**extra):
    made = contact(family_name="山田", given_name="太郎", family_name_kana="ヤマダ", given_name_kana="タロウ",
                   email="Taro@Example.jp", owner_id="rep-1", status="won", starred=True, company="株式会社サンプル",
                   tags=["展示会", "VIP"])
    return {**made, **extra}


def test_a_contact_is_in_the_view_of_each_of_its_conditions():
    entries = contacts.view_entries(T, full_contact())
    assert set(entries) == {keys.OWNER_VIEW_SK, keys.STATUS_VIEW_SK, keys.STARRED_VIEW_SK, keys.COMPANY_VIEW_SK,
                            keys.tag_sk("展示会"), keys.tag_sk("VIP")}
    assert entries[keys.STATUS_VIEW_SK]["gsi1pk"] == keys.status_pk(T, "won")
    assert entries[keys.STARRED_VIEW_SK]["gsi1pk"] == keys.starred_pk(T)
    assert entries[keys.COMPANY_VIEW_SK]["gsi1pk"] == keys.company_name_pk(T, "株式会社サンプル")
    assert entries[keys.tag_sk("VIP")]["gsi1pk"] == keys.tag_members_pk(T, "VIP")


def test_a_plain_contact_is_only_in_its_statuss_view():
    assert set(contacts.view_entries(T, contact(family_name="山田", owner_id=None))) == {keys.STATUS_VIEW_SK}


def test_the_owners_view_carries_every_sort_and_the_others_creation_and_name():
    entries = contacts.view_entries(T, full_contact(last_customer_action_at="2026-11-01T00:00:00.000Z"))
    owner = entries.pop(keys.OWNER_VIEW_SK)
    assert owner == {
        "gsi1pk": keys.owner_pk(T, "rep-1"), "gsi1sk": f"0#{CREATED}#01CONTACT",
        "gsi2pk": keys.owner_pk(T, "rep-1"), "gsi2sk": "0#ヤマダタロウ#山田太郎#01CONTACT",
        "gsi3pk": keys.owner_pk(T, "rep-1"), "gsi3sk": "0#taro@example.jp#01CONTACT",
        "gsi4pk": keys.owner_pk(T, "rep-1"), "gsi4sk": "1#01CONTACT",  # never contacted: after the rest
        "gsi5pk": keys.owner_pk(T, "rep-1"), "gsi5sk": "0#2026-11-01T00:00:00.000Z#01CONTACT",
    }
    for entry in entries.values():
        assert set(entry) == {"gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"}
        assert (entry["gsi1sk"], entry["gsi2sk"]) == (owner["gsi1sk"], owner["gsi2sk"])


def test_view_entries_sort_as_the_tenant_wide_indexes_do():
    """A view lists its contacts in the order of the tenant's sorted index: the same sort keys."""
    made = full_contact(last_contacted_at="2026-10-01T00:00:00.000Z")
    tenant_wide = contacts.index_keys(T, made)
    for entry in contacts.view_entries(T, made).values():
        for name, value in entry.items():
            if name.endswith("sk"):
                assert value == tenant_wide[name], name


def test_a_renamed_contact_moves_in_every_view_and_an_action_only_in_its_owners():
    before = full_contact()
    renamed = contacts.view_entries(T, {**before, "family_name": "阿部", "family_name_kana": "アベ"})
    acted = contacts.view_entries(T, {**before, "last_customer_action_at": "2026-11-01T00:00:00.000Z"})
    old = contacts.view_entries(T, before)
    assert all(renamed[sk]["gsi2sk"] != old[sk]["gsi2sk"] for sk in old)
    assert {sk for sk in old if acted[sk] != old[sk]} == {keys.OWNER_VIEW_SK}


def test_view_entries_are_the_tenants_own():
    mine, theirs = contacts.view_entries("t1", full_contact()), contacts.view_entries("t2", full_contact())
    for sk in mine:
        assert mine[sk]["gsi1pk"] != theirs[sk]["gsi1pk"] and mine[sk]["gsi1pk"].startswith("t1#")


# --- keys.index_key_names, keys.KEYS_TWIN ------------------------------------------------------------

@pytest.mark.parametrize(("index", "names"), [
    ("GSI1", ("gsi1pk", "gsi1sk")), ("GSI5", ("gsi5pk", "gsi5sk")), ("GSI6", ("gsi6pk", "gsi6sk")),
    ("GSI13", ("gsi13pk", "gsi13sk")), ("GSI15", ("gsi15pk", "gsi15sk")),
    ("GSI16", ("gsi1pk", "gsi1sk")), ("GSI17", ("gsi2pk", "gsi2sk")), ("GSI20", ("gsi5pk", "gsi5sk")),
])
def test_index_key_names(index, names):
    assert keys.index_key_names(index) == names


def test_each_sorted_index_has_a_keys_only_twin_on_its_own_key_attributes():
    assert keys.KEYS_TWIN == {"GSI1": "GSI16", "GSI2": "GSI17", "GSI3": "GSI18", "GSI4": "GSI19", "GSI5": "GSI20"}
    assert set(keys.KEYS_TWIN) == set(keys.CONTACT_SORT_INDEX.values())
    for index, twin in keys.KEYS_TWIN.items():
        assert keys.index_key_names(twin) == keys.index_key_names(index)
