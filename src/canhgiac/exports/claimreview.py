"""schema.org ClaimReview JSON-LD for a published fact-check (đính chính), in Vietnamese."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

__all__ = ["VERDICT_RATINGS", "claim_review_jsonld"]

# verdict -> (ratingValue on a 1..5 scale where 5 is true, Vietnamese label)
VERDICT_RATINGS: dict[str, tuple[int, str]] = {
    "false": (1, "Sai sự thật"),
    "misleading": (2, "Gây hiểu nhầm"),
    "unproven": (3, "Chưa được kiểm chứng"),
    "true": (5, "Đúng sự thật"),
}


def _date(value: date | datetime) -> str:
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.isoformat()


def _creative_work(url: str) -> dict[str, Any]:
    return {"@type": "CreativeWork", "url": url}


def claim_review_jsonld(
    *,
    claim: str,
    verdict: str,
    url: str,
    author_name: str,
    date_published: date | datetime,
    review_body: str = "",
    author_url: str | None = None,
    headline: str | None = None,
    appearances: Sequence[str] = (),
    first_appearance: str | None = None,
    claim_date: date | datetime | None = None,
) -> dict[str, Any]:
    """ClaimReview for ``claim`` with ``verdict`` ("false", "misleading", "unproven", "true").

    ``url`` is the page of our fact-check; ``appearances`` are where the claim was seen (they are
    not rendered as links by us, only described for search engines and fact-check aggregators).
    """
    if verdict not in VERDICT_RATINGS:
        raise ValueError(f"unknown verdict {verdict!r}; expected one of {sorted(VERDICT_RATINGS)}")
    rating_value, label = VERDICT_RATINGS[verdict]
    author: dict[str, Any] = {"@type": "Organization", "name": author_name}
    if author_url:
        author["url"] = author_url
    item: dict[str, Any] = {"@type": "Claim"}
    if claim_date is not None:
        item["datePublished"] = _date(claim_date)
    if appearances:
        item["appearance"] = [_creative_work(u) for u in appearances]
    if first_appearance:
        item["firstAppearance"] = _creative_work(first_appearance)
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "inLanguage": "vi",
        "url": url,
        "claimReviewed": claim,
        "datePublished": _date(date_published),
        "author": author,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating_value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": label,
        },
        "itemReviewed": item,
    }
    if headline:
        doc["headline"] = headline
    if review_body:
        doc["reviewBody"] = review_body
    return doc
