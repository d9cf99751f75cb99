"""ClaimReview JSON-LD and the Atom feed of published warnings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import feedparser
import pytest

from canhgiac.exports.atom import ATOM_NS, AtomEntry, atom_feed
from canhgiac.exports.claimreview import claim_review_jsonld


def test_claim_review_follows_schema_org() -> None:
    doc = claim_review_jsonld(
        claim="Thẻ căn cước công dân gắn chip sẽ bị thu hồi",
        verdict="false",
        url="https://canhgiac.baolac.example/dinh-chinh/7",
        author_name="UBND huyện Bảo Lạc",
        author_url="https://baolac.example",
        date_published=date(2026, 11, 27),
        review_body="Thẻ căn cước công dân vẫn có giá trị đến hết thời hạn ghi trên thẻ.",
        appearances=["https://social.example/post/1"],
        first_appearance="https://social.example/post/0",
    )
    json.dumps(doc)
    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "ClaimReview"
    assert doc["inLanguage"] == "vi"
    assert doc["datePublished"] == "2026-11-27"
    assert doc["author"] == {
        "@type": "Organization",
        "name": "UBND huyện Bảo Lạc",
        "url": "https://baolac.example",
    }
    assert doc["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Sai sự thật",
    }
    item = doc["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["appearance"] == [{"@type": "CreativeWork", "url": "https://social.example/post/1"}]
    assert item["firstAppearance"]["url"] == "https://social.example/post/0"


def test_claim_review_optional_parts_and_bad_input() -> None:
    doc = claim_review_jsonld(
        claim="c",
        verdict="misleading",
        url="u",
        author_name="a",
        date_published=datetime(2026, 11, 27, 8, tzinfo=UTC),
    )
    assert doc["reviewRating"]["alternateName"] == "Gây hiểu nhầm"
    assert doc["itemReviewed"] == {"@type": "Claim"}
    assert "reviewBody" not in doc
    with pytest.raises(ValueError):
        claim_review_jsonld(
            claim="c", verdict="fake", url="u", author_name="a", date_published=date.today()
        )
    with pytest.raises(ValueError):
        claim_review_jsonld(
            claim="c",
            verdict="false",
            url="u",
            author_name="a",
            date_published=datetime(2026, 1, 1),
        )


HOSTILE = '<script>alert("x")</script> & ]]> \x00\x07 Lừa đảo'


def _feed() -> str:
    entries = [
        AtomEntry(
            id="tag:canhgiac.example,2026:warning/1",
            title="Cảnh báo: giả danh công an gọi điện",
            link="https://canhgiac.example/canh-bao/1",
            updated=datetime(2026, 11, 20, tzinfo=UTC),
            summary="Không chuyển tiền vào tài khoản lạ.",
            categories=("scam",),
        ),
        AtomEntry(
            id="tag:canhgiac.example,2026:fact-check/2",
            title=HOSTILE,
            link="https://canhgiac.example/dinh-chinh/2?a=1&b=2",
            updated=datetime(2026, 11, 25, tzinfo=UTC),
            published=datetime(2026, 11, 24, tzinfo=UTC),
            summary=HOSTILE,
            author="Phòng Văn hóa và Thông tin",
        ),
    ]
    return atom_feed(
        entries,
        feed_id="tag:canhgiac.example,2026:feed",
        title="Cảnh báo và đính chính — huyện Bảo Lạc",
        link="https://canhgiac.example/",
        updated=datetime(2026, 11, 25, tzinfo=UTC),
        self_link="https://canhgiac.example/feed.atom",
    )


def test_atom_feed_parses_with_feedparser() -> None:
    parsed = feedparser.parse(_feed())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Cảnh báo và đính chính — huyện Bảo Lạc"
    assert [e.id for e in parsed.entries] == [
        "tag:canhgiac.example,2026:fact-check/2",
        "tag:canhgiac.example,2026:warning/1",
    ]
    assert parsed.entries[0].link == "https://canhgiac.example/dinh-chinh/2?a=1&b=2"
    assert parsed.entries[1].summary == "Không chuyển tiền vào tài khoản lạ."


def test_atom_feed_escapes_hostile_text() -> None:
    xml = _feed()
    assert "<script>" not in xml
    root = ET.fromstring(xml.encode("utf-8"))
    titles = [t.text for t in root.iter(f"{{{ATOM_NS}}}title")]
    assert '<script>alert("x")</script> & ]]>  Lừa đảo' in titles
    assert xml == _feed()
