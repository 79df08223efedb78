"""Errors the domain raises. `shared.http` maps each to its HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    """One problem with one input field; `field` is a dotted path such as `properties.size`."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class CrmError(Exception):
    message: str
    details: list[FieldError] = field(default_factory=list)

    status = 500
    code = "internal_error"

    def __str__(self) -> str:
        return self.message

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the error calls for (Retry-After on a 429)."""
        return {}


class BadRequest(CrmError):
    status, code = 400, "bad_request"


class Unauthorized(CrmError):
    status, code = 401, "unauthorized"


class Forbidden(CrmError):
    status, code = 403, "forbidden"


class NotFound(CrmError):
    status, code = 404, "not_found"


class Conflict(CrmError):
    status, code = 409, "conflict"


class PayloadTooLarge(CrmError):
    status, code = 413, "payload_too_large"


def body_too_large(max_bytes: int) -> PayloadTooLarge:
    """The 413 of a request body over `max_bytes`, the limit in the reader's unit."""
    size = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"
    return PayloadTooLarge(f"The request body is larger than {size}.")


class ValidationFailed(CrmError):
    status, code = 422, "validation_failed"


@dataclass
class TooManyRequests(CrmError):
    """A rate limit: the client may try again after `retry_after` seconds (Retry-After)."""

    retry_after: int = 60

    status, code = 429, "too_many_requests"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Busy(CrmError):
    """The store stayed contended or throttled after retries: the client may retry."""

    status, code = 503, "busy"


# What AWS answers to more requests than it takes right now. botocore retries them with backoff
# (shared.db.models); one that still comes back means the store stays busy: 503, try again.
THROTTLING_CODES = frozenset({"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                              "TransactionInProgressException", "Throttling", "TooManyRequestsException"})


def still_throttled(error: BaseException) -> bool:
    """Whether `error` (a botocore or PynamoDB error, or one raised from it) is AWS throttling
    after botocore's retries. Read from the error's `response`, so nothing here imports botocore."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        response = getattr(current, "response", None)
        if isinstance(response, dict) and (response.get("Error") or {}).get("Code") in THROTTLING_CODES:
            return True
        cause = getattr(current, "cause", None)  # PynamoDB's errors carry botocore's as `cause`
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return False


def require_valid(errors: list[FieldError], message: str = "Some fields are invalid; see details.") -> None:
    if errors:
        raise ValidationFailed(message, errors)


class TransportFailed(Exception):
    """A mail transport (SES, the user's SMTP server) did not take a message. `reason` is a
    sentence the sender can act on; it is stored on the email as `failure_reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransportThrottled(Exception):
    """SES did not take a message only because of the account's sending limits (rate or daily
    quota): nothing was sent, and the same message can be sent again after `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: int):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
