"""Decree-30 text pieces: dates, numbers, addressees, recipients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from canhgiac.exports.documents.admin_format import (
    IssuerDefaults,
    IssuingBody,
    Signature,
    clean_text,
    format_count,
    format_date_numeric,
    format_datetime_vn,
    format_hours,
    format_number_symbol,
    format_place_date,
    format_vnd,
    kinh_gui_lines,
    noi_nhan_lines,
)
from canhgiac.settings import Settings

PLACE_DATES = [
    (date(2023, 6, 5), "Bảo Lạc, ngày 05 tháng 6 năm 2023", "05/6/2023"),
    (date(2023, 2, 15), "Bảo Lạc, ngày 15 tháng 02 năm 2023", "15/02/2023"),
    (date(2024, 1, 1), "Bảo Lạc, ngày 01 tháng 01 năm 2024", "01/01/2024"),
    (date(2023, 3, 10), "Bảo Lạc, ngày 10 tháng 3 năm 2023", "10/3/2023"),
    (date(2023, 12, 31), "Bảo Lạc, ngày 31 tháng 12 năm 2023", "31/12/2023"),
    (date(2023, 2, 27), "Bảo Lạc, ngày 27 tháng 02 năm 2023", "27/02/2023"),
]


@pytest.mark.parametrize(("day", "long", "short"), PLACE_DATES)
def test_dates_follow_the_decree_padding(day: date, long: str, short: str) -> None:
    assert format_place_date("Bảo Lạc", day) == long
    assert format_date_numeric(day) == short


def test_datetime_is_shown_in_vietnam_time() -> None:
    assert (
        format_datetime_vn(datetime(2023, 6, 3, 7, 5, tzinfo=UTC)) == "14:05 ngày 03/6/2023 (GMT+7)"
    )
    late = datetime(2023, 6, 30, 20, 0, tzinfo=timezone(timedelta(hours=-3)))
    assert format_datetime_vn(late) == "06:00 ngày 01/7/2023 (GMT+7)"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_datetime_vn(datetime(2023, 6, 3, 7, 5))


NUMBERS = [
    (format_vnd(1_234_567), "1.234.567 đồng"),
    (format_vnd(0), "0 đồng"),
    (format_count(1234.5), "1.234,5"),
    (format_count(12), "12"),
    (format_hours(12.345), "12,3 giờ"),
    (format_hours(None), "-"),
    (format_hours(1500), "1.500 giờ"),
]


@pytest.mark.parametrize(("got", "expected"), NUMBERS)
def test_vietnamese_number_format(got: str, expected: str) -> None:
    assert got == expected


def test_number_symbol_and_blank_number() -> None:
    assert format_number_symbol("12", "VHTT-CV") == "Số: 12/VHTT-CV"
    blank = format_number_symbol("", "BC-UBND")
    assert blank.startswith("Số: ") and blank.endswith("/BC-UBND") and len(blank) > 12


def test_addressees_and_recipients() -> None:
    assert kinh_gui_lines(["Tổng Công ty Viễn thông Viettel"]) == [
        "Kính gửi: Tổng Công ty Viễn thông Viettel."
    ]
    assert kinh_gui_lines(["A", "B"]) == ["Kính gửi:", "- A;", "- B."]
    assert kinh_gui_lines([]) == []
    assert noi_nhan_lines(["Như trên", "Công an huyện;"], "VT, VHTT") == [
        "- Như trên;",
        "- Công an huyện;",
        "- Lưu: VT, VHTT.",
    ]


def test_headings_are_capitalised_with_diacritics() -> None:
    body = IssuingBody("UBND huyện Bảo Lạc", "Phòng Văn hóa và Thông tin")
    assert body.heading_lines() == ("UBND HUYỆN BẢO LẠC", "PHÒNG VĂN HÓA VÀ THÔNG TIN")
    sign = Signature("KT. Trưởng phòng", "Phó Trưởng phòng", "Nguyễn Thị Lan")
    assert sign.title_lines() == ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG")
    assert Signature("", "Trưởng phòng", "X").title_lines() == ("TRƯỞNG PHÒNG",)


def test_clean_text_drops_xml_invalid_characters() -> None:
    assert clean_text("a\x00b\x07c\r\nd\te") == "abc\nd\te"


def test_issuer_defaults_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANHGIAC_ISSUER_SUPERIOR", "UBND HUYỆN BẢO LÂM")
    monkeypatch.setenv("CANHGIAC_DISTRICT_PLACE", "Bảo Lâm")
    defaults = IssuerDefaults.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert (defaults.superior, defaults.place) == ("UBND HUYỆN BẢO LÂM", "Bảo Lâm")
