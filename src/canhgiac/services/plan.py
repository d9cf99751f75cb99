"""The district plan in the database: install, import, export, roll over, and its tasks per unit."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Activity, Case, Evidence, Plan, PlanTask, TakedownRequest, Unit, User
from canhgiac.db.models.plan import TASK_STATES
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import LOCAL_TZ, N_
from canhgiac.planning.template import PlanTemplate, default_plan, dump_plan, load_plan, next_year
from canhgiac.services import audit, permissions
from canhgiac.services.units import get_unit, list_units

__all__ = [
    "EVIDENCE_KINDS",
    "TaskPeriod",
    "active_plan",
    "add_task_evidence",
    "export_plan",
    "get_plan",
    "get_task",
    "import_plan",
    "install_plan",
    "list_plans",
    "list_tasks",
    "local_today",
    "new_plan_for_next_year",
    "periods_of",
    "remind_due_tasks",
    "seed_default_plan",
    "set_task_state",
    "sync_tasks",
    "task_is_overdue",
    "tasks_due_between",
    "template_of",
]

# Kinds of completion evidence a task can point at; the value names the table checked.
EVIDENCE_KINDS = ("case", "activity", "request", "file", "link")
CLOSED_TASK_STATES = ("done", "cancelled")
_MAX_NOTE = 2000


@dataclass(frozen=True)
class TaskPeriod:
    """One reporting slot of a duty: its label ("2023-Q2") and due date."""

    label: str
    due_on: date


def local_today() -> date:
    """Today in Asia/Ho_Chi_Minh (task due dates are local calendar days)."""
    return utcnow().astimezone(LOCAL_TZ).date()


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def periods_of(period: str, year: int) -> list[TaskPeriod]:
    """The slots a duty of this period kind produces in `year`."""
    if period == "quarterly":
        return [TaskPeriod(f"{year}-Q{q}", _month_end(year, 3 * q)) for q in range(1, 5)]
    if period == "monthly":
        return [TaskPeriod(f"{year}-{m:02d}", _month_end(year, m)) for m in range(1, 13)]
    if period in ("yearly", "one_off"):
        return [TaskPeriod(str(year), date(year, 12, 31))]
    raise ValidationFailed(f"Chu kỳ nhiệm vụ không hợp lệ: {period}.", field="period")


def _document(template: PlanTemplate) -> dict[str, Any]:
    """The template as plain JSON data (dates as ISO strings) for the `plans.document` column."""
    data: dict[str, Any] = json.loads(
        json.dumps(yaml.safe_load(dump_plan(template)), ensure_ascii=False, default=str)
    )
    return data


def template_of(plan: Plan) -> PlanTemplate:
    """The stored plan as a PlanTemplate."""
    return load_plan(yaml.safe_dump(plan.document, allow_unicode=True, sort_keys=False))


def _units_for_section(session: Session, code: str, kind: str, group: bool) -> list[Unit]:
    if group:
        return list_units(session, kind=kind)
    try:
        return [get_unit(session, code)]
    except NotFound as exc:
        raise ValidationFailed(
            f"Kế hoạch giao nhiệm vụ cho đơn vị '{code}' chưa có trong danh sách đơn vị.",
            field="units",
        ) from exc


def _create_tasks(session: Session, plan: Plan, template: PlanTemplate) -> int:
    """Add the tasks the plan implies that are not there yet; return how many were added."""
    existing = set(
        session.execute(
            select(PlanTask.unit_id, PlanTask.duty_ref, PlanTask.period_label).where(
                PlanTask.plan_id == plan.id
            )
        ).tuples()
    )
    count = 0
    for section, duty in template.duties():
        for unit in _units_for_section(session, section.code, section.kind, section.group):
            for slot in periods_of(duty.period, template.year):
                if (unit.id, duty.id, slot.label) in existing:
                    continue
                session.add(
                    PlanTask(
                        plan_id=plan.id,
                        unit_id=unit.id,
                        duty_ref=duty.id,
                        title=duty.text,
                        period=duty.period,
                        period_label=slot.label,
                        due_on=slot.due_on,
                        state="open",
                        completion_evidence={"items": []},
                    )
                )
                count += 1
    session.flush()
    return count


def sync_tasks(session: Session, actor: User | str | None, plan: Plan) -> int:
    """Give units added since the plan was installed (e.g. a new commune) their tasks."""
    added = _create_tasks(session, plan, template_of(plan))
    if added:
        audit.record(session, actor, "plan.sync", "plan", plan.id, {"tasks": added})
    return added


def install_plan(
    session: Session, actor: User | str | None, template: PlanTemplate, *, activate: bool = True
) -> Plan:
    """Store a plan and create its tasks; Conflict when a plan of that code exists."""
    if session.scalar(select(Plan.id).where(Plan.code == template.code)) is not None:
        raise Conflict(f"Đã có kế hoạch mã '{template.code}'.", field="code")
    if activate:
        for other in session.scalars(select(Plan).where(Plan.year == template.year)):
            other.active = False
    plan = Plan(
        code=template.code,
        title=template.title,
        year=template.year,
        document=_document(template),
        active=activate,
    )
    session.add(plan)
    session.flush()
    tasks = _create_tasks(session, plan, template)
    audit.record(
        session, actor, "plan.install", "plan", plan.id, {"code": plan.code, "tasks": tasks}
    )
    return plan


def seed_default_plan(session: Session) -> Plan | None:
    """Install the shipped Bảo Lạc 2023 plan unless it is there; return it when added."""
    template = default_plan()
    existing = session.scalar(select(Plan).where(Plan.code == template.code))
    if existing is not None:
        sync_tasks(session, "system", existing)
        return None
    return install_plan(session, "system", template)


def _parse(source: str | Path) -> PlanTemplate:
    try:
        return load_plan(source)
    except ValueError as exc:
        # YAML errors span several lines; one line reads better on a CLI or a page.
        detail = " ".join(str(exc).split())
        raise ValidationFailed(f"Tệp kế hoạch không hợp lệ: {detail}", field="plan") from exc


def import_plan(session: Session, actor: User | str | None, source: str | Path) -> Plan:
    """Load a plan from YAML text or a file and install it (another district's own plan)."""
    if isinstance(actor, User):
        permissions.require(actor, "plan.edit")
    return install_plan(session, actor, _parse(source))


def list_plans(session: Session) -> list[Plan]:
    """Every plan, newest year first."""
    return list(session.scalars(select(Plan).order_by(Plan.year.desc(), Plan.id.desc())))


def active_plan(session: Session) -> Plan:
    """The active plan of the latest year, or NotFound."""
    plan = session.scalar(
        select(Plan).where(Plan.active.is_(True)).order_by(Plan.year.desc(), Plan.id.desc())
    )
    if plan is None:
        raise NotFound(N_("Chưa có kế hoạch nào. Hãy nạp kế hoạch (canhgiac plan import)."))
    return plan


def get_plan(session: Session, code: str | None = None) -> Plan:
    """The plan with this code, or the active one when no code is given."""
    if code is None:
        return active_plan(session)
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise NotFound(f"Không tìm thấy kế hoạch mã '{code}'.", field="code")
    return plan


def export_plan(session: Session, code: str | None = None) -> str:
    """The plan as YAML that `import_plan` reads back."""
    return dump_plan(template_of(get_plan(session, code)))


def new_plan_for_next_year(
    session: Session, actor: User | str | None, from_code: str, year: int
) -> Plan:
    """A new plan for `year` with the same duties as plan `from_code`, with fresh tasks."""
    if isinstance(actor, User):
        permissions.require(actor, "plan.edit")
    source = get_plan(session, from_code)
    try:
        template = next_year(template_of(source), year)
    except ValueError as exc:
        raise ValidationFailed(f"Năm không hợp lệ: {exc}", field="year") from exc
    return install_plan(session, actor, template)


def task_is_overdue(task: PlanTask, today: date | None = None) -> bool:
    """Whether the task is past its due date and still not done or cancelled."""
    if task.state in CLOSED_TASK_STATES or task.due_on is None:
        return False
    return task.due_on < (today or local_today())


def list_tasks(
    session: Session,
    plan: Plan,
    *,
    unit: Unit | None = None,
    state: str | None = None,
    period_label: str | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> list[PlanTask]:
    """Tasks of a plan, by due date; `state="overdue"` means past due and not closed."""
    query = select(PlanTask).where(PlanTask.plan_id == plan.id)
    if unit is not None:
        query = query.where(PlanTask.unit_id == unit.id)
    if period_label:
        query = query.where(PlanTask.period_label == period_label)
    if due_from is not None:
        query = query.where(PlanTask.due_on >= due_from)
    if due_to is not None:
        query = query.where(PlanTask.due_on <= due_to)
    if state == "overdue":
        query = query.where(
            PlanTask.state.not_in(CLOSED_TASK_STATES), PlanTask.due_on < local_today()
        )
    elif state:
        query = query.where(PlanTask.state == state)
    return list(session.scalars(query.order_by(PlanTask.due_on, PlanTask.unit_id, PlanTask.id)))


def get_task(session: Session, task_id: int) -> PlanTask:
    """The task with this id, or NotFound."""
    task = session.get(PlanTask, task_id)
    if task is None:
        raise NotFound(f"Không tìm thấy nhiệm vụ #{task_id}.")
    return task


def set_task_state(
    session: Session, actor: User | str | None, task_id: int, state: str, note: str = ""
) -> PlanTask:
    """Move a task to a state (open, in_progress, done, cancelled); unit officers: own unit only."""
    task = get_task(session, task_id)
    if isinstance(actor, User):
        permissions.require(actor, "task.update", task)
    if state not in TASK_STATES or state == "overdue":
        raise ValidationFailed(f"Trạng thái nhiệm vụ không hợp lệ: {state}.", field="state")
    if len(note) > _MAX_NOTE:
        raise ValidationFailed(N_("Ghi chú quá dài."), field="note")
    old = task.state
    task.state = state
    task.completed_at = utcnow() if state == "done" else None
    if note.strip():
        _append_evidence(task, actor, "note", "", note.strip())
    audit.record(
        session, actor, "task.state", "plan_task", task.id, {"from": old, "to": state, "note": note}
    )
    return task


def _append_evidence(
    task: PlanTask, actor: User | str | None, kind: str, ref: str, note: str
) -> None:
    who = actor.email if isinstance(actor, User) else (actor or "system")
    items = list((task.completion_evidence or {}).get("items", []))
    items.append({"kind": kind, "ref": ref, "note": note, "at": utcnow().isoformat(), "by": who})
    # A new dict so the JSON column is seen as changed.
    task.completion_evidence = {**(task.completion_evidence or {}), "items": items}


def _check_ref(session: Session, kind: str, ref: str) -> str:
    """Validate the reference of a piece of completion evidence; return it normalised."""
    ref = ref.strip()
    number = int(ref) if ref.isdigit() and len(ref) < 12 else -1
    found: str | None = None
    if kind == "link":
        if not ref.startswith(("https://", "http://", "/")) or len(ref) > 2000:
            raise ValidationFailed(N_("Đường link không hợp lệ."), field="ref")
        found = ref
    elif kind == "case":
        case = session.scalar(select(Case).where((Case.ref == ref) | (Case.id == number)))
        found = case.ref if case else None
    elif kind == "activity":
        activity = session.get(Activity, number) if number > 0 else None
        found = str(activity.id) if activity else None
    elif kind == "request":
        request = session.scalar(
            select(TakedownRequest).where(
                (TakedownRequest.id == number) | (TakedownRequest.number == ref)
            )
        )
        found = (request.number or str(request.id)) if request else None
    elif kind == "file":
        evidence = session.scalar(
            select(Evidence).where((Evidence.id == number) | (Evidence.blob_sha256 == ref.lower()))
        )
        found = evidence.blob_sha256 if evidence else None
    else:
        raise ValidationFailed(f"Loại minh chứng không hợp lệ: {kind}.", field="kind")
    if found is None:
        raise ValidationFailed(f"Không tìm thấy '{ref}' để làm minh chứng.", field="ref")
    return found


def add_task_evidence(
    session: Session,
    actor: User | str | None,
    task_id: int,
    *,
    kind: str,
    ref: str,
    note: str = "",
) -> PlanTask:
    """Link evidence of completion (a case, training, request, stored file or a link) to a task."""
    task = get_task(session, task_id)
    if isinstance(actor, User):
        permissions.require(actor, "task.update", task)
    if len(note) > _MAX_NOTE:
        raise ValidationFailed(N_("Ghi chú quá dài."), field="note")
    value = _check_ref(session, kind, ref)
    _append_evidence(task, actor, kind, value, note.strip())
    audit.record(
        session, actor, "task.evidence", "plan_task", task.id, {"kind": kind, "ref": value}
    )
    return task


def tasks_due_between(session: Session, start: date, end: date) -> list[PlanTask]:
    """Open tasks of every active plan due in [start, end] (for reminders)."""
    return list(
        session.scalars(
            select(PlanTask)
            .join(Plan, Plan.id == PlanTask.plan_id)
            .where(
                Plan.active.is_(True),
                PlanTask.state.not_in(CLOSED_TASK_STATES),
                PlanTask.due_on >= start,
                PlanTask.due_on <= end,
            )
            .order_by(PlanTask.due_on, PlanTask.id)
        )
    )


REMIND_DAYS = 7


def remind_due_tasks(
    session: Session, today: date | None = None, days: int = REMIND_DAYS
) -> list[PlanTask]:
    """Notify each unit's people once about its open tasks due within `days`; return those tasks."""
    from canhgiac.services import notifications

    today = today or local_today()
    due = [
        t
        for t in tasks_due_between(session, today, today + timedelta(days=days))
        if t.reminded_at is None
    ]
    for task in due:
        users = notifications.unit_users(
            session, task.unit_id, ("unit_officer", "investigator", "coordinator")
        )
        message = (
            f"Nhiệm vụ {task.duty_ref} kỳ {task.period_label} đến hạn ngày"
            f" {task.due_on:%d/%m/%Y}: {task.title[:160]}"
        )
        notifications.notify_users(
            session, users, "task_due", message, link=f"/ke-hoach/nhiem-vu/{task.id}"
        )
        task.reminded_at = utcnow()
    return due
