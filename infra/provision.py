"""Create the AWS resources the stack needs on a local endpoint (moto, DynamoDB Local, LocalStack).

In AWS, `sam deploy` creates them from template.yaml. Locally this module creates the same
DynamoDB table and Cognito user pool with its app client, from the same definitions
(`infra.template.table_definition()`, `user_pool_definition()`), so the two cannot drift.
Locally the stack's name is its table's name (the pool is "<table>-users"). Everything here is
idempotent: what exists is left as it is (a pool and a client are found by name).

    python -m infra.provision [--endpoint-url URL] [--table-name NAME]

The endpoint comes from `--endpoint-url`/`endpoint_url=` when given, otherwise boto3 reads
the standard `AWS_ENDPOINT_URL` from the environment on its own.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.template import load_template, table_definition, user_pool_client_definition, user_pool_definition

LOGGER = logging.getLogger("crm.provision")

DEFAULT_TABLE_NAME = "crm-local"
# Same fallback as shared/config.py, so the local stack and its provisioning agree.
DEFAULT_REGION = "ap-northeast-1"
TABLE_LOGICAL_ID = "Table"

# Environment variables naming the S3 buckets the functions use (the same variables the
# template sets on the functions). Each one that is set names a bucket created if missing.
BUCKET_ENV_VARS: tuple[str, ...] = ("INBOUND_BUCKET", "FILES_BUCKET")
# The console's origin on this machine (the template's ConsoleOrigin parameter, locally): `make dev`
# serves it on 127.0.0.1 at any port (PORT; the tests take a free one). S3 takes one * in an origin.
LOCAL_CONSOLE_ORIGINS: tuple[str, ...] = ("http://127.0.0.1:*", "http://localhost:*")
# The same for the SQS queues (their URLs; the queue's name is the URL's last part).
QUEUE_ENV_VARS: tuple[str, ...] = ("BULK_QUEUE_URL", "EXPORT_QUEUE_URL")


def configured_buckets() -> list[str]:
    """Bucket names from the configuration (the environment), in BUCKET_ENV_VARS order."""
    names = (os.environ.get(var, "").strip() for var in BUCKET_ENV_VARS)
    return list(dict.fromkeys(name for name in names if name))


def ttl_attribute(logical_id: str = TABLE_LOGICAL_ID) -> str | None:
    """The TTL attribute of the table in the template, or None when TTL is not enabled."""
    props = load_template()["Resources"][logical_id]["Properties"]
    spec = props.get("TimeToLiveSpecification") or {}
    if spec.get("Enabled") in (True, "true", "True") and spec.get("AttributeName"):
        return str(spec["AttributeName"])
    return None


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def _client(service: str, endpoint_url: str | None) -> Any:
    kwargs: dict[str, Any] = {"region_name": _region()}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return boto3.client(service, **kwargs)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def ensure_table(dynamodb: Any, table_name: str) -> bool:
    """Create the table from the template unless it exists; wait until ACTIVE.

    Returns True when the table was created by this call.
    """
    created = False
    try:
        existing = dynamodb.describe_table(TableName=table_name)["Table"]
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        existing = None
    if existing is None:
        try:
            dynamodb.create_table(TableName=table_name, **copy.deepcopy(table_definition(TABLE_LOGICAL_ID)))
            created = True
            LOGGER.info("created table %s", table_name)
        except ClientError as error:  # created concurrently by another process
            if _error_code(error) != "ResourceInUseException":
                raise
    else:
        _warn_on_drift(existing)
    dynamodb.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
    )
    ensure_ttl(dynamodb, table_name)
    return created


def _warn_on_drift(existing: dict[str, Any]) -> None:
    wanted = {gsi["IndexName"] for gsi in table_definition(TABLE_LOGICAL_ID).get("GlobalSecondaryIndexes", [])}
    present = {gsi["IndexName"] for gsi in existing.get("GlobalSecondaryIndexes", [])}
    if wanted != present:
        LOGGER.warning(
            "table %s exists but its indexes differ from template.yaml (missing %s, extra %s); "
            "it is left as is: delete it to recreate it",
            existing.get("TableName"),
            sorted(wanted - present),
            sorted(present - wanted),
        )


def ensure_ttl(dynamodb: Any, table_name: str) -> None:
    """Enable TTL on the template's TTL attribute unless TTL is already on."""
    attribute = ttl_attribute()
    if attribute is None:
        return
    description = dynamodb.describe_time_to_live(TableName=table_name).get("TimeToLiveDescription", {})
    status = description.get("TimeToLiveStatus", "DISABLED")
    if status in ("ENABLED", "ENABLING"):
        if description.get("AttributeName") not in (None, attribute):
            LOGGER.warning(
                "table %s has TTL on %r, template.yaml says %r; left as is",
                table_name,
                description.get("AttributeName"),
                attribute,
            )
        return
    try:
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True},
        )
        LOGGER.info("enabled TTL on %s.%s", table_name, attribute)
    except ClientError as error:  # enabled concurrently
        if "already enabled" not in str(error).lower():
            raise


def ensure_bucket(s3: Any, name: str) -> bool:
    """Create the bucket unless it exists. Returns True when created by this call."""
    try:
        s3.head_bucket(Bucket=name)
        return False
    except ClientError as error:
        if _error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    region = s3.meta.region_name
    kwargs: dict[str, Any] = {"Bucket": name}
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**kwargs)
    except ClientError as error:
        if _error_code(error) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
        return False
    LOGGER.info("created bucket %s", name)
    return True


def files_bucket_cors(console_origins: Iterable[str] = LOCAL_CONSOLE_ORIGINS) -> list[dict[str, Any]]:
    """The template's CORS rules of FilesBucket for PutBucketCors, CONSOLE_ORIGINS standing for the
    ConsoleOrigin parameter: the console PUTs imports to, and GETs exports from, presigned URLs."""
    rules = load_template()["Resources"]["FilesBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    renamed = {"MaxAge": "MaxAgeSeconds"}  # CloudFormation's names → the S3 API's
    return [{renamed.get(name, name): value for name, value in rule.items() if name != "AllowedOrigins"}
            | {"AllowedOrigins": [origin for entry in rule["AllowedOrigins"]
                                  for origin in ([entry] if isinstance(entry, str) else console_origins)]}
            for rule in rules]


def ensure_mail_resources(endpoint_url: str | None) -> None:
    """The SES configuration set and the schedule group the mail functions name in their
    environment (SES_CONFIGURATION_SET, SCHEDULE_GROUP), when set."""
    configuration_set = os.environ.get("SES_CONFIGURATION_SET", "").strip()
    if configuration_set:
        ses = _client("sesv2", endpoint_url)
        try:
            ses.create_configuration_set(ConfigurationSetName=configuration_set)
        except ClientError as error:
            if _error_code(error) not in ("AlreadyExistsException", "ConfigurationSetAlreadyExistsException"):
                raise
    group = os.environ.get("SCHEDULE_GROUP", "").strip()
    if group and group != "default":
        scheduler = _client("scheduler", endpoint_url)
        try:
            scheduler.create_schedule_group(Name=group)
        except ClientError as error:
            if _error_code(error) != "ConflictException":
                raise


def configured_queues() -> list[str]:
    """Names of the SQS queues the configuration points at (the last part of each URL)."""
    urls = (os.environ.get(var, "").strip() for var in QUEUE_ENV_VARS)
    return list(dict.fromkeys(url.rstrip("/").rsplit("/", 1)[-1] for url in urls if url))


def ensure_queues(endpoint_url: str | None) -> None:
    """Create each configured queue unless it exists (CreateQueue is idempotent for the same
    attributes)."""
    names = configured_queues()
    if names:
        sqs = _client("sqs", endpoint_url)
        for name in names:
            sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "960"})


# The stack's own secrets in template.yaml, by the variable that hands each one's ARN to the
# functions (they read the values at run time: shared/config.py).
SECRET_ENV_VARS: dict[str, str] = {"AppSecret": "APP_SECRET_ID", "TrackingKeySecret": "TRACKING_KEY_SECRET_ID"}


def ensure_secrets(secretsmanager: Any, stack_name: str,
                   values: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """The template's secrets of stack `stack_name` (named "<stack>/<logical id>"), created unless
    they exist: with `values` (by logical id) when given, else generated as the template's
    GenerateSecretString says. Returns their ARNs by SECRET_ENV_VARS."""
    resources = load_template()["Resources"]
    environment = {}
    for logical_id, variable in SECRET_ENV_VARS.items():
        name = f"{stack_name}/{logical_id}"
        try:
            arn = secretsmanager.describe_secret(SecretId=name)["ARN"]
        except ClientError as error:
            if _error_code(error) != "ResourceNotFoundException":
                raise
            value = (values or {}).get(logical_id) or _generated_secret(secretsmanager, resources[logical_id])
            arn = secretsmanager.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
            LOGGER.info("created secret %s", name)
        environment[variable] = arn
    return environment


def _generated_secret(secretsmanager: Any, resource: dict[str, Any]) -> dict[str, str]:
    """What CloudFormation's GenerateSecretString makes: the template string's JSON with one key
    set to a random password of the given length and character classes."""
    spec = resource["Properties"]["GenerateSecretString"]
    password = secretsmanager.get_random_password(
        PasswordLength=spec["PasswordLength"], ExcludePunctuation=spec.get("ExcludePunctuation", False))
    return {**json.loads(spec["SecretStringTemplate"]), spec["GenerateStringKey"]: password["RandomPassword"]}


def ensure_user_pool(cognito: Any, stack_name: str, pool_logical_id: str = "UserPool",
                     client_logical_id: str = "UserPoolClient") -> tuple[str, str]:
    """A user pool of the template and its app client for stack `stack_name` (the team's by
    default), created unless a pool and a client of their names exist: (user pool id, app client id)."""
    pool, enabled_mfas = user_pool_definition(stack_name, pool_logical_id)
    pool_id = _find(cognito.get_paginator("list_user_pools").paginate(MaxResults=60), "UserPools",
                    "Name", pool["PoolName"], "Id")
    if pool_id is None:
        pool_id = cognito.create_user_pool(**pool)["UserPool"]["Id"]
        if enabled_mfas:
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool_id, MfaConfiguration=pool.get("MfaConfiguration", "OFF"),
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in enabled_mfas})
        LOGGER.info("created user pool %s (%s)", pool["PoolName"], pool_id)
    client = user_pool_client_definition(stack_name, client_logical_id)
    client_id = _find(cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60),
                      "UserPoolClients", "ClientName", client["ClientName"], "ClientId")
    if client_id is None:
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, **client)["UserPoolClient"]["ClientId"]
        LOGGER.info("created app client %s (%s)", client["ClientName"], client_id)
    return pool_id, client_id


def _find(pages: Iterable[dict[str, Any]], items: str, key: str, wanted: str, answer: str) -> str | None:
    """`answer` of the first of the pages' `items` whose `key` is `wanted`."""
    return next((item[answer] for page in pages for item in page.get(items, []) if item.get(key) == wanted), None)


def provision(
    endpoint_url: str | None = None,
    table_name: str | None = None,
    buckets: Iterable[str] | None = None,
    secret_values: dict[str, dict[str, str]] | None = None,
) -> dict[str, str]:
    """Create the table, the user pools, the secrets (and the configured buckets, queues…) if
    missing. Safe to call repeatedly. Returns what the functions' environment names the pools by
    (USER_POOL_ID, USER_POOL_CLIENT_ID; the member groups' logins: MEMBER_POOL_ID,
    MEMBER_POOL_CLIENT_ID) and the secrets by (SECRET_ENV_VARS), without those an endpoint does not
    emulate (DynamoDB Local). `secret_values`: see ensure_secrets.

    `table_name` defaults to env TABLE_NAME, then "crm-local"; `buckets` to
    `configured_buckets()`. Without `endpoint_url`, boto3 uses AWS_ENDPOINT_URL if set.
    """
    name = table_name or os.environ.get("TABLE_NAME") or DEFAULT_TABLE_NAME
    ensure_table(_client("dynamodb", endpoint_url), name)
    try:
        cognito = _client("cognito-idp", endpoint_url)
        pool_id, client_id = ensure_user_pool(cognito, name)
        member_pool_id, member_client_id = ensure_user_pool(cognito, name, "MemberUserPool", "MemberUserPoolClient")
        pool_environment = {"USER_POOL_ID": pool_id, "USER_POOL_CLIENT_ID": client_id,
                            "MEMBER_POOL_ID": member_pool_id, "MEMBER_POOL_CLIENT_ID": member_client_id}
    except (BotoCoreError, ClientError) as error:
        LOGGER.warning("no user pool on this endpoint (%s): nobody can sign in", error)
        pool_environment = {}
    try:
        secret_environment = ensure_secrets(_client("secretsmanager", endpoint_url), name, secret_values)
    except (BotoCoreError, ClientError) as error:
        LOGGER.warning("no Secrets Manager on this endpoint (%s): the functions cannot start", error)
        secret_environment = {}
    ensure_mail_resources(endpoint_url)
    ensure_queues(endpoint_url)
    bucket_names = list(configured_buckets() if buckets is None else buckets)
    if bucket_names:
        s3 = _client("s3", endpoint_url)
        for bucket in bucket_names:
            ensure_bucket(s3, bucket)
        files_bucket = os.environ.get("FILES_BUCKET", "").strip()
        if files_bucket in bucket_names:
            s3.put_bucket_cors(Bucket=files_bucket, CORSConfiguration={"CORSRules": files_bucket_cors()})
    return {**pool_environment, **secret_environment}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.provision",
        description="Create the CRM's DynamoDB table (and buckets) on a local AWS endpoint, idempotently.",
    )
    parser.add_argument(
        "--endpoint-url",
        default=None,
        help="AWS endpoint (default: AWS_ENDPOINT_URL from the environment, else real AWS)",
    )
    parser.add_argument(
        "--table-name",
        default=None,
        help=f"table name (default: env TABLE_NAME, else {DEFAULT_TABLE_NAME})",
    )
    parser.add_argument(
        "--aws",
        action="store_true",
        help="allow provisioning in real AWS when no endpoint is configured (normally sam deploy does that)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    local = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if not local and not args.aws:
        parser.error("no endpoint: pass --endpoint-url or set AWS_ENDPOINT_URL (or --aws to use real AWS)")
    for name, value in provision(endpoint_url=args.endpoint_url, table_name=args.table_name).items():
        print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
