"""The main menu: entries appear when their page exists and the user may see it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from canhgiac.db.models import User
from canhgiac.i18n import N_
from canhgiac.services.permissions import can
from canhgiac.web.routes import iter_routes


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    action: str


NAV_ITEMS = (
    NavItem(N_("Tổng quan"), "/", "dashboard.view"),
    NavItem(N_("Nội dung tiếp nhận"), "/noi-dung", "item.view"),
    NavItem(N_("Vụ việc"), "/vu-viec", "case.view"),
    NavItem(N_("Văn bản đề nghị"), "/van-ban-de-nghi", "request.create"),
    NavItem(N_("Dấu hiệu nhận biết"), "/dau-hieu", "indicator.manage"),
    NavItem(N_("Cảnh báo"), "/quan-ly/canh-bao", "warning.edit"),
    NavItem(N_("Kế hoạch"), "/ke-hoach", "plan.view"),
    NavItem(N_("Nguồn tin"), "/nguon", "source.manage"),
    NavItem(N_("Công việc nền"), "/quan-tri/cong-viec", "job.manage"),
    NavItem(N_("Quản trị"), "/quan-tri", "unit.manage"),
)


def nav_for(request: Request, user: User | None) -> list[NavItem]:
    """Menu entries for this user on this app."""
    if user is None:
        return []
    paths = {r.path for r in iter_routes(request.app.routes)}
    return [item for item in NAV_ITEMS if item.path in paths and can(user, item.action)]
