"""The one place that decides whether a user may do an action, optionally on one object."""

from __future__ import annotations

from typing import Any, Protocol

from canhgiac.db.models import Item, User
from canhgiac.errors import PermissionDenied
from canhgiac.i18n import N_

# Actions each role may take. Unit scoping (below) narrows object-level actions further.
_ALL = "*"
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "administrator": frozenset({_ALL}),
    "coordinator": frozenset(
        {
            "dashboard.view",
            "item.view",
            "item.view_all",
            "item.import",
            "case.view",
            "case.view_all",
            "case.create",
            "case.edit",
            "case.transition",
            "case.assign",
            "case.merge",
            "case.comment",
            "evidence.view",
            "evidence.add",
            "contact.view",
            "routing.edit",
            "source.manage",
            "request.create",
            "request.approve",
            "request.record_answer",
            "recipient.manage",
            "indicator.manage",
            "warning.edit",
            "warning.publish",
            "claim.manage",
            "plan.view",
            "plan.edit",
            "activity.record",
            "progress.submit",
            "task.update",
            "progress.approve",
            "budget.edit",
            "report.generate",
            "job.manage",
            "audit.view",
            "unit.view",
        }
    ),
    "investigator": frozenset(
        {
            "dashboard.view",
            "item.view",
            "item.view_all",
            "item.import",
            "case.view",
            "case.create",
            "case.edit",
            "case.transition",
            "case.assign",
            "case.comment",
            "evidence.view",
            "evidence.add",
            "contact.view",
            "request.create",
            "request.record_answer",
            "indicator.manage",
            "warning.edit",
            "plan.view",
            "activity.record",
            "progress.submit",
            "task.update",
            "unit.view",
        }
    ),
    "unit_officer": frozenset(
        {
            "dashboard.view",
            "item.view",
            "item.import",
            "case.view",
            "case.create",
            "case.edit",
            "case.transition",
            "case.comment",
            "evidence.view",
            "evidence.add",
            "warning.edit",
            "plan.view",
            "activity.record",
            "progress.submit",
            "task.update",
            "unit.view",
        }
    ),
    "viewer": frozenset({"dashboard.view", "case.view", "plan.view", "unit.view"}),
}

# Roles that see and act on every unit's objects; others only their own unit's.
DISTRICT_WIDE_ROLES = frozenset({"administrator", "coordinator"})
# Items (received content, the review queue) are seen district-wide by the roles granted
# `item.view_all` (administrator, coordinator, the police investigator); a unit-scoped user sees
# only the items filed for their own commune (`Item.commune_unit_id`).


class UnitScoped(Protocol):
    """Anything owned by a unit (cases, tasks, progress reports...)."""

    @property
    def owner_unit_id(self) -> int: ...


def role_allows(role: str, action: str) -> bool:
    """Whether the role grants the action at all."""
    allowed = ROLE_ACTIONS.get(role, frozenset())
    return _ALL in allowed or action in allowed


def can(user: User | None, action: str, obj: object | None = None) -> bool:
    """Whether `user` may do `action` (to `obj`, when given)."""
    if user is None or not user.is_active or not role_allows(user.role, action):
        return False
    if obj is None or user.role in DISTRICT_WIDE_ROLES:
        return True
    owner = getattr(obj, "owner_unit_id", None)
    if owner is None:
        owner = getattr(obj, "unit_id", None)
    return owner is None or owner == user.unit_id


def sees_all_items(user: User) -> bool:
    """Whether the user sees every commune's items (else only their own commune's)."""
    return user.role in DISTRICT_WIDE_ROLES or can(user, "item.view_all")


def can_view_item(user: User | None, item: Item) -> bool:
    """Whether the user may see this item: `item.view`, and district-wide or their commune's."""
    if user is None or not can(user, "item.view"):
        return False
    return sees_all_items(user) or (
        item.commune_unit_id is not None and item.commune_unit_id == user.unit_id
    )


def scoped_items(query: Any, user: User) -> Any:
    """Narrow an item query to what the user may see: everything for the district-wide roles,
    else only the items filed for the user's own commune."""
    require(user, "item.view")
    if sees_all_items(user):
        return query
    return query.where(Item.commune_unit_id.is_not(None), Item.commune_unit_id == user.unit_id)


def require(user: User | None, action: str, obj: object | None = None) -> User:
    """Raise PermissionDenied unless `can(user, action, obj)`; return the user."""
    if user is None or not can(user, action, obj):
        raise PermissionDenied(N_("Bạn không có quyền thực hiện thao tác này."))
    return user
