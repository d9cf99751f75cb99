"""hosts-file block-list (``0.0.0.0 evil.com``) for Pi-hole, AdGuard and single machines."""

from __future__ import annotations

from collections.abc import Iterable

from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord, utc_iso
from canhgiac.exports.rpz import blocked_domains, comment_text

__all__ = ["to_hosts"]


def to_hosts(
    records: Iterable[IndicatorRecord], meta: ExportMeta, *, never_block: Iterable[str] = ()
) -> str:
    """hosts file sending each blocked domain to 0.0.0.0 (hosts files have no wildcards)."""
    domains = blocked_domains(records, meta, never_block=never_block)
    lines = [
        f"# Cảnh Giác — danh sách chặn tên miền ({comment_text(meta.producer)})",
        f"# generated {utc_iso(meta.generated_at)}; {len(domains)} domains",
        *(f"0.0.0.0 {domain}" for domain in domains),
    ]
    return "\n".join(lines) + "\n"
