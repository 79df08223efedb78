"""Who is calling, and what the permission matrix of the contract lets them do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import Forbidden

ROLES = ("owner", "admin", "manager", "user")
ADMIN_ROLES = frozenset({"owner", "admin"})
CONTACT_DELETER_ROLES = frozenset({"owner", "admin", "manager"})
GROUP_MANAGER_ROLES = CONTACT_DELETER_ROLES  # who creates, changes and deletes member groups and invites their members


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

    def require_group_manager(self) -> None:
        """Member groups (their settings, their deletion, their members' logins) are managed by a
        manager, an admin or an owner; any role adds and removes the contacts it sees."""
        if self.role not in GROUP_MANAGER_ROLES:
            raise Forbidden(f"Your role ({self.role}) cannot manage member groups; ask a manager, admin or owner.")

    def visible_owner(self, settings: dict[str, Any]) -> str | None:
        """The only owner whose contacts this caller may see, or None when they see all."""
        if self.role == "user" and settings.get("owner_visibility_restricted"):
            return self.user_id
        return None

    def can_see(self, contact: dict[str, Any], settings: dict[str, Any]) -> bool:
        owner = self.visible_owner(settings)
        return owner is None or contact.get("owner_id") == owner

    def sees_all(self, settings: dict[str, Any]) -> bool:
        """Whether owner visibility hides no contact from this caller: tenant-wide counts and
        tenant-wide contact changes (deleting a tag) are theirs only then."""
        return self.visible_owner(settings) is None

    def require_sees_all(self, settings: dict[str, Any], action: str) -> None:
        if not self.sees_all(settings):
            raise Forbidden(f"You see only your own contacts (owner visibility), so you cannot {action}; "
                            "ask a manager, admin or owner.")

    def may_edit(self, created_by: str | None) -> bool:
        """Templates and segments: their creator, an owner or an admin edits or deletes them;
        everyone else reads and uses them."""
        return created_by == self.user_id or self.role in ADMIN_ROLES

    def require_editor_of(self, created_by: str | None, what: str) -> None:
        if not self.may_edit(created_by):
            raise Forbidden(f"Only whoever created this {what}, an owner or an admin can change or delete it.")

    def sees_every_job(self) -> bool:
        """Jobs (bulk actions, imports, exports) are seen by their requester, owners and admins."""
        return self.role in ADMIN_ROLES

    def sees_jobs_of(self, requester: dict[str, Any]) -> bool:
        return self.sees_every_job() or requester.get("user_id") == self.user_id
