"""Block- and allow-lists of domains, URLs, phones, accounts and e-mails: a million entries, fast.

Each list keeps, per kind, one set of normalised values per source and their union, so an entry
costs one string and one set slot (with a single source the union is that set, not a copy); the
source is looked up only on a hit. Domains match exactly or by any parent domain; public suffixes
("com.vn", "github.io") are refused as entries, so walking every parent is safe and cheap. The
compiled cache is a JSON header followed by newline-joined UTF-8 blobs: it loads with one
`bytes.decode` and one `str.split` per group, and unlike pickle it cannot run code.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from canhgiac.text.indicators import (
    TLD_EXTRACT,
    Indicator,
    host_of,
    normalize_phone,
    normalize_url,
    refang,
    to_idna,
)

__all__ = ["KINDS", "ListHit", "ListIndex", "Lists"]

KINDS = ("domain", "url", "phone", "bank_account", "email")
_MAGIC = b"CANHGIAC-LIST 1\n"
# Sink addresses that start a hosts-file line; nothing binds to them here.
_HOSTS_ADDRESSES = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1", "0", "255.255.255.255"})  # noqa: S104
_LABEL = r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?"
_HOST_RE = re.compile(_LABEL + r"(?:\." + _LABEL + r")+")
_HOSTS_NAMES = frozenset({"localhost", "localhost.localdomain", "local", "broadcasthost"})


@dataclass(frozen=True, slots=True)
class ListHit:
    """One list entry that matched an indicator."""

    list_name: str  # "block" | "allow"
    kind: str  # "domain" | "url" | "phone" | "bank_account" | "email"
    matched: str  # the entry that matched, e.g. the parent domain "evil.com" for "a.b.evil.com"
    source: str  # where the entry came from


@lru_cache(maxsize=1)
def _public_suffixes() -> frozenset[str]:
    names: set[str] = set()
    for suffix in TLD_EXTRACT.tlds:
        names.add(suffix)
        idna = to_idna(suffix)
        if idna:
            names.add(idna)
    return frozenset(names)


# Every hit kept in a batch's result list is a new tracked object, so the cyclic collector runs
# again and again over all of them (a batch with 40 % hits ran at half speed). The loop makes no
# reference cycles, so there is nothing for the collector to find while it is paused; it is
# resumed afterwards unless something else had turned it off.
@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _normalize_domain(value: str) -> str | None:
    value = value.strip()
    if value.startswith("||"):  # adblock syntax: ||evil.com^
        value = value[2:].rstrip("^")
    value = value.lstrip("*.")
    host = host_of(value) if ("/" in value or ":" in value or "[" in value) else to_idna(value)
    if not host or not _HOST_RE.fullmatch(host) or host in _public_suffixes():
        return None
    return host


def _normalize_account(value: str) -> str | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits if 6 <= len(digits) <= 19 else None


def _normalize_email(value: str) -> str | None:
    value = refang(value.strip()).lower()
    user, at, domain = value.rpartition("@")
    host = to_idna(domain) if at and user else None
    return f"{user}@{host}" if host else None


_NORMALIZERS = {
    "domain": _normalize_domain,
    "url": normalize_url,
    "phone": normalize_phone,
    "bank_account": _normalize_account,
    "email": _normalize_email,
}


def normalize_entry(kind: str, value: str) -> str | None:
    """The form a value is stored and looked up in, or None when it is not a valid `kind`."""
    try:
        normalizer = _NORMALIZERS[kind]
    except KeyError:
        raise ValueError(f"unknown list kind {kind!r}; expected one of {KINDS}") from None
    return normalizer(value)


class ListIndex:
    """One list (a block-list or an allow-list) of many kinds of entries."""

    __slots__ = ("_domains", "_groups", "_source_ids", "_sources", "_union", "name")

    def __init__(self, name: str = "block") -> None:
        self.name = name
        self._sources: list[str] = []
        self._source_ids: dict[str, int] = {}
        # Per kind: one set of values per source, and the union of them for the fast miss path.
        # With a single source (the usual case) the union *is* that source's set: no copy.
        self._groups: dict[str, dict[int, set[str]]] = {kind: {} for kind in KINDS}
        self._union: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self._domains = self._union["domain"]  # the hot path skips one dict look-up

    def _source_id(self, source: str) -> int:
        sid = self._source_ids.get(source)
        if sid is None:
            sid = self._source_ids[source] = len(self._sources)
            self._sources.append(source)
        return sid

    def _group(self, kind: str, sid: int) -> set[str]:
        groups = self._groups[kind]
        group = groups.get(sid)
        if group is None:
            group = groups[sid] = set()
            if len(groups) == 1:
                self._union[kind] = group
            elif len(groups) == 2:
                self._union[kind] = set(self._union[kind])  # stop sharing the first group's set
            if kind == "domain":
                self._domains = self._union[kind]
        return group

    def add(self, kind: str, value: str, source: str = "") -> None:
        """Add one entry; raises ValueError when the value is not a valid `kind`."""
        normalized = normalize_entry(kind, value)
        if normalized is None:
            raise ValueError(f"not a valid {kind}: {value!r}")
        group = self._group(kind, self._source_id(source))
        group.add(normalized)
        self._union[kind].add(normalized)

    def add_many(self, kind: str, values: Iterable[str], source: str = "") -> int:
        """Add many entries from one source, skipping invalid ones; returns how many were new."""
        normalize_entry(kind, "")  # raises ValueError for an unknown kind
        normalizer = _NORMALIZERS[kind]
        group = self._group(kind, self._source_id(source))
        union = self._union[kind]
        before = len(union)
        for value in values:
            normalized = normalizer(value)
            if normalized is not None:
                group.add(normalized)
                if union is not group:
                    union.add(normalized)
        return len(union) - before

    def lookup(self, kind: str, value: str) -> ListHit | None:
        """Exact match; domains also by parent domain; URLs by exact URL, then by their host.

        `value` is expected in normalised form (an `Indicator.value` or `normalize_entry`);
        domains are lower-cased here, other kinds are not re-normalised on this hot path.
        """
        if kind == "domain":
            # Inlined parent walk: this is the hot path. Entries always contain a dot (public
            # suffixes are refused), so the walk stops before the last label.
            host = value if value.islower() or not value else value.lower()
            domains = self._domains
            while "." in host:
                if host in domains:
                    return self._hit("domain", host)
                host = host.partition(".")[2]
            return None
        union = self._union.get(kind)
        if union is None:
            return None
        if value in union:
            return self._hit(kind, value)
        if kind == "url":
            url_host = host_of(value)
            return self.lookup("domain", url_host) if url_host else None
        if kind == "email":
            return self.lookup("domain", value.rpartition("@")[2])
        return None

    def lookup_many(self, kind: str, values: Sequence[str]) -> list[ListHit | None]:
        """`lookup` for each value, in order; domains take a tight loop without per-call costs."""
        if kind != "domain":
            lookup = self.lookup
            return [lookup(kind, value) for value in values]
        domains = self._domains
        hit = self._hit
        out: list[ListHit | None] = []
        append = out.append
        with _collector_paused():
            for value in values:
                host = value if value.islower() or not value else value.lower()
                while "." in host:
                    if host in domains:
                        append(hit("domain", host))
                        break
                    host = host.partition(".")[2]
                else:
                    append(None)
        return out

    def _hit(self, kind: str, matched: str) -> ListHit:
        groups = self._groups[kind]
        if len(groups) == 1:
            (sid,) = groups
        else:
            sid = next(sid for sid, group in groups.items() if matched in group)
        return ListHit(self.name, kind, matched, self._sources[sid])

    def __len__(self) -> int:
        return sum(len(union) for union in self._union.values())

    def __contains__(self, item: tuple[str, str]) -> bool:
        kind, value = item
        return self.lookup(kind, value) is not None

    def save(self, path: Path) -> None:
        """Write the compiled cache (header + one newline-joined blob per kind and source)."""
        groups: list[dict[str, object]] = []
        blobs: list[bytes] = []
        for kind, by_source in self._groups.items():
            for sid, values in sorted(by_source.items()):
                blob = "\n".join(sorted(values)).encode("utf-8")
                groups.append(
                    {"kind": kind, "source": sid, "count": len(values), "size": len(blob)}
                )
                blobs.append(blob)
        header = json.dumps(
            {"name": self.name, "sources": self._sources, "groups": groups}, ensure_ascii=False
        ).encode("utf-8")
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(_MAGIC)
            fh.write(len(header).to_bytes(8, "big"))
            fh.write(header)
            for blob in blobs:
                fh.write(blob)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ListIndex:
        """Read a cache written by `save`."""
        data = path.read_bytes()
        if not data.startswith(_MAGIC):
            raise ValueError(f"{path} is not a Cảnh Giác list cache")
        pos = len(_MAGIC)
        size = int.from_bytes(data[pos : pos + 8], "big")
        pos += 8
        header = json.loads(data[pos : pos + size].decode("utf-8"))
        pos += size
        index = cls(str(header["name"]))
        index._sources = [str(s) for s in header["sources"]]
        index._source_ids = {s: i for i, s in enumerate(index._sources)}
        for group in header["groups"]:
            kind, sid, n = str(group["kind"]), int(group["source"]), int(group["size"])
            if kind not in index._groups or not 0 <= sid < len(index._sources):
                raise ValueError(f"{path}: bad group {group!r}")
            blob = data[pos : pos + n].decode("utf-8")
            pos += n
            if blob:
                target = index._group(kind, sid)
                target.update(blob.split("\n"))
                if index._union[kind] is not target:
                    index._union[kind].update(target)
        return index

    @classmethod
    def from_text_file(
        cls, path: Path, kind: str, name: str = "block", source: str = ""
    ) -> ListIndex:
        """One entry per line; '#' comments; hosts-file lines ("0.0.0.0 evil.com") are fine."""
        index = cls(name)
        index.add_many(kind, _text_entries(path, kind), source or path.name)
        return index


def _text_entries(path: Path, kind: str) -> Iterable[str]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = _strip_comment(line) if kind == "url" else line.split("#", 1)[0].strip()
            if not line or line.startswith("!"):  # "!" starts an adblock comment
                continue
            if kind != "domain":
                yield line  # a phone number or an account may contain spaces
                continue
            fields = line.split()
            if len(fields) > 1 and fields[0] in _HOSTS_ADDRESSES:
                yield from (f for f in fields[1:] if f.lower() not in _HOSTS_NAMES)
            else:
                yield from fields


def _strip_comment(line: str) -> str:
    """URLs may hold '#' fragments: only a '#' at the start or after a space starts a comment."""
    line = line.strip()
    if line.startswith("#"):
        return ""
    cut = line.find(" #")
    return line[:cut].strip() if cut >= 0 else line


_INDICATOR_KINDS = {
    "url": "url",
    "domain": "domain",
    "email": "email",
    "phone": "phone",
    "bank_account": "bank_account",
}


class Lists:
    """A block-list and an allow-list together; the allow-list always wins."""

    __slots__ = ("allow", "block")

    def __init__(self, block: ListIndex | None = None, allow: ListIndex | None = None) -> None:
        self.block = block if block is not None else ListIndex("block")
        self.allow = allow if allow is not None else ListIndex("allow")

    def check(self, indicator: Indicator) -> ListHit | None:
        """The allow hit if allowed, else the block hit, else None."""
        kind = _INDICATOR_KINDS.get(indicator.kind)
        if kind is None:
            return None
        return self.allow.lookup(kind, indicator.value) or self.block.lookup(kind, indicator.value)
