"""ListIndex.lookup_many: the batch look-up gives what lookup gives, value for value."""

from __future__ import annotations

import gc

import pytest

from canhgiac.detect.blocklist import KINDS, ListHit, ListIndex

ENTRIES = {
    "domain": ["evil.com", "lua-dao.vn", "xn--vitcombank-m7a.com"],
    "url": ["http://bit.ly/abc"],
    "phone": ["0912345678"],
    "bank_account": ["0071000912345"],
    "email": ["scam@evil.net"],
}
QUERIES = {
    "domain": ["evil.com", "a.b.evil.com", "EVIL.COM", "notevil.com", "com", "", "lua-dao.vn",
               "x.lua-dao.vn", "evil.com.", "xn--vitcombank-m7a.com", "evil", "a..evil.com"],
    "url": ["http://bit.ly/abc", "http://bit.ly/xyz", "https://a.evil.com/login", "nothing"],
    "phone": ["+84912345678", "+84912345679", ""],
    "bank_account": ["0071000912345", "123"],
    "email": ["scam@evil.net", "other@evil.com", "a@b.c"],
}  # fmt: skip


@pytest.fixture
def block() -> ListIndex:
    index = ListIndex("block")
    for kind, values in ENTRIES.items():
        index.add_many(kind, values, f"feed-{kind}")
    index.add("domain", "second.org", "other-feed")
    return index


@pytest.mark.parametrize("kind", KINDS)
def test_lookup_many_equals_lookup(block: ListIndex, kind: str) -> None:
    values = QUERIES[kind] + ["second.org", "www.second.org"]
    expected = [block.lookup(kind, v) for v in values]
    assert block.lookup_many(kind, values) == expected
    assert any(hit is not None for hit in expected)
    assert any(hit is None for hit in expected)


def test_hits_carry_the_matched_entry_and_its_source(block: ListIndex) -> None:
    first, second, third = block.lookup_many("domain", ["a.evil.com", "B.EVIL.COM", "second.org"])
    assert first == second == ListHit("block", "domain", "evil.com", "feed-domain")
    assert third == ListHit("block", "domain", "second.org", "other-feed")


def test_adding_entries_is_seen_by_later_look_ups(block: ListIndex) -> None:
    assert block.lookup_many("domain", ["x.new.top"]) == [None]
    block.add("domain", "new.top", "late-feed")
    assert block.lookup_many("domain", ["x.new.top"]) == [
        ListHit("block", "domain", "new.top", "late-feed")
    ]


def test_empty_input_and_unknown_kind(block: ListIndex) -> None:
    assert block.lookup_many("domain", []) == []
    assert block.lookup_many("nonsense", ["evil.com"]) == [None]


def test_garbage_collector_state_is_restored(block: ListIndex) -> None:
    assert gc.isenabled()
    block.lookup_many("domain", ["a.evil.com", "x.y"])
    assert gc.isenabled()
    gc.disable()
    try:
        block.lookup_many("domain", ["a.evil.com"])
        assert not gc.isenabled()
    finally:
        gc.enable()
