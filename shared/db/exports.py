"""Export limits and the audit log in the single table: one export per user per 30 minutes
(`TENANT#{t}#USER#{u}` / `EXPORT_RATE`, a conditional put), and audit entries under the tenant
(`TENANT#{t}` / `AUDIT#{at}#{id}`)."""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import PutError

from shared import keys
from shared.db.models import AuditItem, ExportRateItem
from shared.db.transactions import error_code


def claim_export_slot(tenant: str, user_id: str, now: str, not_since: str) -> str | None:
    """Record that the user starts an export now, unless they started one after `not_since`;
    None when claimed, else when their last export started."""
    item = ExportRateItem(keys.user_pk(tenant, user_id), keys.EXPORT_RATE_SK, started_at=now,
                          expires_at_epoch=int(time.time()) + 24 * 3600)
    try:
        item.save(condition=ExportRateItem.pk.does_not_exist() | (ExportRateItem.started_at <= not_since))
    except PutError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        return ExportRateItem.get(keys.user_pk(tenant, user_id), keys.EXPORT_RATE_SK, consistent_read=True).started_at
    return None


def release_export_slot(tenant: str, user_id: str, started_at: str) -> None:
    """Give the slot back when the export was refused after it was claimed."""
    ExportRateItem(keys.user_pk(tenant, user_id), keys.EXPORT_RATE_SK).delete(
        condition=ExportRateItem.started_at == started_at)


def audit(tenant: str, at: str, entry_id: str, entry: dict[str, Any]) -> None:
    """Write (or complete) an audit entry."""
    AuditItem(keys.tenant_pk(tenant), keys.audit_sk(at, entry_id), entry=entry).save()
