"""DNS Response Policy Zone (RPZ) of blocked domains, for BIND, Unbound, PowerDNS and Knot resolvers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord, active_records, utc_iso
from canhgiac.text.indicators import host_of, is_shortener, public_suffix, to_idna

__all__ = ["blocked_domains", "to_rpz"]

_LABEL = r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)"
_DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+{_LABEL}$")
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_UNSAFE_COMMENT = re.compile(r"[\x00-\x1f\x7f;]+")


def _domain_of(record: IndicatorRecord) -> str | None:
    if record.kind == "domain":
        host = to_idna(record.value)
    elif record.kind == "url":
        host = host_of(record.value)
        # Blocking a link shortener's host would block every short link, not just this one:
        # those go to the platform as take-down requests instead.
        if host is not None and is_shortener(host):
            return None
    else:
        return None
    if host is None or _IPV4_RE.match(host) or not _DOMAIN_RE.match(host):
        return None
    # Never block a whole public suffix ("com.vn", "github.io"): one bad row would cut off a TLD.
    if public_suffix(host) == host:
        return None
    return host


def blocked_domains(
    records: Iterable[IndicatorRecord], meta: ExportMeta, *, never_block: Iterable[str] = ()
) -> dict[str, list[IndicatorRecord]]:
    """Domains to block (active domains and hosts of active URLs), sorted, with their records."""
    spared = {d.strip().lower().rstrip(".") for d in never_block}
    found: dict[str, list[IndicatorRecord]] = {}
    for record in active_records(records, meta.generated_at):
        domain = _domain_of(record)
        if domain is not None and domain not in spared:
            found.setdefault(domain, []).append(record)
    return {d: found[d] for d in sorted(found)}


def comment_text(text: str, limit: int = 120) -> str:
    """One-line, bounded comment text: hostile descriptions cannot break out of the comment."""
    return " ".join(_UNSAFE_COMMENT.sub(" ", text).split())[:limit]


def _rname(meta: ExportMeta) -> str:
    if "@" not in meta.contact_email:
        return f"hostmaster.{meta.origin}."
    local, _, domain = meta.contact_email.partition("@")
    return local.replace(".", "\\.") + f".{domain.rstrip('.')}."


def _record_comment(records: list[IndicatorRecord]) -> str:
    refs = sorted({r.case_ref for r in records if r.case_ref})
    desc = next((r.description for r in sorted(records, key=_sort_key) if r.description), "")
    return comment_text(" ".join([*refs, desc]))


def _sort_key(r: IndicatorRecord) -> tuple[str, str, str]:
    return (r.first_seen.isoformat(), r.source, r.description)


def to_rpz(
    records: Iterable[IndicatorRecord], meta: ExportMeta, *, never_block: Iterable[str] = ()
) -> str:
    """RPZ zone file: each blocked domain and its subdomains answer NXDOMAIN (``CNAME .``)."""
    origin = meta.origin.rstrip(".")
    if not _DOMAIN_RE.match(origin):
        raise ValueError(f"invalid RPZ zone name {meta.origin!r}")
    serial = int(meta.generated_at.timestamp())
    domains = blocked_domains(records, meta, never_block=never_block)
    lines = [
        f"; Cảnh Giác — RPZ chặn tên miền lừa đảo, giả mạo ({comment_text(meta.producer)})",
        f"; generated {utc_iso(meta.generated_at)}; {len(domains)} domains",
        f"$ORIGIN {origin}.",
        f"$TTL {meta.ttl}",
        f"@ IN SOA localhost. {_rname(meta)} {serial} 3600 600 604800 {meta.ttl}",
        "@ IN NS localhost.",
    ]
    max_len = 253 - len(origin) - 3  # room for "*." and the joining dot
    for domain, recs in domains.items():
        if len(domain) > max_len:
            lines.append(f"; skipped (too long for this zone): {domain[:60]}…")
            continue
        comment = _record_comment(recs)
        if comment:
            lines.append(f"; {comment}")
        lines.append(f"{domain} CNAME .")
        lines.append(f"*.{domain} CNAME .")
    return "\n".join(lines) + "\n"
