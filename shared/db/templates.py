"""Email templates and their counters: `TENANT#{t}` / `TEMPLATE#{id}` and `TEMPLATE#{id}#STATS`.

The counters are a separate item so that sends and tracking hits add to them without a read
and without recreating a template deleted meanwhile (a stray counter item without its template
is never listed or answered)."""

from __future__ import annotations

from typing import Any, cast

from pynamodb.exceptions import PutError

from shared import keys
from shared.db import batches
from shared.db.item_size import require_storable
from shared.db.models import TableItem, TemplateItem, TemplateStatsItem
from shared.db.reads import query_all
from shared.db.transactions import ConditionFailed, Transaction, error_code

_FIELDS = ("template_id", "name", "subject", "body_text", "body_html", "created_by", "created_at", "updated_at")


def template_of(item: TemplateItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _FIELDS}


def _stats_of(item: TemplateStatsItem | None) -> dict[str, int]:
    # whole numbers, which NumberAttribute reads as int (json.loads), though PynamoDB types it float
    stats = {} if item is None else {"sent": item.sent, "opened": item.opened, "clicked": item.clicked}
    return cast(dict[str, int], stats)


def template_key(tenant: str, template_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant), keys.template_sk(template_id)


def put(tenant: str, template: dict[str, Any], *, new: bool) -> bool:
    """Write a new template, or replace one that still exists; False when that condition fails."""
    item = require_storable(TemplateItem(*template_key(tenant, template["template_id"]), **template),
                            "The template is too large to store; shorten its bodies.")
    try:
        item.save(condition=TemplateItem.pk.does_not_exist() if new else TemplateItem.pk.exists())
    except PutError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get(tenant: str, template_id: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The template and its counters (one consistent BatchGetItem)."""
    template, stats = None, None
    wanted = [template_key(tenant, template_id), (keys.tenant_pk(tenant), keys.template_stats_sk(template_id))]
    for item in batches.get(TableItem, wanted, consistent_read=True):
        if isinstance(item, TemplateItem):
            template = template_of(item)
        elif isinstance(item, TemplateStatsItem):
            stats = item
    return None if template is None else (template, _stats_of(stats))


def list_templates(tenant: str) -> list[tuple[dict[str, Any], dict[str, int]]]:
    """Every template with its counters: one Query of `TEMPLATE#` (the counters sort right after
    their template)."""
    templates: dict[str, dict[str, Any]] = {}
    stats: dict[str, dict[str, int]] = {}
    for raw in query_all(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.TEMPLATE_SK_PREFIX), consistent=True):
        item = TableItem.from_raw_data(raw)
        if isinstance(item, TemplateItem):
            templates[item.template_id] = template_of(item)
        elif isinstance(item, TemplateStatsItem):
            stats[item.sk.split("#")[1]] = _stats_of(item)
    return [(template, stats.get(template_id, {})) for template_id, template in templates.items()]


def delete(tenant: str, template_id: str) -> bool:
    """The template and its counters; False when there was no template."""
    transaction = Transaction()
    transaction.delete("template", TemplateItem(*template_key(tenant, template_id)),
                       condition=TemplateItem.pk.exists())
    transaction.delete("stats", TemplateStatsItem(keys.tenant_pk(tenant), keys.template_stats_sk(template_id)))
    try:
        transaction.commit()
    except ConditionFailed:
        return False
    return True


def stage_count(transaction: Transaction, tenant: str, template_id: str, counter: str) -> None:
    """Add one to a template's counter (sent, opened, clicked) in a transaction of the send or hit."""
    stats = TemplateStatsItem(keys.tenant_pk(tenant), keys.template_stats_sk(template_id))
    transaction.update("template_stats", stats,
                       [TemplateStatsItem.kind.set(TemplateStatsItem), getattr(TemplateStatsItem, counter).add(1)])
