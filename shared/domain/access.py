"""Who is calling, and what the permission matrix of the contract lets them do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import Forbidden

ROLES = ("owner", "admin", "manager", "user")
ADMIN_ROLES = frozenset({"owner", "admin"})
CONTACT_DELETER_ROLES = frozenset({"owner", "admin", "manager"})


@dataclass(frozen=True)
class Principal:
    """The caller, taken only from the verified token's claims."""

    tenant: str
    user_id: str
    role: str
    email: str | None = None
    name: str | None = None

    def as_record(self) -> dict[str, Any]:
        """Who asked for a job, as the job keeps it (the worker acts with the same rights)."""
        return {"user_id": self.user_id, "role": self.role, "email": self.email, "name": self.name}

    @classmethod
    def from_record(cls, tenant: str, record: dict[str, Any]) -> Principal:
        return cls(tenant=tenant, user_id=record["user_id"], role=record["role"], email=record.get("email"),
                   name=record.get("name"))

    def require_admin(self, action: str) -> None:
        if self.role not in ADMIN_ROLES:
            raise Forbidden(f"Only an owner or admin can {action}; your role is {self.role}.")

    def require_contact_delete(self) -> None:
        if self.role not in CONTACT_DELETER_ROLES:
            raise Forbidden("Your role (user) cannot delete contacts; ask a manager, admin or owner.")

    def visible_owner(self, settings: dict[str, Any]) -> str | None:
        """The only owner whose contacts this caller may see, or None when they see all."""
        if self.role == "user" and settings.get("owner_visibility_restricted"):
            return self.user_id
        return None

    def can_see(self, contact: dict[str, Any], settings: dict[str, Any]) -> bool:
        owner = self.visible_owner(settings)
        return owner is None or contact.get("owner_id") == owner
