"""DNS Response Policy Zone (RPZ) of blocked domains, for BIND, Unbound, PowerDNS and Knot resolvers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord, active_records, utc_iso
from canhgiac.text.indicators import host_of, is_shortener, public_suffix, to_idna

__all__ = ["allowed_names", "blocked_domains", "passthru_domains", "to_rpz"]

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


def allowed_names(never_block: Iterable[str]) -> frozenset[str]:
    """The usable allow-list domains: IDNA, valid, never a public suffix (as the scanner's lists).

    A public suffix is refused because an allowed name also covers its subdomains: "com.vn" in
    the allow-list would otherwise spare every blocked ".com.vn" domain.
    """
    names: set[str] = set()
    for value in never_block:
        name = to_idna(value.strip().lstrip("*."))
        if name and _DOMAIN_RE.match(name) and public_suffix(name) != name:
            names.add(name)
    return frozenset(names)


def _parents(domain: str) -> Iterable[str]:
    """The proper parent domains of `domain`, nearest first ("b.c" and "c" for "a.b.c")."""
    while "." in domain:
        domain = domain.partition(".")[2]
        yield domain


def _covered(domain: str, names: frozenset[str]) -> bool:
    """Whether `domain` or one of its parents is in `names` (the scanner's parent matching)."""
    return domain in names or any(parent in names for parent in _parents(domain))


def blocked_domains(
    records: Iterable[IndicatorRecord], meta: ExportMeta, *, never_block: Iterable[str] = ()
) -> dict[str, list[IndicatorRecord]]:
    """Domains to block (active domains and hosts of active URLs), sorted, with their records.

    A domain in `never_block`, or under one of its names, is left out: the allow-list wins.
    """
    spared = allowed_names(never_block)
    found: dict[str, list[IndicatorRecord]] = {}
    for record in active_records(records, meta.generated_at):
        domain = _domain_of(record)
        if domain is not None and not _covered(domain, spared):
            found.setdefault(domain, []).append(record)
    return {d: found[d] for d in sorted(found)}


def passthru_domains(blocked: Iterable[str], never_block: Iterable[str]) -> list[str]:
    """Allowed names under a blocked domain, sorted: they need an RPZ passthru rule.

    Only names that a blocked domain's wildcard would catch are kept (the zone stays small), and
    a name under another kept name is dropped: the parent's ``*.`` passthru already covers it.
    """
    blocked_set = set(blocked)
    needed = {
        name
        for name in allowed_names(never_block)
        if any(parent in blocked_set for parent in _parents(name))
    }
    return sorted(n for n in needed if not any(p in needed for p in _parents(n)))


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
    """RPZ zone file: each blocked domain and its subdomains answer NXDOMAIN (``CNAME .``).

    The allow-list (`never_block`) wins, as in the scanner: an allowed name and its subdomains
    are never blocked, and one that falls under a blocked domain gets ``CNAME rpz-passthru.``
    rules for itself and ``*.`` itself, so the blocked parent's wildcard does not catch it.
    """
    origin = meta.origin.rstrip(".")
    if not _DOMAIN_RE.match(origin):
        raise ValueError(f"invalid RPZ zone name {meta.origin!r}")
    serial = int(meta.generated_at.timestamp())
    allowed = list(never_block)
    domains = blocked_domains(records, meta, never_block=allowed)
    max_len = 253 - len(origin) - 3  # room for "*." and the joining dot
    fitting = [d for d in domains if len(d) <= max_len]
    passthru = [d for d in passthru_domains(fitting, allowed) if len(d) <= max_len]
    summary = f"{len(domains)} domains" + (f", {len(passthru)} allowed" if passthru else "")
    lines = [
        f"; Cảnh Giác — RPZ chặn tên miền lừa đảo, giả mạo ({comment_text(meta.producer)})",
        f"; generated {utc_iso(meta.generated_at)}; {summary}",
        f"$ORIGIN {origin}.",
        f"$TTL {meta.ttl}",
        f"@ IN SOA localhost. {_rname(meta)} {serial} 3600 600 604800 {meta.ttl}",
        "@ IN NS localhost.",
    ]
    for domain, recs in domains.items():
        if len(domain) > max_len:
            lines.append(f"; skipped (too long for this zone): {domain[:60]}…")
            continue
        comment = _record_comment(recs)
        if comment:
            lines.append(f"; {comment}")
        lines.append(f"{domain} CNAME .")
        lines.append(f"*.{domain} CNAME .")
    if passthru:
        # An exact owner beats a wildcard, and the nearest "*." wins over the blocked parent's.
        lines.append("; danh sách cho phép / allow-list: passthru under a blocked domain")
    for name in passthru:
        lines.append(f"{name} CNAME rpz-passthru.")
        lines.append(f"*.{name} CNAME rpz-passthru.")
    return "\n".join(lines) + "\n"
