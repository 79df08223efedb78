"""What each function asks of AWS: every API call its botocore clients make, as IAM requests.

``running(function)`` marks an invocation (infra.local.server wraps every handler call in it).
Once ``install()`` has run, every botocore client created afterwards (boto3's, PynamoDB's own
session, any other) carries a ``before-parameter-build`` hook that turns each call into the
IAM requests AWS authorizes for it, (action, resource ARN), and counts them per function. The
same event fires for ``generate_presigned_url``: a presigned GET or PUT is recorded as the
s3:GetObject or s3:PutObject the function signs for. Calls outside an invocation (the tests'
own set-up and checks) are not recorded.

A Lambda process runs one invocation at a time, so every thread it starts acts for that
function: ``install()`` also carries the invocation over to threads started and pool tasks
submitted while it runs (contextvars do not follow them by themselves).

Which IAM actions each API operation needs, and on which resources, is the Service
Authorization Reference's "API operations" table of each service:
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from infra.local.apigw import ACCOUNT_ID

IamRequest = tuple[str, str]  # (action, resource ARN)
Call = tuple[str, str, str]  # (function logical id, action, resource ARN)

_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("aws_calls_of", default=None)
_recorders: list[Counter[Call]] = []


@contextlib.contextmanager
def running(function: str) -> Iterator[None]:
    """AWS calls made in this block (and in threads it starts) are `function`'s."""
    token = _function.set(function)
    try:
        yield
    finally:
        _function.reset(token)


@contextlib.contextmanager
def recording() -> Iterator[Counter[Call]]:
    """Count each (function, action, resource) asked for in this block (install() first)."""
    calls: Counter[Call] = Counter()
    _recorders.append(calls)
    try:
        yield calls
    finally:
        _recorders[:] = [other for other in _recorders if other is not calls]  # not remove(): Counters compare by value


def install() -> None:
    """Record the calls of every botocore client created from now on (idempotent)."""
    from botocore import handlers

    entry = ("before-parameter-build.*.*", _record, handlers.REGISTER_LAST)
    if entry in handlers.BUILTIN_HANDLERS:
        return
    handlers.BUILTIN_HANDLERS.append(entry)
    _carry_invocation_into_threads()


def _carry_invocation_into_threads() -> None:
    submit, start = concurrent.futures.ThreadPoolExecutor.submit, threading.Thread.start

    def submit_in_context(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    def start_in_context(self: threading.Thread) -> None:
        context, run = contextvars.copy_context(), self.run
        self.run = lambda: context.run(run)  # type: ignore[method-assign]
        start(self)

    concurrent.futures.ThreadPoolExecutor.submit = submit_in_context  # type: ignore[method-assign]
    threading.Thread.start = start_in_context  # type: ignore[method-assign]


def _record(params: dict[str, Any], model: Any, **_: Any) -> None:
    function = _function.get()
    if function is None or not _recorders:
        return
    for action, resource in iam_requests(model.service_model.signing_name, model.name, params):
        for calls in _recorders:
            calls[function, action, resource] += 1


# --- an API call as IAM requests ---------------------------------------------------------------


def region() -> str:
    """The region the functions' clients use (shared.config reads the same variables)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1"


def iam_requests(prefix: str, operation: str, params: dict[str, Any]) -> list[IamRequest]:
    """The (action, resource) pairs IAM authorizes for one call of `operation` with `params`;
    `prefix` is the service's IAM prefix (its signing name: dynamodb, s3, ses, sqs, ...).
    An operation this does not know asks for `prefix:operation` on "*", the strictest reading."""
    build = _BUILDERS.get(prefix)
    return build(operation, params) if build else [(f"{prefix}:{operation}", "*")]


def table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:{region()}:{ACCOUNT_ID}:table/{table}"


# TransactWriteItems and TransactGetItems are no IAM actions: each item is authorized as the
# action it performs. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
_TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _dynamodb(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [(f"dynamodb:{_TRANSACT_ITEM_ACTIONS[kind]}", table_arn(item["TableName"]))
                for entry in params["TransactItems"] for kind, item in entry.items()]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", table_arn(table)) for table in params["RequestItems"]]
    if "TableName" not in params:
        return [(f"dynamodb:{operation}", "*")]
    resource = table_arn(params["TableName"])
    if params.get("IndexName"):  # a Query or Scan of an index is authorized on the index
        resource += f"/index/{params['IndexName']}"
    return [(f"dynamodb:{operation}", resource)]


# S3 operations authorized as another action (the reference's "API operations" table): HeadObject
# needs s3:GetObject, each step of a multipart upload s3:PutObject.
_S3_ACTIONS = {"HeadObject": "GetObject", "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
               "CompleteMultipartUpload": "PutObject", "ListObjectsV2": "ListBucket"}


def _s3(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    if "Bucket" not in params:
        return [(f"s3:{operation}", "*")]
    resource = f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")
    return [(f"s3:{_S3_ACTIONS.get(operation, operation)}", resource)]


def _ses(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    """SES v2 (IAM prefix ses). SendEmail is authorized on the sending identity and on the
    configuration set it names. The identity is taken as the From address's domain (an address
    identity of that domain would be identity/<address>)."""
    if operation != "SendEmail":
        return [(f"ses:{operation}", "*")]
    base = f"arn:aws:ses:{region()}:{ACCOUNT_ID}"
    identity = params.get("FromEmailAddressIdentityArn") or (
        f"{base}:identity/{params['FromEmailAddress'].rpartition('@')[2].rstrip('>').strip()}")
    resources = [identity]
    if params.get("ConfigurationSetName"):
        resources.append(f"{base}:configuration-set/{params['ConfigurationSetName']}")
    return [("ses:SendEmail", resource) for resource in resources]


# A secret's ARN is its name, a hyphen and six random characters.
SECRET_SUFFIX = "-Ab12Cd"


def _secretsmanager(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    secret = params.get("SecretId") or params.get("Name")
    if secret is None:
        return [(f"secretsmanager:{operation}", "*")]
    if not secret.startswith("arn:"):
        secret = f"arn:aws:secretsmanager:{region()}:{ACCOUNT_ID}:secret:{secret}{SECRET_SUFFIX}"
    return [(f"secretsmanager:{operation}", secret)]


def _scheduler(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    """A schedule is schedule/<group>/<name>; creating or updating one passes its target's role."""
    if "Name" not in params:
        return [(f"scheduler:{operation}", "*")]
    group = params.get("GroupName") or "default"
    requests = [(f"scheduler:{operation}",
                 f"arn:aws:scheduler:{region()}:{ACCOUNT_ID}:schedule/{group}/{params['Name']}")]
    role = (params.get("Target") or {}).get("RoleArn")
    if role:
        requests.append(("iam:PassRole", role))
    return requests


def queue_arn(queue_url: str) -> str:
    """https://sqs.<region>.amazonaws.com/<account>/<name> (or an emulator's URL with the same path)."""
    parts = urlsplit(queue_url)
    account, name = parts.path.strip("/").split("/")[-2:]
    host = parts.hostname or ""
    queue_region = host.split(".")[1] if host.startswith("sqs.") else region()
    return f"arn:aws:sqs:{queue_region}:{account}:{name}"


def _sqs(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    resource = queue_arn(params["QueueUrl"]) if "QueueUrl" in params else "*"
    return [(f"sqs:{operation.removesuffix('Batch')}", resource)]  # SendMessageBatch is sqs:SendMessage


def user_pool_arn(user_pool_id: str) -> str:
    return f"arn:aws:cognito-idp:{region()}:{ACCOUNT_ID}:userpool/{user_pool_id}"


def _cognito_idp(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    """The administrator calls (Admin*) act on their user pool
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html)."""
    resource = user_pool_arn(params["UserPoolId"]) if "UserPoolId" in params else "*"
    return [(f"cognito-idp:{operation}", resource)]


_BUILDERS = {"dynamodb": _dynamodb, "s3": _s3, "ses": _ses, "secretsmanager": _secretsmanager,
             "scheduler": _scheduler, "sqs": _sqs, "cognito-idp": _cognito_idp}
