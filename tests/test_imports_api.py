"""POST /v1/imports → PUT the file to its presigned URL (the emulated S3) → POST …/start → the
worker (from the emulated SQS queue) → GET /v1/imports/{id}: Japanese files in UTF-8 (with and
without BOM), Shift_JIS/cp932 and Excel's UTF-16 text, quoted newlines, each bad row reported
with the rest imported, duplicates by email, a re-run that duplicates nothing, and the 4xx of a
file that is not CSV, an unknown mapping, an empty or oversized file."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, create
from stack_support import imported as import_file
from stack_support import run_queued_jobs, uploaded

HEADER = "姓,名,メールアドレス,電話番号,会社名,タグ,業種,住所"
ROWS = [
    "山田,太郎,taro@example.jp,03-1234-5678,株式会社サンプル,\"展示会, VIP\",製造,東京都",
    "髙橋,①子,hanako@example.jp,,テスト商事,展示会,小売,\"東京都千代田区\n丸の内1-1\"",
    "佐藤,次郎,not-an-email,,,,,",
    "鈴木,三郎,suzuki@example.jp,,,,宇宙,",
    "田中,四郎,,090-0000-0000,みらい,,,",
]
MAPPING = {"姓": "family_name", "名": "given_name", "メールアドレス": "email", "電話番号": "phone", "会社名": "company",
           "タグ": "tags", "業種": "properties.industry", "住所": "address"}




def imported(api: Api, data: bytes, mapping: dict[str, str] = MAPPING, on_duplicate: str = "update") -> dict[str, Any]:
    return import_file(api, data, mapping, on_duplicate)


def contacts_by_email(api: Api, *emails: str) -> dict[str, dict[str, Any]]:
    found = api.post("/v1/contacts/lookup", {"field": "email", "values": list(emails)}).body["found"]
    return {contact["email"]: contact for contact in found}


def every_contact(api: Api) -> list[dict[str, Any]]:
    return api.post("/v1/contacts/search", {"limit": 200}).body["items"]


@pytest.fixture
def industry(api) -> None:
    assert api.post("/v1/properties", {"key": "industry", "label": "業種", "type": "select",
                                       "options": ["製造", "小売"]}).status == 201


def csv_file(encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([HEADER, *ROWS]) + "\r\n").encode(encoding)


def test_each_failed_rows_message_is_answered_in_the_callers_language(api, industry):
    """Kept in English with the import; GET /v1/imports/{id} answers Japanese to a Japanese reader."""
    from infra.local.server import call_handler

    done = imported(api, csv_file())
    english = {error["row"]: error["message"] for error in done["errors"]}
    assert english == {5: "must be a valid email address, such as taro@example.co.jp",
                       6: "must be one of: 製造, 小売"}
    answer = call_handler("GET", f"/v1/imports/{done['id']}", api.member_claims(), headers={"accept-language": "ja"})
    japanese = {error["row"]: error["message"] for error in json.loads(answer["body"])["errors"]}
    assert japanese == {5: "taro@example.co.jp のような正しいメールアドレスを指定してください",
                        6: "次のいずれかを指定してください: 製造, 小売"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_a_japanese_csv_is_imported_and_each_bad_row_reported(api, industry, encoding):
    done = imported(api, csv_file(encoding))

    assert (done["created"], done["updated"], done["skipped"], done["failed"]) == (3, 0, 0, 2)
    assert done["encoding"] == {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "cp932": "cp932"}[encoding]
    problems = {(error["row"], error["column"]) for error in done["errors"]}
    # the line where each record starts (the header is line 1; 髙橋's address spans two lines)
    assert problems == {(5, "メールアドレス"), (6, "業種")}
    people = contacts_by_email(api, "taro@example.jp", "hanako@example.jp")
    taro, hanako = people["taro@example.jp"], people["hanako@example.jp"]
    assert (taro["family_name"], taro["tags"], taro["properties"], taro["owner_id"]) == \
        ("山田", ["展示会", "VIP"], {"industry": "製造"}, None)
    assert (hanako["family_name"], hanako["given_name"],
            hanako["address"]) == ("髙橋", "①子", "東京都千代田区\n丸の内1-1")
    assert {contact["family_name"] for contact in every_contact(api)} == {"山田", "髙橋", "田中"}
    assert {tag["name"]: tag["contact_count"] for tag in api.get("/v1/tags").body["items"]} == {"展示会": 2, "VIP": 1}


def test_excels_unicode_text_utf16_with_tabs(api):
    data = "姓\t名\tメールアドレス\r\n山田\t太郎\ttaro@example.jp\r\n".encode("utf-16")
    done = imported(api, data, {"姓": "family_name", "名": "given_name", "メールアドレス": "email"})
    assert done["created"] == 1 and done["encoding"] == "utf-16"
    assert contacts_by_email(api, "taro@example.jp")["taro@example.jp"]["given_name"] == "太郎"


def test_known_emails_are_updated_or_skipped(api, industry):
    existing = create(api, family_name="山田", email="TARO@example.jp", tags=["既存"], memo="メモ")
    updated = imported(api, csv_file())
    assert updated["updated"] == 1 and updated["created"] == 2
    taro = api.get(f"/v1/contacts/{existing['id']}").body
    assert (taro["tags"] == ["既存", "展示会", "VIP"] and taro["company"] == "株式会社サンプル"
            and taro["memo"] == "メモ")

    again = imported(api, csv_file(), on_duplicate="skip")
    assert (again["created"], again["skipped"]) == (1, 2)  # 田中 has no email: a new import makes a new contact


def test_running_the_same_import_twice_duplicates_nothing(api, industry):
    """As when a worker died after writing its rows but before moving the cursor: every row is
    done again, and nothing is created twice."""
    from mail_support import table
    from shared.services import imports as service

    import_id = uploaded(api, csv_file())
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": MAPPING}).status == 202
    run_queued_jobs()
    before = sorted(contact["id"] for contact in every_contact(api))
    table().update_item(Key={"pk": f"TENANT#{api.tenant}", "sk": f"JOB#{import_id}"},
                        UpdateExpression="SET #status = :running, #cursor = :zero",
                        ExpressionAttributeNames={"#status": "status", "#cursor": "cursor"},
                        ExpressionAttributeValues={":running": "running", ":zero": 0})

    assert service.run(api.tenant, import_id, lambda: 900.0) is True

    assert sorted(contact["id"] for contact in every_contact(api)) == before
    assert {tag["name"]: tag["contact_count"] for tag in api.get("/v1/tags").body["items"]}["展示会"] == 2
    assert api.get("/v1/settings").body["usage"]["contacts"] == len(before)  # the chunk's room is counted once
    assert_error(api.post(f"/v1/imports/{import_id}/start", {"mapping": MAPPING}), 409)


def test_more_distinct_tags_than_one_transaction_holds_are_all_counted(api):
    """A chunk's counts normally ride in the transaction with its record; 150 new tags do not fit
    in one, so they are counted one by one, and every contact and count is still there."""
    rows = [f"山田{index},tagged{index}@example.jp,タグ{index}" for index in range(150)]
    data = ("\r\n".join(["姓,メールアドレス,タグ", *rows]) + "\r\n").encode("utf-8")

    done = imported(api, data, {"姓": "family_name", "メールアドレス": "email", "タグ": "tags"})

    assert (done["status"], done["created"], done["failed"]) == ("succeeded", 150, 0)
    counts = {tag["name"]: tag["contact_count"] for tag in api.get("/v1/tags").body["items"]}
    assert counts == {f"タグ{index}": 1 for index in range(150)}
    found = contacts_by_email(api, "tagged0@example.jp", "tagged149@example.jp")
    assert (found["tagged149@example.jp"]["tags"] == ["タグ149"]
            and found["tagged0@example.jp"]["family_name"] == "山田0")


def test_a_chunk_redone_after_a_crash_before_its_writes_keeps_its_grant_under_the_limit(api, industry):
    """As when a worker died after counting a chunk's room but before writing its contacts: the
    redo writes the granted ones without counting them again, and refuses the same rows."""
    from shared.db import contacts as contact_store
    from shared.services import imports as service

    assert api.put("/v1/settings", {"contact_limit": 2}).status == 200
    import_id = uploaded(api, csv_file())
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": MAPPING}).status == 202
    real_insert = contact_store.insert_many

    def crash(*_args, **_kwargs):
        raise RuntimeError("the worker died")

    contact_store.insert_many = crash
    try:
        with pytest.raises(RuntimeError):
            service.run(api.tenant, import_id, lambda: 900.0)
    finally:
        contact_store.insert_many = real_insert
    assert api.get("/v1/settings").body["usage"]["contacts"] == 2 and every_contact(api) == []

    assert service.run(api.tenant, import_id, lambda: 900.0) is True

    done = api.get(f"/v1/imports/{import_id}").body
    assert (done["created"], done["failed"]) == (2, 3), done  # the file: 3 new contacts, 2 bad rows
    assert len(every_contact(api)) == 2
    assert api.get("/v1/settings").body["usage"]["contacts"] == 2


def test_an_email_taken_after_the_import_read_it_stays_with_one_contact_and_the_row_is_reported(api, industry,
                                                                                                 monkeypatch):
    """A contact created through the API between the import's read of the emails and its write:
    the address keeps one owner, and the import reports its row instead of making a second one."""
    from shared.db import contacts as contact_store

    real_read = contact_store.by_emails
    rival: dict[str, Any] = {}

    def read_then_lose_the_race(*args: Any, **kwargs: Any) -> dict[str, dict[str, Any]]:
        found = real_read(*args, **kwargs)
        if not rival:
            rival.update(create(api, family_name="先客", email="hanako@example.jp"))
        return found

    monkeypatch.setattr(contact_store, "by_emails", read_then_lose_the_race)
    done = imported(api, csv_file())

    assert (done["created"], done["failed"]) == (2, 3), done
    assert {"row": 3, "column": "メールアドレス",
            "message": "Not imported: another contact took this email while the import ran (emails are unique); "
                       "import this row again to update that contact."} in done["errors"]
    owners = [contact for contact in every_contact(api) if contact["email"] == "hanako@example.jp"]
    assert [contact["id"] for contact in owners] == [rival["id"]]
    assert contacts_by_email(api, "hanako@example.jp")["hanako@example.jp"]["family_name"] == "先客"
    assert api.get("/v1/settings").body["usage"]["contacts"] == 3  # the rival and the two imported


@pytest.mark.parametrize("data, field", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "file"),
    (b"PK\x03\x04" + b"\x00" * 64, "file"),
    (b"", "file"),
    (b"   \r\n  ", "file"),
])
def test_a_file_that_is_not_csv_is_a_422_and_imports_nothing(api, data, field):
    import_id = uploaded(api, data)
    assert_error(api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}), 422, field)
    assert api.get(f"/v1/imports/{import_id}").body["status"] == "created"
    assert every_contact(api) == []


@pytest.mark.parametrize("mapping, field", [
    ({"姓": "nickname"}, "mapping.姓"),
    ({"存在しない列": "family_name"}, "mapping.存在しない列"),
    ({"姓": "properties.unknown"}, "mapping.姓"),
    ({"姓": "family_name", "名": "family_name"}, "mapping.名"),
    ({"姓": "owner_id"}, "mapping.姓"),
    ({}, "mapping"),
])
def test_an_unknown_mapping_is_a_422(api, industry, mapping, field):
    import_id = uploaded(api, csv_file())
    assert_error(api.post(f"/v1/imports/{import_id}/start", {"mapping": mapping}), 422, field)
    assert every_contact(api) == []


def test_a_start_without_a_file_or_an_oversized_file(api, monkeypatch):
    from shared.domain import imports as rules

    empty = api.post("/v1/imports", {}).body
    assert_error(api.post(f"/v1/imports/{empty['id']}/start", {"mapping": {"姓": "family_name"}}), 409)
    import_id = uploaded(api, csv_file())
    monkeypatch.setattr(rules, "MAX_BYTES", 100)
    assert_error(api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}), 413)
    assert_error(api.post("/v1/imports/nothing/start", {"mapping": {"姓": "family_name"}}), 404)


def test_another_tenant_cannot_start_or_read_an_import(api):
    import_id = uploaded(api, csv_file())
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(other.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}), 404)
    assert_error(other.get(f"/v1/imports/{import_id}"), 404)


def test_an_import_never_started_expires_and_a_started_one_stays(api):
    from mail_support import table

    def stored(import_id: str) -> dict[str, Any]:
        return table().get_item(Key={"pk": f"TENANT#{api.tenant}", "sk": f"JOB#{import_id}"},
                                ConsistentRead=True)["Item"]

    import_id = uploaded(api, csv_file())
    assert int(stored(import_id)["expires_at_epoch"]) > 0  # DynamoDB's TTL removes it two days on
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}).status == 202
    assert "expires_at_epoch" not in stored(import_id)
    run_queued_jobs()


def test_a_start_before_the_upload_is_a_409_though_s3_answers_403(api):
    """The functions may not list the bucket, so S3 answers a missing file with 403, not 404."""
    import boto3
    from botocore.exceptions import ClientError

    from shared.config import CONFIG
    from shared.keys import import_object_key

    created = api.post("/v1/imports", {}).body
    with pytest.raises(ClientError) as missing:
        boto3.client("s3").head_object(Bucket=CONFIG.files_bucket, Key=import_object_key(api.tenant, created["id"]))
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    reply = api.post(f"/v1/imports/{created['id']}/start", {"mapping": {"姓": "family_name"}})

    assert_error(reply, 409)
    assert "upload" in reply.error["message"]
    assert api.get(f"/v1/imports/{created['id']}").body["status"] == "created"


def test_a_file_gone_before_the_worker_reads_it_fails_the_import_with_the_reason(api, industry):
    import boto3

    from shared.config import CONFIG
    from shared.keys import import_object_key
    from shared.services.imports import FILE_GONE

    import_id = uploaded(api, csv_file())
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": MAPPING}).status == 202
    boto3.client("s3").delete_object(Bucket=CONFIG.files_bucket, Key=import_object_key(api.tenant, import_id))

    run_queued_jobs()

    done = api.get(f"/v1/imports/{import_id}").body
    assert (done["status"], done["error"], done["created"]) == ("failed", FILE_GONE, 0)
    assert every_contact(api) == []


# --- a file that stops being readable past the head `start` checks ----------------------------------

GOOD_ROWS = 150  # with an unmapped 500-character column, about 80 KB: past the 64 KB head that start sniffs


def _good_part() -> bytes:
    lines = ["姓,名,メールアドレス,備考"] + [f"山田,太郎{index},row{index}@example.jp,{'x' * 500}"
                                  for index in range(GOOD_ROWS)]
    data = ("\r\n".join(lines) + "\r\n").encode()
    assert len(data) > 64 * 1024
    return data


@pytest.mark.parametrize("tail,reason", [
    (b"\xff\xfe,bad,byte@example.jp\r\n", "not valid UTF-8"),
    ("髙橋,花子,cp932@example.jp\r\n".encode("cp932"), "not valid UTF-8"),
    (b'"' + b"x" * 200_000 + b'",big,cell@example.jp\r\n', "field larger than field limit"),
], ids=["bad-byte", "other-encoding", "oversized-cell"])
def test_an_unreadable_line_past_the_head_fails_the_import_there_and_keeps_the_rows_before(api, tail, reason):
    """One delivery ends it: the rows before the line are imported and counted, the job fails
    naming the line and why (it never stays queued or running for the queue's retries)."""
    data = _good_part() + tail + "佐藤,次郎,after@example.jp\r\n".encode()
    import_id = uploaded(api, data)
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name", "名": "given_name",
                                                                   "メールアドレス": "email"}}).status == 202

    assert run_queued_jobs(api.tenant) == 1  # no redelivery

    done = api.get(f"/v1/imports/{import_id}").body
    bad_line = GOOD_ROWS + 2
    assert done["status"] == "failed", done
    assert f"at line {bad_line}: " in done["error"] and reason in done["error"], done["error"]
    assert (done["created"], done["failed"]) == (GOOD_ROWS, 0), done
    assert contacts_by_email(api, "row0@example.jp", f"row{GOOD_ROWS - 1}@example.jp", "after@example.jp").keys() == {
        "row0@example.jp", f"row{GOOD_ROWS - 1}@example.jp"}


def test_an_import_whose_file_stream_is_cut_goes_on_from_where_it_stopped(api, monkeypatch):
    """S3 drops a connection a slow reader holds open (the worker writes rows between its reads):
    the import reads the rest from the byte it reached (a Range GET) and imports every row once."""
    from botocore.exceptions import IncompleteReadError
    from botocore.response import StreamingBody

    rows = [f"山田{number},太郎,cut{number}@example.jp,,,,," for number in range(400)]
    data = ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")
    read = StreamingBody.read
    cuts = {"left": 2, "seen": 0}

    def cut_short(self, amt=None):
        chunk = read(self, amt)
        if amt is None:  # the start's sniff reads the file's head whole: the worker reads in pieces
            return chunk
        cuts["seen"] += len(chunk)
        if cuts["left"] and cuts["seen"] > len(data) // 3:  # a third in, twice: the connection drops
            cuts["left"] -= 1
            cuts["seen"] = 0
            raise IncompleteReadError(actual_bytes=len(chunk), expected_bytes=len(data))
        return chunk

    monkeypatch.setattr(StreamingBody, "read", cut_short)
    done = imported(api, data, {"姓": "family_name", "名": "given_name", "メールアドレス": "email"})

    assert cuts["left"] == 0
    assert (done["created"], done["failed"]) == (400, 0)
    assert len(contacts_by_email(api, *(f"cut{number}@example.jp" for number in range(400)))) == 400
