"""POST /webhooks/ses (no JWT: SNS signs its deliveries, and they are verified)."""

import base64
from typing import Any

from shared.http import Request, Router
from shared.services import sns_webhook

router = Router()


@router.post("/webhooks/ses")
def ses_webhook(request: Request) -> dict[str, Any]:
    body = request.event.get("body") or ""
    raw = base64.b64decode(body) if request.event.get("isBase64Encoded") else body
    return sns_webhook.receive(raw)
