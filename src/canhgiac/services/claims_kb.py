"""Known false claims (the fact-check knowledge base) and matching new items against them.

One `ClaimMatcher` per database is kept for the process and rebuilt when the claims change:
edits made through this module drop it at once; edits made by another process are seen within
`RECHECK_S` seconds (the count, largest id and last update of the claims are compared then —
checking on every call would cost a table scan per query on a large knowledge base).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import CaseEvent, CaseItem, Claim, Item, User, Warning
from canhgiac.detect.claims import ClaimMatch, ClaimMatcher, load_seed_claims
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.exports.claimreview import VERDICT_RATINGS
from canhgiac.i18n import N_
from canhgiac.services import audit
from canhgiac.services.permissions import require
from canhgiac.text.normalize import fold

__all__ = [
    "MATCH_THRESHOLD",
    "create_claim",
    "get_claim",
    "invalidate_matcher",
    "list_claims",
    "match_item",
    "match_recent",
    "match_text",
    "matcher_for",
    "seed_claims",
    "update_claim",
]

MATCH_THRESHOLD = 0.5
ALREADY_WARNED = N_("đã có cảnh báo")
KNOWN_FALSE = N_("trùng với tin sai sự thật đã được xác minh")
MAX_TEXT = 10_000
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


RECHECK_S = 10.0


@dataclass
class _Cached:
    fingerprint: tuple[Any, ...]
    matcher: ClaimMatcher
    checked_at: float


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def _db_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _fingerprint(session: Session) -> tuple[Any, ...]:
    row = session.execute(
        select(func.count(Claim.id), func.max(Claim.id), func.max(Claim.updated_at)).where(
            Claim.active.is_(True)
        )
    ).one()
    return (int(row[0]), row[1], row[2].isoformat() if row[2] else None)


def invalidate_matcher(session: Session | None = None) -> None:
    """Forget the cached matcher (of one database, or all)."""
    with _lock:
        if session is None:
            _cache.clear()
        else:
            _cache.pop(_db_key(session), None)


def matcher_for(session: Session) -> ClaimMatcher:
    """The process-wide matcher of this database's active claims, rebuilt when they change."""
    key = _db_key(session)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached.checked_at < RECHECK_S:
            return cached.matcher
    fingerprint = _fingerprint(session)
    if cached is not None and cached.fingerprint == fingerprint:
        cached.checked_at = time.monotonic()
        return cached.matcher
    matcher = ClaimMatcher(threshold=MATCH_THRESHOLD)
    rows = session.execute(
        select(Claim.code, Claim.text, Claim.paraphrases).where(Claim.active.is_(True))
    )
    matcher.add_many((code, t) for code, text, paras in rows for t in (text, *(paras or [])))
    with _lock:
        _cache[key] = _Cached(fingerprint, matcher, time.monotonic())
    return matcher


def _slug_code(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold(text).replace("đ", "d"))
    return "-".join(words[:8])[:56] or "claim"


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "text" in fields:
        text = str(fields["text"] or "").strip()
        if not text:
            raise ValidationFailed(N_("Nội dung tin sai không được để trống."), field="text")
        if len(text) > MAX_TEXT:
            raise ValidationFailed(N_("Nội dung quá dài."), field="text")
        out["text"] = text
    if "paraphrases" in fields:
        raw = fields["paraphrases"] or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        out["paraphrases"] = [p.strip()[:MAX_TEXT] for p in raw if p and p.strip()][:50]
    if "rating" in fields:
        if fields["rating"] not in VERDICT_RATINGS:
            raise ValidationFailed(f"Kết luận không hợp lệ: {fields['rating']}.", field="rating")
        out["rating"] = fields["rating"]
    for name in ("correction", "source_ref", "source_type", "topic"):
        if name in fields:
            out[name] = str(fields[name] or "").strip()[: 32 if name == "topic" else MAX_TEXT]
    if "active" in fields:
        out["active"] = bool(fields["active"])
    return out


def seed_claims(session: Session) -> int:
    """Insert the shipped claims that are missing (edited ones are left alone); return how many."""
    existing = set(session.scalars(select(Claim.code)))
    added = 0
    for seed in load_seed_claims():
        if seed.id in existing:
            continue
        claim = Claim(
            code=seed.id,
            text=seed.text,
            paraphrases=list(seed.paraphrases),
            rating=seed.verdict,
            correction=seed.correction,
            source_ref=seed.source_reference,
            source_type=seed.source_type,
            topic=seed.topic,
        )
        session.add(claim)
        session.flush()
        audit.record(session, None, "claim.seed", "claim", claim.id, {"code": seed.id})
        added += 1
    if added:
        invalidate_matcher(session)
    return added


def list_claims(session: Session, *, active_only: bool = True) -> list[Claim]:
    """Claims by code."""
    query = select(Claim)
    if active_only:
        query = query.where(Claim.active.is_(True))
    return list(session.scalars(query.order_by(Claim.code)))


def get_claim(session: Session, code_or_id: str | int) -> Claim:
    """The claim with this code (or numeric id), or NotFound."""
    if isinstance(code_or_id, int) or str(code_or_id).isdigit():
        claim = session.get(Claim, int(code_or_id))
    else:
        claim = session.scalar(select(Claim).where(Claim.code == str(code_or_id)))
    if claim is None:
        raise NotFound(f"Không tìm thấy tin sai '{code_or_id}'.", field="claim")
    return claim


def create_claim(
    session: Session,
    actor: User | None,
    *,
    text: str,
    correction: str,
    rating: str = "false",
    paraphrases: list[str] | str | None = None,
    source_ref: str = "",
    source_type: str = "",
    topic: str = "",
    code: str | None = None,
) -> Claim:
    """Add a verified false claim with its official correction."""
    if actor is not None:
        require(actor, "claim.manage")
    fields = _clean(
        {"text": text, "correction": correction, "rating": rating, "paraphrases": paraphrases,
         "source_ref": source_ref, "source_type": source_type, "topic": topic}
    )  # fmt: skip
    if not fields["correction"]:
        raise ValidationFailed(N_("Cần nêu thông tin đính chính."), field="correction")
    explicit = bool(code)
    code = (code or _slug_code(fields["text"])).strip().lower()
    if not _CODE_RE.match(code):
        raise ValidationFailed(N_("Mã tin sai chỉ gồm chữ thường, số và '-'."), field="code")
    taken = session.scalar(select(Claim.id).where(Claim.code == code)) is not None
    if taken and explicit:
        raise Conflict(f"Đã có tin sai mã '{code}'.", field="code")
    base, n = code, 2
    while taken:
        code, n = f"{base[:58]}-{n}", n + 1
        taken = session.scalar(select(Claim.id).where(Claim.code == code)) is not None
    claim = Claim(code=code, **fields)
    session.add(claim)
    session.flush()
    audit.record(session, actor, "claim.create", "claim", claim.id, {"code": code})
    invalidate_matcher(session)
    return claim


def update_claim(session: Session, actor: User | None, claim: Claim, **fields: Any) -> Claim:
    """Change a claim's text, paraphrases, rating, correction, sources or activity."""
    if actor is not None:
        require(actor, "claim.manage")
    changes = _clean(fields)
    if "code" in fields:
        raise Conflict(N_("Không đổi được mã của tin sai."), field="code")
    for key, value in changes.items():
        setattr(claim, key, value)
    session.flush()
    audit.record(session, actor, "claim.update", "claim", claim.id, {"fields": sorted(changes)})
    invalidate_matcher(session)
    return claim


def match_text(session: Session, text: str, *, limit: int = 3) -> list[ClaimMatch]:
    """Known claims that `text` repeats, best first (empty when none reaches the threshold)."""
    if not text.strip():
        return []
    return matcher_for(session).match(text[:MAX_TEXT], limit=limit)


def fact_check_for(session: Session, claim_id: int) -> Warning | None:
    """The latest published fact-check (or warning) answering a claim."""
    return session.scalar(
        select(Warning)
        .where(Warning.claim_id == claim_id, Warning.state == "published")
        .order_by(Warning.published_at.desc(), Warning.id.desc())
        .limit(1)
    )


def match_item(
    session: Session, item: Item, *, actor: User | str | None = "system"
) -> dict[str, Any] | None:
    """Link an item to the known claim it repeats and its published fact-check, if any.

    The link is written into ``item.verdict`` (key ``claim_match`` and one reason of kind
    ``claim``) and onto the timeline of each case the item belongs to; returns the link.
    """
    text = "\n".join(t for t in (item.title, item.content) if t)
    matches = match_text(session, text, limit=1)
    if not matches:
        return None
    best = matches[0]
    claim = session.scalar(select(Claim).where(Claim.code == best.claim_id))
    if claim is None:
        return None
    warning = fact_check_for(session, claim.id)
    link = {
        "claim": claim.code,
        "claim_id": claim.id,
        "similarity": round(best.similarity, 4),
        "warning": warning.slug if warning else None,
        "label": ALREADY_WARNED if warning else KNOWN_FALSE,
    }
    verdict = dict(item.verdict or {})
    if verdict.get("claim_match") == link:
        return link  # already linked: re-running (a periodic sweep) writes nothing
    reasons = [
        r
        for r in verdict.get("reasons", [])
        if not (isinstance(r, dict) and r.get("kind") == "claim")
    ]
    message = f"Trùng tin sai đã xác minh ({claim.code}), {link['label']}"
    reasons.append(
        {"kind": "claim", "code": f"claim:{claim.code}", "message": message, "weight": 0.0,
         "spans": []}
    )  # fmt: skip
    verdict["reasons"] = reasons
    verdict["claim_match"] = link
    item.verdict = verdict  # a new dict, so the JSON column is seen as changed
    case_ids = session.scalars(select(CaseItem.case_id).where(CaseItem.item_id == item.id)).all()
    for case_id in case_ids:
        session.add(
            CaseEvent(
                case_id=case_id,
                actor_id=actor.id if isinstance(actor, User) else None,
                kind="claim_match",
                body=message + (f": /canh-bao/{warning.slug}" if warning else "."),
                data=link,
            )
        )
    audit.record(session, actor, "claim.match", "item", item.id, link)
    return link


def match_recent(session: Session, *, since: datetime, limit: int = 5000) -> int:
    """Match every item scanned since `since`; returns how many got a (new) link."""
    items = session.scalars(
        select(Item)
        .where(Item.scan_state == "done", Item.scanned_at >= since)
        .order_by(Item.scanned_at)
        .limit(limit)
    )
    linked = 0
    for item in items:
        previous = (item.verdict or {}).get("claim_match")
        link = match_item(session, item)
        if link is not None and link != previous:
            linked += 1
    return linked
