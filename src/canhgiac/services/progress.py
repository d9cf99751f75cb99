"""Unit progress reports (báo cáo tiến độ): pre-filled from the data, edited, submitted, approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Plan, PlanTask, ProgressReport, Unit, User
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.planning.period import Period, period_from_string
from canhgiac.services import audit, permissions, plan_figures
from canhgiac.services.plan import local_today
from canhgiac.services.units import get_unit

__all__ = [
    "FIGURE_FIELDS",
    "GRACE_DAYS",
    "approve_report",
    "expected_reports",
    "get_report",
    "list_reports",
    "open_report",
    "overdue_reports",
    "prefill_figures",
    "return_report",
    "save_report",
    "submit_report",
]

# Days after the end of a period by which a unit's report is due.
GRACE_DAYS = 5
# The figures of the form, in order, with their labels; all are counts a person can correct.
FIGURE_FIELDS: dict[str, str] = {
    "reports_received": N_("Phản ánh tiếp nhận"),
    "cases_opened": N_("Vụ việc phát sinh"),
    "cases_resolved": N_("Vụ việc đã xử lý xong"),
    "cases_overdue": N_("Vụ việc quá hạn"),
    "requests_sent": N_("Văn bản đề nghị đã gửi"),
    "requests_answered": N_("Văn bản đề nghị đã được phản hồi"),
    "warnings_published": N_("Tin cảnh báo đã đăng"),
    "trainings_held": N_("Lớp tập huấn đã tổ chức"),
    "people_trained": N_("Lượt người tham dự tập huấn"),
    "campaigns_held": N_("Đợt tuyên truyền đã tổ chức"),
    "tasks_due": N_("Nhiệm vụ đến hạn"),
    "tasks_done": N_("Nhiệm vụ đã hoàn thành"),
}
_MAX_FIGURE = 10_000_000
_MAX_NARRATIVE = 20_000


@dataclass(frozen=True)
class _UnitScope:
    unit_id: int


def _period(code: str) -> Period:
    try:
        return period_from_string(code)
    except ValueError as exc:
        raise ValidationFailed(f"Kỳ báo cáo không hợp lệ: {code}.", field="period") from exc


def prefill_figures(session: Session, plan: Plan, unit: Unit, period: Period) -> dict[str, int]:
    """The unit's figures for the period, counted from the system."""
    f = plan_figures.compute(session, period, plan=plan, unit=unit)
    resolved = sum(f.cases_by_state.get(s, 0) for s in plan_figures.RESOLVED_CASE_STATES)
    return {
        "reports_received": f.reports_total,
        "cases_opened": f.cases_total,
        "cases_resolved": resolved,
        "cases_overdue": f.overdue_cases,
        "requests_sent": sum(r.sent for r in f.requests),
        "requests_answered": sum(r.answered for r in f.requests),
        "warnings_published": f.warnings_published + f.fact_checks_published,
        "trainings_held": f.trainings_held,
        "people_trained": f.people_reached,
        "campaigns_held": f.campaigns,
        "tasks_due": sum(t.total for t in f.tasks),
        "tasks_done": sum(t.done for t in f.tasks),
    }


def get_report(session: Session, report_id: int) -> ProgressReport:
    """The progress report with this id, or NotFound."""
    report = session.get(ProgressReport, report_id)
    if report is None:
        raise NotFound(f"Không tìm thấy báo cáo tiến độ #{report_id}.")
    return report


def open_report(
    session: Session, actor: User | str | None, plan: Plan, unit_code: str, period_code: str
) -> ProgressReport:
    """The unit's report for the period, created as a pre-filled draft when missing."""
    unit = get_unit(session, unit_code)
    period = _period(period_code)
    if isinstance(actor, User):
        permissions.require(actor, "plan.view", _UnitScope(unit.id))
    found = session.scalar(
        select(ProgressReport).where(
            ProgressReport.plan_id == plan.id,
            ProgressReport.unit_id == unit.id,
            ProgressReport.period == period.code,
        )
    )
    if found is not None:
        return found
    if isinstance(actor, User):
        permissions.require(actor, "progress.submit", _UnitScope(unit.id))
    report = ProgressReport(
        plan_id=plan.id,
        unit_id=unit.id,
        period=period.code,
        due_on=period.end + timedelta(days=GRACE_DAYS),
        figures=prefill_figures(session, plan, unit, period),
        narrative="",
        state="draft",
    )
    session.add(report)
    session.flush()
    audit.record(
        session, actor, "progress.open", "progress_report", report.id,
        {"unit": unit.code, "period": period.code},
    )  # fmt: skip
    return report


def _clean_figures(figures: dict[str, Any]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for key, value in figures.items():
        if key not in FIGURE_FIELDS:
            raise ValidationFailed(f"Chỉ số không có trong biểu mẫu: {key}.", field=key)
        text = str(value).strip().replace(".", "") if not isinstance(value, int) else value
        if isinstance(value, bool) or not (isinstance(text, int) or text.isdigit()):
            raise ValidationFailed(N_("Số liệu phải là số nguyên không âm."), field=key)
        number = int(text)
        if number > _MAX_FIGURE:
            raise ValidationFailed(N_("Số liệu quá lớn."), field=key)
        cleaned[key] = number
    return cleaned


def save_report(
    session: Session,
    actor: User | str | None,
    report_id: int,
    *,
    figures: dict[str, Any] | None = None,
    narrative: str | None = None,
) -> ProgressReport:
    """Edit a draft or returned report's figures and narrative."""
    report = get_report(session, report_id)
    if isinstance(actor, User):
        permissions.require(actor, "progress.submit", report)
    if report.state not in ("draft", "returned"):
        raise Conflict(N_("Báo cáo đã gửi, không sửa được nữa."), field="state")
    if figures is not None:
        report.figures = {**report.figures, **_clean_figures(figures)}
    if narrative is not None:
        if len(narrative) > _MAX_NARRATIVE:
            raise ValidationFailed(N_("Nội dung báo cáo quá dài."), field="narrative")
        report.narrative = narrative.strip()
    audit.record(
        session, actor, "progress.save", "progress_report", report.id,
        {"figures": report.figures},
    )  # fmt: skip
    return report


def submit_report(session: Session, actor: User | str | None, report_id: int) -> ProgressReport:
    """Send a draft or returned report to the coordinator (a unit officer: own unit only)."""
    report = get_report(session, report_id)
    if isinstance(actor, User):
        permissions.require(actor, "progress.submit", report)
    if report.state not in ("draft", "returned"):
        raise Conflict(N_("Báo cáo đã được gửi."), field="state")
    report.state = "submitted"
    report.submitted_at = utcnow()
    report.submitted_by_id = actor.id if isinstance(actor, User) else None
    audit.record(session, actor, "progress.submit", "progress_report", report.id, {})
    return report


def approve_report(session: Session, actor: User | str | None, report_id: int) -> ProgressReport:
    """The coordinator accepts a submitted report."""
    report = get_report(session, report_id)
    if isinstance(actor, User):
        permissions.require(actor, "progress.approve", report)
    if report.state != "submitted":
        raise Conflict(N_("Chỉ duyệt được báo cáo đã gửi."), field="state")
    report.state = "approved"
    report.approved_at = utcnow()
    report.approved_by_id = actor.id if isinstance(actor, User) else None
    audit.record(session, actor, "progress.approve", "progress_report", report.id, {})
    return report


def return_report(
    session: Session, actor: User | str | None, report_id: int, reason: str
) -> ProgressReport:
    """The coordinator sends a submitted report back to the unit, saying why."""
    report = get_report(session, report_id)
    if isinstance(actor, User):
        permissions.require(actor, "progress.approve", report)
    if report.state != "submitted":
        raise Conflict(N_("Chỉ trả lại được báo cáo đã gửi."), field="state")
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationFailed(N_("Hãy ghi lý do trả lại."), field="reason")
    report.state = "returned"
    audit.record(
        session, actor, "progress.return", "progress_report", report.id, {"reason": reason}
    )
    return report


def list_reports(
    session: Session,
    plan: Plan,
    *,
    unit: Unit | None = None,
    state: str | None = None,
    period_code: str | None = None,
) -> list[ProgressReport]:
    """A plan's progress reports, latest period first."""
    query = select(ProgressReport).where(ProgressReport.plan_id == plan.id)
    if unit is not None:
        query = query.where(ProgressReport.unit_id == unit.id)
    if state:
        query = query.where(ProgressReport.state == state)
    if period_code:
        query = query.where(ProgressReport.period == period_code)
    return list(
        session.scalars(query.order_by(ProgressReport.period.desc(), ProgressReport.unit_id))
    )


def expected_reports(plan: Plan) -> list[tuple[str, date]]:
    """The quarterly reports every unit with tasks owes: (period code, due date)."""
    out = []
    for quarter in range(1, 5):
        period = period_from_string(f"{plan.year}-Q{quarter}")
        out.append((period.code, period.end + timedelta(days=GRACE_DAYS)))
    return out


def overdue_reports(
    session: Session, plan: Plan, today: date | None = None
) -> list[tuple[Unit, str, date]]:
    """(unit, period, due date) of quarterly reports past due and not submitted or approved."""
    today = today or local_today()
    unit_ids = set(session.scalars(select(PlanTask.unit_id).where(PlanTask.plan_id == plan.id)))
    if not unit_ids:
        return []
    done = {
        (r.unit_id, r.period)
        for r in session.scalars(
            select(ProgressReport).where(
                ProgressReport.plan_id == plan.id,
                ProgressReport.state.in_(("submitted", "approved")),
            )
        )
    }
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.code)))
    return [
        (unit, code, due)
        for code, due in expected_reports(plan)
        if due < today
        for unit in units
        if (unit.id, code) not in done
    ]


# Reports overdue for longer than this are not escalated again (a plan loaded late in the year,
# or an old plan, would otherwise flood every coordinator with one notice per unit and period).
ESCALATE_WINDOW_DAYS = 45


def escalate_overdue(session: Session, today: date | None = None) -> int:
    """Tell the unit and the coordinators, once, about each overdue report; return how many new."""
    from canhgiac.db.models import Notification
    from canhgiac.services import notifications
    from canhgiac.services.plan import active_plan

    try:
        plan = active_plan(session)
    except NotFound:
        return 0
    coordinators = notifications.coordinators(session)
    count = 0
    today = today or local_today()
    for unit, period, due in overdue_reports(session, plan, today):
        if (today - due).days > ESCALATE_WINDOW_DAYS:
            continue  # long past: listed on the progress page, not pushed again to everyone
        link = f"/ke-hoach/bao-cao-tien-do?don-vi={unit.code}&ky={period}"
        already = session.scalar(
            select(Notification.id).where(
                Notification.kind == "progress_overdue", Notification.link == link
            )
        )
        if already is not None:
            continue
        message = f"{unit.name} chưa gửi báo cáo tiến độ kỳ {period} (hạn {due:%d/%m/%Y})."
        users = [*notifications.unit_users(session, unit.id, ("unit_officer",)), *coordinators]
        notifications.notify_users(session, users, "progress_overdue", message, link=link)
        audit.record(session, "system", "progress.escalate", "unit", unit.id, {"period": period})
        count += 1
    return count
