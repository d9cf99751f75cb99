"""Take-down / blocking request letters (Công văn đề nghị ngăn chặn, gỡ bỏ) as DOCX and PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from canhgiac.exports.documents.admin_format import (
    IssuingBody,
    Signature,
    format_date_numeric,
    format_datetime_vn,
)
from canhgiac.exports.documents.docx_writer import render_docx
from canhgiac.exports.documents.model import AdminDocument, Block, Para, Table
from canhgiac.exports.documents.pdf_writer import render_pdf

__all__ = [
    "ACTIONS",
    "INDICATOR_LABELS",
    "LetterEvidence",
    "LetterIndicator",
    "RequestLetter",
    "build_letter",
    "defang",
    "render_letter_docx",
    "render_letter_pdf",
]

INDICATOR_LABELS = {
    "domain": "Tên miền",
    "url": "Đường link",
    "phone": "Số điện thoại",
    "bank_account": "Số tài khoản",
    "email": "Thư điện tử",
    "social_account": "Tài khoản mạng xã hội",
    "app": "Ứng dụng",
}

# Per action: what is found, what is asked (the operative sentence) and for which indicators.
ACTIONS: dict[str, tuple[str, str]] = {
    "block_domain": (
        "các tên miền, đường link có dấu hiệu lừa đảo, giả mạo",
        "áp dụng biện pháp kỹ thuật ngăn chặn truy cập đối với các tên miền, đường link nêu"
        " tại Bảng 1 dưới đây trên hệ thống của đơn vị",
    ),
    "block_phone": (
        "các số điện thoại có dấu hiệu được sử dụng để lừa đảo, phát tán tin nhắn rác, cuộc gọi"
        " rác",
        "xác minh, tạm dừng cung cấp dịch vụ (chặn chiều đi) đối với các số thuê bao nêu tại"
        " Bảng 1 dưới đây và xử lý theo quy định về chống tin nhắn rác, cuộc gọi rác",
    ),
    "remove_content": (
        "các nội dung, tài khoản đăng tải thông tin sai sự thật, vi phạm pháp luật",
        "gỡ bỏ các nội dung vi phạm nêu tại Bảng 1 dưới đây và có biện pháp ngăn chặn việc"
        " tiếp tục phát tán",
    ),
    "freeze_account": (
        "các tài khoản ngân hàng có dấu hiệu được sử dụng để nhận tiền lừa đảo",
        "phối hợp xác minh, áp dụng biện pháp tạm dừng giao dịch (phong tỏa tạm thời) đối với"
        " các tài khoản nêu tại Bảng 1 dưới đây theo quy định của pháp luật",
    ),
}


def defang(kind: str, value: str) -> str:
    """Make a link or domain unclickable (hxxp://evil[.]com); other kinds are left as they are."""
    value = value.strip()
    if kind not in ("domain", "url", "email") or "[.]" in value:
        return value
    if kind == "url":
        value = re.sub(r"^http", "hxxp", value, flags=re.IGNORECASE)
        scheme, sep, rest = value.partition("://")
        if not sep:
            scheme, rest = "", value
        host, slash, path = rest.partition("/")
        return f"{scheme}{sep}{host.replace('.', '[.]')}{slash}{path}"
    if kind == "email":
        user, at, host = value.rpartition("@")
        return f"{user}[@]{host.replace('.', '[.]')}" if at else value.replace(".", "[.]")
    return value.replace(".", "[.]")


@dataclass(frozen=True)
class LetterIndicator:
    """One indicator named in the letter; `value` is defanged when shown."""

    kind: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class LetterEvidence:
    """One evidence file listed in the annex (times must be timezone-aware)."""

    name: str
    sha256: str
    captured_at: datetime
    description: str = ""


@dataclass(frozen=True)
class RequestLetter:
    """All a take-down / blocking request letter says."""

    issuer_superior: str
    issuer: str
    number: str
    symbol: str
    place: str
    issued_on: date
    summary: str
    recipients: list[str]
    action: str
    legal_basis: list[str]
    case_ref: str
    facts: str
    indicators: list[LetterIndicator]
    evidence: list[LetterEvidence]
    response_due: date
    contact: str
    signer_authority: str
    signer_title: str
    signer_name: str
    cc: list[str]
    archive: str = ""
    keywords: list[str] = field(default_factory=list)


def _validate(letter: RequestLetter) -> None:
    if letter.action not in ACTIONS:
        raise ValueError(f"action: expected one of {', '.join(ACTIONS)}, got {letter.action!r}")
    if not letter.recipients:
        raise ValueError("recipients: a letter needs at least one addressee (Kính gửi)")
    if not letter.indicators:
        raise ValueError("indicators: a request must name at least one indicator")
    if letter.response_due < letter.issued_on:
        raise ValueError("response_due: must not be before issued_on")
    for i, item in enumerate(letter.evidence):
        if not re.fullmatch(r"[0-9a-f]{64}", item.sha256.lower()):
            raise ValueError(f"evidence[{i}].sha256: expected 64 hex digits, got {item.sha256!r}")
        if item.captured_at.tzinfo is None:
            raise ValueError(f"evidence[{i}].captured_at: must be timezone-aware")


def _indicator_table(letter: RequestLetter) -> Table:
    rows = tuple(
        (
            str(i),
            INDICATOR_LABELS.get(item.kind, item.kind),
            defang(item.kind, item.value),
            item.note,
        )
        for i, item in enumerate(letter.indicators, start=1)
    )
    return Table(
        header=("TT", "Loại", "Dấu hiệu nhận biết", "Ghi chú"),
        rows=rows,
        widths=(0.6, 2.0, 5.0, 3.4),
        align=("center", "left", "left", "left"),
        mono=(2,),
        caption="Bảng 1. Danh sách dấu hiệu nhận biết đề nghị xử lý",
    )


def _evidence_annex(letter: RequestLetter) -> tuple[Block, ...]:
    if not letter.evidence:
        return ()
    reference = (
        f"(Kèm theo Công văn số {letter.number or '...'}/{letter.symbol} ngày"
        f" {format_date_numeric(letter.issued_on)} của {letter.issuer})"
    )
    table = Table(
        header=("TT", "Tên tệp", "Mã băm SHA-256", "Thời điểm thu thập", "Mô tả"),
        rows=tuple(
            (
                str(i),
                item.name,
                item.sha256.lower(),
                format_datetime_vn(item.captured_at),
                item.description,
            )
            for i, item in enumerate(letter.evidence, start=1)
        ),
        widths=(0.6, 2.4, 4.2, 2.2, 2.6),
        align=("center", "left", "left", "left", "left"),
        mono=(2,),
    )
    return (
        Para("PHỤ LỤC", "title"),
        Para("DANH MỤC CHỨNG CỨ", "title"),
        Para(reference, "note"),
        table,
        Para(
            "Mã băm SHA-256 dùng để đối chiếu tính toàn vẹn của tệp chứng cứ do cơ quan ban hành"
            " lưu giữ; tệp được cung cấp khi có yêu cầu.",
            "plain",
        ),
    )


def build_letter(letter: RequestLetter) -> AdminDocument:
    """The letter laid out as a Decree-30 Công văn."""
    _validate(letter)
    found, asked = ACTIONS[letter.action]
    body: list[Block] = [Para(f"Căn cứ {basis.rstrip(';.')};") for basis in letter.legal_basis]
    body.append(
        Para(
            f"Qua công tác tiếp nhận, xử lý phản ánh và rà quét thông tin trên không gian mạng,"
            f" {letter.issuer} phát hiện {found} (hồ sơ vụ việc số {letter.case_ref})."
            f" {letter.facts.strip()}"
        )
    )
    body.append(
        Para(
            f"Để kịp thời ngăn chặn hành vi vi phạm, bảo vệ quyền và lợi ích hợp pháp của người"
            f" dân, {letter.issuer} đề nghị Quý cơ quan, đơn vị {asked}."
        )
    )
    body.append(_indicator_table(letter))
    if letter.evidence:
        body.append(
            Para(
                f"Chứng cứ kèm theo gồm {len(letter.evidence)} tệp, được liệt kê tại Phụ lục"
                " kèm theo Công văn này."
            )
        )
    body.append(
        Para(
            f"Đề nghị Quý cơ quan, đơn vị phản hồi kết quả xử lý về {letter.issuer} trước ngày"
            f" {format_date_numeric(letter.response_due)}. Thông tin liên hệ: {letter.contact}."
        )
    )
    body.append(
        Para(f"{letter.issuer} trân trọng đề nghị Quý cơ quan, đơn vị phối hợp thực hiện./.")
    )
    unit_code = letter.symbol.split("-", 1)[0]
    return AdminDocument(
        issuing_body=IssuingBody(letter.issuer_superior, letter.issuer),
        number=letter.number,
        symbol=letter.symbol,
        place=letter.place,
        issued_on=letter.issued_on,
        doc_type="",
        summary=letter.summary.removeprefix("V/v ").strip(),
        recipients=tuple(letter.recipients),
        body=tuple(body),
        signature=Signature(letter.signer_authority, letter.signer_title, letter.signer_name),
        cc=tuple(letter.cc),
        archive=letter.archive or f"VT, {unit_code}",
        annexes=_evidence_annex(letter),
        keywords=(letter.case_ref, letter.action, *letter.keywords),
    )


def render_letter_docx(letter: RequestLetter) -> bytes:
    """The letter as DOCX bytes (byte-identical for equal input)."""
    return render_docx(build_letter(letter))


def render_letter_pdf(letter: RequestLetter) -> bytes:
    """The letter as PDF bytes (byte-identical for equal input)."""
    return render_pdf(build_letter(letter))
