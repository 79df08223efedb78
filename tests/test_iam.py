"""IAM proven: what each function asks of AWS is allowed by its role as `sam deploy` creates it.

Every test session records each AWS call the functions make (infra/local/iam_record.py) and,
when it ends, judges each one against the function's role from the SAM-translated template with
moto's IAM policy evaluation (infra/iam.py); a denial fails the session (tests/conftest.py). Here:
that a missing permission is reported, that calls are attributed to the right function (and
only inside an invocation), how calls become IAM requests, and how the roles are resolved.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conftest import _ENV, Api, create
from infra.iam import check, denied, role_policies
from infra.local.iam_record import iam_requests, recording, running
from mail_support import outbox_listening  # noqa: F401 - autouse: the notice mail is caught
from stack_support import run_queued_jobs

REGION, ACCOUNT = "ap-northeast-1", "123456789012"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/crm-test"
EXPORT_QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:crm-test-export"


def functions_env() -> dict[str, str]:
    return {**os.environ, **_ENV}


@pytest.fixture(scope="module")
def export_calls(moto_endpoint) -> Counter:
    """Every AWS call of an export, from the request to the download: the API (DynamoDB, SQS, a
    presigned GET), the worker (DynamoDB, a multipart upload to S3, the notice mail)."""
    import urllib.request

    api = Api("tenant-iam-export")
    with recording() as calls:
        create(api, family_name="山田", email="taro@example.jp")
        started = api.post("/v1/exports", {"reason": "IAM", "fields": ["family_name", "email"]})
        assert started.status == 202, started.body
        run_queued_jobs()
        link = api.get(f"/v1/exports/{started.body['id']}/download")
        assert link.status == 302, link.body
        with urllib.request.urlopen(link.headers["location"], timeout=10) as response:
            assert response.read()
    return calls


def pairs(calls: Counter, function: str) -> set[str]:
    return {action for caller, action, _ in calls if caller == function}


def test_every_call_of_an_export_is_allowed_by_the_functions_roles(export_calls):
    assert {"dynamodb:PutItem", "sqs:SendMessage", "s3:GetObject"} <= pairs(
        export_calls, "ContactsApiFunction")
    assert {"dynamodb:UpdateItem", "s3:PutObject", "ses:SendEmail"} <= pairs(export_calls, "ExportWorkerFunction")
    # the notice mail goes out without the configuration set: the worker's role allows identities only
    sent = [resource for function, action, resource in export_calls
            if (function, action) == ("ExportWorkerFunction", "ses:SendEmail")]
    assert sent == [f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/crm.example.test"]
    assert denied(export_calls, role_policies(functions_env())) == []


def test_a_presigned_download_is_the_functions_own_get(export_calls):
    [download] = [resource for function, action, resource in export_calls
                  if (function, action) == ("ContactsApiFunction", "s3:GetObject")]
    assert download.startswith("arn:aws:s3:::crm-test-files/exports/tenant-iam-export/")


def test_a_permission_the_role_lacks_is_reported(export_calls):
    policies = role_policies(functions_env())
    contacts = policies["ContactsApiFunction"]
    contacts["Statement"] = [statement for statement in contacts["Statement"] if statement.get("Sid") != "QueueJobs"]
    assert denied(export_calls, policies) == [("ContactsApiFunction", "sqs:SendMessage", EXPORT_QUEUE)]
    lines, _ = check(export_calls, functions_env())
    assert lines == []


def test_the_session_check_names_each_denied_request():
    calls = Counter({("TrackingFunction", "dynamodb:Scan", TABLE): 2,
                     ("TrackingFunction", "dynamodb:GetItem", TABLE): 5})
    lines, [summary] = check(calls, functions_env())
    assert lines == [f"TrackingFunction is denied dynamodb:Scan on {TABLE} (2 calls)"]
    assert summary.startswith("IAM: 7 AWS requests of 2 (function, action) pairs") and summary.endswith("1 denied")


def test_a_function_missing_from_the_template_is_denied_everything():
    assert denied([("NoSuchFunction", "dynamodb:GetItem", TABLE)], role_policies(functions_env())) == [
        ("NoSuchFunction", "dynamodb:GetItem", TABLE)]


# --- which function a call belongs to ----------------------------------------------------------


def presign_a_download() -> None:
    from shared.aws import client

    client("s3").generate_presigned_url("get_object", Params={"Bucket": _ENV["FILES_BUCKET"], "Key": "exports/x.csv"})


def get_a_contact() -> None:
    from shared.db.models import ContactItem

    try:
        ContactItem.get("TENANT#nobody", "CONTACT#nobody")
    except ContactItem.DoesNotExist:
        pass


# (calls made here inside running() are recorded for the session's check too: they must be allowed)
def test_a_call_outside_any_invocation_is_not_attributed(moto_endpoint):
    with recording() as calls:
        presign_a_download()
        get_a_contact()
    assert calls == Counter()
    with recording() as calls, running("ContactsApiFunction"):
        presign_a_download()
        get_a_contact()
    assert calls == Counter({("ContactsApiFunction", "s3:GetObject", "arn:aws:s3:::crm-test-files/exports/x.csv"): 1,
                             ("ContactsApiFunction", "dynamodb:GetItem", TABLE): 1})


def test_pynamodbs_client_and_the_threads_an_invocation_starts_act_for_its_function(moto_endpoint):
    outside = threading.Thread(target=get_a_contact)
    with recording() as calls:
        with running("ContactsApiFunction"):
            with ThreadPoolExecutor(max_workers=2) as pool:
                pool.submit(get_a_contact).result()
            inside = threading.Thread(target=get_a_contact)
            inside.start()
            inside.join()
        outside.start()  # started after the invocation, by no function
        outside.join()
    assert calls == Counter({("ContactsApiFunction", "dynamodb:GetItem", TABLE): 2})


# --- an API call as IAM requests (the Service Authorization Reference's tables) ----------------


@pytest.mark.parametrize("prefix, operation, params, expected", [
    ("dynamodb", "Query", {"TableName": "crm-test", "IndexName": "gsi1"},
     [("dynamodb:Query", f"{TABLE}/index/gsi1")]),
    ("dynamodb", "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "crm-test"}},
                                                         {"ConditionCheck": {"TableName": "crm-test"}}]},
     [("dynamodb:PutItem", TABLE), ("dynamodb:ConditionCheckItem", TABLE)]),
    ("dynamodb", "BatchWriteItem", {"RequestItems": {"crm-test": []}}, [("dynamodb:BatchWriteItem", TABLE)]),
    ("s3", "UploadPart", {"Bucket": "b", "Key": "exports/x.csv"}, [("s3:PutObject", "arn:aws:s3:::b/exports/x.csv")]),
    ("s3", "HeadObject", {"Bucket": "b", "Key": "k"}, [("s3:GetObject", "arn:aws:s3:::b/k")]),
    ("s3", "AbortMultipartUpload", {"Bucket": "b", "Key": "k"}, [("s3:AbortMultipartUpload", "arn:aws:s3:::b/k")]),
    ("ses", "SendEmail", {"FromEmailAddress": "a@example.jp", "ConfigurationSetName": "crm-test"},
     [("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.jp"),
      ("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/crm-test")]),
    ("secretsmanager", "GetSecretValue", {"SecretId": "crm-test/mailbox/abc"},
     [("secretsmanager:GetSecretValue",
       f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:crm-test/mailbox/abc-Ab12Cd")]),
    ("scheduler", "CreateSchedule", {"Name": "email-1", "GroupName": "g",
                                     "Target": {"RoleArn": "arn:aws:iam::1:role/r"}},
     [("scheduler:CreateSchedule", f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/g/email-1"),
      ("iam:PassRole", "arn:aws:iam::1:role/r")]),
    ("sqs", "SendMessageBatch", {"QueueUrl": "http://127.0.0.1:5000/123456789012/q"},
     [("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")]),
    ("kms", "Decrypt", {}, [("kms:Decrypt", "*")]),
])
def test_a_call_is_the_iam_requests_aws_authorizes(monkeypatch, prefix, operation, params, expected):
    monkeypatch.setenv("AWS_REGION", REGION)
    assert iam_requests(prefix, operation, params) == expected


# --- the roles ---------------------------------------------------------------------------------


def statement(policies: dict[str, Any], function: str, sid: str) -> dict[str, Any]:
    [found] = [item for item in policies[function]["Statement"] if item.get("Sid") == sid]
    return found


def test_the_roles_are_resolved_to_what_the_functions_run_with():
    policies = role_policies(functions_env())
    assert statement(policies, "ContactsApiFunction", "TableItemAccess")["Resource"] == [TABLE, f"{TABLE}/index/*"]
    assert statement(policies, "ContactsApiFunction",
                     "ExportDownloads")["Resource"] == "arn:aws:s3:::crm-test-files/exports/*"
    assert statement(policies, "ContactsApiFunction", "QueueJobs")["Resource"] == [
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:crm-test-bulk", EXPORT_QUEUE]
    # AWS::StackName is learnt from MAILBOX_SECRET_PREFIX (!Sub "${AWS::StackName}/mailbox")
    assert statement(policies, "EmailsApiFunction", "MailboxPasswords")["Resource"] == (
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:crm-test/mailbox/*")
    assert statement(policies, "EmailsApiFunction", "PassSchedulerRole")["Resource"] == _ENV["SCHEDULER_ROLE_ARN"]
    # no condition: the evaluation is given no request context to judge one with
    assert not [item for document in policies.values() for item in document["Statement"] if "Condition" in item]
    # SAM's own statements are there too: the dead-letter queue Lambda writes failed events to
    assert {"Action": "sqs:SendMessage", "Resource": "unresolved:MailEventsDeadLetterQueue.Arn", "Effect": "Allow"} in (
        policies["MailEventsFunction"]["Statement"])
