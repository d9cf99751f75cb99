"""CLI: `canhgiac scan`, `canhgiac check-url` and `canhgiac train`."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

__all__ = ["register"]

MAX_CHARS = 10_000
BATCH = 1_000
PROGRESS_OVER = 1_000


class ScanFormat(StrEnum):
    """Output formats of `scan`."""

    jsonl = "jsonl"
    csv = "csv"
    table = "table"


class UrlFormat(StrEnum):
    """Output formats of `check-url`."""

    jsonl = "jsonl"
    table = "table"


class InputError(Exception):
    """The input as a whole cannot be read (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One input record: a message (and its sender) or the reason it could not be read."""

    index: int
    text: str | None = None
    sender: str | None = None
    error: str | None = None


def _err(message: str) -> typer.Exit:
    sys.stderr.write(" ".join(message.split()) + "\n")  # exactly one line, never wrapped
    return typer.Exit(code=2)


def _read_bytes(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"Lỗi: không đọc được tệp {source}: {exc.strerror or exc}") from exc


def _check_text(index: int, text: str, sender: str | None = None) -> Item:
    if len(text) > MAX_CHARS:
        return Item(index, error=f"tin quá dài ({len(text)} ký tự > {MAX_CHARS})")
    return Item(index, text=text, sender=sender)


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _lines(data: bytes) -> list[bytes]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.splitlines()


def _txt_items(data: bytes) -> Iterator[Item]:
    for i, raw in enumerate(_lines(data)):
        text = _decode(raw)
        yield (
            Item(i, error="dòng không phải UTF-8 hợp lệ") if text is None else _check_text(i, text)
        )


def _jsonl_items(data: bytes, field: str, sender_field: str | None) -> Iterator[Item]:
    for i, raw in enumerate(_lines(data)):
        line = _decode(raw)
        if line is None:
            yield Item(i, error="dòng không phải UTF-8 hợp lệ")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Item(i, error=f"JSON không hợp lệ: {exc.msg}")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
            yield Item(i, error=f"thiếu trường chuỗi '{field}'")
            continue
        sender = obj.get(sender_field) if sender_field else None
        yield _check_text(i, obj[field], sender if isinstance(sender, str) else None)


def _csv_items(data: bytes, column: str, sender_column: str | None) -> Iterator[Item]:
    # surrogateescape keeps undecodable bytes as lone surrogates, so one bad cell spoils one row.
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    csv.field_size_limit(MAX_CHARS * 20)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or column not in header:
        raise InputError(f"Lỗi: tệp CSV không có cột '{column}'")
    col = header.index(column)
    s_col = header.index(sender_column) if sender_column and sender_column in header else None
    for i, row in enumerate(reader):
        if col >= len(row):
            yield Item(i, error=f"dòng thiếu cột '{column}'")
            continue
        cell = row[col]
        if any("\udc80" <= ch <= "\udcff" for ch in cell):
            yield Item(i, error="dòng không phải UTF-8 hợp lệ")
            continue
        sender = row[s_col] if s_col is not None and s_col < len(row) else None
        yield _check_text(i, cell, sender or None)


def _items(source: str, column: str | None, sender_field: str | None) -> list[Item]:
    data = _read_bytes(source)
    suffix = Path(source).suffix.lower() if source != "-" else ".txt"
    try:
        if suffix == ".csv":
            return list(_csv_items(data, column or "text", sender_field))
        if suffix in (".jsonl", ".ndjson"):
            return list(_jsonl_items(data, column or "text", sender_field))
    except csv.Error as exc:
        raise InputError(f"Lỗi: tệp CSV hỏng: {exc}") from exc
    return list(_txt_items(data))


def _record(item: Item, verdict: Any) -> dict[str, Any]:
    if item.error is not None:
        return {"index": item.index, "error": item.error}
    return {"index": item.index, **verdict.to_dict()}


def _emit_scan(records: list[dict[str, Any]], fmt: ScanFormat) -> None:
    out = sys.stdout
    if fmt is ScanFormat.jsonl:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt is ScanFormat.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["index", "label", "score", "categories", "indicators", "reasons", "error"])
        for rec in records:
            writer.writerow(
                [
                    rec["index"],
                    rec.get("label", ""),
                    rec.get("score", ""),
                    ";".join(rec.get("categories", [])),
                    ";".join(f"{i['kind']}:{i['value']}" for i in rec.get("indicators", [])),
                    ";".join(r["code"] for r in rec.get("reasons", [])),
                    rec.get("error", ""),
                ]
            )
    else:
        table = Table("#", "kết quả", "điểm", "nhóm", "lý do")
        for rec in records:
            if "error" in rec:
                table.add_row(str(rec["index"]), "lỗi", "", "", rec["error"])
                continue
            reasons = "; ".join(r["code"] for r in rec["reasons"])
            table.add_row(
                str(rec["index"]),
                rec["label"],
                f"{rec['score']:.2f}",
                ",".join(rec["categories"]),
                reasons,
            )
        Console(file=out, width=160).print(table)


def scan_cmd(
    input: Annotated[str, typer.Argument(help="Tệp .txt, .csv, .jsonl hoặc '-' (stdin).")],
    format: Annotated[
        ScanFormat, typer.Option("--format", "-f", help="Định dạng kết quả.")
    ] = ScanFormat.jsonl,
    column: Annotated[
        str | None,
        typer.Option("--column", help="Cột CSV / trường JSONL chứa nội dung (mặc định: text)."),
    ] = None,
    sender_column: Annotated[
        str | None, typer.Option("--sender-column", help="Cột / trường chứa người gửi (tùy chọn).")
    ] = None,
) -> None:
    """Rà quét tin nhắn: lừa đảo, tin rác hay bình thường, kèm lý do."""
    from canhgiac.detect.scanner import default_scanner

    try:
        items = _items(input, column, sender_column)
    except InputError as exc:
        raise _err(str(exc)) from None
    scanner = default_scanner()
    records: list[dict[str, Any]] = []
    err_console = Console(stderr=True)
    with Progress(console=err_console, disable=len(items) <= PROGRESS_OVER, transient=True) as bar:
        task = bar.add_task("Đang rà quét", total=len(items))
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            good = [it for it in chunk if it.text is not None]
            verdicts = scanner.scan_batch(
                [it.text or "" for it in good], senders=[it.sender for it in good]
            )
            by_index = {it.index: v for it, v in zip(good, verdicts, strict=True)}
            records.extend(_record(it, by_index.get(it.index)) for it in chunk)
            bar.advance(task, len(chunk))
    _emit_scan(records, format)
    counts = Counter(rec.get("label", "error") for rec in records)
    summary = ", ".join(f"{k} {counts[k]}" for k in ("scam", "spam", "ok", "error") if counts[k])
    sys.stderr.write(f"Đã rà quét {len(records)} tin: {summary or 'không có tin nào'}.\n")


def check_url_cmd(
    input: Annotated[str, typer.Argument(help="Tệp mỗi dòng một URL/tên miền, hoặc '-' (stdin).")],
    format: Annotated[
        UrlFormat, typer.Option("--format", "-f", help="Định dạng kết quả.")
    ] = UrlFormat.jsonl,
) -> None:
    """Kiểm tra đường link, tên miền: độc hại, đáng ngờ hay bình thường."""
    from canhgiac.detect.scanner import default_scanner

    try:
        items = list(_txt_items(_read_bytes(input)))
    except InputError as exc:
        raise _err(str(exc)) from None
    scanner = default_scanner()
    records: list[dict[str, Any]] = []
    for item in items:
        if item.error is not None:
            records.append({"index": item.index, "error": item.error})
        elif item.text is not None and item.text.strip():
            records.append(scanner.check_url(item.text).to_dict())
    if format is UrlFormat.jsonl:
        for rec in records:
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    else:
        table = Table("đầu vào", "tên miền", "kết luận", "điểm", "lý do")
        for rec in records:
            if "error" in rec:
                table.add_row(f"#{rec['index']}", "", "lỗi", "", rec["error"])
                continue
            reasons = "; ".join(r["code"] for r in rec["reasons"])
            table.add_row(
                rec["input"], rec["domain"] or "", rec["verdict"], f"{rec['score']:.2f}", reasons
            )
        Console(file=sys.stdout, width=160).print(table)
    counts = Counter(rec.get("verdict", "error") for rec in records)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    sys.stderr.write(f"Đã kiểm tra {len(records)} đường link: {summary or 'không có'}.\n")


def train_cmd(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Thư mục dữ liệu (mặc định: $CANHGIAC_TRAINING_DATA hoặc ../shared/data).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Thư mục ghi mô hình (mặc định: mô hình đi kèm gói)."),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", hidden=True)] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Số phần kiểm định chéo.")] = 5,
) -> None:
    """Huấn luyện lại mô hình văn bản và mô hình tên miền, in chỉ số kiểm định chéo."""
    from canhgiac.detect.classifier import MODELS_DIR
    from canhgiac.detect.training import default_data_dir, train_all

    source = data_dir or default_data_dir()
    needed = [source / "sms_vi_spam" / "spam_positives.csv", source / "phishing"]
    missing = [p for p in needed if not p.exists()]
    if missing:
        raise _err(f"Lỗi: thiếu dữ liệu huấn luyện: {missing[0]}")
    train_all(source, out or MODELS_DIR, limit=limit, folds=folds, echo=typer.echo)


def register(app: typer.Typer) -> None:
    """Add scan, check-url and train to the app."""
    app.command("scan")(scan_cmd)
    app.command("check-url")(check_url_cmd)
    app.command("train")(train_cmd)
