"""The fetcher: SSRF forms refused before any socket, redirects re-checked, robots, caps, 304."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest

from canhgiac.ingest import fetcher
from canhgiac.ingest.fetcher import FetchFailed, FetchPolicy, FetchRefused, HostThrottle, fetch
from canhgiac.settings import Settings
from tests.ingest_net.local_server import serve, slow

PAGE = (200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><title>ok</title></html>")

# Every way of writing a loopback or internal address that must never be fetched.
LOOPBACK_FORMS = [
    "http://127.0.0.1:{port}/",
    "http://2130706433:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0x7f.1:{port}/",
    "http://0x7f000001:{port}/",
    "http://127.1:{port}/",
    "http://017700000001:{port}/",
    "http://localhost:{port}/",
    "http://LOCALHOST.:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[64:ff9b::7f00:1]:{port}/",
    "http://[2002:7f00:1::1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://0:{port}/",
    "http://[::]:{port}/",
    "https://127.0.0.1:{port}/",
]

INTERNAL = [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.1.2.3/", "nội bộ"),
    ("http://172.16.0.1/", "nội bộ"),
    ("http://172.31.255.255/", "nội bộ"),
    ("http://192.168.1.1/", "nội bộ"),
    ("http://100.64.0.1/", "CGNAT"),
    ("http://100.127.255.254/", "CGNAT"),
    ("http://[fc00::1]/", "nội bộ"),
    ("http://[fd12:3456::1]/", "nội bộ"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "dành riêng"),
    ("http://255.255.255.255/", ""),
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://[::ffff:10.0.0.1]/", "nội bộ"),
    ("http://0xa9.0xfe.0xa9.0xfe/", "link-local"),
    ("http://2852039166/", "link-local"),
]

BAD_SCHEMES = [
    "file:///etc/passwd",
    "ftp://example.com/",
    "gopher://127.0.0.1:70/",
    "data:,x",
    "//x",
]


@pytest.mark.parametrize("form", LOOPBACK_FORMS)
def test_loopback_in_every_form_is_refused_without_a_request(
    form: str, net_settings: Settings, policy: FetchPolicy
) -> None:
    closed = net_settings.model_copy(update={"fetch_allow": []})
    with serve({"/": PAGE}) as server:
        with pytest.raises(FetchRefused):
            fetch(form.format(port=server.port), settings=closed, policy=policy)
        assert server.requests == []


@pytest.mark.parametrize(("url", "why"), INTERNAL)
def test_internal_and_metadata_addresses_are_refused(
    url: str, why: str, net_settings: Settings, policy: FetchPolicy
) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch(url, settings=net_settings, policy=policy)
    assert why in refused.value.reason


@pytest.mark.parametrize("url", BAD_SCHEMES)
def test_only_http_and_https(url: str, net_settings: Settings, policy: FetchPolicy) -> None:
    with pytest.raises(FetchRefused):
        fetch(url, settings=net_settings, policy=policy)


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("1.1.1.1", False),
        ("2606:4700:4700::1111", False),
        ("127.255.0.1", True),
        ("169.254.0.1", True),
        ("::ffff:8.8.8.8", False),
        ("::ffff:192.168.0.1", True),
        ("100.63.255.255", False),
        ("100.128.0.0", False),
        ("198.18.0.1", True),
    ],
)
def test_blocked_reason(address: str, blocked: bool) -> None:
    assert (fetcher.blocked_reason(ipaddress.ip_address(address)) is not None) is blocked


def test_a_name_resolving_to_any_internal_address_is_refused(
    net_settings: Settings, policy: FetchPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hostile DNS answer mixing a public and a private address (the resolver is faked; no
    # request leaves the machine because the check refuses first).
    answers = [("93.184.216.34", 80), ("10.0.0.7", 80)]
    monkeypatch.setattr(
        fetcher.socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in answers],
    )
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.7"):
        fetch("http://rebind.example/", settings=net_settings, policy=policy)


def test_allowed_fetch_sends_truthful_user_agent_and_host(
    net_settings: Settings, policy: FetchPolicy
) -> None:
    with serve({"/page": PAGE}) as server:
        result = fetch(server.url("/page?x=1"), settings=net_settings, policy=policy)
        assert result.status == 200 and b"<title>ok</title>" in result.content
        assert result.final_url == server.url("/page?x=1") and not result.not_modified
        assert result.media_type == "text/html"
        assert server.paths() == ["/robots.txt", "/page?x=1"]
        sent = server.requests[-1].headers
        assert sent["user-agent"] == net_settings.user_agent
        assert sent["host"] == f"127.0.0.1:{server.port}"


def test_allow_by_host_name_connects_to_the_checked_address(
    net_settings: Settings, policy: FetchPolicy
) -> None:
    by_name = net_settings.model_copy(update={"fetch_allow": ["localhost"]})
    with serve({"/": PAGE}) as server:
        result = fetch(f"http://localhost:{server.port}/", settings=by_name, policy=policy)
        assert result.status == 200
        assert server.requests[-1].headers["host"] == f"localhost:{server.port}"
        with pytest.raises(FetchRefused):  # the name is allowed, not the address
            fetch(server.url("/"), settings=by_name, policy=policy)


def test_redirects_are_followed_and_every_hop_is_checked(
    net_settings: Settings, policy: FetchPolicy
) -> None:
    with serve({"/secret": PAGE}, host="127.0.0.2") as inner:
        routes = {
            "/to-inner": (302, {"Location": inner.url("/secret")}, b""),
            "/to-metadata": (301, {"Location": "http://169.254.169.254/latest/"}, b""),
            "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
            "/to-decimal": (307, {"Location": f"http://2130706434:{inner.port}/secret"}, b""),
            "/relative": (303, {"Location": "/final"}, b""),
            "/final": PAGE,
            **{f"/loop{i}": (302, {"Location": f"/loop{i + 1}"}, b"") for i in range(10)},
        }
        with serve(routes) as outer:
            for path in ("/to-inner", "/to-metadata", "/to-file", "/to-decimal"):
                with pytest.raises(FetchRefused):
                    fetch(outer.url(path), settings=net_settings, policy=policy)
            assert inner.requests == []
            result = fetch(outer.url("/relative"), settings=net_settings, policy=policy)
            assert result.final_url == outer.url("/final") and result.url == outer.url("/relative")
            with pytest.raises(FetchRefused, match="chuyển hướng"):
                fetch(outer.url("/loop0"), settings=net_settings, policy=policy)
            assert "/loop5" in outer.paths() and "/loop6" not in outer.paths()


def test_robots_txt_is_honoured_and_cached(net_settings: Settings, policy: FetchPolicy) -> None:
    robots = b"User-agent: *\nDisallow: /private\n\nUser-agent: CanhGiac\nDisallow: /tin-noi-bo\n"
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, robots), "/tin": PAGE}
    with serve({**routes, "/tin-noi-bo": PAGE, "/private": PAGE}) as server:
        assert fetch(server.url("/tin"), settings=net_settings, policy=policy).status == 200
        with pytest.raises(FetchRefused, match=r"robots\.txt"):
            fetch(server.url("/tin-noi-bo"), settings=net_settings, policy=policy)
        assert fetch(server.url("/tin"), settings=net_settings, policy=policy).status == 200
        assert server.paths() == ["/robots.txt", "/tin", "/tin"]


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (500, False)])
def test_robots_txt_errors(
    status: int, allowed: bool, net_settings: Settings, policy: FetchPolicy
) -> None:
    with serve({"/robots.txt": (status, {}, b"error"), "/": PAGE}) as server:
        if allowed:
            assert fetch(server.url("/"), settings=net_settings, policy=policy).status == 200
        else:
            with pytest.raises(FetchRefused):
                fetch(server.url("/"), settings=net_settings, policy=policy)
            assert server.paths() == ["/robots.txt"]


@pytest.mark.parametrize("declared", [True, False])
def test_size_cap(declared: bool, net_settings: Settings, policy: FetchPolicy) -> None:
    headers = {"Content-Type": "text/html"} | ({} if declared else {"X-Test-No-Length": "1"})
    with serve({"/big": (200, headers, b"x" * 300_000), "/small": PAGE}) as server:
        with pytest.raises(FetchFailed, match="quá lớn"):
            fetch(server.url("/big"), settings=net_settings, policy=policy)
        assert fetch(server.url("/small"), settings=net_settings, policy=policy).status == 200


def test_time_cap(net_settings: Settings, policy: FetchPolicy) -> None:
    quick = net_settings.model_copy(update={"fetch_timeout_s": 0.5})
    with serve({"/robots.txt": (404, {}, b""), "/slow": slow(3, PAGE)}) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed):
            fetch(server.url("/slow"), settings=quick, policy=policy)
        assert time.monotonic() - started < 2.5


def test_http_errors_fail(net_settings: Settings, policy: FetchPolicy) -> None:
    with serve({}) as server, pytest.raises(FetchFailed, match="404"):
        fetch(server.url("/missing"), settings=net_settings, policy=policy)


def test_conditional_get_gives_not_modified(net_settings: Settings, policy: FetchPolicy) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 08:00:00 GMT"}

    def feed(seen):  # type: ignore[no-untyped-def]
        if seen.headers.get("if-none-match") == '"v1"':
            return 304, dict(validators), b""
        return 200, {"Content-Type": "application/rss+xml", **validators}, b"<rss/>"

    with serve({"/feed": feed}) as server:
        first = fetch(server.url("/feed"), settings=net_settings, policy=policy)
        assert first.etag == '"v1"' and first.last_modified == validators["Last-Modified"]
        second = fetch(
            server.url("/feed"), settings=net_settings, policy=policy,
            etag=first.etag, last_modified=first.last_modified,
        )  # fmt: skip
        assert second.not_modified and second.status == 304 and second.content == b""
        sent = server.requests[-1].headers
        assert sent["if-modified-since"] == validators["Last-Modified"]


def test_per_host_rate_limit(net_settings: Settings) -> None:
    policy = FetchPolicy(throttle=HostThrottle(0.3))
    with serve({"/robots.txt": (404, {}, b""), "/": PAGE}) as server:
        started = time.monotonic()
        for _ in range(3):
            fetch(server.url("/"), settings=net_settings, policy=policy)
        # robots.txt + 3 pages = 4 requests, 3 gaps of 0.3 s
        assert time.monotonic() - started >= 0.85


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("8.8.8.8", "8.8.8.8"),
        ("example.com", None),
        ("1e100.net", None),
    ],
)
def test_legacy_ipv4_forms_are_read_like_inet_aton(host: str, address: str | None) -> None:
    parsed = fetcher._legacy_ipv4(host)
    assert (str(parsed) if parsed else None) == address
    if address:
        assert socket.inet_ntoa(socket.inet_aton(host)) == address
