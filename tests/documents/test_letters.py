"""Take-down request letters: Decree-30 elements, indicator table, annex, determinism."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt

from canhgiac.exports.documents.letters import (
    LetterEvidence,
    LetterIndicator,
    build_letter,
    defang,
    render_letter_docx,
    render_letter_pdf,
)
from canhgiac.exports.documents.pdf_writer import render_html
from tests.documents.doc_helpers import docx_text, load_letter, pdf_fonts, pdf_text

REQUIRED = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "UBND HUYỆN BẢO LẠC",
    "PHÒNG VĂN HÓA VÀ THÔNG TIN",
    "Số: 12/VHTT-CV",
    "V/v đề nghị ngăn chặn tên miền lừa đảo",
    "Bảo Lạc, ngày 05 tháng 6 năm 2023",
    "Kính gửi: Tổng Công ty Viễn thông Viettel.",
    "Căn cứ Luật An ninh mạng năm 2018;",
    "hồ sơ vụ việc số VV-2023-0042",
    "trước ngày 12/6/2023",
    "Nơi nhận:",
    "- Như trên;",
    "- Lưu: VT, VHTT.",
    "KT. TRƯỞNG PHÒNG",
    "PHÓ TRƯỞNG PHÒNG",
    "Nguyễn Thị Lan",
    "DANH MỤC CHỨNG CỨ",
    "Kèm theo Công văn số 12/VHTT-CV ngày 05/6/2023 của Phòng Văn hóa và Thông tin",
]

INDICATOR_ROWS = [
    ["TT", "Loại", "Dấu hiệu nhận biết", "Ghi chú"],
    ["1", "Tên miền", "agribank-xacthuc[.]com", "Giả mạo agribank.com.vn"],
    ["2", "Đường link", "hxxps://agribank-xacthuc[.]com/dang-nhap?id=1", "Trang đăng nhập giả"],
    ["3", "Số điện thoại", "0912 345 678", "Số gửi tin nhắn chứa đường link"],
]

EVIDENCE_ROWS = [
    ["TT", "Tên tệp", "Mã băm SHA-256", "Thời điểm thu thập", "Mô tả"],
    [
        "1",
        "anh-chup-trang-gia-mao.png",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "14:05 ngày 03/6/2023 (GMT+7)",
        "Ảnh chụp màn hình trang đăng nhập giả mạo",
    ],
    [
        "2",
        "tin-nhan-sms.txt",
        "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
        "06:40 ngày 03/6/2023 (GMT+7)",
        "Nội dung tin nhắn người dân chuyển tiếp",
    ],
]


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return render_letter_docx(load_letter())


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_letter_pdf(load_letter())


def _tables(data: bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


@pytest.mark.parametrize("needle", REQUIRED)
def test_docx_has_decree_30_element(docx_bytes: bytes, needle: str) -> None:
    assert needle in docx_text(docx_bytes)


def test_docx_page_and_font_follow_the_decree(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    section = doc.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    top, bottom, left, right = (round(m.mm, 1) for m in margins if m is not None)
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    normal = doc.styles["Normal"].font  # type: ignore[attr-defined]
    assert normal.name == "Times New Roman"
    assert Pt(13) <= normal.size <= Pt(14)
    motto = [r for p in doc.tables[0].rows[0].cells[1].paragraphs for r in p.runs]
    assert any(r.text == "Độc lập - Tự do - Hạnh phúc" and r.underline and r.bold for r in motto)
    issuer = [r for p in doc.tables[0].rows[0].cells[0].paragraphs for r in p.runs]
    assert any(r.text == "PHÒNG VĂN HÓA VÀ THÔNG TIN" and r.bold for r in issuer)


def test_docx_indicator_table_is_defanged(docx_bytes: bytes) -> None:
    assert INDICATOR_ROWS in _tables(docx_bytes)


def test_docx_evidence_annex_in_vietnam_time(docx_bytes: bytes) -> None:
    assert EVIDENCE_ROWS in _tables(docx_bytes)


def test_docx_is_byte_identical_and_carries_no_clock(docx_bytes: bytes) -> None:
    assert render_letter_docx(load_letter()) == docx_bytes
    core = Document(io.BytesIO(docx_bytes)).core_properties
    assert core.created is not None and core.created.date().isoformat() == "2023-06-05"
    assert core.modified == core.created
    assert core.revision == 1


def test_pdf_is_byte_identical(pdf_bytes: bytes) -> None:
    assert render_letter_pdf(load_letter()) == pdf_bytes


@pytest.mark.parametrize(
    "needle",
    [
        *REQUIRED[:9],
        "agribank-xacthuc[.]com",
        "9f86d081884c7d65",
        "14:05 ngày 03/6/2023 (GMT+7)",
        "Nguyễn Thị Lan",
        "- Lưu: VT, VHTT.",
    ],
)
def test_pdf_text_keeps_diacritics(pdf_bytes: bytes, tmp_path: Path, needle: str) -> None:
    text = unicodedata.normalize("NFC", pdf_text(pdf_bytes, tmp_path))
    assert needle in text


def test_pdf_uses_one_serif_family_for_all_vietnamese_text(
    pdf_bytes: bytes, tmp_path: Path
) -> None:
    """A font lacking Vietnamese glyphs would make Pango mix in a fallback family."""
    families = {
        name.split("+")[-1].split("-")[0]
        for name in pdf_fonts(pdf_bytes, tmp_path)
        if "Mono" not in name
    }
    assert len(families) == 1, families


ACTION_PHRASES = [
    ("block_domain", "ngăn chặn truy cập đối với các tên miền"),
    ("block_phone", "tạm dừng cung cấp dịch vụ (chặn chiều đi)"),
    ("remove_content", "gỡ bỏ các nội dung vi phạm"),
    ("freeze_account", "tạm dừng giao dịch (phong tỏa tạm thời)"),
]


@pytest.mark.parametrize(("action", "phrase"), ACTION_PHRASES)
def test_body_asks_for_the_action(action: str, phrase: str) -> None:
    text = docx_text(render_letter_docx(load_letter(action=action)))
    assert phrase in text
    assert all(p in text for a, p in ACTION_PHRASES if a == action)
    assert not any(p in text for a, p in ACTION_PHRASES if a != action)


DEFANG = [
    ("domain", "evil.com", "evil[.]com"),
    ("domain", "evil[.]com", "evil[.]com"),
    ("url", "http://evil.com/a.b", "hxxp://evil[.]com/a.b"),
    ("url", "HTTPS://x.y.vn", "hxxpS://x[.]y[.]vn"),
    ("url", "evil.com/login", "evil[.]com/login"),
    ("email", "cskh@evil.vn", "cskh[@]evil[.]vn"),
    ("phone", "0912.345.678", "0912.345.678"),
    ("bank_account", "1903 0000 1234", "1903 0000 1234"),
]


@pytest.mark.parametrize(("kind", "value", "expected"), DEFANG)
def test_defang(kind: str, value: str, expected: str) -> None:
    assert defang(kind, value) == expected


def test_hostile_content_is_escaped_and_control_characters_dropped() -> None:
    letter = load_letter(
        facts="<script>alert(1)</script> \x07 Nội dung <b>độc</b>.",
        indicators=[LetterIndicator("url", "http://a.b/<img src=x onerror=alert(1)>")],
    )
    html = render_html(build_letter(letter))
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    text = docx_text(render_letter_docx(letter))
    assert "<script>alert(1)</script>" in text and "\x07" not in text


BAD_LETTERS = [
    ({"action": "burn_it"}, "action: expected one of"),
    ({"recipients": []}, "recipients"),
    ({"indicators": []}, "indicators"),
    (
        {"evidence": [LetterEvidence("a", "00", datetime(2023, 1, 1).astimezone())]},
        r"evidence\[0\].sha256",
    ),
    ({"evidence": [LetterEvidence("a", "0" * 64, datetime(2023, 1, 1))]}, "timezone-aware"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_LETTERS)
def test_invalid_letters_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_letter(load_letter(**changes))


def test_response_due_before_issue_is_refused() -> None:
    letter = load_letter()
    with pytest.raises(ValueError, match="response_due"):
        build_letter(replace(letter, response_due=letter.issued_on.replace(day=1)))


def test_several_addressees_and_no_evidence() -> None:
    letter = load_letter(recipients=["Viettel", "VNPT"], evidence=[])
    doc = build_letter(letter)
    assert doc.annexes == ()
    text = docx_text(render_letter_docx(letter))
    assert "Kính gửi:\n- Viettel;\n- VNPT." in text
    assert "Phụ lục" not in text
