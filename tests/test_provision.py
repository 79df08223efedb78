"""infra.provision creates the template's table on a local endpoint, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import provision as provision_module
from infra.provision import provision
from infra.template import load_template, table_definition

REGION = "ap-northeast-1"


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_DYNAMODB", "TABLE_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint


def _dynamodb(endpoint: str) -> Any:
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)


def _index_shapes(indexes: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        index["IndexName"]: (
            tuple((key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]),
            index["Projection"]["ProjectionType"],
            tuple(sorted(index["Projection"].get("NonKeyAttributes", []))),
        )
        for index in indexes
    }


def test_provision_creates_the_template_table_idempotently(aws_env: str) -> None:
    provision(table_name="crm-test-a")
    client = _dynamodb(aws_env)
    first = client.describe_table(TableName="crm-test-a")["Table"]

    provision(table_name="crm-test-a")  # again: no error, table left as is

    table = client.describe_table(TableName="crm-test-a")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["CreationDateTime"] == first["CreationDateTime"]
    definition = table_definition()
    assert _index_shapes(table["GlobalSecondaryIndexes"]) == _index_shapes(definition["GlobalSecondaryIndexes"])
    # DynamoDB allows at most 20 global secondary indexes per table
    # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#gsi-limits)
    assert len(table["GlobalSecondaryIndexes"]) <= 20
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        (k["AttributeName"], k["KeyType"]) for k in definition["KeySchema"]
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    ttl = client.describe_time_to_live(TableName="crm-test-a")["TimeToLiveDescription"]
    expected = load_template()["Resources"]["Table"]["Properties"]["TimeToLiveSpecification"]["AttributeName"]
    assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert ttl["AttributeName"] == expected


def test_table_name_comes_from_the_environment(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "crm-test-env")
    provision()
    assert "crm-test-env" in _dynamodb(aws_env).list_tables()["TableNames"]


def test_explicit_endpoint_url_wins_over_the_environment(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    provision(endpoint_url=aws_env, table_name="crm-test-explicit")
    assert "crm-test-explicit" in _dynamodb(aws_env).list_tables()["TableNames"]


def test_configured_buckets_are_created_idempotently(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provision_module, "BUCKET_ENV_VARS", ("TEST_EXPORTS_BUCKET", "TEST_UNSET_BUCKET"))
    monkeypatch.setenv("TEST_EXPORTS_BUCKET", "crm-test-exports")
    monkeypatch.delenv("TEST_UNSET_BUCKET", raising=False)
    assert provision_module.configured_buckets() == ["crm-test-exports"]
    provision(table_name="crm-test-b")
    provision(table_name="crm-test-b")
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws_env)
    assert "crm-test-exports" in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}


def test_the_buckets_are_those_the_functions_name() -> None:
    template = load_template()
    named = {name for resource in template["Resources"].values() if resource.get("Type") == "AWS::Serverless::Function"
             for name in resource["Properties"].get("Environment", {}).get("Variables", {}) if name.endswith("_BUCKET")}
    assert set(provision_module.BUCKET_ENV_VARS) == named


def test_cli_refuses_to_run_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as exc:
        provision_module.main([])
    assert exc.value.code == 2


def test_cli_provisions(aws_env: str) -> None:
    assert provision_module.main(["--table-name", "crm-test-cli"]) == 0
    assert "crm-test-cli" in _dynamodb(aws_env).list_tables()["TableNames"]


def _cognito(endpoint: str) -> Any:
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)


def test_provision_creates_the_template_secrets_once_as_cloudformation_generates_them(aws_env: str) -> None:
    first = provision(table_name="crm-test-secrets")
    again = provision(table_name="crm-test-secrets", secret_values={"AppSecret": {"cursor_secret": "not-used-again"}})

    assert again["APP_SECRET_ID"] == first["APP_SECRET_ID"]  # found by name: the value made first stays
    secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=aws_env)
    template = load_template()["Resources"]
    for logical_id, variable in (("AppSecret", "APP_SECRET_ID"), ("TrackingKeySecret", "TRACKING_KEY_SECRET_ID")):
        spec = template[logical_id]["Properties"]["GenerateSecretString"]
        value = json.loads(secrets.get_secret_value(SecretId=first[variable])["SecretString"])
        assert list(value) == [spec["GenerateStringKey"]], logical_id
        assert len(value[spec["GenerateStringKey"]]) == spec["PasswordLength"] and \
            value[spec["GenerateStringKey"]].isalnum()


def test_provision_gives_new_secrets_the_values_it_is_handed(aws_env: str) -> None:
    created = provision(table_name="crm-test-kept",
                        secret_values={"TrackingKeySecret": {"local": "a2VwdC1rZXktMDEyMzQ1Njc4OWFi"}})

    secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=aws_env)
    stored = secrets.get_secret_value(SecretId=created["TRACKING_KEY_SECRET_ID"])["SecretString"]
    assert json.loads(stored) == {"local": "a2VwdC1rZXktMDEyMzQ1Njc4OWFi"}


def test_provision_creates_the_template_user_pool_and_app_client_idempotently(aws_env: str) -> None:
    first = provision(table_name="crm-test-pool")

    again = provision(table_name="crm-test-pool")  # a restart: the pool and client found by name

    assert again == first and set(first) == {"USER_POOL_ID", "USER_POOL_CLIENT_ID", "MEMBER_POOL_ID",
                                             "MEMBER_POOL_CLIENT_ID", "APP_SECRET_ID", "TRACKING_KEY_SECRET_ID"}
    cognito = _cognito(aws_env)
    named = [pool for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]
             if pool["Name"] == "crm-test-pool-users"]
    assert [pool["Id"] for pool in named] == [first["USER_POOL_ID"]]
    pool = cognito.describe_user_pool(UserPoolId=first["USER_POOL_ID"])["UserPool"]
    template = load_template()["Resources"]["UserPool"]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"] == template["Policies"]["PasswordPolicy"]
    invitation = pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    assert "{username}" in invitation and "{####}" in invitation and "仮パスワード" in invitation and \
        "temporary" in invitation
    attributes = {attribute["Name"]: attribute for attribute in pool["SchemaAttributes"]}
    assert attributes["custom:tenant_id"]["Mutable"] is False and attributes["custom:role"]["Mutable"] is True
    [client] = cognito.list_user_pool_clients(UserPoolId=first["USER_POOL_ID"], MaxResults=60)["UserPoolClients"]
    assert (client["ClientId"], client["ClientName"]) == (first["USER_POOL_CLIENT_ID"], "crm-test-pool-web")
    described = cognito.describe_user_pool_client(UserPoolId=first["USER_POOL_ID"],
                                                  ClientId=first["USER_POOL_CLIENT_ID"])["UserPoolClient"]
    wanted = load_template()["Resources"]["UserPoolClient"]["Properties"]
    assert set(described["ExplicitAuthFlows"]) == set(wanted["ExplicitAuthFlows"]) >= {"ALLOW_USER_SRP_AUTH",
                                                                                       "ALLOW_USER_PASSWORD_AUTH"}
    assert (described["IdTokenValidity"], described["TokenValidityUnits"]["IdToken"]) == (60, "minutes")
    assert "custom:role" not in described["WriteAttributes"] and "custom:tenant_id" in described["ReadAttributes"]
