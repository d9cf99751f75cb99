"""Reporting periods: a year, a quarter or a month, with their Vietnamese labels."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = ["Period", "period_from_string"]

_ROMAN = ("I", "II", "III", "IV")
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:[Qq](?P<quarter>\d)|(?P<month>\d{2})))?$")


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end] (both days included) with its label ("Quý II năm 2023")."""

    start: date
    end: date
    label: str
    code: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def period_from_string(text: str) -> Period:
    """Parse "2023", "2023-Q2" or "2023-06" into a Period; ValueError on anything else."""
    match = _PATTERN.match(text.strip())
    if not match:
        raise ValueError(
            f"period: expected YYYY, YYYY-Qn or YYYY-MM (e.g. 2023, 2023-Q2, 2023-06), got {text!r}"
        )
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise ValueError(f"period: year must be between 2000 and 2100, got {year}")
    if match["quarter"]:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise ValueError(f"period: quarter must be 1 to 4, got {quarter}")
        first, last = 3 * quarter - 2, 3 * quarter
        return Period(
            start=date(year, first, 1),
            end=date(year, last, calendar.monthrange(year, last)[1]),
            label=f"Quý {_ROMAN[quarter - 1]} năm {year}",
            code=f"{year}-Q{quarter}",
        )
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"period: month must be 01 to 12, got {match['month']}")
        return Period(
            start=date(year, month, 1),
            end=date(year, month, calendar.monthrange(year, month)[1]),
            label=f"Tháng {month} năm {year}",
            code=f"{year}-{month:02d}",
        )
    return Period(date(year, 1, 1), date(year, 12, 31), f"Năm {year}", str(year))
