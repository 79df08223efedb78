"""The 90-day score: points (settings.score_weights) for each activity of the last 90 days,
exact at read time without reading the timeline. A contact keeps counts per UTC day and
activity type (`score_counts`, "YYYY-MM-DD|type" → n); days older than the window are dropped
on the next write and ignored on read, and weights apply when read, so a change of weights
re-scores every contact at once. Machine events never score.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

WINDOW_DAYS = 90


def _today() -> date:
    return datetime.now(UTC).date()


def _first_day(today: date) -> str:
    return (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()


def counted(
    contact: dict[str, Any], events: Iterable[tuple[str, str, bool]], today: date | None = None, step: int = 1,
) -> dict[str, Any]:
    """The contact with (type, occurred_at, machine) events counted (`step` -1: taken back, for
    an entry edited or deleted), days out of the window dropped."""
    today = today or _today()
    first = _first_day(today)
    counts = {key: n for key, n in (contact.get("score_counts") or {}).items() if key[:10] >= first}
    for activity_type, occurred_at, machine in events:
        day = occurred_at[:10]
        if machine or not first <= day <= today.isoformat():
            continue
        key = f"{day}|{activity_type}"
        counts[key] = int(counts.get(key, 0)) + step
        if counts[key] <= 0:
            del counts[key]
    return {**contact, "score_counts": counts}


def score(contact: dict[str, Any], weights: dict[str, int], today: date | None = None) -> int:
    first = _first_day(today or _today())
    return sum(int(n) * int(weights.get(key[11:], 0)) for key, n in (contact.get("score_counts") or {}).items()
               if key[:10] >= first)


def engagement(points: int, thresholds: dict[str, int]) -> str:
    """hot at `thresholds["hot"]` points or more, active at `thresholds["active"]`, else inactive."""
    if points >= thresholds["hot"]:
        return "hot"
    return "active" if points >= thresholds["active"] else "inactive"
