"""District report: sections mirror the plan, figures formatted the Vietnamese way, determinism."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from docx import Document

from canhgiac.exports.documents.district_report import (
    RequestStat,
    TaskStat,
    build_report,
    render_report_docx,
    render_report_pdf,
)
from canhgiac.exports.documents.model import Figure
from tests.documents.doc_helpers import docx_text, load_report, pdf_text


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return render_report_docx(load_report())


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_report_pdf(load_report())


REQUIRED = [
    "ỦY BAN NHÂN DÂN HUYỆN BẢO LẠC",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 145/BC-UBND",
    "Bảo Lạc, ngày 05 tháng 7 năm 2023",
    "BÁO CÁO",
    "Kết quả thực hiện Kế hoạch tăng cường công tác phòng, chống vi phạm pháp luật",
    "Quý II năm 2023",
    "- Ủy ban nhân dân tỉnh Cao Bằng;",
    "từ ngày 01/4/2023 đến ngày 30/6/2023",
    "I. KẾT QUẢ THỰC HIỆN",
    "1. Công tác tuyên truyền, phổ biến, giáo dục pháp luật",
    "2. Công tác tập huấn, nâng cao năng lực",
    "3. Công tác tiếp nhận, xử lý phản ánh",
    "4. Công tác đôn đốc doanh nghiệp viễn thông, doanh nghiệp Internet",
    "5. Kinh phí thực hiện",
    "II. ĐÁNH GIÁ CHUNG",
    "2. Tồn tại, hạn chế",
    "III. PHƯƠNG HƯỚNG, ĐỀ XUẤT",
    "Tiếp nhận 1.300 phản ánh, trong đó: lừa đảo: 1.234; trang/đường link giả mạo: 18",
    "đã xử lý xong 30, đang xử lý 8, không xử lý 4; số vụ việc quá hạn: 2",
    "trung vị 3,5 giờ, 90% trong vòng 20,2 giờ",
    "Đã gửi 9 văn bản đề nghị ngăn chặn, gỡ bỏ tới 2 doanh nghiệp",
    "nhận phản hồi 7 văn bản (77,8%)",
    "Tổ chức 3 lớp tập huấn tại 2 xã, thị trấn với 185 lượt người tham dự",
    "đã đăng tải 7 tin cảnh báo và 3 tin đính chính",
    "Tổng kinh phí bố trí theo kế hoạch: 70.000.000 đồng; đã cam kết: 40.000.000 đồng;"
    " đã chi: 29.500.000 đồng (42,1% kế hoạch)",
    "hoàn thành 10/13 nhiệm vụ đến hạn trong kỳ (76,9%)",
    "Còn 2 vụ việc quá thời hạn xử lý.",
    "Một số xã chưa bố trí cán bộ theo dõi",
    "KT. CHỦ TỊCH",
    "Hoàng Thị Đà",
    "- Lưu: VT, VHTT.",
    "Kèm theo Báo cáo số 145/BC-UBND ngày 05/7/2023 của Ủy ban nhân dân huyện Bảo Lạc",
]


@pytest.mark.parametrize("needle", REQUIRED)
def test_docx_states(docx_bytes: bytes, needle: str) -> None:
    assert needle in docx_text(docx_bytes)


def test_sections_come_in_plan_order(docx_bytes: bytes) -> None:
    text = docx_text(docx_bytes)
    order = [
        "I. KẾT QUẢ",
        "1. Công tác tuyên",
        "2. Công tác tập",
        "3. Công tác tiếp",
        "4. Công tác đôn",
        "5. Kinh phí",
        "II. ĐÁNH GIÁ",
        "III. PHƯƠNG HƯỚNG",
        "Nơi nhận:",
        "PHỤ LỤC",
        "Phụ lục I.",
        "Phụ lục VI.",
    ]
    positions = [text.index(x) for x in order]
    assert positions == sorted(positions)


ANNEX_ROWS = [
    ["1", "Lừa đảo", "1.234", "94,9%"],
    ["", "Tổng cộng", "1.300", "100%"],
    ["1", "Phòng Văn hóa và Thông tin", "50.000.000", "30.000.000", "21.500.000", "43%"],
    ["", "Tổng cộng", "70.000.000", "40.000.000", "29.500.000", "42,1%"],
    ["1", "Tổng Công ty Viễn thông Viettel", "6", "5", "1", "30 giờ"],
    ["3", "Xã Bảo Toàn", "4", "2", "2", "50%"],
    ["Thời gian xử lý xong", "30", "52 giờ", "190,5 giờ"],
    ["1", "Thị trấn Bảo Lạc", "2", "120"],
]


@pytest.mark.parametrize("row", ANNEX_ROWS)
def test_annex_tables(docx_bytes: bytes, row: list[str]) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    assert row in rows


def test_charts_are_embedded_and_can_be_turned_off(docx_bytes: bytes) -> None:
    document = build_report(load_report())
    figures = [b for b in document.annexes if isinstance(b, Figure)]
    assert len(figures) == 2 and all(f.png.startswith(b"\x89PNG") for f in figures)
    assert len(Document(io.BytesIO(docx_bytes)).inline_shapes) == 2
    plain = build_report(load_report(charts=False))
    assert not [b for b in plain.annexes if isinstance(b, Figure)]


def test_docx_and_pdf_are_byte_identical(docx_bytes: bytes, pdf_bytes: bytes) -> None:
    assert render_report_docx(load_report()) == docx_bytes
    assert render_report_pdf(load_report()) == pdf_bytes


@pytest.mark.parametrize(
    "needle",
    [
        "BÁO CÁO",
        "ỦY BAN NHÂN DÂN HUYỆN BẢO LẠC",
        "Quý II năm 2023",
        "III. PHƯƠNG HƯỚNG, ĐỀ XUẤT",
        "70.000.000",
        "Biểu đồ 1. Số phản ánh tiếp nhận theo loại",
        "Hoàng Thị Đà",
    ],
)
def test_pdf_text(pdf_bytes: bytes, tmp_path: Path, needle: str) -> None:
    assert needle in unicodedata.normalize("NFC", pdf_text(pdf_bytes, tmp_path))


def test_empty_period_still_reports() -> None:
    data = load_report(
        reports_by_category={},
        reports_by_commune={},
        cases_by_state={},
        cases_by_unit={},
        requests=[],
        trainings=[],
        budget=[],
        tasks=[],
        overdue_cases=0,
    )
    text = docx_text(render_report_docx(data))
    assert "Tiếp nhận 0 phản ánh (chi tiết tại Phụ lục I)." in text
    assert "Trong kỳ chưa tổ chức lớp tập huấn nào." in text
    assert "Trong kỳ chưa gửi văn bản đề nghị ngăn chặn, gỡ bỏ nào." in text
    assert "Phản ánh theo loại: không có số liệu trong kỳ." in text
    assert "hoàn thành 0/0 nhiệm vụ đến hạn trong kỳ (-)" in text


BAD = [
    ({"requests": [RequestStat("Viettel", sent=1, answered=2, refused=0)]}, r"requests\[0\]"),
    ({"tasks": [TaskStat("VHTT", total=1, done=3)]}, r"tasks\[0\]"),
    ({"reports_by_category": {"scam": -1}}, "negative"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_inconsistent_figures_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_report(load_report(**changes))


def test_period_end_before_start_is_refused() -> None:
    data = load_report()
    with pytest.raises(ValueError, match="period_end"):
        build_report(load_report(period_end=data.period_start.replace(day=1, month=1)))
