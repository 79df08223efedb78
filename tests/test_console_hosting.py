"""The console's hosting in template.yaml: a private bucket read only by its CloudFront
distribution (OAC), HTTPS, the console's security headers, its routes rewritten to index.html,
and every API route reaching the API through the same distribution."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from infra.local import REPO_ROOT
from infra.template import documented_routes, load_template, translated_template

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
CACHE_BEHAVIOURS_QUOTA = 25
ONE_YEAR_SECONDS = 365 * 24 * 3600

# Paths the console's router serves (console/src), which must reach index.html, not the API.
CONSOLE_ROUTES = ["/", "/login", "/contacts", "/contacts/01HZX3Q4", "/contacts/01HZX3Q4/", "/settings/members"]


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_template()["Resources"]


@pytest.fixture(scope="module")
def distribution(resources) -> dict[str, Any]:
    return resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]


def _origin(distribution: dict[str, Any], origin_id: str) -> dict[str, Any]:
    [origin] = [origin for origin in distribution["Origins"] if origin["Id"] == origin_id]
    return origin


def _security_headers(resources: dict[str, Any], policy_id: Any) -> dict[str, Any]:
    """The SecurityHeadersConfig of the response headers policy a behaviour names (`!Ref X`)."""
    return resources[policy_id["Ref"]]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]


# ---------------------------------------------------------------- the bucket


def test_the_console_bucket_is_private_encrypted_and_versioned(resources):
    props = resources["ConsoleBucket"]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}  # no ACLs
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "WebsiteConfiguration" not in props  # a website endpoint would be public and HTTP only


def test_only_the_console_distribution_reads_the_bucket_and_only_over_tls(resources):
    """https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html"""
    policy = resources["ConsoleBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ConsoleBucket"}
    statements = policy["PolicyDocument"]["Statement"]
    [allow] = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": "${ConsoleBucket.Arn}/*"}
    assert allow["Condition"] == {"StringEquals": {"AWS:SourceArn": {
        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ConsoleDistribution}"}}}
    [deny] = [statement for statement in statements if statement["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_bucket_is_reached_through_origin_access_control_not_an_identity(resources, distribution):
    oac = resources["ConsoleOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    origin = _origin(distribution, "console")
    assert origin["DomainName"] == {"Fn::GetAtt": ["ConsoleBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert not [r for r in resources.values() if r["Type"] == "AWS::CloudFront::CloudFrontOriginAccessIdentity"]


# ---------------------------------------------------------------- transport


def test_viewers_use_https_http2_and_3_and_the_console_is_compressed(distribution):
    behaviours = [distribution["DefaultCacheBehavior"], *distribution["CacheBehaviors"]]
    assert {behaviour["ViewerProtocolPolicy"] for behaviour in behaviours} == {"redirect-to-https"}
    assert distribution["HttpVersion"] == "http2and3"
    assert distribution["DefaultCacheBehavior"]["Compress"] is True
    assert distribution["DefaultRootObject"] == "index.html"


def test_a_custom_domain_gets_tls_1_2_or_later(resources, distribution):
    """With ConsoleOrigin and ConsoleCertificateArn the distribution answers on ConsoleOrigin's
    host name; the default *.cloudfront.net certificate cannot be given a TLS minimum
    (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html)."""
    condition, custom, default = distribution["ViewerCertificate"]["Fn::If"]
    assert condition == "HasConsoleDomain"
    assert custom["MinimumProtocolVersion"] == "TLSv1.2_2021" and custom["SslSupportMethod"] == "sni-only"
    assert custom["AcmCertificateArn"] == {"Ref": "ConsoleCertificateArn"}
    assert default == {"CloudFrontDefaultCertificate": True}
    condition, [alias], _ = distribution["Aliases"]["Fn::If"]
    assert condition == "HasConsoleDomain"
    index, (separator, origin) = alias["Fn::Select"][0], alias["Fn::Select"][1]["Fn::Split"]
    assert origin == {"Ref": "ConsoleOrigin"}
    assert "https://console.example.com".split(separator)[index] == "console.example.com"
    assert re.fullmatch(load_template()["Parameters"]["ConsoleCertificateArn"]["AllowedPattern"],
                        "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
    assert not re.fullmatch(load_template()["Parameters"]["ConsoleCertificateArn"]["AllowedPattern"],
                            "arn:aws:acm:ap-northeast-1:123456789012:certificate/0f1e2d3c")


def test_the_api_origin_is_reached_over_https_only(distribution):
    origin = _origin(distribution, "api")
    assert origin["DomainName"] == {"Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origin["CustomOriginConfig"] == {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}


# ---------------------------------------------------------------- the console's headers

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # the style attributes mail is laid out with, in the same frame (template.yaml)
    "style-src-attr": ["'unsafe-inline'"],
    # https: for the mailbox's sandboxed srcdoc frame, which inherits this policy (template.yaml)
    "img-src": ["'self'", "data:", "https:"],
    # the API on the same origin, Cognito's sign-in, the files bucket's presigned URLs
    "connect-src": ["'self'", "https://cognito-idp.${AWS::Region}.amazonaws.com",
                    "https://${FilesBucket.DomainName}", "https://${FilesBucket.RegionalDomainName}"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
}


def test_the_console_answers_with_a_strict_content_security_policy(resources, distribution):
    headers = _security_headers(resources, distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"])
    csp = headers["ContentSecurityPolicy"]
    assert csp["Override"] is True
    directives = {}
    for directive in csp["ContentSecurityPolicy"]["Fn::Sub"].split(";"):
        name, *values = directive.split()
        directives[name] = values
    assert directives == EXPECTED_CSP


def test_the_console_answers_with_hsts_nosniff_deny_and_a_strict_referrer_policy(resources, distribution):
    headers = _security_headers(resources, distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"])
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= ONE_YEAR_SECONDS and hsts["IncludeSubdomains"] and hsts["Preload"]
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"Override": True, "FrameOption": "DENY"}
    assert headers["ReferrerPolicy"] == {"Override": True, "ReferrerPolicy": "strict-origin-when-cross-origin"}


def test_the_api_behaviours_leave_the_policy_to_the_api(resources, distribution):
    """The API's answers are JSON, and GET /docs sends a policy of its own (Swagger UI sets style
    attributes, which the console's policy refuses): CloudFront adds none to them."""
    for behaviour in distribution["CacheBehaviors"]:
        headers = _security_headers(resources, behaviour["ResponseHeadersPolicyId"])
        assert "ContentSecurityPolicy" not in headers and "FrameOptions" not in headers, behaviour["PathPattern"]
        assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= ONE_YEAR_SECONDS


# ---------------------------------------------------------------- which path goes where


def _cloudfront_matches(pattern: str, path: str) -> bool:
    """CloudFront's path pattern: `*` any characters (slashes too), `?` exactly one, case-sensitive
    (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern)."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, path) is not None


def _origin_for(distribution: dict[str, Any], path: str) -> str:
    """The origin a request for PATH goes to: the first behaviour whose pattern matches, else the default."""
    for behaviour in distribution["CacheBehaviors"]:
        if _cloudfront_matches(behaviour["PathPattern"], path):
            return behaviour["TargetOriginId"]
    return distribution["DefaultCacheBehavior"]["TargetOriginId"]


def test_the_path_matcher_follows_cloudfronts_rules():
    assert _cloudfront_matches("/v1/*", "/v1/contacts/01H/timeline")
    assert not _cloudfront_matches("/v1/*", "/V1/contacts")
    assert not _cloudfront_matches("/collect", "/collect.js")
    assert _cloudfront_matches("/t/?/*", "/t/o/abc")


# Web collection stays on the API's own host: POST /collect caps hits per client address, which
# behind CloudFront would be an edge server's; the snippet posts to the origin it came from.
WEB_COLLECTION = {"POST /collect", "GET /collect.js"}


def test_every_api_route_reaches_the_api_and_the_console_routes_reach_the_console(distribution):
    assert len(distribution["CacheBehaviors"]) <= CACHE_BEHAVIOURS_QUOTA
    routes = {route.route_key: re.sub(r"\{[^}]+\}", "01HZX3Q4", route.path) for route in documented_routes()}
    assert WEB_COLLECTION <= set(routes)
    for route_key, path in routes.items():
        assert _origin_for(distribution, path) == ("console" if route_key in WEB_COLLECTION else "api"), route_key
    for path in [*CONSOLE_ROUTES, "/index.html", "/assets/index-3f9a1c.js"]:
        assert _origin_for(distribution, path) == "console", path


def test_web_collection_cannot_be_posted_through_the_distribution(distribution):
    """The console's behaviour takes GET and HEAD only: CloudFront refuses POST /collect there."""
    assert distribution["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]


def test_cloudfront_names_are_the_stacks_own_in_the_whole_account_and_short_enough(resources):
    """One name per account whatever the region, at most 64 characters
    (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionSummary.html)."""
    names = {
        "ConsoleOriginAccessControl":
            resources["ConsoleOriginAccessControl"]["Properties"]["OriginAccessControlConfig"],
        "ConsoleRewriteFunction": resources["ConsoleRewriteFunction"]["Properties"],
        "ConsoleResponseHeadersPolicy":
            resources["ConsoleResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"],
        "ConsoleApiResponseHeadersPolicy":
            resources["ConsoleApiResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"],
    }
    stack_uuid = {"StackUuid": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}}
    for logical_id, props in names.items():
        text, variables = props["Name"]["Fn::Sub"]
        assert variables == stack_uuid and text.endswith("${StackUuid}"), logical_id
        named = text.replace("${StackUuid}", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", named), logical_id


def test_api_behaviours_pass_every_method_header_and_query_and_cache_nothing(distribution):
    """With caching disabled, AllViewerExceptHostHeader forwards Authorization
    (https://repost.aws/knowledge-center/cloudfront-authorization-header); Host stays the API's."""
    for behaviour in distribution["CacheBehaviors"]:
        assert behaviour["TargetOriginId"] == "api"
        assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
        assert behaviour["CachePolicyId"] == CACHING_DISABLED
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
        assert "FunctionAssociations" not in behaviour  # the SPA rewrite is the console's only
    assert distribution["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_OPTIMIZED


def test_no_custom_error_response_rewrites_the_apis_own_errors(distribution):
    assert "CustomErrorResponses" not in distribution


# ---------------------------------------------------------------- the SPA rewrite


def _rewrite_function(resources: dict[str, Any], distribution: dict[str, Any]) -> str:
    [association] = distribution["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert association["FunctionARN"] == {"Fn::GetAtt": ["ConsoleRewriteFunction", "FunctionARN"]}
    props = resources["ConsoleRewriteFunction"]["Properties"]
    assert props["AutoPublish"] is True and props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    return props["FunctionCode"]


def test_the_rewrite_serves_index_html_for_the_console_routes_and_files_as_they_are(resources, distribution):
    """The function's own code, run by node with the event CloudFront gives a viewer-request
    function (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html)."""
    files = ["/index.html", "/assets/index-3f9a1c.js", "/assets/index-77b0e2.css", "/favicon.ico", "/assets/logo.svg"]
    uris = CONSOLE_ROUTES + files
    script = _rewrite_function(resources, distribution) + (
        f"\nconst uris = {json.dumps(uris)};\n"
        "console.log(JSON.stringify(uris.map(uri => handler({version: '1.0', context: {eventType: 'viewer-request'},"
        " viewer: {ip: '192.0.2.1'}, request: {method: 'GET', uri: uri, querystring: {}, headers: {}, cookies: {}}})"
        ".uri)));\n"
    )
    result = subprocess.run([_node(), "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert dict(zip(uris, json.loads(result.stdout), strict=False)) == {
        **{route: "/index.html" for route in CONSOLE_ROUTES}, **{file: file for file in files}}


# ---------------------------------------------------------------- outputs and dependencies


def test_outputs_name_the_console_url_bucket_and_distribution():
    outputs = load_template()["Outputs"]
    assert outputs["ConsoleUrl"]["Value"] == {"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}
    assert outputs["ConsoleBucketName"]["Value"] == {"Ref": "ConsoleBucket"}
    assert outputs["ConsoleDistributionId"]["Value"] == {"Ref": "ConsoleDistribution"}


def _references(value: Any) -> set[str]:
    """Logical ids a resource's properties refer to (Ref, Fn::GetAtt, ${X} and ${X.Attr} in Fn::Sub)."""
    if isinstance(value, list):
        return set().union(*map(_references, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, inner in value.items():
        if key == "Ref" and isinstance(inner, str):
            found.add(inner)
        elif key == "Fn::GetAtt":
            found.add(inner[0] if isinstance(inner, list) else inner.split(".", 1)[0])
        elif key == "Fn::Sub":
            text = inner if isinstance(inner, str) else inner[0]
            found |= {name.split(".", 1)[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
            found |= _references(inner if isinstance(inner, str) else inner[1])
        else:
            found |= _references(inner)
    return found


def test_the_distribution_depends_on_the_api_but_on_no_function():
    """The distribution names the HTTP API resource, never its routes, stage or functions, so a
    function may name the console's URL without a circular dependency."""
    resources = translated_template()["Resources"]
    seen, pending = set(), ["ConsoleDistribution"]
    while pending:
        logical_id = pending.pop()
        if logical_id in seen or logical_id not in resources:
            continue
        seen.add(logical_id)
        resource = resources[logical_id]
        depends = resource.get("DependsOn", [])
        pending += [*_references(resource.get("Properties", {})), *([depends] if isinstance(depends, str) else depends)]
    assert "HttpApi" in seen
    types = {resources[logical_id]["Type"] for logical_id in seen}
    assert not types & {"AWS::Lambda::Function", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Stage"}, sorted(seen)


def _node() -> str:
    """The Node.js the console is built with: the machine's, or the one `make console` put in .venv."""
    found = shutil.which("node") or shutil.which("node", path=str(REPO_ROOT / ".venv" / "bin"))
    if found is None:
        pytest.fail("no node on PATH nor in .venv/bin: run `make console` (make test does)", pytrace=False)
    return found
