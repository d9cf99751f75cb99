"""The one place that decides whether a user may do an action, optionally on one object."""

from __future__ import annotations

from typing import Protocol

from canhgiac.db.models import User
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


def require(user: User | None, action: str, obj: object | None = None) -> User:
    """Raise PermissionDenied unless `can(user, action, obj)`; return the user."""
    if user is None or not can(user, action, obj):
        raise PermissionDenied(N_("Bạn không có quyền thực hiện thao tác này."))
    return user
