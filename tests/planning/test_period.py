"""Reporting periods parsed from strings."""

from __future__ import annotations

from datetime import date

import pytest

from canhgiac.planning.period import period_from_string

GOOD = [
    ("2023", date(2023, 1, 1), date(2023, 12, 31), "Năm 2023", "2023"),
    ("2023-Q1", date(2023, 1, 1), date(2023, 3, 31), "Quý I năm 2023", "2023-Q1"),
    ("2023-q2", date(2023, 4, 1), date(2023, 6, 30), "Quý II năm 2023", "2023-Q2"),
    ("2023-Q4", date(2023, 10, 1), date(2023, 12, 31), "Quý IV năm 2023", "2023-Q4"),
    ("2023-06", date(2023, 6, 1), date(2023, 6, 30), "Tháng 6 năm 2023", "2023-06"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "Tháng 2 năm 2024", "2024-02"),
    (" 2023-12 ", date(2023, 12, 1), date(2023, 12, 31), "Tháng 12 năm 2023", "2023-12"),
]


@pytest.mark.parametrize(("text", "start", "end", "label", "code"), GOOD)
def test_parses(text: str, start: date, end: date, label: str, code: str) -> None:
    period = period_from_string(text)
    assert (period.start, period.end, period.label, period.code) == (start, end, label, code)
    assert start in period and end in period
    assert date(start.year - 1, 12, 31) not in period


BAD = [
    ("", "expected YYYY"),
    ("23", "expected YYYY"),
    ("2023-Q5", "quarter must be 1 to 4"),
    ("2023-Q0", "quarter must be 1 to 4"),
    ("2023-13", "month must be 01 to 12"),
    ("2023-6", "expected YYYY"),
    ("2023/06", "expected YYYY"),
    ("1999", "year must be between"),
    ("2023-H1", "expected YYYY"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        period_from_string(text)
