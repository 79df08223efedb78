"""What an entity holds once it has reached a state: the checks that turn an optional field
(typed `X | None` in shared.domain.entities) into the value a later step relies on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.domain.entities import Email, Job


def sent_at(email: Email) -> str:
    """When a sent or received email left its sender: set on each once it is `sent` (and on every
    received one), which is when timelines and contacts' times are written from it."""
    moment = email.get("sent_at")
    if moment is None:
        raise ValueError(f"the email {email.get('email_id')} has not been sent")
    return moment


def target_count(job: Job) -> int:
    """How many targets a started job has: fixed when it starts (shared.services.bulk.begun)."""
    total = job.get("total")
    if total is None:
        raise ValueError(f"the job {job.get('job_id')} has not started")
    return total
