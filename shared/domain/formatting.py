"""Values as Japanese readers read them (merge fields, notifications): pure, and light enough
for the tracking handler, which must not import the MIME composer (shared.domain.mail)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

# Dates as 2026/04/01, times in JST (no DST).
TIMEZONE = timezone(timedelta(hours=9), "JST")
BOOLEAN_WORDS = {True: "はい", False: "いいえ"}


def _format_date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%Y/%m/%d")
    except ValueError:
        return str(value)


def _format_time(value: Any) -> str:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE).strftime("%Y/%m/%d %H:%M")


def format_value(value: Any, kind: str | None = None) -> str:
    """A merge value as text. `kind` is "timestamp" (contact fields ending in `_at`) or "date"
    (date properties); whole floats lose their ".0"; a list (tags) is joined with ", "."""
    if isinstance(value, bool):
        return BOOLEAN_WORDS[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if kind == "timestamp" or isinstance(value, datetime):
        return _format_time(value)
    if kind == "date" or isinstance(value, date):
        return _format_date(value)
    return str(value)
