"""template.yaml deploys as intended: lint-clean, buildable, least privilege, safe identity."""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

from infra.template import TEMPLATE_PATH, http_routes, load_template  # noqa: E402

SAM_MK = ROOT / "infra" / "sam.mk"
LAYER_REQUIREMENTS = ROOT / "layer" / "requirements.txt"
PROTECTED_ATTRIBUTES = {"custom:tenant_id", "custom:role"}



@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == type_
    }


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    functions = _resources(template, "AWS::Serverless::Function")
    assert functions, "the template has no AWS::Serverless::Function"
    return functions


# ---------------------------------------------------------------- (a) cfn-lint


def test_cfn_lint_reports_no_errors() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE_PATH)
    for match in matches:
        print(match)  # warnings and informational findings are shown (pytest -s) but do not fail
    # rule ids: E = error (E0000 is a parse error), W = warning, I = informational
    errors = [match for match in matches if match.rule.id.startswith("E")]
    assert not errors, "cfn-lint reported errors:\n" + "\n".join(str(match) for match in errors)


# ---------------------------------------------------------------- (b) functions and the build


def _handler(template: dict[str, Any], resource: dict[str, Any]) -> str:
    globals_ = template.get("Globals", {}).get("Function", {})
    return resource["Properties"].get("Handler") or globals_.get("Handler")


def _handler_module_file(handler: str) -> Path:
    module = handler.rsplit(".", 1)[0]
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def test_functions_build_with_makefile_and_handlers_exist(template: dict[str, Any]) -> None:
    for logical_id, resource in _functions(template).items():
        assert resource.get("Metadata", {}).get("BuildMethod") == "makefile", logical_id
        assert resource["Properties"].get("CodeUri") == ".", logical_id
        handler = _handler(template, resource)
        assert handler and re.fullmatch(r"functions(\.\w+)+\.\w+", handler), (logical_id, handler)
        module_file = _handler_module_file(handler)
        assert module_file.is_file(), f"{logical_id}: handler module {module_file.relative_to(ROOT)} is missing"
        source = module_file.read_text(encoding="utf-8")
        attribute = handler.rsplit(".", 1)[1]
        assert re.search(rf"^(def|async def)\s+{attribute}\b|^{attribute}\s*[:=]", source, re.M), (
            f"{logical_id}: {module_file.relative_to(ROOT)} defines no {attribute!r}"
        )


def test_functions_use_the_dependencies_layer(template: dict[str, Any]) -> None:
    layers = _resources(template, "AWS::Serverless::LayerVersion")
    assert "DependenciesLayer" in layers
    layer = layers["DependenciesLayer"]
    assert layer["Metadata"] == {"BuildMethod": "python3.11", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layer"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    globals_ = template.get("Globals", {}).get("Function", {})
    for logical_id, resource in _functions(template).items():
        used = resource["Properties"].get("Layers", globals_.get("Layers", []))
        assert {"Ref": "DependenciesLayer"} in used, logical_id


def test_layer_pins_the_versions_the_tests_run_with() -> None:
    pins = {}
    for line in LAYER_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version.strip(), f"not pinned: {line!r}"
            pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    assert set(pins) == {"aws-lambda-powertools", "pynamodb", "boto3", "xlsxwriter", "pyzipper", "pycryptodomex",
                         "nh3", "publicsuffixlist", "openpyxl", "et-xmlfile", "defusedxml", "swagger-ui-bundle"}
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, f"layer pins {name}=={version}; tests ran another"


def test_sam_makefile_builds_each_function(template: dict[str, Any], tmp_path: Path) -> None:
    for logical_id, resource in _functions(template).items():
        artifacts = tmp_path / logical_id
        subprocess.run(
            ["make", "--no-print-directory", "-f", str(SAM_MK), f"build-{logical_id}", f"ARTIFACTS_DIR={artifacts}"],
            cwd=tmp_path,  # sam build runs make from a scratch directory
            check=True,
            capture_output=True,
            text=True,
        )
        files = {path.relative_to(artifacts).as_posix() for path in artifacts.rglob("*") if path.is_file()}
        handler = _handler(template, resource)
        function_dir = "/".join(handler.split(".")[:2])  # functions/<name>
        assert "functions/__init__.py" in files
        assert "shared/__init__.py" in files
        assert _handler_module_file(handler).relative_to(ROOT).as_posix() in files
        for path in files:
            assert path.startswith((f"{function_dir}/", "shared/")) or path == "functions/__init__.py", path
            assert "__pycache__" not in path and not path.endswith(".pyc"), path
        # first-party code only: third-party packages come from the layer
        assert not any(part in files for part in ("aws_lambda_powertools/__init__.py", "pynamodb/__init__.py"))


def test_sam_makefile_refuses_to_run_without_artifacts_dir(tmp_path: Path) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-f", str(SAM_MK), "build-ContactsApiFunction", "ARTIFACTS_DIR="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ARTIFACTS_DIR" in result.stderr


# ---------------------------------------------------------------- (c) least privilege


def _statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every IAM statement anywhere in the template (inline policies, roles, SAM Policies)."""
    if isinstance(node, dict):
        if ("Action" in node or "NotAction" in node) and "Effect" in node:
            yield node
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants_scan(action: Any) -> bool:
    if not isinstance(action, str):  # an intrinsic: cannot be checked, refuse it
        return True
    pattern = action.lower()
    return pattern in ("*", "dynamodb:*") or fnmatch.fnmatchcase("dynamodb:scan", pattern)


def test_no_statement_allows_dynamodb_scan_or_wildcard(template: dict[str, Any]) -> None:
    statements = list(_statements(template["Resources"]))
    assert statements, "expected explicit IAM statements"
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        assert "NotAction" not in statement, f"Allow with NotAction grants too much: {statement}"
        for action in _as_list(statement["Action"]):
            assert not _grants_scan(action), f"statement allows {action!r}: {json.dumps(statement, default=str)}"


def test_functions_grant_only_their_own_inline_statements(template: dict[str, Any]) -> None:
    """No SAM policy template (DynamoDBCrudPolicy and its kin grant Scan on the whole table) and no
    managed policy: each grant is an inline statement, checked action by action above."""
    for logical_id, resource in _functions(template).items():
        policies = _as_list(resource["Properties"].get("Policies", []))
        assert policies, f"{logical_id} has no policy of its own"
        for policy in policies:
            assert isinstance(policy, dict) and set(policy) == {"Statement"}, f"{logical_id}: {policy}"
    for logical_id, role in _resources(template, "AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], logical_id
    assert "Policies" not in template.get("Globals", {}).get("Function", {})


def test_contacts_api_table_access_is_limited_to_the_table_and_its_indexes(template: dict[str, Any]) -> None:
    function = template["Resources"]["ContactsApiFunction"]["Properties"]
    actions: set[str] = set()
    resources: list[Any] = []
    for statement in _statements(function.get("Policies", [])):
        dynamodb = [a for a in _as_list(statement["Action"]) if a.lower().startswith("dynamodb:")]
        if dynamodb:
            actions.update(dynamodb)
            resources.extend(_as_list(statement["Resource"]))
    assert actions == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    }
    assert {"Fn::GetAtt": ["Table", "Arn"]} in resources
    assert {"Fn::Sub": "${Table.Arn}/index/*"} in resources
    assert "*" not in resources


# ---------------------------------------------------------------- (d) identity


def test_user_pool_client_cannot_write_tenant_or_role(template: dict[str, Any]) -> None:
    clients = _resources(template, "AWS::Cognito::UserPoolClient")
    assert {"UserPoolClient", "MemberUserPoolClient"} <= set(clients)
    for logical_id, client in clients.items():
        props = client["Properties"]
        # the custom attributes of its pool (tenant, role, a member's contact) are set by administrators only
        pool = template["Resources"][props["UserPoolId"]["Ref"]]["Properties"]
        protected = {f"custom:{attribute['Name']}" for attribute in pool["Schema"] if attribute["Name"] != "email"}
        assert protected >= (PROTECTED_ATTRIBUTES if logical_id == "UserPoolClient"
                             else {"custom:tenant_id"}), logical_id
        # Without WriteAttributes every attribute would be writable by the user.
        assert "WriteAttributes" in props, f"{logical_id}: WriteAttributes must be explicit"
        assert not protected & set(props["WriteAttributes"]), logical_id
        assert protected <= set(props.get("ReadAttributes", [])), logical_id


def test_user_pool_has_tenant_and_role_attributes(template: dict[str, Any]) -> None:
    pool = template["Resources"]["UserPool"]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    schema = {attribute["Name"]: attribute for attribute in pool["Schema"]}
    assert schema["tenant_id"]["AttributeDataType"] == "String"
    assert schema["tenant_id"]["Mutable"] is False
    assert schema["role"]["AttributeDataType"] == "String"
    # nobody may sign up into a tenant of their choosing
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_http_api_routes_use_the_cognito_jwt_authorizer_unless_public(template: dict[str, Any]) -> None:
    api = template["Resources"]["HttpApi"]
    assert api["Type"] == "AWS::ApiGatewayV2::Api"
    assert api["Properties"]["ProtocolType"] == "HTTP"
    authorizer = template["Resources"]["CognitoJwtAuthorizer"]
    assert authorizer["Type"] == "AWS::ApiGatewayV2::Authorizer"
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["JwtConfiguration"]["Issuer"] == {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"}
    assert props["JwtConfiguration"]["Audience"] == [{"Ref": "UserPoolClient"}]
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    routes = _resources(template, "AWS::ApiGatewayV2::Route")
    assert routes
    for logical_id, route in routes.items():
        route_props = route["Properties"]
        assert route_props["AuthorizationType"] in ("JWT", "NONE"), logical_id  # always explicit
        if route_props["AuthorizationType"] == "JWT":
            assert route_props["AuthorizerId"] == {"Ref": "CognitoJwtAuthorizer"}, logical_id
        else:
            assert "AuthorizerId" not in route_props, logical_id
    stage = template["Resources"]["HttpApiStage"]["Properties"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    log_destination = stage["AccessLogSettings"]["DestinationArn"]
    assert log_destination["Fn::GetAtt"][0] in _resources(template, "AWS::Logs::LogGroup")


def test_only_the_contract_public_routes_skip_the_authorizer() -> None:
    public = {route.route_key for route in http_routes() if not route.authorized}
    assert {"GET /health", "GET /openapi.json", "GET /docs"} <= public
    # Everything else under /v1 needs a token, except the API-key ingest endpoint (the member site's
    # sign-in, for people who have no CRM token, is under /member-site).
    assert all(not key.split(" ", 1)[1].startswith("/v1/") or key == "POST /v1/events" for key in public), public


def test_outputs(template: dict[str, Any]) -> None:
    assert {"ApiUrl", "UserPoolId", "UserPoolClientId", "TableName"} <= set(template["Outputs"])


@pytest.mark.parametrize("queue, worker", [("BulkQueue", "functions.bulk_worker.app"),
                                           ("ExportQueue", "functions.export_worker.app")])
def test_a_worker_knows_its_queues_last_delivery(template, moto_endpoint, queue, worker):
    """A job failing on the delivery SQS will not repeat is marked failed, never left running:
    the worker's LAST_DELIVERY must be the queue's maxReceiveCount."""
    import importlib

    redrive = template["Resources"][queue]["Properties"]["RedrivePolicy"]
    assert importlib.import_module(worker).LAST_DELIVERY == redrive["maxReceiveCount"]


# ---------------------------------------------------------------- (e) operations: alarms to the operators

def _metrics_of(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric, dimensions) an alarm watches, directly or through its metric math."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [(properties["Namespace"], properties["MetricName"],
                 {dimension["Name"]: dimension["Value"] for dimension in properties["Dimensions"]})]
    return [(query["MetricStat"]["Metric"]["Namespace"], query["MetricStat"]["Metric"]["MetricName"],
             {dimension["Name"]: dimension["Value"] for dimension in query["MetricStat"]["Metric"]["Dimensions"]})
            for query in properties["Metrics"] if "MetricStat" in query]


FUNCTION_NAMES = {function: {"FunctionName": {"Ref": function}} for function in (
    "ContactsApiFunction", "EmailsApiFunction", "ActivityIngestFunction", "TrackingFunction", "MailEventsFunction",
    "ScheduledSendFunction", "BulkWorkerFunction", "ExportWorkerFunction", "MailboxSyncFunction")}


def _queue(name: str) -> dict[str, Any]:
    return {"QueueName": {"Fn::GetAtt": [name, "QueueName"]}}


# alarm → (what it watches, its threshold: it fires at this or more)
ALARMS = {
    "ApiServerErrorsAlarm": ([("AWS/ApiGateway", "5xx", {"ApiId": {"Ref": "HttpApi"}, "Stage": "$default"})], 5),
    "FunctionErrorsAlarm": ([("AWS/Lambda", "Errors", dimensions) for dimensions in FUNCTION_NAMES.values()], 1),
    "FunctionThrottlesAlarm": ([("AWS/Lambda", "Throttles", dimensions) for dimensions in FUNCTION_NAMES.values()], 5),
    "BulkDeadLetterAlarm": ([("AWS/SQS", "ApproximateNumberOfMessagesVisible", _queue("BulkDeadLetterQueue"))], 1),
    "ExportDeadLetterAlarm": ([("AWS/SQS", "ApproximateNumberOfMessagesVisible", _queue("ExportDeadLetterQueue"))], 1),
    "MailEventsDeadLetterAlarm": ([("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                                    _queue("MailEventsDeadLetterQueue"))], 1),
    "BulkQueueAgeAlarm": ([("AWS/SQS", "ApproximateAgeOfOldestMessage", _queue("BulkQueue"))], 1800),
    "ExportQueueAgeAlarm": ([("AWS/SQS", "ApproximateAgeOfOldestMessage", _queue("ExportQueue"))], 1800),
    "TableThrottlesAlarm": ([("AWS/DynamoDB", "ReadThrottleEvents", {"TableName": {"Ref": "Table"}}),
                             ("AWS/DynamoDB", "WriteThrottleEvents", {"TableName": {"Ref": "Table"}})], 10),
}


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_alarm_watches_its_metric_and_tells_the_operators(template: dict[str, Any], name: str) -> None:
    watched, threshold = ALARMS[name]
    alarm = template["Resources"][name]
    assert alarm["Type"] == "AWS::CloudWatch::Alarm"
    assert _metrics_of(alarm) == watched
    properties = alarm["Properties"]
    assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanOrEqualToThreshold", threshold)
    assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": "OperatorsTopic"}]
    assert properties["TreatMissingData"] == "notBreaching"  # no traffic is not an incident
    if "Metrics" in properties:  # metric math: one series, the sum of what it watches
        assert [query["Id"] for query in properties["Metrics"] if query.get("ReturnData", True)] == ["total"]
        # at most 10 metrics an alarm retrieves (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html):
        # a tenth function would need a second alarm
        assert sum("MetricStat" in query for query in properties["Metrics"]) <= 10


def test_every_function_and_dead_letter_queue_is_watched(template: dict[str, Any]) -> None:
    watched = {json.dumps(dimensions, sort_keys=True) for entries, _ in ALARMS.values() for *_, dimensions in entries}
    for function in _functions(template):
        assert json.dumps({"FunctionName": {"Ref": function}}, sort_keys=True) in watched, function
    for logical_id in _resources(template, "AWS::SQS::Queue"):
        assert json.dumps(_queue(logical_id), sort_keys=True) in watched, logical_id
    assert set(_resources(template, "AWS::CloudWatch::Alarm")) == set(ALARMS)


def test_the_operators_topic_is_encrypted_with_a_key_cloudwatch_may_use(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    topic = resources["OperatorsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "OperatorsTopicKey"}  # not aws/sns: CloudWatch could not publish
    key = resources["OperatorsTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    [grant] = [statement for statement in key["KeyPolicy"]["Statement"]
               if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    subscription = resources["OperatorsEmailSubscription"]
    assert subscription["Condition"] == "HasOperatorsEmail"
    assert subscription["Properties"] == {"TopicArn": {"Ref": "OperatorsTopic"}, "Protocol": "email",
                                          "Endpoint": {"Ref": "OperatorsEmail"}}
    assert template["Parameters"]["OperatorsEmail"]["Default"] == ""
    assert {"OperatorsTopicArn", "DashboardUrl"} <= set(template["Outputs"])


def test_the_dashboard_shows_every_alarm_and_the_services_metrics(template: dict[str, Any]) -> None:
    body_template = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z]+)?\}", body_template))
    assert names - {"AWS::Region", "AWS::StackName"} <= set(template["Resources"])  # every reference resolves
    body = json.loads(re.sub(r"\$\{[^}]+\}", "x", body_template))
    assert [widget["type"] for widget in body["widgets"]].count("alarm") == 1
    assert sorted(re.findall(r"\$\{(\w+)\.Arn\}", body_template)) == sorted(ALARMS)
    shown = {metric[1] for widget in body["widgets"] if widget["type"] == "metric"
             for metric in widget["properties"]["metrics"]}
    assert {"EmailsSent", "EmailsFailed", "MailEvents", "TrackingHits", "ImportRows", "ExportRows", "JobsFailed",
            "BusyAnswers"} <= shown
    namespace = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    assert namespace == {"Fn::Sub": "Crm/${AWS::StackName}"} and "Crm/${AWS::StackName}" in body_template


# ---------------------------------------------------------------- secrets at run time


def _secret_refs(value: Any) -> set[str]:
    """The stack's secrets a Resource names (each `!Ref <Secret>`: a secret's Ref is its ARN)."""
    return {item["Ref"] for item in _as_list(value) if isinstance(item, dict) and "Ref" in item}


def test_no_secret_value_is_resolved_into_an_environment(template: dict[str, Any]) -> None:
    """A dynamic reference's value would sit in the function's configuration, shown to whoever may
    read it (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html):
    the functions get the secrets' ARNs and read the values at run time."""
    environments = [template["Globals"]["Function"].get("Environment", {})]
    environments += [resource["Properties"].get("Environment", {}) for resource in _functions(template).values()]
    assert "resolve:secretsmanager" not in json.dumps(environments)


def test_each_function_may_read_exactly_the_stack_secrets_its_environment_names(template: dict[str, Any]) -> None:
    stack_secrets = set(_resources(template, "AWS::SecretsManager::Secret"))
    readers = {}
    for logical_id, resource in _functions(template).items():
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        named = {value["Ref"] for value in variables.values()
                 if isinstance(value, dict) and value.get("Ref") in stack_secrets}
        granted = set()
        for statement in _statements(resource["Properties"].get("Policies", [])):
            if any(str(action).startswith("secretsmanager:") for action in _as_list(statement["Action"])):
                granted |= _secret_refs(statement["Resource"]) & stack_secrets
                if _secret_refs(statement["Resource"]) & stack_secrets:
                    assert _as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"], (logical_id, statement)
        assert granted == named, f"{logical_id} names {named} in its environment but may read {granted}"
        readers[logical_id] = named
    assert readers["TrackingFunction"] == {"TrackingKeySecret"}
    assert readers["EmailsApiFunction"] == {"AppSecret", "TrackingKeySecret"}
    assert readers["BulkWorkerFunction"] == {"TrackingKeySecret"}  # email to a selection is tracked


def _required_variables(handler: str) -> set[str]:
    """The names a handler module passes to shared.config.require at import."""
    source = (ROOT / (handler.rpartition(".")[0].replace(".", "/") + ".py")).read_text(encoding="utf-8")
    calls = [node for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require"]
    assert len(calls) == 1, f"{handler}: one require(...) at import"
    return {argument.value for argument in calls[0].args}


def test_each_function_requires_only_what_the_template_sets_on_it(template: dict[str, Any]) -> None:
    shared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for logical_id, resource in _functions(template).items():
        own = set(resource["Properties"].get("Environment", {}).get("Variables", {}))
        required = _required_variables(resource["Properties"]["Handler"])
        assert "TABLE_NAME" in required, logical_id
        assert required <= shared | own, \
            f"{logical_id} requires {required - shared - own}, which the template does not set"
