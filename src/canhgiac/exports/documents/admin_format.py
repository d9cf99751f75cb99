"""Decree 30/2020/NĐ-CP layout pieces: headings, number/symbol, dates, addressees, signature."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

__all__ = [
    "NATIONAL_MOTTO",
    "NATIONAL_NAME",
    "VN_TZ",
    "IssuerDefaults",
    "IssuingBody",
    "Signature",
    "clean_text",
    "format_count",
    "format_date_numeric",
    "format_datetime_vn",
    "format_hours",
    "format_number_symbol",
    "format_place_date",
    "format_vnd",
    "kinh_gui_lines",
    "noi_nhan_lines",
]

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Characters XML 1.0 cannot hold; reported content is hostile and may carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class IssuingBody:
    """Top-left heading: the superior body (may be empty) and the issuing body."""

    superior: str
    name: str

    def heading_lines(self) -> tuple[str, str]:
        """Both lines in capitals, as the decree prints them (superior first, may be empty)."""
        return (self.superior.strip().upper(), self.name.strip().upper())


@dataclass(frozen=True)
class Signature:
    """Signature block: authority (e.g. "KT. TRƯỞNG PHÒNG"), title and signer's full name."""

    authority: str
    title: str
    name: str

    def title_lines(self) -> tuple[str, ...]:
        """The capitalised lines above the signing space (authority may be empty)."""
        return tuple(line.upper() for line in (self.authority, self.title) if line.strip())


def clean_text(text: str) -> str:
    """Text safe to place in DOCX/HTML: control characters dropped, line ends normalised."""
    return _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _day(d: date) -> str:
    return f"{d.day:02d}" if d.day < 10 else str(d.day)


def _month(d: date) -> str:
    # The decree pads days below 10 and only the months 1 and 2 (so "tháng 01", "tháng 6").
    return f"{d.month:02d}" if d.month < 3 else str(d.month)


def format_place_date(place: str, day: date) -> str:
    """ "Bảo Lạc, ngày 05 tháng 6 năm 2023" per the decree's padding rule."""
    return f"{place}, ngày {_day(day)} tháng {_month(day)} năm {day.year}"


def format_date_numeric(day: date) -> str:
    """ "05/6/2023", "27/02/2023": the same padding rule in numeric form for running text."""
    return f"{_day(day)}/{_month(day)}/{day.year}"


def format_datetime_vn(moment: datetime) -> str:
    """ "14:05 ngày 03/6/2023 (GMT+7)": an aware datetime shown in Asia/Ho_Chi_Minh."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M} ngày {format_date_numeric(local.date())} (GMT+7)"


def format_number_symbol(number: str, symbol: str) -> str:
    """ "Số: 12/VHTT-CV"; an empty number leaves the gap the clerk fills when registering."""
    shown = number.strip() or "\u00a0" * 6
    return f"Số: {shown}/{symbol.strip()}"


def format_count(value: int | float) -> str:
    """Vietnamese grouping: 1.234.567 (decimals with a comma)."""
    return format_decimal(value, locale="vi", format="#,##0.##")


def format_vnd(amount: int) -> str:
    """ "1.234.567 đồng"."""
    return f"{format_count(amount)} đồng"


def format_hours(hours: float | None) -> str:
    """ "12,5 giờ", or "-" when there is nothing to measure."""
    if hours is None:
        return "-"
    return f"{format_decimal(round(hours, 1), locale='vi', format='#,##0.#')} giờ"


def kinh_gui_lines(recipients: list[str] | tuple[str, ...]) -> list[str]:
    """ "Kính gửi:" with one addressee on the line, several as a dashed list."""
    names = [r.strip() for r in recipients if r.strip()]
    if not names:
        return []
    if len(names) == 1:
        return [f"Kính gửi: {names[0]}."]
    return ["Kính gửi:", *(f"- {n};" for n in names[:-1]), f"- {names[-1]}."]


def noi_nhan_lines(cc: list[str] | tuple[str, ...], archive: str) -> list[str]:
    """ "Nơi nhận:" entries, each "- …;", ending with "- Lưu: VT, …."."""
    lines = [f"- {c.strip().rstrip(';.')};" for c in cc if c.strip()]
    lines.append(f"- Lưu: {archive.strip().rstrip('.')}.")
    return lines


@dataclass(frozen=True)
class IssuerDefaults:
    """Heading and signature defaults for generated documents, taken from the settings."""

    superior: str
    place: str
    issuer: str = ""
    signer_authority: str = ""
    signer_title: str = ""
    signer_name: str = ""

    @classmethod
    def from_settings(cls, settings: object) -> IssuerDefaults:
        """Read CANHGIAC_ISSUER_SUPERIOR, CANHGIAC_DISTRICT_PLACE and, when the settings define
        them, CANHGIAC_ISSUER_NAME and CANHGIAC_SIGNER_AUTHORITY/_TITLE/_NAME."""

        def value(name: str) -> str:
            found = getattr(settings, name, "")
            return found if isinstance(found, str) else ""

        return cls(
            superior=value("issuer_superior"),
            place=value("district_place"),
            issuer=value("issuer_name"),
            signer_authority=value("signer_authority"),
            signer_title=value("signer_title"),
            signer_name=value("signer_name"),
        )
