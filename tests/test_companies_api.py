"""Issue 10, part 1: companies (/v1/companies) through the handlers, as API Gateway calls them.
- The company JSON, its defaults and validation (the domain: a lower-cased bare host name,
  never free mail, unique per tenant; an http(s) website; typed properties; no unknown fields),
  each refusal changing nothing.
- Read, partial update, delete; 404 for unknown ids and for another tenant's companies; any
  role reads, only owner, admin and manager change.
- The list: by name ignoring legal forms such as 株式会社, `q` a folded prefix of the name,
  pages that cover every company exactly once.
- Contacts' `company_id` (POST/PATCH /v1/contacts), the company's `contact_count`, linking by
  email domain when a contact is created (API and imports), GET /v1/companies/{id}/contacts,
  and a deleted company's contacts losing their link but keeping their `company` text.
Errors, roles, lists and contact fields follow /work/shared/api-contract.md."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from conftest import Api, Reply, assert_error, contact_of, create
from stack_support import imported

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
COMPANY_FIELDS = {"id", "name", "domain", "phone", "address", "website", "industry", "properties",
                  "contact_count", "created_at", "updated_at"}
MISSING = "01JZZZZZZZZZZZZZZZZZZZZZZZ"

FULL_COMPANY = {
    "name": "株式会社サンプル",
    "domain": "Sample.CO.JP",
    "phone": "03-1234-5678",
    "address": "東京都千代田区丸の内1-1-1",
    "website": "https://www.sample.co.jp/about",
    "industry": "製造",
    "properties": {"employees": 120, "listed": True, "segment": "enterprise", "revenue_oku": 12.5},
}


# --- helpers -----------------------------------------------------------------------------------


def new_tenant() -> Api:
    return Api(f"tenant-{uuid.uuid4().hex[:10]}")


def add_company(api: Api, **fields: Any) -> dict[str, Any]:
    """POST /v1/companies; it must answer 201."""
    reply = api.post("/v1/companies", fields)
    assert reply.status == 201, reply.body
    return reply.body


def company_of(api: Api, company_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/companies/{company_id}")
    assert reply.status == 200, reply.body
    return reply.body


def pages(api: Api, path: str, limit: int = 200, **query: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list endpoint, following next_cursor; each page holds at most `limit` items."""
    result, cursor = [], None
    for _ in range(100):
        params = {"limit": str(limit), **query, **({"cursor": cursor} if cursor else {})}
        reply = api.get(path, query=params)
        assert reply.status == 200, reply.body
        assert set(reply.body) >= {"items", "next_cursor"}, reply.body
        assert len(reply.body["items"]) <= limit, reply.body
        result.append(reply.body["items"])
        cursor = reply.body["next_cursor"]
        if not cursor:
            return result
    raise AssertionError("pagination never ended")


def companies(api: Api, limit: int = 200, **query: Any) -> list[dict[str, Any]]:
    return [item for page in pages(api, "/v1/companies", limit, **query) for item in page]


def company_names(api: Api, **query: Any) -> list[str]:
    return [item["name"] for item in companies(api, **query)]


def linked_ids(api: Api, company_id: str, limit: int = 200) -> list[str]:
    return [item["id"] for page in pages(api, f"/v1/companies/{company_id}/contacts", limit) for item in page]


def all_contacts(api: Api) -> list[dict[str, Any]]:
    return [item for page in pages(api, "/v1/contacts") for item in page]


def count_of(api: Api, company_id: str) -> int:
    return company_of(api, company_id)["contact_count"]


def assert_422_on(reply: Reply, prefix: str) -> None:
    """A 422 in the contract's shape whose details name `prefix` or a field under it (`prefix.key`)."""
    assert_error(reply, 422)
    named = [detail.get("field") or "" for detail in reply.error["details"]]
    assert any(name == prefix or name.startswith(prefix + ".") for name in named), (prefix, reply.error)


# --- create --------------------------------------------------------------------------------------


def test_create_answers_201_with_the_company_json(api):
    reply = api.post("/v1/companies", FULL_COMPANY)
    assert reply.status == 201, reply.body
    company = reply.body
    assert COMPANY_FIELDS <= set(company), COMPANY_FIELDS - set(company)
    assert isinstance(company["id"], str) and company["id"]
    assert company["domain"] == "sample.co.jp"  # lower-cased on save
    for name in ("name", "phone", "address", "website", "industry", "properties"):
        assert company[name] == FULL_COMPANY[name], name
    assert company["contact_count"] == 0
    assert ISO_UTC.match(company["created_at"]) and ISO_UTC.match(company["updated_at"]), company
    assert company["updated_at"] >= company["created_at"]
    assert company_of(api, company["id"]) == company


def test_create_with_only_a_name_takes_the_defaults(api):
    company = add_company(api, name="テスト商事")
    assert company["name"] == "テスト商事"
    for name in ("domain", "phone", "address", "website", "industry"):
        assert company[name] is None, name
    assert company["properties"] == {} and company["contact_count"] == 0
    assert add_company(api, name="別会社")["id"] != company["id"]


@pytest.mark.parametrize("given, saved", [
    ("Example.CO.JP", "example.co.jp"),
    ("EXAMPLE.COM", "example.com"),
    ("sales.example-corp.jp", "sales.example-corp.jp"),
])
def test_a_domain_is_a_host_name_lower_cased_on_save(api, given, saved):
    company = add_company(api, name="ドメイン社", domain=given)
    assert company["domain"] == saved
    assert company_of(api, company["id"])["domain"] == saved


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": 42}, "name"),
    ({"name": "社" * 201}, "name"),
    ({"name": "ドメイン社", "domain": "www.example.co.jp"}, "domain"),
    ({"name": "ドメイン社", "domain": "http://example.co.jp"}, "domain"),
    ({"name": "ドメイン社", "domain": "https://example.co.jp"}, "domain"),
    ({"name": "ドメイン社", "domain": "example.co.jp/about"}, "domain"),
    ({"name": "ドメイン社", "domain": "info@example.co.jp"}, "domain"),
    ({"name": "ドメイン社", "domain": "exa mple.co.jp"}, "domain"),
    ({"name": "ドメイン社", "domain": 42}, "domain"),
    ({"name": "フリー", "domain": "gmail.com"}, "domain"),
    ({"name": "フリー", "domain": "GMail.com"}, "domain"),
    ({"name": "フリー", "domain": "yahoo.co.jp"}, "domain"),
    ({"name": "フリー", "domain": "outlook.com"}, "domain"),
    ({"name": "フリー", "domain": "icloud.com"}, "domain"),
    ({"name": "フリー", "domain": "docomo.ne.jp"}, "domain"),
    ({"name": "ウェブ社", "website": "ftp://example.co.jp/"}, "website"),
    ({"name": "ウェブ社", "website": "file:///etc/passwd"}, "website"),
    ({"name": "ウェブ社", "website": 42}, "website"),
    ({"name": "不明", "nickname": "サンプル"}, "nickname"),
    ({"name": "不明", "domain": "gmail.com", "nickname": "x", "website": "ftp://x.jp"}, "nickname"),
])
def test_an_invalid_company_is_a_422_naming_the_field_and_nothing_is_stored(api, body, field):
    assert_error(api.post("/v1/companies", body), 422, field)
    assert companies(api) == []


@pytest.mark.parametrize("properties", [
    [],
    "employees=120",
    {"Employees": 1},
    {"1st": 1},
    {"has-dash": 1},
    {"k" * 65: 1},
    {"nested": {"a": 1}},
    {"listed": [1, 2]},
    {f"key_{index}": index for index in range(51)},
])
def test_bad_properties_are_a_422_and_nothing_is_stored(api, properties):
    assert_422_on(api.post("/v1/companies", {"name": "プロパティ社", "properties": properties}), "properties")
    assert companies(api) == []


def test_properties_at_their_limits_are_accepted(api):
    fifty = {f"key_{index}": index for index in range(50)}
    assert add_company(api, name="五十社", properties=fifty)["properties"] == fifty
    longest = {"k" * 64: "x", "a": None, "b": False, "c": 0, "d": "テキスト"}
    company = add_company(api, name="境界社", properties=longest)
    for key in ("k" * 64, "b", "c", "d"):
        assert company["properties"][key] == longest[key], key


def test_a_client_cannot_set_the_contact_count(api):
    """The count is the API's to keep: a body that names it is refused, and nothing is written."""
    assert_error(api.post("/v1/companies", {"name": "数え社", "contact_count": 5}), 422, "contact_count")
    assert companies(api) == []


def test_a_domain_already_used_in_the_tenant_is_409_case_insensitively(api):
    first = add_company(api, name="元祖", domain="sample.co.jp")
    for domain in ("sample.co.jp", "SAMPLE.co.jp"):
        assert_error(api.post("/v1/companies", {"name": "二番手", "domain": domain}), 409)
    assert [item["id"] for item in companies(api)] == [first["id"]]
    add_company(new_tenant(), name="他社の同名ドメイン", domain="sample.co.jp")  # other tenants are apart


def test_a_domain_is_freed_by_a_change_or_a_delete(api):
    moved = add_company(api, name="移転", domain="old.example.jp")
    assert api.patch(f"/v1/companies/{moved['id']}", {"domain": "new.example.jp"}).status == 200
    add_company(api, name="後継", domain="old.example.jp")
    assert api.delete(f"/v1/companies/{moved['id']}").status == 204
    assert add_company(api, name="再取得", domain="new.example.jp")["domain"] == "new.example.jp"


# --- read, update, delete --------------------------------------------------------------------------


def test_patch_is_partial_and_lower_cases_the_domain(api):
    company = add_company(api, **FULL_COMPANY)
    reply = api.patch(f"/v1/companies/{company['id']}", {"industry": "小売", "domain": "Renamed.Example.JP"})
    assert reply.status == 200, reply.body
    updated = reply.body
    assert updated["industry"] == "小売" and updated["domain"] == "renamed.example.jp"
    for name in COMPANY_FIELDS - {"industry", "domain", "updated_at"}:
        assert updated[name] == company[name], name
    assert updated["updated_at"] >= company["updated_at"] and ISO_UTC.match(updated["updated_at"])
    assert company_of(api, company["id"]) == updated


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"domain": "gmail.com"}, "domain"),
    ({"domain": "www.sample.co.jp"}, "domain"),
    ({"website": "ftp://sample.co.jp"}, "website"),
    ({"nickname": "x"}, "nickname"),
    ({"industry": "小売", "name": ""}, "name"),
])
def test_a_bad_patch_is_a_422_and_changes_nothing(api, body, field):
    company = add_company(api, **FULL_COMPANY)
    assert_error(api.patch(f"/v1/companies/{company['id']}", body), 422, field)
    assert company_of(api, company["id"]) == company


def test_patching_to_another_companys_domain_is_409_and_changes_nothing(api):
    taken = add_company(api, name="先客", domain="taken.example.jp")
    mover = add_company(api, name="後発", domain="mover.example.jp")
    assert_error(api.patch(f"/v1/companies/{mover['id']}", {"domain": "TAKEN.example.jp", "name": "改名"}), 409)
    assert company_of(api, mover["id"]) == mover
    assert company_of(api, taken["id"]) == taken


def test_delete_answers_204_and_the_company_is_gone(api):
    company = add_company(api, name="消える会社", domain="gone.example.jp")
    reply = api.delete(f"/v1/companies/{company['id']}")
    assert reply.status == 204 and reply.body in ("", None)
    assert_error(api.get(f"/v1/companies/{company['id']}"), 404)
    assert_error(api.patch(f"/v1/companies/{company['id']}", {"name": "復活"}), 404)
    assert_error(api.delete(f"/v1/companies/{company['id']}"), 404)
    assert_error(api.get(f"/v1/companies/{company['id']}/contacts"), 404)
    assert companies(api) == []


def test_an_unknown_id_is_404_everywhere(api):
    add_company(api, name="実在")
    for reply in (api.get(f"/v1/companies/{MISSING}"), api.patch(f"/v1/companies/{MISSING}", {"name": "x"}),
                  api.delete(f"/v1/companies/{MISSING}"), api.get(f"/v1/companies/{MISSING}/contacts")):
        assert_error(reply, 404)
    assert company_names(api) == ["実在"]


def test_another_tenants_company_is_404_and_untouched(api):
    mine = add_company(api, **FULL_COMPANY)
    intruder = new_tenant()
    assert_error(intruder.get(f"/v1/companies/{mine['id']}"), 404)
    assert_error(intruder.patch(f"/v1/companies/{mine['id']}", {"name": "乗っ取り"}), 404)
    assert_error(intruder.delete(f"/v1/companies/{mine['id']}"), 404)
    assert_error(intruder.get(f"/v1/companies/{mine['id']}/contacts"), 404)
    assert companies(intruder) == [] and companies(intruder, q="サンプル") == []
    assert company_of(api, mine["id"]) == mine


def test_a_user_reads_companies_but_cannot_change_them(api):
    company = add_company(api, **FULL_COMPANY)
    member = api.as_("user", user="member-co")
    assert member.get(f"/v1/companies/{company['id']}").body == company
    assert [item["id"] for item in companies(member)] == [company["id"]]
    assert member.get(f"/v1/companies/{company['id']}/contacts").status == 200
    assert_error(member.post("/v1/companies", {"name": "新規"}), 403)
    assert_error(member.patch(f"/v1/companies/{company['id']}", {"name": "改名"}), 403)
    assert_error(member.delete(f"/v1/companies/{company['id']}"), 403)
    assert [item["id"] for item in companies(api)] == [company["id"]]
    assert company_of(api, company["id"]) == company


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_owner_admin_and_manager_create_change_and_delete(api, role):
    caller = api.as_(role)
    company = add_company(caller, name="役割社", domain="role.example.jp")
    reply = caller.patch(f"/v1/companies/{company['id']}", {"name": "役割社2"})
    assert reply.status == 200 and reply.body["name"] == "役割社2", reply.body
    assert caller.delete(f"/v1/companies/{company['id']}").status == 204
    assert companies(api) == []


def test_without_claims_every_company_route_is_401(api):
    company = add_company(api, name="認証社")
    for method, path, body in (("GET", "/v1/companies", None), ("POST", "/v1/companies", {"name": "x"}),
                               ("GET", f"/v1/companies/{company['id']}", None),
                               ("PATCH", f"/v1/companies/{company['id']}", {"name": "x"}),
                               ("DELETE", f"/v1/companies/{company['id']}", None),
                               ("GET", f"/v1/companies/{company['id']}/contacts", None)):
        assert_error(api.call(method, path, body, authorized=False), 401)
    assert company_of(api, company["id"]) == company


# --- the list ------------------------------------------------------------------------------------


def test_the_list_is_sorted_by_name_ignoring_kabushiki_gaisha(api):
    for name in ("株式会社ワークス", "サクラ商店", "株式会社カメラ", "アルファ株式会社", "イーグル"):
        add_company(api, name=name)
    expected = ["アルファ株式会社", "イーグル", "株式会社カメラ", "サクラ商店", "株式会社ワークス"]
    assert company_names(api) == expected  # the default: name, ascending
    assert company_names(api, sort="name", order="asc") == expected
    assert company_names(api, sort="name", order="desc") == expected[::-1]


def test_the_list_by_creation_time_and_its_items_read_as_get_does(api):
    made = [add_company(api, name=name) for name in ("ウ社", "ア社", "イ社")]
    assert [item["id"] for item in companies(api, sort="created_at", order="asc")] == [c["id"] for c in made]
    listed = companies(api, sort="created_at", order="desc")
    assert [item["id"] for item in listed] == [c["id"] for c in made[::-1]]
    assert listed == [company_of(api, c["id"]) for c in made[::-1]]


def test_q_is_a_prefix_of_the_name_folded_for_case_width_and_kana(api):
    for name in ("サンプル商事", "さんぷる工房", "ｻﾝﾌﾟﾙ電機", "テストサンプル", "Acme Japan", "ＡＣＭＥ物流", "アクメ"):
        add_company(api, name=name)
    sample = ["サンプル商事", "さんぷる工房", "ｻﾝﾌﾟﾙ電機"]
    for q in ("サンプル", "さんぷる", "ｻﾝﾌﾟﾙ", "サンプ"):
        assert sorted(company_names(api, q=q)) == sorted(sample), q
    assert company_names(api, q="サンプル商") == ["サンプル商事"]
    for q in ("acme", "ACME", "ａｃｍｅ"):
        assert sorted(company_names(api, q=q)) == sorted(["Acme Japan", "ＡＣＭＥ物流"]), q
    assert company_names(api, q="商事") == []  # a prefix, not "contains"
    assert company_names(api, q="存在しない") == []
    by_one = pages(api, "/v1/companies", 1, q="ｻﾝﾌﾟﾙ")  # a search pages like the list
    assert sorted(item["name"] for page in by_one for item in page) == sorted(sample)


@pytest.mark.parametrize("limit, sort", [(1, "name"), (3, "name"), (2, "created_at")])
def test_pages_cover_every_company_exactly_once(api, limit, sort):
    names = ["株式会社ナナ", "イチ", "ゴ商事", "サン", "株式会社ロク", "ニ", "ヨン株式会社"]
    made = {add_company(api, name=name)["id"] for name in names}
    got = pages(api, "/v1/companies", limit, sort=sort, order="asc")
    ids = [item["id"] for page in got for item in page]
    assert len(ids) == len(made) and set(ids) == made
    assert all(len(page) == limit for page in got[:-1])
    assert company_names(api, sort=sort, order="asc") == [item["name"] for page in got for item in page]


def test_bad_list_parameters_and_cursors_are_refused(api):
    for name in ("イチ", "ニ", "サン"):
        add_company(api, name=name)
    for query in ({"limit": "0"}, {"limit": "201"}, {"limit": "many"}):
        assert_error(api.get("/v1/companies", query=query), (400, 422))
    for query in ({"sort": "domain"}, {"order": "sideways"}):
        assert_error(api.get("/v1/companies", query=query), (400, 422))
    cursor = api.get("/v1/companies", query={"limit": "1"}).body["next_cursor"]
    assert cursor
    assert_error(api.get("/v1/companies", query={"limit": "1", "cursor": "not-a-cursor"}), 400)
    assert_error(api.get("/v1/companies", query={"limit": "1", "cursor": cursor[:-2] + "xx"}), 400)
    assert_error(new_tenant().get("/v1/companies", query={"limit": "1", "cursor": cursor}), 400)


# --- contacts and their company ------------------------------------------------------------------


def test_a_contact_has_no_company_id_by_default_and_takes_one_given(api):
    plain = create(api, family_name="無所属")
    assert plain["company_id"] is None
    company = add_company(api, name="所属社")
    member = create(api, family_name="所属", company_id=company["id"])
    assert member["company_id"] == company["id"]
    assert contact_of(api, member["id"])["company_id"] == company["id"]
    assert count_of(api, company["id"]) == 1
    assert linked_ids(api, company["id"]) == [member["id"]]


@pytest.mark.parametrize("company_id", [MISSING, "not#an-id", 42, ["x"]])
def test_creating_a_contact_with_an_unknown_company_id_is_422_and_stores_nothing(api, company_id):
    company = add_company(api, name="実在社")
    body = {"family_name": "山田", "email": "taro@example.jp", "company_id": company_id}
    assert_error(api.post("/v1/contacts", body), 422, "company_id")
    assert all_contacts(api) == []
    assert count_of(api, company["id"]) == 0
    create(api, family_name="山田", email="taro@example.jp")  # the email was not claimed


def test_another_tenants_company_is_never_a_contacts_company(api):
    theirs = add_company(new_tenant(), name="他社", domain="theirs.example.jp")
    by_domain = create(api, family_name="鈴木", email="suzuki@theirs.example.jp")
    assert by_domain["company_id"] is None and by_domain["company"] is None
    assert_error(api.post("/v1/contacts", {"family_name": "山田", "company_id": theirs["id"]}), 422, "company_id")
    mine = create(api, family_name="佐藤")
    assert_error(api.patch(f"/v1/contacts/{mine['id']}", {"company_id": theirs["id"]}), 422, "company_id")
    assert contact_of(api, mine["id"]) == mine
    assert sorted(c["id"] for c in all_contacts(api)) == sorted([mine["id"], by_domain["id"]])


def test_patching_to_an_unknown_company_id_is_422_and_changes_nothing(api):
    company = add_company(api, name="元の所属")
    contact = create(api, family_name="山田", company_id=company["id"])
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"company_id": MISSING, "title": "部長"}), 422,
                 "company_id")
    assert contact_of(api, contact["id"]) == contact
    assert count_of(api, company["id"]) == 1


def test_contact_count_follows_link_move_unlink_and_delete(api):
    first = add_company(api, name="第一")
    second = add_company(api, name="第二")
    a = create(api, family_name="甲", company_id=first["id"])
    b = create(api, family_name="乙", company_id=first["id"])
    c = create(api, family_name="丙")
    assert (count_of(api, first["id"]), count_of(api, second["id"])) == (2, 0)
    reply = api.patch(f"/v1/contacts/{b['id']}", {"title": "課長", "company_id": first["id"]})  # no change of company
    assert reply.status == 200 and reply.body["company_id"] == first["id"], reply.body
    assert count_of(api, first["id"]) == 2

    assert api.patch(f"/v1/contacts/{c['id']}", {"company_id": first["id"]}).status == 200
    assert count_of(api, first["id"]) == 3
    reply = api.patch(f"/v1/contacts/{a['id']}", {"company_id": second["id"]})
    assert reply.status == 200 and reply.body["company_id"] == second["id"], reply.body
    assert (count_of(api, first["id"]), count_of(api, second["id"])) == (2, 1)
    reply = api.patch(f"/v1/contacts/{b['id']}", {"company_id": None})
    assert reply.status == 200 and reply.body["company_id"] is None, reply.body
    assert count_of(api, first["id"]) == 1
    assert api.delete(f"/v1/contacts/{c['id']}").status == 204
    assert (count_of(api, first["id"]), count_of(api, second["id"])) == (0, 1)
    assert linked_ids(api, first["id"]) == [] and linked_ids(api, second["id"]) == [a["id"]]
    listed = {item["id"]: item["contact_count"] for item in companies(api)}
    assert listed == {first["id"]: 0, second["id"]: 1}


# --- linking by email domain -----------------------------------------------------------------------


def test_a_new_contact_is_linked_by_its_email_domain_and_takes_the_company_name(api):
    company = add_company(api, name="株式会社サンプル", domain="sample.co.jp")
    bare = create(api, family_name="山田", email="taro@sample.co.jp")
    assert bare["company_id"] == company["id"] and bare["company"] == "株式会社サンプル"
    named = create(api, family_name="佐藤", email="Hanako@SAMPLE.co.jp", company="サンプル大阪支店")
    assert named["company_id"] == company["id"] and named["company"] == "サンプル大阪支店"
    assert contact_of(api, bare["id"])["company_id"] == company["id"]
    assert count_of(api, company["id"]) == 2
    assert sorted(linked_ids(api, company["id"])) == sorted([bare["id"], named["id"]])


@pytest.mark.parametrize("email", ["someone@gmail.com", "someone@mail.sample.co.jp", "someone@sample.co.jp.evil.jp",
                                   "someone@other.example.jp", None])
def test_other_domains_free_mail_and_no_email_link_nothing(api, email):
    company = add_company(api, name="株式会社サンプル", domain="sample.co.jp")
    contact = create(api, family_name="無縁", **({"email": email} if email else {}))
    assert contact["company_id"] is None and contact["company"] is None
    assert count_of(api, company["id"]) == 0


def test_a_company_id_given_wins_over_the_email_domain(api):
    by_domain = add_company(api, name="ドメインの会社", domain="sample.co.jp")
    chosen = add_company(api, name="選んだ会社")
    contact = create(api, family_name="山田", email="taro@sample.co.jp", company_id=chosen["id"])
    assert contact["company_id"] == chosen["id"]
    assert (count_of(api, by_domain["id"]), count_of(api, chosen["id"])) == (0, 1)


def test_changing_an_email_later_does_not_relink(api):
    company = add_company(api, name="株式会社サンプル", domain="sample.co.jp")
    outsider = create(api, family_name="外部", email="x@other.example.jp")
    reply = api.patch(f"/v1/contacts/{outsider['id']}", {"email": "x@sample.co.jp"})
    assert reply.status == 200 and reply.body["company_id"] is None, reply.body
    insider = create(api, family_name="内部", email="y@sample.co.jp")
    reply = api.patch(f"/v1/contacts/{insider['id']}", {"email": "y@other.example.jp"})
    assert reply.status == 200 and reply.body["company_id"] == company["id"], reply.body
    assert count_of(api, company["id"]) == 1


def test_imported_contacts_are_linked_by_their_email_domain(api):
    company = add_company(api, name="株式会社サンプル", domain="sample.co.jp")
    rows = ["姓,メールアドレス,会社名", "山田,taro@sample.co.jp,", "佐藤,sato@SAMPLE.co.jp,サンプル営業所",
            "鈴木,suzuki@gmail.com,", "田中,tanaka@other.example.jp,"]
    mapping = {"姓": "family_name", "メールアドレス": "email", "会社名": "company"}
    done = imported(api, ("\r\n".join(rows) + "\r\n").encode("utf-8"), mapping)
    assert done["created"] == 4, done

    people = {contact["family_name"]: contact for contact in all_contacts(api)}
    assert (people["山田"]["company_id"], people["山田"]["company"]) == (company["id"], "株式会社サンプル")
    assert (people["佐藤"]["company_id"], people["佐藤"]["company"]) == (company["id"], "サンプル営業所")
    assert people["鈴木"]["company_id"] is None and people["田中"]["company_id"] is None
    assert count_of(api, company["id"]) == 2
    assert sorted(linked_ids(api, company["id"])) == sorted([people["山田"]["id"], people["佐藤"]["id"]])


# --- a company's contacts ---------------------------------------------------------------------------


def test_a_companys_contacts_are_exactly_its_linked_contacts_over_pages(api):
    company = add_company(api, name="株式会社サンプル", domain="sample.co.jp")
    other = add_company(api, name="別会社")
    linked = [create(api, family_name=f"社員{index}", company_id=company["id"])["id"] for index in range(3)]
    linked.append(create(api, family_name="社員3", email="four@sample.co.jp")["id"])
    create(api, family_name="他社員", company_id=other["id"])
    create(api, family_name="無所属", email="nobody@other.example.jp")

    for limit in (1, 2, 3, 200):
        got = pages(api, f"/v1/companies/{company['id']}/contacts", limit)
        ids = [item["id"] for page in got for item in page]
        assert len(ids) == len(linked) and set(ids) == set(linked), limit
        assert all(len(page) == limit for page in got[:-1]), limit
    items = [item for page in pages(api, f"/v1/companies/{company['id']}/contacts") for item in page]
    assert {item["id"]: item for item in items} == {contact_id: contact_of(api, contact_id) for contact_id in linked}
    cursor = api.get(f"/v1/companies/{company['id']}/contacts", query={"limit": "1"}).body["next_cursor"]
    assert cursor
    assert_error(api.get(f"/v1/companies/{other['id']}/contacts", query={"limit": "1", "cursor": cursor}), 400)


def test_a_companys_contacts_respect_owner_visibility(api):
    company = add_company(api, name="可視社")
    member = api.as_("user", user="member-vis")
    mine = create(api, family_name="担当", owner_id="member-vis", company_id=company["id"])
    create(api, family_name="他人", owner_id="someone-else", company_id=company["id"])
    create(api, family_name="無主", owner_id=None, company_id=company["id"])
    assert len(linked_ids(member, company["id"])) == 3  # unrestricted: every contact
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    assert linked_ids(member, company["id"]) == [mine["id"]]
    assert len(linked_ids(api, company["id"])) == 3


# --- deleting a company with contacts ----------------------------------------------------------------


def test_deleting_a_company_unlinks_its_contacts_and_keeps_their_company_text(api):
    company = add_company(api, name="株式会社サンプル", domain="sample.co.jp")
    by_domain = create(api, family_name="山田", email="taro@sample.co.jp")
    with_text = create(api, family_name="佐藤", company="サンプル営業所", company_id=company["id"])
    without_text = create(api, family_name="鈴木", company_id=company["id"])
    bystander = create(api, family_name="田中", company="無関係")

    assert api.delete(f"/v1/companies/{company['id']}").status == 204

    for contact in (by_domain, with_text, without_text):
        after = contact_of(api, contact["id"])
        assert after["company_id"] is None, after
        assert after["company"] == contact["company"], after
    assert by_domain["company"] == "株式会社サンプル"
    assert contact_of(api, bystander["id"]) == bystander
    assert len(all_contacts(api)) == 4
    assert_error(api.get(f"/v1/companies/{company['id']}/contacts"), 404)
    newcomer = create(api, family_name="新人", email="new@sample.co.jp")
    assert newcomer["company_id"] is None and newcomer["company"] is None
    assert_error(api.patch(f"/v1/contacts/{bystander['id']}", {"company_id": company["id"]}), 422, "company_id")
