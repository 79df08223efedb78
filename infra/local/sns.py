"""``POST /_local/sns/publish``: sign an SES notification as SNS would, with the local stack's
own certificate, on the topic the local configuration allows, and deliver it to
``POST /webhooks/ses`` through the same verification code as in AWS."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.wrappers import Request, Response

from infra.local.apigw import ACCOUNT_ID
from infra.local.server import call_handler, local_endpoint
from infra.local.sns_signer import CERT_FILE, LocalSnsSigner

_signer: LocalSnsSigner | None = None
_topic_arn = ""


def configure(data_dir: Path, region: str) -> dict[str, str]:
    """Create (or load) the local signing certificate; the environment that makes the mail
    events function trust it (pinned to its SNS-shaped URL) and allow the local topic."""
    global _signer, _topic_arn
    _signer = LocalSnsSigner(Path(data_dir) / "sns", region)
    _topic_arn = f"arn:aws:sns:{region}:{ACCOUNT_ID}:crm-local-mail-events"
    return {
        "MAIL_EVENT_TOPIC_ARNS": _topic_arn,
        "SNS_CERTIFICATE_PINS": f"{_signer.certificate_url}={Path(data_dir) / 'sns' / CERT_FILE}",
    }


def _error(status: int, message: str) -> Response:
    body = {"error": {"code": "bad_request", "message": message, "details": []}}
    return Response(json.dumps(body), status, content_type="application/json")


@local_endpoint("POST", "/_local/sns/publish")
def publish(request: Request) -> Response:
    if _signer is None:
        return _error(503, "The local SNS signer is not configured.")
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return _error(400, "The body must be JSON: {\"message\": {...SES notification...}}.")
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        return _error(400, "The body must be {\"message\": {...SES notification...}}.")
    version = body.get("signature_version") or "2"
    if version not in ("1", "2"):
        return _error(400, "signature_version must be \"1\" or \"2\".")
    envelope = _signer.notification(_topic_arn, json.dumps(body["message"], ensure_ascii=False), version=version)
    result = call_handler("POST", "/webhooks/ses", None, json.dumps(envelope, ensure_ascii=False))
    return Response(result.get("body") or "", result["statusCode"], content_type="application/json")
