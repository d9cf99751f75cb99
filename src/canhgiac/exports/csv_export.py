"""CSV of indicator records with every field, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord, utc_iso

__all__ = ["CSV_COLUMNS", "csv_text", "safe_cell", "to_csv"]

CSV_COLUMNS = (
    "kind",
    "value",
    "confidence",
    "source",
    "first_seen",
    "last_seen",
    "expires_at",
    "status",
    "description",
    "case_ref",
    "category",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("+84912345678", "-1.5") cannot run as a formula, and E.164 must stay intact.
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formula injection: a risky first character gets a leading '."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") or "0"
    return safe_cell(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool) -> str:
    """CSV text (CRLF rows, minimal quoting), every cell made safe; BOM helps Excel read UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" if bom else "") + buf.getvalue()


def to_csv(records: Iterable[IndicatorRecord], meta: ExportMeta, *, bom: bool = True) -> str:
    """All records (any status), sorted by kind and value, one column per field."""
    del meta  # every field comes from the records; kept for a uniform writer signature
    ordered = sorted(records, key=lambda r: (r.kind, r.value, utc_iso(r.first_seen), r.source))
    rows = ([getattr(r, col) for col in CSV_COLUMNS] for r in ordered)
    return csv_text(CSV_COLUMNS, rows, bom=bom)
