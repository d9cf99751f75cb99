"""Indicators counted from known data, and the district report (CLI, DOCX, PDF) stating them."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from canhgiac.cli import app as cli_app
from canhgiac.planning.period import period_from_string
from canhgiac.services import district_report, plan_figures
from canhgiac.services import plan as plan_service
from canhgiac.services.units import get_unit
from tests.plan.plan_data import load_known_data

runner = CliRunner()


@pytest.fixture
def known(seeded: Session) -> Session:
    load_known_data(seeded)
    return seeded


def test_q2_figures_match_the_data(known: Session) -> None:
    f = plan_figures.compute(
        known, period_from_string("2023-Q2"), plan=plan_service.active_plan(known)
    )
    assert f.reports_by_category == {"scam": 2, "phishing": 1, "spam": 1}
    assert f.reports_by_commune == {"X-COBA": 2, "TT-BAOLAC": 1, "": 1}
    assert f.cases_by_state == {"resolved": 2, "acting": 1, "new": 1, "rejected": 1}
    assert f.cases_by_unit == {"CA": 3, "VHTT": 1, "X-COBA": 1}
    assert (f.time_to_triage.median_hours, f.time_to_triage.p90_hours) == (3.0, 6.0)
    assert (f.time_to_resolve.median_hours, f.time_to_resolve.p90_hours) == (36.0, 48.0)
    assert f.overdue_cases == 2
    assert [(r.recipient_code, r.sent, r.answered, r.refused) for r in f.requests] == [
        ("VIETTEL-CB", 3, 2, 1),
        ("VNPT-CB", 1, 1, 0),
    ]
    assert [r.answer_time.median_hours for r in f.requests] == [18.0, 6.0]
    assert (f.warnings_published, f.fact_checks_published) == (1, 1)
    assert [(t.commune_code, t.sessions, t.people) for t in f.trainings] == [
        ("TT-BAOLAC", 1, 85),
        ("X-COBA", 2, 100),
    ]
    assert (f.campaigns, f.campaign_people) == (1, 300)
    assert [(b.unit_code, b.planned, b.committed, b.spent) for b in f.budget] == [
        ("CA", 20_000_000, 10_000_000, 5_000_000),
        ("VHTT", 50_000_000, 30_000_000, 20_000_000),
    ]
    tasks = {t.unit_code: t for t in f.tasks}
    assert (tasks["VHTT"].total, tasks["VHTT"].done, tasks["VHTT"].overdue) == (4, 2, 2)
    assert (tasks["CA"].total, tasks["X-COBA"].total, tasks["VP"].total) == (3, 4, 5)
    assert sum(t.total for t in f.tasks) == 4 + 3 + 15 * 5 + 17 * 4


def test_one_unit_and_the_year(known: Session) -> None:
    plan = plan_service.active_plan(known)
    ca = plan_figures.compute(known, period_from_string("2023-Q2"), plan=plan,
                              unit=get_unit(known, "CA"))  # fmt: skip
    assert ca.cases_by_state == {"resolved": 2, "rejected": 1}
    assert [(r.recipient_code, r.sent) for r in ca.requests] == [("VIETTEL-CB", 3)]
    assert [(t.sessions, t.people) for t in ca.trainings] == [(1, 85)]
    year = plan_figures.compute(known, period_from_string("2023"), plan=plan)
    assert year.reports_total == 6 and year.cases_total == 6
    assert year.warnings_published == 2 and year.trainings_held == 4 and year.people_reached == 195
    july = plan_figures.compute(known, period_from_string("2023-07"), plan=plan)
    assert july.reports_by_category == {"scam": 1} and july.overdue_cases == 2


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += [" | ".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(lines)


def pdf_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    assert exe, "poppler-utils pdftotext is required"
    done = subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


Q2_SENTENCES = [
    "Quý II năm 2023",
    "Tiếp nhận 4 phản ánh, trong đó: lừa đảo: 2; trang/đường link giả mạo: 1; tin nhắn/cuộc gọi rác: 1",
    "đã xử lý xong 2, đang xử lý 2, không xử lý 1; số vụ việc quá hạn: 2",
    "trung vị 3 giờ, 90% trong vòng 6 giờ",
    "trung vị 36 giờ, 90% trong vòng 48 giờ",
    "Đã gửi 4 văn bản đề nghị ngăn chặn, gỡ bỏ tới 2 doanh nghiệp",
    "nhận phản hồi 3 văn bản (75%), trong đó 1 văn bản từ chối",
    "đã đăng tải 1 tin cảnh báo và 1 tin đính chính",
    "Tổ chức 3 lớp tập huấn tại 2 xã, thị trấn với 185 lượt người tham dự",
    "Tổng kinh phí bố trí theo kế hoạch: 70.000.000 đồng; đã cam kết: 40.000.000 đồng;",
    "đã chi: 25.000.000 đồng",
    "Ủy ban nhân dân huyện Bảo Lạc",
]


@pytest.fixture
def cli_env(
    known: Session, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return tmp_path


def test_cli_report_docx_and_pdf_state_the_figures(cli_env: Path) -> None:
    out_docx, out_pdf = cli_env / "bc.docx", cli_env / "bc.pdf"
    args = ["report", "--period", "2023-Q2", "--date", "2023-07-05", "--number", "145"]
    made = runner.invoke(cli_app, [*args, "--format", "docx", "--out", str(out_docx)])
    assert made.exit_code == 0, made.output
    text = docx_text(out_docx.read_bytes())
    flat = " ".join(text.split())
    for sentence in Q2_SENTENCES:
        assert sentence in flat, sentence
    assert "Viettel Cao Bằng | 3 | 2 | 1 | 18 giờ" in text
    assert "UBND xã Cô Ba | 2 | 100" in text
    made = runner.invoke(cli_app, [*args, "--format", "pdf", "--out", str(out_pdf)])
    assert made.exit_code == 0, made.output
    assert out_pdf.read_bytes().startswith(b"%PDF")
    flat_pdf = pdf_text(out_pdf)
    for sentence in Q2_SENTENCES:
        assert sentence in flat_pdf, sentence
    again = cli_env / "again.pdf"
    assert runner.invoke(cli_app, [*args, "--format", "pdf", "--out", str(again)]).exit_code == 0
    assert again.read_bytes() == out_pdf.read_bytes()  # deterministic


def test_cli_year_report_pdf(cli_env: Path) -> None:
    out = cli_env / "nam.pdf"
    made = runner.invoke(
        cli_app, ["report", "--period", "2023", "--format", "pdf", "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    flat = pdf_text(out)
    assert "Năm 2023" in flat and "Tiếp nhận 6 phản ánh" in flat
    assert "Tổ chức 4 lớp tập huấn tại 2 xã, thị trấn với 195 lượt người tham dự" in flat


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2023-Q5", "--format", "pdf"], "Kỳ báo cáo không hợp lệ"),
        (["--period", "năm ngoái", "--format", "pdf"], "Kỳ báo cáo không hợp lệ"),
        (["--period", "2023", "--format", "odt"], "Định dạng không hợp lệ"),
        (["--period", "2023", "--format", "pdf", "--date", "05/07/2023"], "ngày không hợp lệ"),
    ],
)
def test_cli_report_bad_input(cli_env: Path, args: list[str], message: str) -> None:
    out = cli_env / "x.out"
    result = runner.invoke(cli_app, ["report", *args, "--out", str(out)])
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


def test_report_data_for_the_service(known: Session) -> None:
    data = district_report.build_data(known, period_from_string("2023-Q2"))
    assert data.plan_code == "KH-BAOLAC-2023" and data.issuer == "Ủy ban nhân dân huyện Bảo Lạc"
    assert dict(data.reports_by_commune) == {
        "UBND xã Cô Ba": 2, "UBND thị trấn Bảo Lạc": 1, district_report.NO_COMMUNE_LABEL: 1,
    }  # fmt: skip
    assert dict(data.cases_by_unit)["Công an huyện"] == 3
    assert data.overdue_cases == 2 and data.warnings_published == 1
    assert [(t.commune, t.people) for t in data.trainings] == [
        ("UBND thị trấn Bảo Lạc", 85), ("UBND xã Cô Ba", 100),
    ]  # fmt: skip
