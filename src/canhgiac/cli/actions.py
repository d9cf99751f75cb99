"""CLI: `canhgiac export`, `import indicators`, `claims match|list`, `recipients list`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from canhgiac.cli.common import db_session, fail, handles_errors, print_records

__all__ = ["register"]


class ExportFormat(StrEnum):
    """Block-list exchange formats."""

    rpz = "rpz"
    hosts = "hosts"
    csv = "csv"
    misp = "misp"
    stix = "stix"
    phones = "phones"


class ImportFormat(StrEnum):
    """Formats `import indicators` reads."""

    csv = "csv"
    txt = "txt"
    misp = "misp"
    stix = "stix"


class ListFormat(StrEnum):
    """Output of the list commands."""

    table = "table"
    jsonl = "jsonl"


import_app = typer.Typer(help="Nhập dữ liệu từ đối tác: danh sách dấu hiệu nhận biết.")
claims_app = typer.Typer(help="Tin sai sự thật đã xác minh và đối chiếu nội dung mới.")
recipients_app = typer.Typer(help="Nơi nhận văn bản đề nghị: nhà mạng, ISP, nền tảng, ngân hàng.")

MAX_LINE = 10_000


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"ngày không hợp lệ: {value!r} (dùng YYYY-MM-DD hoặc ISO 8601)")
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        if len(value) == 10:  # a date: the start of that day in Vietnam
            from canhgiac.i18n import LOCAL_TZ

            day = date.fromisoformat(value)
            return datetime.combine(day, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
        return parsed.replace(tzinfo=UTC)
    return parsed


@handles_errors
def export_cmd(
    fmt: Annotated[
        ExportFormat, typer.Argument(metavar="FORMAT", help="rpz|hosts|csv|misp|stix|phones")
    ],
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả ('-' để in ra màn hình).")],
    since: Annotated[
        str | None, typer.Option(help="Chỉ dấu hiệu thấy từ ngày này (YYYY-MM-DD).")
    ] = None,
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", help="Độ tin cậy tối thiểu 0..1.")
    ] = 0.0,
) -> None:
    """Xuất danh sách chặn của huyện theo định dạng trao đổi."""
    from canhgiac.services import indicators
    from canhgiac.settings import get_settings

    if not 0.0 <= min_confidence <= 1.0:
        fail("--min-confidence phải từ 0 đến 1")
    moment = _parse_since(since)
    with db_session() as session:
        text = indicators.export(
            session, fmt.value, settings=get_settings(), since=moment, min_confidence=min_confidence
        )
    if str(out) == "-":
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    sys.stderr.write(f"đã ghi {out} ({len(text.encode('utf-8'))} byte)\n")


@import_app.command("indicators")
@handles_errors
def import_indicators_cmd(
    file: Annotated[Path, typer.Argument(help="Tệp dữ liệu ('-' để đọc từ stdin).")],
    fmt: Annotated[ImportFormat, typer.Option("--format", help="csv|txt|misp|stix")],
    source: Annotated[str, typer.Option("--source", help="Tên nguồn (đối tác, danh sách).")],
    confidence: Annotated[float, typer.Option(help="Độ tin cậy mặc định 0..1.")] = 0.5,
) -> None:
    """Nhập dấu hiệu nhận biết vào danh sách chặn (danh sách cho phép luôn được ưu tiên)."""
    from canhgiac.services import indicators

    data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    with db_session() as session:
        result = indicators.import_indicators(
            session, "cli", data, fmt.value, source, default_confidence=confidence
        )
    for error in result.errors[:50]:
        sys.stderr.write(f"dòng {error.line}: {error.message}: {error.raw[:80]}\n")
    summary = {
        "imported": result.imported,
        "duplicates": result.duplicates,
        "errors": len(result.errors),
    }
    sys.stdout.write(json.dumps(summary) + "\n")


def _read_lines(source: str) -> list[str]:
    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("utf-8").splitlines()


@claims_app.command("match")
@handles_errors
def claims_match_cmd(
    input_: Annotated[
        str, typer.Argument(metavar="INPUT", help="Tệp mỗi dòng một nội dung, hoặc '-'.")
    ],
) -> None:
    """In {"index","claim_id","similarity"} cho từng dòng (claim_id null khi không trùng)."""
    from canhgiac.services import claims_kb

    lines = _read_lines(input_)
    with db_session() as session:
        matcher = claims_kb.matcher_for(session)
        for index, line in enumerate(lines):
            best = matcher.match(line[:MAX_LINE], limit=1) if line.strip() else []
            record = {
                "index": index,
                "claim_id": best[0].claim_id if best else None,
                "similarity": round(best[0].similarity, 4) if best else None,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


@claims_app.command("list")
@handles_errors
def claims_list_cmd(
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """Liệt kê tin sai đã xác minh."""
    from canhgiac.services import claims_kb

    with db_session() as session:
        rows = [
            {"code": c.code, "rating": c.rating, "topic": c.topic, "text": c.text,
             "paraphrases": len(c.paraphrases or [])}
            for c in claims_kb.list_claims(session)
        ]  # fmt: skip
    print_records(rows, fmt.value, ["code", "rating", "topic", "text"])


@recipients_app.command("list")
@handles_errors
def recipients_list_cmd(
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
    kind: Annotated[
        str | None, typer.Option(help="telecom|isp|platform|registry|registrar|bank")
    ] = None,
) -> None:
    """Liệt kê nơi nhận văn bản đề nghị."""
    from canhgiac.services import recipients

    with db_session() as session:
        rows = [
            {"code": r.code, "name": r.name, "kind": r.kind, "channel": r.channel,
             "response_days": r.response_days, "contacts": r.contacts}
            for r in recipients.list_recipients(session, kind=kind)
        ]  # fmt: skip
    print_records(rows, fmt.value, ["code", "kind", "channel", "response_days", "name"])


def register(app: typer.Typer) -> None:
    """Add the actions commands to the main app."""
    app.command("export")(export_cmd)
    app.add_typer(import_app, name="import")
    app.add_typer(claims_app, name="claims")
    app.add_typer(recipients_app, name="recipients")
