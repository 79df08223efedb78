"""Each function's IAM role as `sam deploy` creates it, and whether it allows a request.

The template goes through the SAM translator (what CloudFormation's AWS::Serverless transform
runs): each AWS::Serverless::Function's `Policies:` become the inline policies of its generated
AWS::IAM::Role, policy templates expanded. Their intrinsics (Ref, Fn::GetAtt, Fn::Sub,
Fn::Join) are resolved to the values the functions run with locally, read off the environment:
an environment variable the template sets to `!Ref X` names what X is (TABLE_NAME -> the table),
one set to `!Sub "${AWS::StackName}/mailbox"` what the stack is called. A request is then judged
by moto's IAM policy evaluation (moto.iam.access_control.IAMPolicy: an explicit Deny wins, else
an Allow, else it is implicitly denied, as in
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

The AWS-managed policies SAM attaches (AWSLambdaBasicExecutionRole for logs,
AWSXrayWriteOnlyAccess, AWSLambdaSQSQueueExecutionRole for the event source mapping's polling)
are not evaluated: they grant nothing the functions' code asks for, so a request only they could
allow is reported as denied. No function's policy has a Condition (tests/test_iam.py keeps it
so): moto would judge one without the request's context values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from infra.local.apigw import ACCOUNT_ID
from infra.local.iam_record import queue_arn, region, table_arn, user_pool_arn
from infra.template import translated_template

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class _Resolver:
    """Values of Ref and Fn::GetAtt, learnt from the functions' environment in the template."""

    def __init__(self, template: dict[str, Any], env: Mapping[str, str]) -> None:
        self.refs: dict[str, str] = {"AWS::Region": region(), "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
                                     "AWS::URLSuffix": "amazonaws.com"}
        self.attributes: dict[str, str] = {}
        self.expressions: dict[str, str] = {}  # other intrinsics (Fn::Select …) by their JSON
        resources = template["Resources"]
        for resource in resources.values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            for name, expression in resource["Properties"].get("Environment", {}).get("Variables", {}).items():
                if name in env:
                    self._learn(expression, env[name])
        for logical_id, resource in resources.items():
            arn = _arn_of(resource["Type"], self.refs.get(logical_id))
            if arn is not None:
                self.attributes.setdefault(f"{logical_id}.Arn", arn)

    def _learn(self, expression: Any, value: str) -> None:
        if not isinstance(expression, dict):
            return
        if "Ref" in expression:
            self.refs.setdefault(expression["Ref"], value)
        elif "Fn::GetAtt" in expression:
            self.attributes.setdefault(".".join(expression["Fn::GetAtt"]), value)
        elif isinstance(expression.get("Fn::Sub"), (str, list)):
            # "${AWS::StackName}/mailbox" against "crm-test/mailbox": AWS::StackName is crm-test;
            # ["crm-inbound-${Id}", {"Id": expr}] against "crm-inbound-test": expr stands for "test"
            text, variables = (expression["Fn::Sub"], {}) if isinstance(expression["Fn::Sub"], str) \
                else expression["Fn::Sub"]
            names = _SUB_VARIABLE.findall(text)
            pattern = "".join(re.escape(part) if index % 2 == 0 else "(.+?)"
                              for index, part in enumerate(_SUB_VARIABLE.split(text)))
            match = re.fullmatch(pattern, value)
            if match:
                for name, learnt in zip(names, match.groups(), strict=False):
                    if name in variables:
                        self.expressions.setdefault(_expression_key(variables[name]), learnt)
                    else:
                        (self.attributes if "." in name else self.refs).setdefault(name, learnt)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if _expression_key(value) in self.expressions:
            return self.expressions[_expression_key(value)]
        if "Ref" in value:
            return self._lookup(self.refs, value["Ref"])
        if "Fn::GetAtt" in value:
            return self._lookup(self.attributes, ".".join(value["Fn::GetAtt"]))
        if "Fn::Sub" in value:
            text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
            return _SUB_VARIABLE.sub(
                lambda match: str(self.resolve(variables[match[1]])) if match[1] in variables
                else self._lookup(self.attributes if "." in match[1] else self.refs, match[1]), text)
        if "Fn::Join" in value:
            separator, items = value["Fn::Join"]
            return separator.join(self.resolve(items))
        return {key: self.resolve(item) for key, item in value.items()}

    @staticmethod
    def _lookup(known: dict[str, str], name: str) -> str:
        """A resource no function's environment names (the dead-letter queue Lambda itself
        writes to) stands for no ARN: the code cannot call what it does not know."""
        return known.get(name, f"unresolved:{name}")


def _expression_key(expression: Any) -> str:
    return json.dumps(expression, sort_keys=True)


def _arn_of(resource_type: str, ref: str | None) -> str | None:
    """The ARN of a resource from its Ref (a table's name, a bucket's name, a queue's URL)."""
    if ref is None:
        return None
    if resource_type == "AWS::DynamoDB::Table":
        return table_arn(ref)
    if resource_type == "AWS::S3::Bucket":
        return f"arn:aws:s3:::{ref}"
    if resource_type == "AWS::SQS::Queue":
        return queue_arn(ref)
    if resource_type == "AWS::Cognito::UserPool":
        return user_pool_arn(ref)
    return None


def role_policies(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per function (logical id), one policy document holding every statement of its role's
    inline policies, resolved for `env`."""
    template = translated_template()
    resolver = _Resolver(template, env)
    resources = template["Resources"]
    documents = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role = resources[resource["Properties"]["Role"]["Fn::GetAtt"][0]]
        statements = []
        for policy in role["Properties"].get("Policies", []):
            listed = policy["PolicyDocument"]["Statement"]
            statements += listed if isinstance(listed, list) else [listed]
        documents[logical_id] = {"Version": "2012-10-17", "Statement": resolver.resolve(statements)}
    return documents


def denied(calls: Iterable[tuple[str, str, str]], policies: Mapping[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The (function, action, resource) requests that the function's role does not allow."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    evaluators = {function: IAMPolicy(json.dumps(document)) for function, document in policies.items()}
    refused = []
    for function, action, resource in calls:
        evaluator = evaluators.get(function)
        if evaluator is None or evaluator.is_action_permitted(action, resource) != PermissionResult.PERMITTED:
            refused.append((function, action, resource))
    return refused


def check(calls: Mapping[tuple[str, str, str], int], env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(one line per denied request, a summary line) for the recorded calls of a test session."""
    refused = denied(calls, role_policies(env))
    lines = [f"{function} is denied {action} on {resource} ({calls[function, action, resource]} calls)"
             for function, action, resource in sorted(refused)]
    pairs = {(function, action) for function, action, _ in calls}
    summary = (f"IAM: {sum(calls.values())} AWS requests of {len(pairs)} (function, action) pairs on "
               f"{len({resource for _, _, resource in calls})} resources checked against the functions' roles; "
               f"{len(refused)} denied")
    return lines, [summary]
