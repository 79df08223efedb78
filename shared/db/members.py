"""The tenant's members as far as the table knows them: the addresses its users send from.

There is no member directory yet; until there is, an address is a member's once that user set
up their mailbox (PUT /v1/me/mailbox) with a token carrying it. `member_of` is the one question
the rest of the code asks, so a directory can answer it later instead.
"""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db.models import MemberAddressItem


def remember(tenant: str, address: str, user_id: str, name: str | None, now: str) -> None:
    """Record that `user_id` sends from `address` (the last user to claim it wins)."""
    MemberAddressItem(keys.member_address_pk(tenant, address.lower()), keys.MEMBER_ADDRESS_SK,
                      user_id=user_id, name=name, updated_at=now).save()


def member_of(tenant: str, address: str | None) -> dict[str, Any] | None:
    """`{"user_id", "name", "email"}` of the tenant's user who sends from `address`, or None."""
    if not address:
        return None
    try:
        item = MemberAddressItem.get(keys.member_address_pk(tenant, address.lower()), keys.MEMBER_ADDRESS_SK)
    except MemberAddressItem.DoesNotExist:
        return None
    return {"user_id": item.user_id, "name": item.name, "email": address.lower()}
