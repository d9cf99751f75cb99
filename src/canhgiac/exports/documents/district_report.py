"""The periodic district report (Báo cáo kết quả thực hiện Kế hoạch) as DOCX and PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from babel.numbers import format_decimal

from canhgiac.exports.documents.admin_format import (
    IssuingBody,
    Signature,
    format_count,
    format_date_numeric,
    format_hours,
    format_vnd,
)
from canhgiac.exports.documents.docx_writer import render_docx
from canhgiac.exports.documents.model import AdminDocument, Block, Figure, Para, Table
from canhgiac.exports.documents.pdf_writer import render_pdf

__all__ = [
    "CATEGORY_LABELS",
    "STATE_LABELS",
    "BudgetLine",
    "DistrictReportData",
    "DurationStat",
    "ReportNarrative",
    "RequestStat",
    "TaskStat",
    "TrainingStat",
    "build_report",
    "render_report_docx",
    "render_report_pdf",
]

CATEGORY_LABELS = {
    "scam": "Lừa đảo",
    "phishing": "Trang/đường link giả mạo",
    "spam": "Tin nhắn/cuộc gọi rác",
    "false_info": "Tin sai sự thật",
    "hacked_account": "Tài khoản bị chiếm đoạt",
    "data_leak": "Lộ lọt dữ liệu",
    "malware": "Mã độc",
    "other": "Khác",
}
STATE_LABELS = {
    "new": "Mới",
    "triaged": "Đã phân loại",
    "verifying": "Đang xác minh",
    "acting": "Đang xử lý",
    "awaiting_response": "Chờ phản hồi",
    "resolved": "Đã xử lý xong",
    "rejected": "Không xử lý",
    "archived": "Lưu trữ",
}
_OPEN_STATES = ("new", "triaged", "verifying", "acting", "awaiting_response")


@dataclass(frozen=True)
class DurationStat:
    """Median and 90th percentile of a duration, in hours (None when nothing was measured)."""

    median_hours: float | None = None
    p90_hours: float | None = None
    count: int = 0


@dataclass(frozen=True)
class RequestStat:
    """Take-down / blocking requests sent to one recipient in the period."""

    recipient: str
    sent: int
    answered: int
    refused: int
    median_answer_hours: float | None = None


@dataclass(frozen=True)
class TrainingStat:
    """Training sessions held in one commune and the people they reached."""

    commune: str
    sessions: int
    people: int


@dataclass(frozen=True)
class BudgetLine:
    """One unit's budget for the plan, in đồng."""

    unit: str
    planned: int
    committed: int
    spent: int


@dataclass(frozen=True)
class TaskStat:
    """Plan tasks of one unit: how many were due, done and overdue in the period."""

    unit: str
    total: int
    done: int
    overdue: int = 0


@dataclass(frozen=True)
class ReportNarrative:
    """Free text written by the coordinator, one field per section of the plan."""

    awareness: str = ""
    training: str = ""
    handling: str = ""
    telecom: str = ""
    budget: str = ""
    limitations: str = ""
    proposals: str = ""


@dataclass(frozen=True)
class DistrictReportData:
    """Everything the district report states for one period."""

    plan_code: str
    plan_title: str
    period_label: str
    period_start: date
    period_end: date
    issuer_superior: str
    issuer: str
    number: str
    symbol: str
    place: str
    issued_on: date
    signer_authority: str
    signer_title: str
    signer_name: str
    reports_by_category: Mapping[str, int] = field(default_factory=dict)
    reports_by_commune: Mapping[str, int] = field(default_factory=dict)
    cases_by_state: Mapping[str, int] = field(default_factory=dict)
    cases_by_unit: Mapping[str, int] = field(default_factory=dict)
    time_to_triage: DurationStat = field(default_factory=DurationStat)
    time_to_resolve: DurationStat = field(default_factory=DurationStat)
    overdue_cases: int = 0
    requests: Sequence[RequestStat] = ()
    warnings_published: int = 0
    fact_checks_published: int = 0
    trainings: Sequence[TrainingStat] = ()
    budget: Sequence[BudgetLine] = ()
    tasks: Sequence[TaskStat] = ()
    narrative: ReportNarrative = field(default_factory=ReportNarrative)
    recipients: Sequence[str] = ()
    cc: Sequence[str] = ()
    archive: str = "VT, VHTT"
    plan_reference: str = ""
    charts: bool = True


def _percent(part: int, whole: int) -> str:
    if whole <= 0:
        return "-"
    return f"{format_decimal(round(100 * part / whole, 1), locale='vi', format='#,##0.#')}%"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _paragraphs(text: str) -> list[Block]:
    return [Para(line.strip()) for line in text.splitlines() if line.strip()]


def _ordered(counts: Mapping[str, int], labels: Mapping[str, str]) -> list[tuple[str, int]]:
    """Known codes in glossary order with their Vietnamese label, then unknown keys as given."""
    known = [(labels[code], counts[code]) for code in labels if code in counts]
    return known + [(key, value) for key, value in counts.items() if key not in labels]


def _count_table(
    rows: list[tuple[str, int]], label: str, caption: str, *, share: bool = False
) -> Block:
    if not rows:
        return Para(f"{caption}: không có số liệu trong kỳ.", "plain")
    total = sum(v for _, v in rows)
    header = ("TT", label, "Số lượng", *(("Tỷ lệ",) if share else ()))
    body = tuple(
        (str(i), name, format_count(value), *((_percent(value, total),) if share else ()))
        for i, (name, value) in enumerate(rows, start=1)
    )
    return Table(
        header=header,
        rows=body,
        widths=(0.7, 6.0, 2.0, *((2.0,) if share else ())),
        align=("center", "left", "right", "right"),
        total=("", "Tổng cộng", format_count(total), *(("100%",) if share else ())),
        caption=caption,
    )


def _awareness(data: DistrictReportData) -> list[Block]:
    return [
        Para("1. Công tác tuyên truyền, phổ biến, giáo dục pháp luật", "subheading"),
        *_paragraphs(data.narrative.awareness),
        Para(
            f"Trong kỳ, đã đăng tải {format_count(data.warnings_published)} tin cảnh báo và"
            f" {format_count(data.fact_checks_published)} tin đính chính, cung cấp thông tin"
            " chính thống về các thủ đoạn lừa đảo, thông tin xấu độc trên không gian mạng."
        ),
    ]


def _training(data: DistrictReportData) -> list[Block]:
    sessions = sum(t.sessions for t in data.trainings)
    people = sum(t.people for t in data.trainings)
    places = sum(1 for t in data.trainings if t.sessions)
    summary = (
        f"Tổ chức {format_count(sessions)} lớp tập huấn tại {format_count(places)} xã, thị trấn"
        f" với {format_count(people)} lượt người tham dự (chi tiết tại Phụ lục IV)."
        if sessions
        else "Trong kỳ chưa tổ chức lớp tập huấn nào."
    )
    return [
        Para("2. Công tác tập huấn, nâng cao năng lực", "subheading"),
        *_paragraphs(data.narrative.training),
        Para(summary),
    ]


def _handling(data: DistrictReportData) -> list[Block]:
    total = sum(data.reports_by_category.values())
    parts = "; ".join(
        f"{_lower_first(name)}: {format_count(v)}"
        for name, v in _ordered(data.reports_by_category, CATEGORY_LABELS)
    )
    states = data.cases_by_state
    cases = sum(states.values())
    open_cases = sum(states.get(s, 0) for s in _OPEN_STATES)
    done = states.get("resolved", 0) + states.get("archived", 0)
    blocks: list[Block] = [
        Para(
            "3. Công tác tiếp nhận, xử lý phản ánh về vi phạm pháp luật và thông tin xấu độc trên"
            " không gian mạng",
            "subheading",
        ),
        *_paragraphs(data.narrative.handling),
        Para(
            f"Tiếp nhận {format_count(total)} phản ánh"
            + (f", trong đó: {parts}" if parts else "")
            + " (chi tiết tại Phụ lục I)."
        ),
        Para(
            f"Tổng số vụ việc: {format_count(cases)}; đã xử lý xong {format_count(done)},"
            f" đang xử lý {format_count(open_cases)}, không xử lý"
            f" {format_count(states.get('rejected', 0))}; số vụ việc quá hạn:"
            f" {format_count(data.overdue_cases)} (chi tiết tại Phụ lục II)."
        ),
    ]
    triage, resolve = data.time_to_triage, data.time_to_resolve
    if triage.median_hours is not None or resolve.median_hours is not None:
        blocks.append(
            Para(
                f"Thời gian phân loại phản ánh: trung vị {format_hours(triage.median_hours)},"
                f" 90% trong vòng {format_hours(triage.p90_hours)}; thời gian xử lý xong vụ"
                f" việc: trung vị {format_hours(resolve.median_hours)}, 90% trong vòng"
                f" {format_hours(resolve.p90_hours)}."
            )
        )
    return blocks


def _telecom(data: DistrictReportData) -> list[Block]:
    sent = sum(r.sent for r in data.requests)
    answered = sum(r.answered for r in data.requests)
    refused = sum(r.refused for r in data.requests)
    summary = (
        f"Đã gửi {format_count(sent)} văn bản đề nghị ngăn chặn, gỡ bỏ tới"
        f" {format_count(len(data.requests))} doanh nghiệp, đơn vị; nhận phản hồi"
        f" {format_count(answered)} văn bản ({_percent(answered, sent)}), trong đó"
        f" {format_count(refused)} văn bản từ chối (chi tiết tại Phụ lục III)."
        if sent
        else "Trong kỳ chưa gửi văn bản đề nghị ngăn chặn, gỡ bỏ nào."
    )
    return [
        Para(
            "4. Công tác đôn đốc doanh nghiệp viễn thông, doanh nghiệp Internet xử lý nguồn"
            " phát tán thông tin sai phạm, tin nhắn rác",
            "subheading",
        ),
        *_paragraphs(data.narrative.telecom),
        Para(summary),
    ]


def _budget(data: DistrictReportData) -> list[Block]:
    planned = sum(b.planned for b in data.budget)
    committed = sum(b.committed for b in data.budget)
    spent = sum(b.spent for b in data.budget)
    return [
        Para("5. Kinh phí thực hiện", "subheading"),
        *_paragraphs(data.narrative.budget),
        Para(
            f"Tổng kinh phí bố trí theo kế hoạch: {format_vnd(planned)}; đã cam kết:"
            f" {format_vnd(committed)}; đã chi: {format_vnd(spent)}"
            f" ({_percent(spent, planned)} kế hoạch) (chi tiết tại Phụ lục V)."
        ),
    ]


def _assessment(data: DistrictReportData) -> list[Block]:
    total = sum(t.total for t in data.tasks)
    done = sum(t.done for t in data.tasks)
    overdue = sum(t.overdue for t in data.tasks)
    limits = _paragraphs(data.narrative.limitations)
    if data.overdue_cases:
        limits.append(Para(f"Còn {format_count(data.overdue_cases)} vụ việc quá thời hạn xử lý."))
    return [
        Para("II. ĐÁNH GIÁ CHUNG", "heading"),
        Para("1. Kết quả thực hiện nhiệm vụ của các đơn vị", "subheading"),
        Para(
            f"Các đơn vị đã hoàn thành {format_count(done)}/{format_count(total)} nhiệm vụ đến"
            f" hạn trong kỳ ({_percent(done, total)}); {format_count(overdue)} nhiệm vụ chậm"
            " tiến độ (chi tiết tại Phụ lục VI)."
        ),
        Para("2. Tồn tại, hạn chế", "subheading"),
        *(limits or [Para("Không có tồn tại, hạn chế đáng kể trong kỳ.")]),
        Para("III. PHƯƠNG HƯỚNG, ĐỀ XUẤT", "heading"),
        *(_paragraphs(data.narrative.proposals) or [Para("Tiếp tục thực hiện Kế hoạch.")]),
    ]


def _requests_table(data: DistrictReportData) -> Block:
    if not data.requests:
        return Para("Văn bản đề nghị: không có số liệu trong kỳ.", "plain")
    rows = tuple(
        (
            str(i),
            r.recipient,
            format_count(r.sent),
            format_count(r.answered),
            format_count(r.refused),
            format_hours(r.median_answer_hours),
        )
        for i, r in enumerate(data.requests, start=1)
    )
    return Table(
        header=("TT", "Đơn vị nhận", "Đã gửi", "Đã phản hồi", "Từ chối", "Thời gian phản hồi"),
        rows=rows,
        widths=(0.7, 4.5, 1.5, 1.8, 1.5, 2.3),
        align=("center", "left", "right", "right", "right", "right"),
        total=(
            "",
            "Tổng cộng",
            format_count(sum(r.sent for r in data.requests)),
            format_count(sum(r.answered for r in data.requests)),
            format_count(sum(r.refused for r in data.requests)),
            "",
        ),
        caption="Văn bản đề nghị ngăn chặn, gỡ bỏ theo đơn vị nhận (thời gian phản hồi: trung vị)",
    )


def _trainings_table(data: DistrictReportData) -> Block:
    if not data.trainings:
        return Para("Tập huấn: không có số liệu trong kỳ.", "plain")
    return Table(
        header=("TT", "Xã, thị trấn", "Số lớp", "Số người tham dự"),
        rows=tuple(
            (str(i), t.commune, format_count(t.sessions), format_count(t.people))
            for i, t in enumerate(data.trainings, start=1)
        ),
        widths=(0.7, 5.5, 2.0, 2.8),
        align=("center", "left", "right", "right"),
        total=(
            "",
            "Tổng cộng",
            format_count(sum(t.sessions for t in data.trainings)),
            format_count(sum(t.people for t in data.trainings)),
        ),
        caption="Lớp tập huấn theo xã, thị trấn",
    )


def _budget_table(data: DistrictReportData) -> Block:
    if not data.budget:
        return Para("Kinh phí: không có số liệu trong kỳ.", "plain")
    planned = sum(b.planned for b in data.budget)
    spent = sum(b.spent for b in data.budget)
    return Table(
        header=("TT", "Đơn vị", "Dự kiến (đồng)", "Đã cam kết (đồng)", "Đã chi (đồng)", "Tỷ lệ"),
        rows=tuple(
            (
                str(i),
                b.unit,
                format_count(b.planned),
                format_count(b.committed),
                format_count(b.spent),
                _percent(b.spent, b.planned),
            )
            for i, b in enumerate(data.budget, start=1)
        ),
        widths=(0.7, 3.8, 2.2, 2.2, 2.2, 1.3),
        align=("center", "left", "right", "right", "right", "right"),
        total=(
            "",
            "Tổng cộng",
            format_count(planned),
            format_count(sum(b.committed for b in data.budget)),
            format_count(spent),
            _percent(spent, planned),
        ),
        caption="Kinh phí thực hiện Kế hoạch theo đơn vị",
    )


def _tasks_table(data: DistrictReportData) -> Block:
    if not data.tasks:
        return Para("Nhiệm vụ: không có số liệu trong kỳ.", "plain")
    return Table(
        header=("TT", "Đơn vị", "Nhiệm vụ đến hạn", "Hoàn thành", "Chậm tiến độ", "Tỷ lệ"),
        rows=tuple(
            (
                str(i),
                t.unit,
                format_count(t.total),
                format_count(t.done),
                format_count(t.overdue),
                _percent(t.done, t.total),
            )
            for i, t in enumerate(data.tasks, start=1)
        ),
        widths=(0.7, 4.3, 1.9, 1.8, 1.8, 1.3),
        align=("center", "left", "right", "right", "right", "right"),
        caption="Kết quả thực hiện nhiệm vụ theo đơn vị",
    )


def _durations_table(data: DistrictReportData) -> Table:
    return Table(
        header=("Chỉ số", "Số vụ việc", "Trung vị", "90% trong vòng"),
        rows=tuple(
            (name, format_count(d.count), format_hours(d.median_hours), format_hours(d.p90_hours))
            for name, d in (
                ("Thời gian phân loại", data.time_to_triage),
                ("Thời gian xử lý xong", data.time_to_resolve),
            )
        ),
        widths=(4.0, 2.0, 2.5, 2.5),
        align=("left", "right", "right", "right"),
        caption="Thời gian phân loại và xử lý vụ việc",
    )


def _annexes(data: DistrictReportData) -> tuple[Block, ...]:
    # matplotlib costs about a second to import; pay it only when a report is drawn.
    from canhgiac.exports.documents import charts

    categories = _ordered(data.reports_by_category, CATEGORY_LABELS)
    blocks: list[Block] = [
        Para("PHỤ LỤC", "title"),
        Para("SỐ LIỆU KẾT QUẢ THỰC HIỆN KẾ HOẠCH", "title"),
        Para(
            f"(Kèm theo Báo cáo số {data.number or '...'}/{data.symbol} ngày"
            f" {format_date_numeric(data.issued_on)} của {data.issuer})",
            "note",
        ),
        Para("Phụ lục I. Phản ánh tiếp nhận", "heading"),
        _count_table(categories, "Loại phản ánh", "Phản ánh theo loại", share=True),
    ]
    if data.charts and categories:
        png = charts.bar_chart(
            [n for n, _ in categories], [v for _, v in categories], "Phản ánh theo loại"
        )
        blocks.append(Figure(png, "Biểu đồ 1. Số phản ánh tiếp nhận theo loại", 140))
    blocks += [
        _count_table(
            list(data.reports_by_commune.items()), "Xã, thị trấn", "Phản ánh theo xã, thị trấn"
        ),
        Para("Phụ lục II. Vụ việc", "heading"),
        _count_table(
            _ordered(data.cases_by_state, STATE_LABELS), "Trạng thái", "Vụ việc theo trạng thái"
        ),
        _count_table(list(data.cases_by_unit.items()), "Đơn vị", "Vụ việc theo đơn vị chủ trì"),
        _durations_table(data),
        Para("Phụ lục III. Văn bản đề nghị ngăn chặn, gỡ bỏ", "heading"),
        _requests_table(data),
    ]
    if data.charts and data.requests:
        png = charts.stacked_bar_chart(
            [r.recipient for r in data.requests],
            [
                ("Đã phản hồi", [r.answered - r.refused for r in data.requests]),
                ("Từ chối", [r.refused for r in data.requests]),
                ("Chưa phản hồi", [r.sent - r.answered for r in data.requests]),
            ],
            "Văn bản đề nghị theo đơn vị nhận",
        )
        blocks.append(Figure(png, "Biểu đồ 2. Kết quả phản hồi văn bản đề nghị", 140))
    blocks += [
        Para("Phụ lục IV. Tập huấn", "heading"),
        _trainings_table(data),
        Para("Phụ lục V. Kinh phí", "heading"),
        _budget_table(data),
        Para("Phụ lục VI. Thực hiện nhiệm vụ", "heading"),
        _tasks_table(data),
    ]
    return tuple(blocks)


def _validate(data: DistrictReportData) -> None:
    if data.period_end < data.period_start:
        raise ValueError("period_end: must not be before period_start")
    for i, r in enumerate(data.requests):
        if not 0 <= r.refused <= r.answered <= r.sent:
            raise ValueError(f"requests[{i}]: expected 0 <= refused <= answered <= sent")
    for i, t in enumerate(data.tasks):
        if not 0 <= t.done <= t.total:
            raise ValueError(f"tasks[{i}]: expected 0 <= done <= total")
    counts = (data.reports_by_category, data.reports_by_commune, data.cases_by_state)
    if any(v < 0 for mapping in counts for v in mapping.values()):
        raise ValueError("counts: must not be negative")


def build_report(data: DistrictReportData) -> AdminDocument:
    """The report laid out as a Decree-30 Báo cáo with its annex of tables and charts."""
    _validate(data)
    reference = data.plan_reference or f"Kế hoạch {data.plan_code}"
    period = (
        f"{_lower_first(data.period_label)} (từ ngày {format_date_numeric(data.period_start)}"
        f" đến ngày {format_date_numeric(data.period_end)})"
    )
    body: list[Block] = [
        Para(
            f"Thực hiện {reference} về {_lower_first(data.plan_title)}, {data.issuer} báo cáo"
            f" kết quả thực hiện {period}, như sau:"
        ),
        Para("I. KẾT QUẢ THỰC HIỆN", "heading"),
        *_awareness(data),
        *_training(data),
        *_handling(data),
        *_telecom(data),
        *_budget(data),
        *_assessment(data),
        Para(
            f"Trên đây là báo cáo kết quả thực hiện Kế hoạch {_lower_first(data.plan_title)},"
            f" {_lower_first(data.period_label)} của {data.issuer}./."
        ),
    ]
    return AdminDocument(
        issuing_body=IssuingBody(data.issuer_superior, data.issuer),
        number=data.number,
        symbol=data.symbol,
        place=data.place,
        issued_on=data.issued_on,
        doc_type="BÁO CÁO",
        summary=(
            f"Kết quả thực hiện Kế hoạch {_lower_first(data.plan_title)} - {data.period_label}"
        ),
        recipients=tuple(data.recipients),
        body=tuple(body),
        signature=Signature(data.signer_authority, data.signer_title, data.signer_name),
        cc=tuple(data.cc),
        archive=data.archive,
        annexes=_annexes(data),
        keywords=(data.plan_code, data.period_label),
    )


def render_report_docx(data: DistrictReportData) -> bytes:
    """The report as DOCX bytes (byte-identical for equal input)."""
    return render_docx(build_report(data))


def render_report_pdf(data: DistrictReportData) -> bytes:
    """The report as PDF bytes (byte-identical for equal input)."""
    return render_pdf(build_report(data))
