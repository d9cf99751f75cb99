"""The only code that touches the network: SSRF-safe HTTP(S) GET with robots.txt and politeness.

Every URL, and every redirect hop, is resolved here and refused when any address it resolves to
is loopback, private, link-local (cloud metadata), unique-local, multicast, unspecified, reserved
or shared (CGNAT), including IPv4-mapped/NAT64/6to4 IPv6 forms and decimal/octal/hex IPv4 hosts,
unless `settings.fetch_allow` lists the host or the address. The connection then goes to the very
address that was checked (the Host header and TLS SNI carry the name), so DNS cannot change the
answer between the check and the connect.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from canhgiac.db.base import utcnow
from canhgiac.settings import Settings

__all__ = [
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRefused",
    "FetchResult",
    "HostThrottle",
    "RobotsCache",
    "Target",
    "blocked_reason",
    "check_url",
    "fetch",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_TTL_S = 3600.0
ROBOTS_ERROR_TTL_S = 300.0
ROBOTS_MAX_BYTES = 500_000
MIN_INTERVAL_S = 1.0  # per host: at most one request a second

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class FetchError(Exception):
    """Base of fetch errors; `reason` is a short Vietnamese explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchRefused(FetchError):
    """The target is not allowed (address, scheme, robots.txt, redirects); no request was sent."""


class FetchFailed(FetchError):
    """The network or the server failed (timeout, refused connection, HTTP error, too large)."""


@dataclass(frozen=True)
class FetchResult:
    """A fetched document (or a 304 answer to a conditional GET)."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: datetime
    not_modified: bool

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream").split(";")[0].strip()


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`ip`) and what to ask for (`host`, `path`)."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    ip: IPAddress

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == SCHEMES[self.scheme] else f"{name}:{self.port}"

    def request_url(self) -> httpx.URL:
        address = f"[{self.ip}]" if self.ip.version == 6 else str(self.ip)
        return httpx.URL(f"{self.scheme}://{address}:{self.port}{self.path}")


def blocked_reason(ip: IPAddress) -> str | None:
    """Why an address may not be fetched (None when it is a public unicast address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:  # the packets go to the embedded IPv4 address
            return blocked_reason(embedded)
    checks = (
        (ip.is_unspecified, "địa chỉ không xác định"),
        (ip.is_loopback, "địa chỉ loopback"),
        (ip.is_link_local, "địa chỉ link-local (kể cả metadata đám mây)"),
        (ip.is_multicast, "địa chỉ multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "địa chỉ dùng chung (CGNAT)"),
        (ip.is_reserved, "địa chỉ dành riêng"),
        (ip.is_private, "địa chỉ mạng nội bộ"),
        (not ip.is_global, "địa chỉ không công khai"),
    )
    return next((reason for hit, reason in checks if hit), None)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read a host the way inet_aton would (2130706433, 0177.0.0.1, 0x7f.1); None for names."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels = labels[:-1]
    if not 1 <= len(labels) <= 4 or not all(_NUMERIC_LABEL.match(label) for label in labels):
        return None
    values: list[int] = []
    for label in labels:
        if label.startswith("0x"):
            values.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if not set(label) <= set("01234567"):
                raise FetchRefused(f"địa chỉ IP không hợp lệ: {host}")
            values.append(int(label, 8))
        else:
            values.append(int(label))
    head, last = values[:-1], values[-1]
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise FetchRefused(f"địa chỉ IP không hợp lệ: {host}")
    number = sum(v << (8 * (3 - i)) for i, v in enumerate(head)) + last
    return ipaddress.IPv4Address(number)


class _AllowList:
    def __init__(self, entries: Iterable[str]) -> None:
        self.hosts: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            entry = entry.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry)

    def host(self, host: str) -> bool:
        return host in self.hosts

    def address(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"không phân giải được tên miền {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise FetchFailed(f"không phân giải được tên miền {host}")
    return addresses


def check_url(url: str, settings: Settings) -> Target:
    """Parse, resolve and check `url`; raise FetchRefused when it may not be fetched."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"đường dẫn không hợp lệ: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchRefused(f"chỉ cho phép http và https, không cho phép {scheme or 'trống'!r}")
    raw_host = (parts.hostname or "").rstrip(".")
    if not raw_host:
        raise FetchRefused("đường dẫn thiếu tên máy chủ")
    port = port or SCHEMES[scheme]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    allow = _AllowList(settings.fetch_allow)

    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(raw_host)
    except ValueError:
        literal = _legacy_ipv4(raw_host)
    if literal is not None:
        host, addresses = str(literal), [literal]
    else:
        try:
            host = raw_host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise FetchRefused(f"tên miền không hợp lệ: {raw_host}") from exc
        addresses = _resolve(host, port)
    if not allow.host(host):
        for ip in addresses:
            reason = blocked_reason(ip)
            if reason and not allow.address(ip):
                raise FetchRefused(f"{host} trỏ tới {ip}: {reason}")
    return Target(url, scheme, host, port, path, addresses[0])


class HostThrottle:
    """At most one request per `min_interval_s` to each host (shared by threads)."""

    def __init__(self, min_interval_s: float = MIN_INTERVAL_S) -> None:
        self.min_interval_s = min_interval_s
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> None:
        """Sleep until this host may be asked again, and book the slot."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, 0.0))
            self._next[key] = slot + self.min_interval_s
        if slot > now:
            time.sleep(slot - now)


@dataclass
class RobotsCache:
    """robots.txt per origin, kept for an hour (five minutes after a server error)."""

    ttl_s: float = ROBOTS_TTL_S
    _rules: dict[str, tuple[float, RobotFileParser]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, origin: str) -> RobotFileParser | None:
        with self._lock:
            cached = self._rules.get(origin)
        if cached is None or cached[0] < time.monotonic():
            return None
        return cached[1]

    def put(self, origin: str, rules: RobotFileParser, ttl_s: float) -> None:
        with self._lock:
            self._rules[origin] = (time.monotonic() + ttl_s, rules)


@dataclass
class FetchPolicy:
    """Politeness state shared by fetches in a process: per-host throttle and robots.txt cache."""

    throttle: HostThrottle = field(default_factory=HostThrottle)
    robots: RobotsCache = field(default_factory=RobotsCache)


DEFAULT_POLICY = FetchPolicy()


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    content: bytes


def _new_client(settings: Settings) -> httpx.Client:
    # trust_env=False: proxy variables must not send our requests around the checks.
    return httpx.Client(
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(settings.fetch_timeout_s),
    )


def _get(
    client: httpx.Client,
    target: Target,
    settings: Settings,
    policy: FetchPolicy,
    headers: dict[str, str],
    max_bytes: int,
) -> _Answer:
    """One GET to the checked address, body capped in size and time."""
    policy.throttle.wait(target.origin)
    request_headers = {
        "Host": target.host_header,
        "User-Agent": settings.user_agent,
        "Accept-Encoding": "identity",
        **headers,
    }
    extensions: dict[str, str] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
        # The pool is keyed by address, so a kept-alive TLS connection verified for one name
        # could otherwise carry a request for another name on the same address.
        request_headers["Connection"] = "close"
    request = client.build_request(
        "GET", target.request_url(), headers=request_headers, extensions=extensions
    )
    deadline = time.monotonic() + settings.fetch_timeout_s
    try:
        response = client.send(request, stream=True, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"lỗi kết nối tới {target.host}: {exc}") from exc
    try:
        answer_headers = {k.lower(): v for k, v in response.headers.items()}
        if response.status_code in REDIRECT_STATUSES or response.status_code == 304:
            return _Answer(response.status_code, answer_headers, b"")
        declared = answer_headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailed(f"tài liệu quá lớn ({declared} byte > {max_bytes})")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise FetchFailed(f"tài liệu quá lớn (> {max_bytes} byte)")
            if time.monotonic() > deadline:
                raise FetchFailed(f"quá thời gian {settings.fetch_timeout_s:g} s")
        return _Answer(response.status_code, answer_headers, bytes(body))
    except httpx.HTTPError as exc:
        raise FetchFailed(f"lỗi khi tải từ {target.host}: {exc}") from exc
    finally:
        response.close()


def _robots_for(
    client: httpx.Client, target: Target, settings: Settings, policy: FetchPolicy
) -> RobotFileParser:
    cached = policy.robots.get(target.origin)
    if cached is not None:
        return cached
    lines: list[str] = _DISALLOW_ALL
    ttl = ROBOTS_ERROR_TTL_S
    try:
        _, answer = _follow(
            client, f"{target.origin}/robots.txt", settings, policy, {}, ROBOTS_MAX_BYTES, None
        )
        if answer.status < 400:
            lines, ttl = answer.content.decode("utf-8", "replace").splitlines(), policy.robots.ttl_s
        elif answer.status < 500:
            lines, ttl = [], policy.robots.ttl_s  # RFC 9309: no robots.txt means no rules
    except FetchRefused:
        pass  # robots.txt redirected somewhere forbidden: treat the site as closed, for a while
    rules = RobotFileParser()
    rules.parse(lines)
    rules.modified()
    policy.robots.put(target.origin, rules, ttl)
    return rules


def _follow(
    client: httpx.Client,
    url: str,
    settings: Settings,
    policy: FetchPolicy,
    headers: dict[str, str],
    max_bytes: int,
    robots: bool | None,
) -> tuple[str, _Answer]:
    """GET `url`, following up to MAX_REDIRECTS redirects, each hop checked (and robots, if asked)."""
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(current, settings)
        if robots and not _robots_for(client, target, settings, policy).can_fetch(
            settings.user_agent, current
        ):
            raise FetchRefused(f"robots.txt của {target.host} không cho phép tải {current}")
        answer = _get(client, target, settings, policy, headers, max_bytes)
        location = answer.headers.get("location")
        if answer.status not in REDIRECT_STATUSES or not location:
            return current, answer
        current = urljoin(current, location)
    raise FetchRefused(f"quá {MAX_REDIRECTS} lần chuyển hướng")


def fetch(
    url: str,
    *,
    settings: Settings,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
    policy: FetchPolicy | None = None,
) -> FetchResult:
    """GET a public http(s) URL safely; a conditional GET when `etag`/`last_modified` are given.

    Raises FetchRefused (blocked address, scheme, robots.txt, too many redirects) or FetchFailed
    (network error, HTTP error status, size or time cap).
    """
    policy = policy or DEFAULT_POLICY
    conditional: dict[str, str] = {}
    if etag:
        conditional["If-None-Match"] = etag
    if last_modified:
        conditional["If-Modified-Since"] = last_modified
    own_client = client is None
    http = client or _new_client(settings)
    try:
        final_url, answer = _follow(
            http, url, settings, policy, conditional, settings.fetch_max_bytes, True
        )
    finally:
        if own_client:
            http.close()
    if answer.status >= 400:
        raise FetchFailed(f"máy chủ trả lời HTTP {answer.status} cho {final_url}")
    return FetchResult(
        url=url,
        final_url=final_url,
        status=answer.status,
        headers=answer.headers,
        content=answer.content,
        fetched_at=utcnow(),
        not_modified=answer.status == 304,
    )
