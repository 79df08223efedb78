"""POST /v1/exports → the export worker (from the emulated SQS queue) → GET /v1/exports/{id} and
/download, end to end on the emulated S3: CSV in each encoding, xlsx, the AES-256 zip, roles, the
30-minute limit, owner visibility, the 24-hour window, a failure that leaves no file, the mail to
the requester and the audit log."""

from __future__ import annotations

import io
import json
import urllib.request
import uuid
from datetime import UTC
from typing import Any

import pytest

from conftest import Api, assert_error, create
from mail_support import outbox, outbox_listening, table  # noqa: F401 - outbox_listening is an autouse fixture
from stack_support import run_queued_jobs

FIELDS = ["family_name", "given_name", "email", "tags", "properties.industry", "score", "status"]




def export(api: Api, **body: Any) -> Any:
    return api.post("/v1/exports", {"reason": "展示会フォロー", "fields": FIELDS, **body})


def finished(api: Api, **body: Any) -> dict[str, Any]:
    reply = export(api, **body)
    assert reply.status == 202, reply.body
    assert reply.body["status"] == "queued"
    run_queued_jobs()
    done = api.get(f"/v1/exports/{reply.body['id']}").body
    assert done["status"] == "succeeded", done
    return done


def downloaded(api: Api, export_id: str) -> bytes:
    reply = api.get(f"/v1/exports/{export_id}/download")
    assert reply.status == 302, reply.body
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in reply.headers["location"]  # SigV4, only `host` signed
    assert "X-Amz-SignedHeaders=host&" in reply.headers["location"]
    with urllib.request.urlopen(reply.headers["location"], timeout=10) as response:
        return response.read()


def csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


@pytest.fixture
def people(api) -> list[dict[str, Any]]:
    assert api.post("/v1/properties", {"key": "industry", "label": "業種", "type": "select",
                                       "options": ["製造", "小売"]}).status == 201
    return [create(api, family_name="山田", given_name="太郎", email="taro@example.jp", tags=["展示会", "VIP"],
                   properties={"industry": "製造"}),
            create(api, family_name="髙橋", given_name="①子", email="takahashi@example.jp", status="won"),
            create(api, family_name="=HYPERLINK(\"x\")", given_name="🍣", tags=["展示会"])]


def test_a_csv_export_in_utf8_with_bom_for_excel(api, people):
    done = finished(api)

    assert done["row_count"] == 3 and done["download_url"].endswith(f"/v1/exports/{done['id']}/download")
    data = downloaded(api, done["id"])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = csv_rows(data, "utf-8-sig")
    assert rows[0] == FIELDS
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["山田"] == ["山田", "太郎", "taro@example.jp", "展示会, VIP", "製造", "0", "new"]
    assert by_name["髙橋"][1] == "①子" and by_name["髙橋"][6] == "won"
    assert "'=HYPERLINK(\"x\")" in by_name  # a formula is never live in Excel


def test_a_cp932_export_replaces_and_counts_what_shift_jis_cannot_hold(api, people):
    done = finished(api, encoding="cp932")
    assert done["replaced_characters"] == 1  # the 🍣
    rows = csv_rows(downloaded(api, done["id"]), "cp932")
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["髙橋"] == "①子" and names["'=HYPERLINK(\"x\")"] == "?"


def test_an_xlsx_export(api, people):
    import openpyxl

    done = finished(api, format="xlsx", fields=["family_name", "email", "score"])
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(api, done["id"])), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["family_name", "email", "score"] and len(rows) == 4
    assert ["山田", "taro@example.jp", 0] in rows


def test_a_password_makes_an_aes_256_zip(api, people):
    import pyzipper

    done = finished(api, password="secret12")
    data = downloaded(api, done["id"])
    assert b"\x01\x99\x07\x00\x02\x00AE\x03" in data  # the WinZip AES extra field: AE-2, AES-256
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        [name] = archive.namelist()
        assert name.endswith(".csv")
        with pytest.raises(RuntimeError):
            archive.read(name, pwd=b"wrong-password1")
        archive.setpassword(b"secret12")
        assert csv_rows(archive.read(name), "utf-8-sig")[0] == FIELDS
        assert archive.getinfo(name).flag_bits & 0x1  # encrypted


@pytest.mark.parametrize("body, field", [
    ({"password": "short1"[:5]}, "password"),
    ({"password": "lettersonly"}, "password"),
    ({"reason": " "}, "reason"),
    ({"fields": ["family_name", "nickname"]}, "fields[1]"),
    ({"format": "pdf"}, "format"),
    ({"encoding": "euc-jp"}, "encoding"),
    ({"headers": "names"}, "headers"),
    ({"selection": {"filter": {"field": "colour", "op": "eq", "value": 1}}}, "selection.filter.field"),
])
def test_a_bad_export_is_a_422_and_starts_nothing(api, people, body, field):
    assert_error(export(api, **body), 422, field)
    assert api.get("/v1/jobs").body["items"] == []
    assert export(api).status == 202  # the refusal did not use up the 30 minutes


def test_only_the_export_roles_may_export(api, people):
    assert_error(export(api.as_("user")), 403)
    assert_error(export(api.as_("manager")), 403)
    assert api.put("/v1/settings", {"export_roles": ["owner", "admin", "user"]}).status == 200
    assert export(api.as_("user")).status == 202


def test_one_export_per_user_per_30_minutes(api, people):
    assert export(api).status == 202
    again = export(api)
    assert_error(again, 429)
    assert 1700 <= int(again.headers["retry-after"]) <= 1801
    assert export(api.as_("admin")).status == 202  # another user


def test_the_rows_are_those_the_requester_may_see(api):
    rep = api.as_("user")
    create(rep, family_name="自分")
    create(api, family_name="他人")
    assert api.put("/v1/settings", {"owner_visibility_restricted": True,
                                    "export_roles": ["owner", "user"]}).status == 200
    done = finished(rep, fields=["family_name"])
    assert csv_rows(downloaded(rep, done["id"]), "utf-8-sig") == [["family_name"], ["自分"]]


def test_selections_by_ids_filter_and_segment(api, people):
    by_ids = finished(api, selection={"ids": [people[0]["id"], "nobody"]}, fields=["family_name"])
    assert by_ids["row_count"] == 1
    by_filter = finished(api.as_("admin"), selection={"filter": {"tags": {"include": ["展示会"]}}},
                         fields=["family_name"])
    assert by_filter["row_count"] == 2
    segment = api.post("/v1/segments", {"name": "won", "filter": {"field": "status", "op": "eq", "value": "won"}}).body
    api.put("/v1/settings", {"export_roles": ["owner", "admin", "manager"]})
    by_segment = finished(api.as_("manager"), selection={"segment_id": segment["id"]}, fields=["family_name"])
    assert csv_rows(downloaded(api, by_segment["id"]), "utf-8-sig")[1:] == [["髙橋"]]


def test_the_requester_gets_a_mail_and_the_export_is_audited(api, people):
    outbox().clear()
    done = finished(api)
    [mail] = [item for item in outbox().items() if item["email_id"] == f"export-{done['id']}"]
    assert mail["to"] == [f"{api.user_id}@example.jp"]
    from email import message_from_string, policy

    text = message_from_string(mail["raw"], policy=policy.default).get_body(("plain",)).get_content()
    assert f"https://api.example.test/v1/exports/{done['id']}/download" in text and "3" in text
    [entry] = table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :audit)",
                            ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}", ":audit": "AUDIT#"})["Items"]
    assert entry["entry"]["user_id"] == api.user_id and entry["entry"]["reason"] == "展示会フォロー"
    assert entry["entry"]["row_count"] == 3 and entry["entry"]["fields"] == FIELDS


def download_as_json(api: Api, export_id: str, accept: str = "application/json") -> Any:
    """GET …/download as a browser's fetch sends it: with an Accept header."""
    from conftest import Reply
    from infra.local.server import call_handler

    result = call_handler("GET", f"/v1/exports/{export_id}/download", api.member_claims(), headers={"Accept": accept})
    return Reply(result["statusCode"], json.loads(result["body"]) if result.get("body") else None,
                 {name.lower(): value for name, value in (result.get("headers") or {}).items()})


def test_a_browser_gets_the_download_url_as_json(api, people):
    from datetime import datetime, timedelta

    done = finished(api)
    asked = datetime.now(UTC)

    reply = download_as_json(api, done["id"], "application/json, text/plain;q=0.5")

    assert reply.status == 200, reply.body
    assert set(reply.body) == {"url", "expires_at"} and reply.headers["cache-control"] == "no-store"
    expires = datetime.fromisoformat(reply.body["expires_at"].replace("Z", "+00:00"))
    assert asked + timedelta(seconds=295) <= expires <= asked + timedelta(seconds=305)
    query = dict(pair.split("=", 1) for pair in reply.body["url"].split("?", 1)[1].split("&"))
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and query["X-Amz-SignedHeaders"] == "host"
    assert query["X-Amz-Expires"] == "300"
    with urllib.request.urlopen(reply.body["url"], timeout=10) as response:  # no Authorization header
        assert csv_rows(response.read(), "utf-8-sig")[0] == FIELDS
    assert download_as_json(api, done["id"], "text/html,*/*").status == 302  # a browser following a link
    assert download_as_json(api, done["id"], "application/json;q=0").status == 302


def test_after_24_hours_the_download_is_gone(api, people):
    done = finished(api)
    table().update_item(Key={"pk": f"TENANT#{api.tenant}", "sk": f"JOB#{done['id']}"},
                        UpdateExpression="SET #result.expires_at = :past",
                        ExpressionAttributeNames={"#result": "result"},
                        ExpressionAttributeValues={":past": "2020-01-01T00:00:00.000Z"})
    assert_error(api.get(f"/v1/exports/{done['id']}/download"), 410)
    assert_error(download_as_json(api, done["id"]), 410)


def test_a_failure_midway_leaves_no_file_and_fails_the_job(api, people, monkeypatch):
    import boto3

    from shared.domain import exports as rules

    real_row, rows = rules.row, []

    def broken_after_two(*args):
        rows.append(1)
        if len(rows) == 3:
            raise RuntimeError("the table went away")
        return real_row(*args)

    monkeypatch.setattr(rules, "row", broken_after_two)
    reply = export(api)
    run_queued_jobs()

    failed = api.get(f"/v1/exports/{reply.body['id']}").body
    assert failed["status"] == "failed" and failed["error"] and failed["download_url"] is None
    assert_error(api.get(f"/v1/exports/{reply.body['id']}/download"), 409)
    s3 = boto3.client("s3")
    prefix = f"exports/{api.tenant}/"
    assert s3.list_objects_v2(Bucket="crm-test-files", Prefix=prefix).get("KeyCount", 0) == 0
    assert not [upload for upload in s3.list_multipart_uploads(Bucket="crm-test-files").get("Uploads", [])
                if upload["Key"].startswith(prefix)]


def test_another_user_or_tenant_cannot_see_or_download_an_export(api, people):
    done = finished(api)
    assert_error(api.as_("user").get(f"/v1/exports/{done['id']}"), 404)
    assert_error(api.as_("user").get(f"/v1/exports/{done['id']}/download"), 404)
    assert api.as_("admin").get(f"/v1/exports/{done['id']}").status == 200
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(other.get(f"/v1/exports/{done['id']}/download"), 404)


def test_exports_are_listed_among_the_jobs(api, people):
    done = finished(api)
    [job] = api.get("/v1/jobs").body["items"]
    assert (job["id"], job["type"], job["status"], job["row_count"]) == (done["id"], "export", "succeeded", 3)


# --- the header row and the xlsx's layout ------------------------------------------------------

def export_in(api: Api, accept_language: str | None, **body: Any) -> dict[str, Any]:
    """POST /v1/exports with an Accept-Language header (None: without one), run it: the export."""
    from infra.local.server import call_handler

    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    result = call_handler("POST", "/v1/exports", api.member_claims(),
                          json.dumps({"reason": "展示会フォロー", "fields": FIELDS, **body}), headers=headers)
    assert result["statusCode"] == 202, result["body"]
    run_queued_jobs()
    done = api.get(f"/v1/exports/{json.loads(result['body'])['id']}").body
    assert done["status"] == "succeeded", done
    return done


JAPANESE_LABELS = ["姓", "名", "メールアドレス", "タグ", "業種", "スコア", "ステータス"]


def test_the_header_row_holds_the_field_names_unless_labels_are_asked_for(api, people):
    done = export_in(api, "ja")
    assert done["headers"] == "keys"
    rows = csv_rows(downloaded(api, done["id"]), "utf-8-sig")
    assert rows[0] == FIELDS
    assert ["山田", "太郎", "taro@example.jp", "展示会, VIP", "製造", "0", "new"] in rows  # the same values


@pytest.mark.parametrize("accept_language, header", [
    (None, JAPANESE_LABELS),
    ("ja-JP,ja;q=0.9,en;q=0.8", JAPANESE_LABELS),
    ("fr", JAPANESE_LABELS),
    ("en-US,en;q=0.9,ja;q=0.8", ["Family name", "Given name", "Email", "Tags", "業種", "Score", "Status"]),
])
def test_labels_are_japanese_unless_the_requester_prefers_english(api, people, accept_language, header):
    done = export_in(api, accept_language, headers="labels")

    assert done["headers"] == "labels"
    rows = csv_rows(downloaded(api, done["id"]), "utf-8-sig")
    assert rows[0] == header  # the custom property by its own label, in any language
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["髙橋"][6] == "won" and by_name["山田"][3] == "展示会, VIP"  # values unchanged: only the header


def test_a_cp932_export_with_labels_has_a_japanese_header_excel_reads(api, people):
    done = export_in(api, None, headers="labels", encoding="cp932",
                     fields=["family_name_kana", "company", "owner_id",
                             "last_customer_action_at", "properties.industry"])
    data = downloaded(api, done["id"])
    assert data.startswith("セイ,会社名,担当者,直近顧客行動日時,業種\r\n".encode("cp932"))
    assert done["replaced_characters"] == 0


def test_an_xlsx_export_fits_its_columns_wraps_lines_and_freezes_a_filtered_header(api):
    import openpyxl

    create(api, family_name="山田山田山田山田山田山田", company="ABCDEFGHIJKL", memo="一行目\nsecond line",
           email="yamada@example.jp")
    create(api, family_name="髙橋", company="Acme", memo="one line", email="t@example.jp")
    memo = "長い" * 100
    create(api, family_name="佐藤", company="X", memo=memo)
    done = finished(api, format="xlsx", headers="labels", fields=["family_name", "company", "memo", "email"])

    book = openpyxl.load_workbook(io.BytesIO(downloaded(api, done["id"])))
    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["姓", "会社名", "メモ", "メールアドレス"] and len(rows) == 4
    widths = {column: sheet.column_dimensions[column].width for column in "ABCD"}
    # (Excel stores a width with a few pixels' margin: within 1 of the characters' room)
    # 12 kanji against 12 ASCII letters: twice the room, and padding
    assert widths["A"] == pytest.approx(12 * 2 + 2, abs=1) and widths["B"] == pytest.approx(12 + 2, abs=1)
    assert widths["A"] - widths["B"] == pytest.approx(12)
    assert widths["C"] == pytest.approx(60, abs=1)  # the long memo: capped
    assert widths["D"] == pytest.approx(len("yamada@example.jp") + 2, abs=1)
    multi_line = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "山田山田山田山田山田山田")
    assert multi_line[2].value == "一行目\nsecond line" and multi_line[2].alignment.wrap_text
    assert sheet.row_dimensions[multi_line[2].row].height is None  # Excel fits the row's height
    one_line = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "髙橋")
    assert not one_line[2].alignment.wrap_text
    assert all(cell.font.b for cell in sheet[1]) and not multi_line[0].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"
