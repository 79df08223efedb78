"""S3 as AWS answers the functions, in front of moto's S3 (WSGI middleware).

moto accepts any signature on a presigned URL (or none that it checks: SigV2, a wrong key,
an expired URL) and answers 404 NoSuchKey for a missing object to anyone. AWS instead:

- checks a presigned URL's SigV4 signature, its X-Amz-Expires (at most a week) and its age
  (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html), so a header
  the URL signed but the client sends differently (a Content-Type) is SignatureDoesNotMatch;
- refuses SigV2 for buckets made after June 24, 2020
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingAWSSDK.html#UsingAWSSDK-sig2-deprecation);
- answers 403 AccessDenied, not 404, for a missing object when the caller may not
  s3:ListBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html,
  "Permissions"), which no function of template.yaml may;
- answers CORS from the bucket's CORS configuration alone: a browser's preflight (an unsigned
  OPTIONS) is allowed only by the first rule naming its origin, its method and each header it
  asks for, else 403 (a bucket without rules included), and an actual request carries CORS
  headers only when a rule allows it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html,
  "How does Amazon S3 evaluate the CORS configuration on a bucket?";
  https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html). Without this a
  preflight of a presigned URL was checked as a signed OPTIONS request (refused: a browser could
  never upload), and moto's server adds permissive CORS headers (flask-cors) to every answer,
  rules or not.

Presigned URLs are checked against the credentials the handlers sign with (the emulation runs
in their process): the environment's, or those boto3's default session resolved first and
keeps. Requests signed in an Authorization header (the SDK's own calls) are not verified.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

LONGEST_EXPIRES_SECONDS = 7 * 24 * 3600
_SIGV4_TIME = "%Y%m%dT%H%M%SZ"


class StrictS3:
    """WSGI middleware: refuses presigned requests S3 would refuse, and answers a missing object
    with 403 as S3 does to a caller without s3:ListBucket."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not _is_s3(environ):
            return self._app(environ, start_response)
        if _is_preflight(environ):
            return self._preflight(environ, start_response)
        refusal = _refusal(environ)
        if refusal is not None:
            return _error(environ, start_response, *refusal)
        answered: dict[str, Any] = {}
        written: list[bytes] = []

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            answered.update(status=status, headers=headers)
            return written.append

        returned = list(self._app(environ, keep))
        body = b"".join(written) + b"".join(returned)  # anything written goes before what is returned
        if answered["status"].startswith("404") and _is_missing_object(environ, body):
            return _error(environ, start_response, "403 Forbidden", "AccessDenied", "Access Denied")
        headers = answered["headers"]
        if "HTTP_ORIGIN" in environ:  # moto's server adds CORS headers to every answer: S3 only when a rule allows it
            rule = _cors_rule(environ, environ["REQUEST_METHOD"])
            headers = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            headers += _cors_headers(environ, rule) if rule is not None else []
        start_response(answered["status"], headers)
        return [body]


    def _preflight(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        rule = _cors_rule(environ, environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"])
        asked = [name.strip() for name in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
                 if name.strip()]
        if rule is None or not all(_allows(rule.allowed_headers or [], name.lower()) for name in asked):
            return _error(environ, start_response, "403 Forbidden", "AccessForbidden",
                          "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
                          "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
                          "are not whitelisted by the resource's CORS spec.")
        headers = _cors_headers(environ, rule)
        if asked:
            headers.append(("Access-Control-Allow-Headers", ", ".join(asked)))
        if rule.max_age_seconds is not None:
            headers.append(("Access-Control-Max-Age", str(rule.max_age_seconds)))
        start_response("200 OK", [*headers, ("Content-Length", "0")])
        return [b""]


def _cors_rule(environ: dict[str, Any], method: str) -> Any:
    """The first of the bucket's CORS rules that allows the request's origin and METHOD; None
    when none does (or the bucket has none), as S3 evaluates them."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    name = _raw_path(environ).lstrip("/").split("/", 1)[0]
    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets.get(unquote(name))
    origin = environ.get("HTTP_ORIGIN", "")
    return next((rule for rule in (bucket.cors if bucket is not None else [])
                 if method in rule.allowed_methods and
                 any(_allows([allowed], origin) for allowed in rule.allowed_origins)),
                None)


def _allows(patterns: list[str], value: str) -> bool:
    """Whether a CORS rule's entry (at most one * wildcard; headers compared without case) matches."""
    return any(re.fullmatch(".*".join(re.escape(part) for part in pattern.lower().split("*")), value.lower())
               for pattern in patterns)


def _cors_headers(environ: dict[str, Any], rule: Any) -> list[tuple[str, str]]:
    origin = "*" if rule.allowed_origins == ["*"] else environ["HTTP_ORIGIN"]
    headers = [("Access-Control-Allow-Origin", origin),
               ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)),
               ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")]
    if rule.exposed_headers:
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
    return headers


def _is_preflight(environ: dict[str, Any]) -> bool:
    """A browser's CORS preflight: unsigned, whatever the URL's query holds."""
    return (environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ORIGIN" in environ
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)


def _query(environ: dict[str, Any]) -> list[tuple[str, str]]:
    return parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _is_s3(environ: dict[str, Any]) -> bool:
    """Signed for S3 (SigV4's credential scope names the service; SigV2 is S3's alone here)."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith("AWS "):
        return True
    names = dict(_query(environ))
    if "AWSAccessKeyId" in names and "Signature" in names:
        return True
    credential = names.get("X-Amz-Credential") or authorization.partition("Credential=")[2].partition(",")[0]
    parts = credential.split("/")
    return len(parts) == 5 and parts[3] == "s3"


def _refusal(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(status, code, message) of S3's refusal of the request's signature, or None."""
    names = dict(_query(environ))
    if environ.get("HTTP_AUTHORIZATION", "").startswith("AWS ") or "AWSAccessKeyId" in names:
        return ("400 Bad Request", "InvalidRequest",
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
    if "X-Amz-Signature" not in names:
        return None
    if names.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        return ("400 Bad Request", "AuthorizationQueryParametersError",
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
    try:
        signed_at = datetime.strptime(names["X-Amz-Date"], _SIGV4_TIME).replace(tzinfo=UTC)
        expires = int(names["X-Amz-Expires"])
        key_id = names["X-Amz-Credential"].split("/")[0]
        signed_headers = names["X-Amz-SignedHeaders"]
    except (KeyError, ValueError):
        return ("400 Bad Request", "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
    if not 0 < expires <= LONGEST_EXPIRES_SECONDS:
        return ("400 Bad Request", "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is; 604800")
    if datetime.now(UTC) > signed_at + timedelta(seconds=expires):
        return "403 Forbidden", "AccessDenied", "Request has expired"
    secret = _secret_of(key_id)
    if secret is None:
        return ("403 Forbidden", "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.")
    if "host" not in signed_headers.split(";") or names["X-Amz-Signature"] != _signature(environ, secret):
        return ("403 Forbidden", "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.")
    return None


def _secret_of(key_id: str) -> str | None:
    """The secret key of an access key this process signs with; None for any other."""
    import boto3

    known = [(os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY"))]
    credentials = boto3.DEFAULT_SESSION.get_credentials() if boto3.DEFAULT_SESSION is not None else None
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        known.append((frozen.access_key, frozen.secret_key))
    return next((secret for key, secret in known if key == key_id and secret), None)


def _signature(environ: dict[str, Any], secret: str) -> str:
    """The SigV4 signature S3 computes for the presigned request as received, by botocore's signer."""
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    pairs = _query(environ)
    names = dict(pairs)
    key_id, _, region, service, _ = names["X-Amz-Credential"].split("/")
    signer = S3SigV4QueryAuth(Credentials(key_id, secret), service, region)
    headers = {name: _header(environ, name) for name in names["X-Amz-SignedHeaders"].split(";")}
    request = AWSRequest(method=environ["REQUEST_METHOD"],
                         url=f"http://{_header(environ, 'host')}{_canonical_path(environ)}", headers=headers)
    request.params = [(name, value) for name, value in pairs if name != "X-Amz-Signature"]
    request.context["timestamp"] = names["X-Amz-Date"]
    return signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)


def _header(environ: dict[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}", "")


def _raw_path(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", ""))
    return raw.split("?", 1)[0]


def _canonical_path(environ: dict[str, Any]) -> str:
    """S3's canonical URI: the path decoded, then each segment URI-encoded (never normalised)."""
    return quote(unquote(_raw_path(environ)), safe="/~")


def _is_missing_object(environ: dict[str, Any], body: bytes) -> bool:
    """moto's 404 for a missing key: NoSuchKey in the body, or a bodiless HEAD of bucket/key."""
    if environ["REQUEST_METHOD"] == "HEAD":
        return len([part for part in _raw_path(environ).split("/") if part]) >= 2
    return b"<Code>NoSuchKey</Code>" in body


def _error(environ: dict[str, Any], start_response: Callable[..., Any], status: str, code: str,
           message: str) -> list[bytes]:
    body = b"" if environ["REQUEST_METHOD"] == "HEAD" else (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>local</RequestId></Error>").encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body))),
                            ("x-amz-request-id", "local")])
    return [body]
