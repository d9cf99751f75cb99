"""The district report (báo cáo kết quả thực hiện kế hoạch): figures from the data, then DOCX/PDF."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Plan, User
from canhgiac.errors import ValidationFailed
from canhgiac.exports.documents.district_report import (
    BudgetLine,
    DistrictReportData,
    DurationStat,
    ReportNarrative,
    RequestStat,
    TaskStat,
    TrainingStat,
    render_report_docx,
    render_report_pdf,
)
from canhgiac.i18n import LOCAL_TZ, N_
from canhgiac.planning.period import Period, period_from_string
from canhgiac.services import audit, permissions, plan_figures
from canhgiac.services.plan import active_plan, template_of
from canhgiac.settings import Settings, get_settings

__all__ = [
    "FORMATS",
    "NARRATIVE_FIELDS",
    "build_data",
    "generate",
    "media_type",
    "parse_period",
    "plan_for_period",
]

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
NO_COMMUNE_LABEL = "Cấp huyện (không gắn với xã)"
# Free-text sections the coordinator may write, in the order of the report.
NARRATIVE_FIELDS = {
    "awareness": N_("Công tác tuyên truyền, phổ biến, giáo dục pháp luật"),
    "training": N_("Công tác tập huấn, nâng cao năng lực"),
    "handling": N_("Công tác tiếp nhận, xử lý phản ánh"),
    "telecom": N_("Công tác đôn đốc doanh nghiệp viễn thông, Internet"),
    "budget": N_("Kinh phí thực hiện"),
    "limitations": N_("Tồn tại, hạn chế"),
    "proposals": N_("Phương hướng, đề xuất"),
}


def parse_period(text: str) -> Period:
    """A period from "2023", "2023-Q2" or "2023-06"; ValidationFailed otherwise."""
    try:
        return period_from_string(text)
    except ValueError as exc:
        raise ValidationFailed(
            f"Kỳ báo cáo không hợp lệ: '{text}' (dùng 2023, 2023-Q2 hoặc 2023-06).", field="period"
        ) from exc


def media_type(fmt: str) -> str:
    """The media type of a report format; ValidationFailed for an unknown one."""
    if fmt not in FORMATS:
        raise ValidationFailed(
            f"Định dạng không hợp lệ: '{fmt}' (dùng docx hoặc pdf).", field="format"
        )
    return FORMATS[fmt]


def plan_for_period(session: Session, period: Period) -> Plan:
    """The active plan of the period's year, else any plan of that year, else the active plan."""
    plan = session.scalar(
        select(Plan)
        .where(Plan.year == period.start.year)
        .order_by(Plan.active.desc(), Plan.id.desc())
    )
    return plan or active_plan(session)


def _duration(d: plan_figures.Duration) -> DurationStat:
    return DurationStat(d.median_hours, d.p90_hours, d.count)


def build_data(
    session: Session,
    period: Period,
    *,
    plan: Plan | None = None,
    number: str = "",
    issued_on: date | None = None,
    narrative: ReportNarrative | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> DistrictReportData:
    """Everything the report states, counted from the database for `period`."""
    settings = settings or get_settings()
    plan = plan or plan_for_period(session, period)
    template = template_of(plan)
    figures = plan_figures.compute(session, period, plan=plan, now=now)
    names = figures.unit_names
    if issued_on is None:
        from canhgiac.db.base import utcnow

        issued_on = (now or utcnow()).astimezone(LOCAL_TZ).date()
    return DistrictReportData(
        plan_code=template.code,
        plan_title=template.title,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        issuer_superior="",
        issuer=template.issuer,
        number=number,
        symbol="BC-UBND",
        place=settings.district_place,
        issued_on=issued_on,
        signer_authority=template.signer.authority,
        signer_title=template.signer.title,
        signer_name=template.signer.name,
        reports_by_category=figures.reports_by_category,
        reports_by_commune={
            names.get(code, NO_COMMUNE_LABEL): n for code, n in figures.reports_by_commune.items()
        },
        cases_by_state=figures.cases_by_state,
        cases_by_unit={names.get(code, code): n for code, n in figures.cases_by_unit.items()},
        time_to_triage=_duration(figures.time_to_triage),
        time_to_resolve=_duration(figures.time_to_resolve),
        overdue_cases=figures.overdue_cases,
        requests=tuple(
            RequestStat(r.recipient, r.sent, r.answered, r.refused, r.answer_time.median_hours)
            for r in figures.requests
        ),
        warnings_published=figures.warnings_published,
        fact_checks_published=figures.fact_checks_published,
        trainings=tuple(
            TrainingStat(t.commune if t.commune_code else NO_COMMUNE_LABEL, t.sessions, t.people)
            for t in figures.trainings
        ),
        budget=tuple(BudgetLine(b.unit, b.planned, b.committed, b.spent) for b in figures.budget),
        tasks=tuple(TaskStat(t.unit, t.total, t.done, t.overdue) for t in figures.tasks),
        narrative=narrative or ReportNarrative(),
        recipients=(f"Ủy ban nhân dân tỉnh {template.province}",),
        cc=("Như trên", *template.recipients[:1]),
        archive=template.archive,
    )


def generate(
    session: Session,
    actor: User | str | None,
    period_text: str,
    fmt: str,
    *,
    number: str = "",
    issued_on: date | None = None,
    narrative: ReportNarrative | None = None,
    settings: Settings | None = None,
) -> bytes:
    """The district report for a period as DOCX or PDF bytes; the generation is audited."""
    if isinstance(actor, User):
        permissions.require(actor, "report.generate")
    media_type(fmt)
    period = parse_period(period_text)
    data = build_data(
        session, period, number=number, issued_on=issued_on, narrative=narrative, settings=settings
    )
    payload = render_report_pdf(data) if fmt == "pdf" else render_report_docx(data)
    audit.record(
        session, actor, "report.generate", "district_report", period.code,
        {"format": fmt, "bytes": len(payload)},
    )  # fmt: skip
    return payload
