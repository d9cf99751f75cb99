"""Official documents in the Decree 30/2020/NĐ-CP format: request letters and district reports."""

from canhgiac.exports.documents.admin_format import IssuerDefaults
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
from canhgiac.exports.documents.letters import (
    LetterEvidence,
    LetterIndicator,
    RequestLetter,
    render_letter_docx,
    render_letter_pdf,
)

__all__ = [
    "BudgetLine",
    "DistrictReportData",
    "DurationStat",
    "IssuerDefaults",
    "LetterEvidence",
    "LetterIndicator",
    "ReportNarrative",
    "RequestLetter",
    "RequestStat",
    "TaskStat",
    "TrainingStat",
    "render_letter_docx",
    "render_letter_pdf",
    "render_report_docx",
    "render_report_pdf",
]
