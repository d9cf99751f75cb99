"""Operators' CSV exports and forwarded e-mails, parsed from fixture files (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgiac.errors import ValidationFailed
from canhgiac.ingest.email import html_to_text, parse_eml
from canhgiac.ingest.sms_csv import parse_sms_csv, parse_time


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "good", "rejected_lines"),
    [
        ("viettel_complaints.csv", "utf-8-sig", ",", 5, [6, 7, 8]),
        ("mobifone_semicolon.csv", "utf-8", ";", 3, []),
        ("vnpt_cp1258.csv", "cp1258", ",", 2, []),
    ],
)
def test_operator_exports(
    fixtures: Path, name: str, encoding: str, delimiter: str, good: int, rejected_lines: list[int]
) -> None:
    parsed = parse_sms_csv((fixtures / name).read_bytes())
    assert parsed.encoding == encoding and parsed.delimiter == delimiter
    assert len(parsed.rows) == good
    assert [r.line for r in parsed.rejected] == rejected_lines
    assert all(r.reason for r in parsed.rejected)


def test_viettel_rows_are_whole(fixtures: Path) -> None:
    parsed = parse_sms_csv((fixtures / "viettel_complaints.csv").read_bytes())
    first = parsed.rows[0]
    assert first.sender == "0912345678" and first.external_id == "1"
    assert first.received_at == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)  # 08:15 in Vietnam
    assert "vcb-xacminh.top" in first.text
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert "số cột" in reasons[6] and "thời gian" in reasons[7] and "trống" in reasons[8]


def test_windows_1258_comes_back_as_nfc(fixtures: Path) -> None:
    parsed = parse_sms_csv((fixtures / "vnpt_cp1258.csv").read_bytes())
    assert parsed.rows[1].text == "Cảnh báo tài khoản ngân hàng sắp bị khóa"


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("binary.csv", {}, "không phải CSV"),
        ("no_text_column.csv", {}, "cột nội dung"),
        ("viettel_complaints.csv", {"column": "khong_co"}, "Không có cột"),
        ("viettel_complaints.csv", {"time_column": "khong_co"}, "Không có cột"),
    ],
)
def test_unusable_files_are_refused(fixtures: Path, name: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        parse_sms_csv((fixtures / name).read_bytes(), **kwargs)


def test_explicit_columns(fixtures: Path) -> None:
    parsed = parse_sms_csv(
        (fixtures / "mobifone_semicolon.csv").read_bytes(),
        column="text", sender_column="msisdn", time_column="received",
    )  # fmt: skip
    assert parsed.rows[0].sender == "84912000111"
    assert parsed.rows[0].received_at == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20 08:15:00", datetime(2026, 11, 20, 1, 15, tzinfo=UTC)),
        ("20/11/2026 08:15", datetime(2026, 11, 20, 1, 15, tzinfo=UTC)),
        ("2026-11-20T08:15:00+00:00", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        ("20/11/2026", datetime(2026, 11, 19, 17, 0, tzinfo=UTC)),
    ],
)
def test_time_formats(raw: str, expected: datetime) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["hôm qua", "32/13/2026", ""])
def test_bad_times(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_time(raw)


def test_forwarded_email_keeps_headers_and_attachments(fixtures: Path) -> None:
    parsed = parse_eml((fixtures / "eml" / "forwarded_with_attachments.eml").read_bytes())
    assert parsed.subject == "Fwd: Thông báo khóa tài khoản"
    assert parsed.sender and "lan.nt@baolac.gov.vn" in parsed.sender
    assert "From: Vietcombank <no-reply@vcb-secure-login.top>" in parsed.body
    assert "http://vcb-secure-login.top/xac-minh" in parsed.body
    assert [(a.name, a.media_type) for a in parsed.attachments] == [
        ("anh-chup.png", "image/png"),
        ("hoa-don.pdf", "application/pdf"),
    ]
    assert parsed.attachments[0].data == (fixtures / "sms_screenshot.png").read_bytes()
    assert parsed.sent_at == datetime(2026, 11, 20, 2, 12, tzinfo=UTC)


def test_html_email_becomes_text(fixtures: Path) -> None:
    parsed = parse_eml((fixtures / "eml" / "html_only.eml").read_bytes())
    assert "gọi 0911222333 ngay" in parsed.body
    assert "<" not in parsed.body and "alert" not in parsed.body


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken_mime.eml", "MIME hỏng"),
        ("empty_body.eml", "không có nội dung"),
        ("not_an_email.eml", "không phải thư"),
    ],
)
def test_broken_emails_are_refused(fixtures: Path, name: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        parse_eml((fixtures / "eml" / name).read_bytes())


def test_html_links_keep_their_target() -> None:
    text = html_to_text('<p>Bấm <a href="https://evil.top/x">vào đây</a></p><style>p{}</style>')
    assert "https://evil.top/x" in text and "vào đây" in text and "p{}" not in text
