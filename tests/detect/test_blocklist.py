"""Block/allow-lists: parent-domain matching, allow wins, text files, cache round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canhgiac.detect.blocklist import ListHit, ListIndex, Lists, normalize_entry
from canhgiac.text.indicators import extract_indicators


@pytest.fixture
def block() -> ListIndex:
    index = ListIndex("block")
    index.add("domain", "evil.com", "feed-a")
    index.add("domain", "phish.com.vn", "feed-b")
    index.add("url", "http://bit.ly/AbC", "tipline")
    index.add("phone", "0912 345 678", "tipline")
    index.add("bank_account", "0071-000-912345", "police")
    index.add("email", "Scam@Gmail.com", "tipline")
    return index


@pytest.mark.parametrize(
    ("kind", "value", "matched", "source"),
    [
        ("domain", "evil.com", "evil.com", "feed-a"),
        ("domain", "a.b.evil.com", "evil.com", "feed-a"),
        ("domain", "WWW.Evil.COM", "evil.com", "feed-a"),
        ("domain", "login.phish.com.vn", "phish.com.vn", "feed-b"),
        ("url", "http://bit.ly/AbC", "http://bit.ly/AbC", "tipline"),
        ("url", "https://x.evil.com/login", "evil.com", "feed-a"),
        ("phone", "+84912345678", "+84912345678", "tipline"),
        ("bank_account", "0071000912345", "0071000912345", "police"),
        ("email", "scam@gmail.com", "scam@gmail.com", "tipline"),
        ("email", "boss@mail.evil.com", "evil.com", "feed-a"),
    ],
)
def test_hits(block: ListIndex, kind: str, value: str, matched: str, source: str) -> None:
    hit = block.lookup(kind, value)
    assert hit is not None
    assert (hit.list_name, hit.matched, hit.source) == ("block", matched, source)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("domain", "notevil.com"),
        ("domain", "evil.com.vn"),
        ("domain", "com"),
        ("domain", "com.vn"),
        ("domain", "other.com.vn"),
        ("url", "http://bit.ly/abc"),  # short-link codes are case-sensitive
        ("url", "http://bit.ly/Other"),
        ("phone", "+84912345679"),
        ("email", "scam@yahoo.com"),
        ("shortcode", "9029"),
    ],
)
def test_misses(block: ListIndex, kind: str, value: str) -> None:
    assert block.lookup(kind, value) is None


def test_public_suffixes_and_junk_are_refused() -> None:
    index = ListIndex()
    for bad in ("com.vn", "github.io", "vn", "not a domain", "a b.com", "-x.com", "x..com", ""):
        with pytest.raises(ValueError, match="not a valid domain"):
            index.add("domain", bad)
    with pytest.raises(ValueError, match="unknown list kind"):
        index.add("ip", "1.2.3.4")
    assert index.add_many("domain", ["com.vn", "ok.vn", "x.github.io"]) == 2
    assert index.lookup("domain", "a.x.github.io") is not None
    assert index.lookup("domain", "other.github.io") is None


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("domain", "*.Evil.COM.", "evil.com"),
        ("domain", "||ads.evil.com^", "ads.evil.com"),
        ("domain", "https://Evil.com/path", "evil.com"),
        ("domain", "evil[.]com", "evil.com"),
        ("domain", "việtcombank.vn", "xn--vitcombank-dv3e.vn"),
        ("url", "hxxps://Evil[.]com/Login", "https://evil.com/Login"),
        ("phone", "(+84)912345678", "+84912345678"),
        ("bank_account", "1903 5555 1234", "190355551234"),
        ("email", "A[at]B[.]com", "a@b.com"),
    ],
)
def test_normalize_entry(kind: str, raw: str, stored: str) -> None:
    assert normalize_entry(kind, raw) == stored


def test_allow_always_wins(block: ListIndex) -> None:
    allow = ListIndex("allow")
    allow.add("domain", "safe.evil.com", "ops")
    lists = Lists(block, allow)
    found = {
        i.value: lists.check(i)
        for i in extract_indicators("xem safe.evil.com/x, bad.evil.com, gọi 0912345678, abc.vn")
    }
    assert found["http://safe.evil.com/x"] == ListHit("allow", "domain", "safe.evil.com", "ops")
    assert found["bad.evil.com"] == ListHit("block", "domain", "evil.com", "feed-a")
    assert found["+84912345678"] == ListHit("block", "phone", "+84912345678", "tipline")
    assert found["abc.vn"] is None


def test_empty_lists_check_nothing() -> None:
    (ind,) = extract_indicators("evil.com")
    assert Lists().check(ind) is None


def test_sources_are_kept_per_entry() -> None:
    index = ListIndex()
    index.add_many("domain", ["a.com", "b.com"], "one")
    index.add_many("domain", ["c.com"], "two")
    hits = {d: index.lookup("domain", d) for d in ("x.a.com", "b.com", "c.com")}
    assert {d: h.source for d, h in hits.items() if h} == {
        "x.a.com": "one",
        "b.com": "one",
        "c.com": "two",
    }
    assert len(index) == 3


def test_save_load_round_trip(block: ListIndex, tmp_path: Path) -> None:
    block.add_many("domain", ["second.com"], "feed-c")
    path = tmp_path / "block.cgl"
    block.save(path)
    loaded = ListIndex.load(path)
    assert loaded.name == "block"
    assert len(loaded) == len(block)
    for kind, value in [
        ("domain", "a.b.evil.com"),
        ("domain", "second.com"),
        ("url", "http://bit.ly/AbC"),
        ("phone", "+84912345678"),
        ("bank_account", "0071000912345"),
        ("email", "scam@gmail.com"),
        ("domain", "nothere.com"),
    ]:
        assert loaded.lookup(kind, value) == block.lookup(kind, value)


def test_load_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"not a cache")
    with pytest.raises(ValueError, match="not a Cảnh Giác list cache"):
        ListIndex.load(path)


def test_from_text_file_reads_hosts_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "hosts.txt"
    path.write_text(
        "# a hosts file\n"
        "0.0.0.0 evil.com\n"
        "127.0.0.1 localhost\n"
        "127.0.0.1 a.bad.net b.bad.net  # two on one line\n"
        "plain.org\n"
        "||ads.example^\n"
        "! adblock comment\n"
        "\n"
        "com.vn\n",
        encoding="utf-8",
    )
    index = ListIndex.from_text_file(path, "domain", name="block", source="hosts")
    assert len(index) == 5  # evil.com, a.bad.net, b.bad.net, plain.org, ads.example
    assert index.lookup("domain", "x.evil.com") == ListHit("block", "domain", "evil.com", "hosts")
    assert index.lookup("domain", "b.bad.net") is not None
    assert index.lookup("domain", "bad.net") is None
    assert index.lookup("domain", "localhost") is None


def test_from_text_file_urls_keep_fragments(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_text("# urls\nhttps://evil.com/a#frag  # note\nhxxp://x[.]top/\n", encoding="utf-8")
    index = ListIndex.from_text_file(path, "url", source="urls")
    assert index.lookup("url", "https://evil.com/a#frag") is not None
    assert index.lookup("url", "http://x.top/") is not None


@given(st.text(max_size=80))
def test_check_never_raises_on_any_text(text: str) -> None:
    block = ListIndex("block")
    block.add("domain", "evil.com")
    lists = Lists(block)
    for indicator in extract_indicators(text):
        hit = lists.check(indicator)
        assert hit is None or hit.list_name == "block"


@given(st.text(max_size=40))
def test_lookup_never_raises(value: str) -> None:
    index = ListIndex()
    index.add("domain", "evil.com")
    for kind in ("domain", "url", "phone", "bank_account", "email", "other"):
        index.lookup(kind, value)


def test_from_text_file_phones_and_accounts_keep_spaces(tmp_path: Path) -> None:
    phones = tmp_path / "phones.txt"
    phones.write_text("0912 345 678  # reported twice\n+84 98 765 4321\nnot a phone\n", "utf-8")
    index = ListIndex.from_text_file(phones, "phone", source="tipline")
    assert len(index) == 2
    assert index.lookup("phone", "+84912345678") == ListHit(
        "block", "phone", "+84912345678", "tipline"
    )
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("1903 5555 1234\n", "utf-8")
    index = ListIndex.from_text_file(accounts, "bank_account")
    assert index.lookup("bank_account", "190355551234") is not None
