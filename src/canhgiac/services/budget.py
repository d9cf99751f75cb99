"""Budget lines per unit (planned, committed, spent), whole đồng, as the plan's budget rule says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import BudgetLine, Plan, User
from canhgiac.errors import NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit, permissions
from canhgiac.services.units import get_unit

__all__ = [
    "MAX_VND",
    "BudgetTotals",
    "delete_budget_line",
    "list_budget",
    "parse_vnd",
    "set_budget_line",
    "totals",
]

# A district programme never approaches this; it keeps typos (extra zeros) out.
MAX_VND = 1_000_000_000_000
_VND_RE = re.compile(r"^\d{1,3}([., ]\d{3})*$|^\d+$")


@dataclass(frozen=True)
class BudgetTotals:
    """Sums over a plan's budget lines."""

    planned: int
    committed: int
    spent: int


def parse_vnd(text: str | int, field: str = "amount") -> int:
    """An amount typed as "1.500.000", "1 500 000", "1500000 đ" or an int; ValidationFailed else."""
    if isinstance(text, bool):
        raise ValidationFailed(N_("Số tiền phải là số nguyên đồng."), field=field)
    if isinstance(text, int):
        value = text
    else:
        cleaned = re.sub(r"\s*(đồng|đ|vnd|VND)\s*$", "", str(text).strip())
        if not cleaned:
            return 0
        if not _VND_RE.match(cleaned):
            raise ValidationFailed(N_("Số tiền phải là số nguyên đồng."), field=field)
        value = int(re.sub(r"[., ]", "", cleaned))
    if not 0 <= value <= MAX_VND:
        raise ValidationFailed(N_("Số tiền không hợp lệ."), field=field)
    return value


def set_budget_line(
    session: Session,
    actor: User | str | None,
    *,
    plan: Plan,
    unit_code: str,
    title: str,
    planned: int | str,
    committed: int | str = 0,
    spent: int | str = 0,
    line_id: int | None = None,
) -> BudgetLine:
    """Add a budget line, or update line `line_id`; amounts are whole đồng, never negative."""
    unit = get_unit(session, unit_code)
    title = (title or "").strip()
    if not title or len(title) > 500:
        raise ValidationFailed(N_("Nội dung chi không được để trống."), field="title")
    amounts = {
        "planned": parse_vnd(planned, "planned"),
        "committed": parse_vnd(committed, "committed"),
        "spent": parse_vnd(spent, "spent"),
    }
    if line_id is None:
        line = BudgetLine(plan_id=plan.id, unit_id=unit.id, title=title)
        session.add(line)
    else:
        found = session.get(BudgetLine, line_id)
        if found is None or found.plan_id != plan.id:
            raise NotFound(f"Không tìm thấy dòng kinh phí #{line_id}.")
        line = found
        line.unit_id = unit.id
        line.title = title
    if isinstance(actor, User):
        permissions.require(actor, "budget.edit", line)
    line.planned_vnd = amounts["planned"]
    line.committed_vnd = amounts["committed"]
    line.spent_vnd = amounts["spent"]
    session.flush()
    audit.record(
        session,
        actor,
        "budget.set",
        "budget_line",
        line.id,
        {"unit": unit.code, "title": title, **amounts},
    )
    return line


def delete_budget_line(session: Session, actor: User | str | None, line_id: int) -> None:
    """Remove a budget line."""
    line = session.get(BudgetLine, line_id)
    if line is None:
        raise NotFound(f"Không tìm thấy dòng kinh phí #{line_id}.")
    if isinstance(actor, User):
        permissions.require(actor, "budget.edit", line)
    audit.record(session, actor, "budget.delete", "budget_line", line.id, {"title": line.title})
    session.delete(line)
    session.flush()


def list_budget(session: Session, plan: Plan) -> list[BudgetLine]:
    """A plan's budget lines by unit, then id."""
    return list(
        session.scalars(
            select(BudgetLine)
            .where(BudgetLine.plan_id == plan.id)
            .order_by(BudgetLine.unit_id, BudgetLine.id)
        )
    )


def totals(lines: list[BudgetLine]) -> BudgetTotals:
    """Planned, committed and spent summed."""
    return BudgetTotals(
        planned=sum(x.planned_vnd for x in lines),
        committed=sum(x.committed_vnd for x in lines),
        spent=sum(x.spent_vnd for x in lines),
    )
