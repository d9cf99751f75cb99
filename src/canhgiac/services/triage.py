"""Triage: a scanned item opens a case, joins an open one, or waits in the review queue.

The worker calls `triage_item(session, item)` right after storing a verdict on an item. Items whose
score passes the threshold of their label open a case or join an open case that shares an
indicator, the near-duplicate cluster or the matched false claim; the rest wait for a person in
the review queue (items with a verdict, no case and no dismissal).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, CaseItem, Item, ItemIndicator, Report, User
from canhgiac.db.models.cases import SEVERITIES, ReviewDecision
from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit, case_search, cases, permissions
from canhgiac.settings import Settings, get_settings

DEFAULT_THRESHOLDS = {"scam": 0.6, "spam": 0.7}
FRAUD_CATEGORIES = frozenset({"scam", "phishing", "hacked_account", "malware", "data_leak"})
CATEGORY_TITLES = {
    "scam": N_("Lừa đảo"),
    "phishing": N_("Trang giả mạo, đánh cắp thông tin"),
    "spam": N_("Tin nhắn, cuộc gọi rác"),
    "false_info": N_("Thông tin sai sự thật"),
    "hacked_account": N_("Tài khoản bị chiếm đoạt"),
    "data_leak": N_("Lộ lọt dữ liệu cá nhân"),
    "malware": N_("Mã độc"),
    "other": N_("Khác"),
}
TITLE_SNIPPET = 90
# Indicators specific enough to say two messages are one matter; short codes and hotlines are
# quoted by legitimate and fraudulent messages alike, so they do not join cases.
JOIN_KINDS = ("url", "domain", "phone", "bank_account", "email")


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above which a verdict of a label opens a case."""

    scam: float = DEFAULT_THRESHOLDS["scam"]
    spam: float = DEFAULT_THRESHOLDS["spam"]

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Thresholds:
        """Read `triage_scam_threshold` / `triage_spam_threshold` when the settings define them."""
        settings = settings or get_settings()
        return cls(
            scam=float(getattr(settings, "triage_scam_threshold", DEFAULT_THRESHOLDS["scam"])),
            spam=float(getattr(settings, "triage_spam_threshold", DEFAULT_THRESHOLDS["spam"])),
        )

    def passes(self, label: str | None, score: float | None) -> bool:
        """Whether a verdict is strong enough to open a case without a person looking first."""
        limit = {"scam": self.scam, "spam": self.spam}.get(label or "")
        return limit is not None and score is not None and score >= limit


def severity_for(score: float, category: str, report_count: int) -> str:
    """low/medium/high/critical from the score, the kind of harm and how many people reported it."""
    level = 0 if score < 0.75 else 1 if score < 0.9 else 2
    if category in FRAUD_CATEGORIES:
        level = max(level, 1)
    if report_count >= 3:
        level += 1
    if report_count >= 10:
        level += 1
    return SEVERITIES[min(level, len(SEVERITIES) - 1)]


def _reports(session: Session, item: Item) -> list[Report]:
    return list(
        session.scalars(select(Report).where(Report.item_id == item.id).order_by(Report.id))
    )


def category_for(item: Item, reports: list[Report]) -> str:
    """The reports' category when people gave one, else the verdict's, else by label."""
    given = Counter(
        r.category for r in reports if r.category in REPORT_CATEGORIES and r.category != "other"
    )
    if given:
        return given.most_common(1)[0][0]
    if item.category in REPORT_CATEGORIES and item.category != "other":
        return str(item.category)
    verdict: dict[str, Any] = item.verdict or {}
    for category in verdict.get("categories") or ():
        if category in REPORT_CATEGORIES:
            return str(category)
    return {"scam": "scam", "spam": "spam"}.get(item.verdict_label or "", "other")


def _claim_codes(item: Item) -> set[str]:
    verdict: dict[str, Any] = item.verdict or {}
    return {str(r.get("code")) for r in verdict.get("reasons") or () if r.get("kind") == "claim"}


def _open(query: Any) -> Any:
    return query.where(Case.state.in_(cases.OPEN_STATES), Case.merged_into_id.is_(None))


def find_open_case(session: Session, item: Item) -> tuple[Case | None, str]:
    """An open case this item belongs to, and why (indicator, cluster or claim)."""
    mine = (
        select(ItemIndicator.kind, ItemIndicator.value)
        .where(ItemIndicator.item_id == item.id, ItemIndicator.kind.in_(JOIN_KINDS))
        .subquery()
    )
    other = ItemIndicator.__table__.alias("other")
    by_indicator = _open(
        select(Case)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(other, other.c.item_id == CaseItem.item_id)
        .join(mine, (mine.c.kind == other.c.kind) & (mine.c.value == other.c.value))
        .order_by(Case.id)
        .limit(1)
    )
    case = session.scalars(by_indicator).first()
    if case is not None:
        return case, "indicator"
    cluster = item.cluster_id or item.id
    by_cluster = _open(
        select(Case)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(Item, Item.id == CaseItem.item_id)
        .where(or_(Item.cluster_id == cluster, Item.id == cluster))
        .order_by(Case.id)
        .limit(1)
    )
    case = session.scalars(by_cluster).first()
    if case is not None:
        return case, "cluster"
    claims = _claim_codes(item)
    if claims:
        rows = session.execute(
            _open(
                select(Case, Item)
                .join(CaseItem, CaseItem.case_id == Case.id)
                .join(Item, Item.id == CaseItem.item_id)
                .where(Case.category == "false_info")
                .order_by(Case.id)
                .limit(500)
            )
        )
        for case, other_item in rows:
            if claims & _claim_codes(other_item):
                return case, "claim"
    return None, ""


def _title(item: Item, category: str) -> str:
    snippet = " ".join((item.title or item.content).split())
    if len(snippet) > TITLE_SNIPPET:
        snippet = snippet[: TITLE_SNIPPET - 1] + "…"
    return f"{CATEGORY_TITLES.get(category, category)}: {snippet}"


def _commune(item: Item, reports: list[Report]) -> int | None:
    if item.commune_unit_id:
        return item.commune_unit_id
    communes = Counter(r.commune_unit_id for r in reports if r.commune_unit_id)
    return communes.most_common(1)[0][0] if communes else None


def linked_case(session: Session, item: Item) -> Case | None:
    """The open (or any) case the item is already linked to."""
    query = (
        select(Case).join(CaseItem, CaseItem.case_id == Case.id).where(CaseItem.item_id == item.id)
    )
    return session.scalars(
        query.order_by(Case.merged_into_id.is_not(None), Case.id.desc()).limit(1)
    ).first()


def open_or_join(
    session: Session,
    actor: User | str | None,
    item: Item,
    *,
    category: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Join the open case the item belongs to, or open a new one routed by the matrix."""
    reports = _reports(session, item)
    category = category or category_for(item, reports)
    score = float(item.verdict_score or 0.0)
    report_count = max(item.report_count or 0, len(reports))
    severity = severity_for(score, category, report_count)
    case, why = find_open_case(session, item)
    if case is not None:
        cases.link_item(session, actor, case, item, reason=f"same {why}")
        if SEVERITIES.index(severity) > SEVERITIES.index(case.severity):
            case.severity = severity
        case.score = max(case.score, score)
        case_search.index_case(session, case)
        return case
    return cases.create_case(
        session,
        actor,
        title=_title(item, category),
        category=category,
        severity=severity,
        score=score,
        commune_unit_id=_commune(item, reports),
        items=[item],
        reason="triage",
        now=now,
    )


def triage_item(
    session: Session,
    item: Item,
    *,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> Case | None:
    """Decide what becomes of a scanned item; the case it is in, or None (review queue)."""
    if item.verdict_label is None:
        return None
    existing = linked_case(session, item)
    if existing is not None:
        return existing
    case_search.index_item(session, item)
    thresholds = thresholds or Thresholds.from_settings()
    if not thresholds.passes(item.verdict_label, item.verdict_score):
        return None
    if session.scalar(select(ReviewDecision.id).where(ReviewDecision.item_id == item.id)):
        return None
    return open_or_join(session, "system", item, now=now)


# --- the review queue ---------------------------------------------------------------------------


def review_queue_query(include_ok: bool = False) -> Any:
    """Items with a verdict, no case and no dismissal; flagged or reported by someone."""
    has_case = exists().where(CaseItem.item_id == Item.id)
    dismissed = exists().where(ReviewDecision.item_id == Item.id)
    reported = exists().where(Report.item_id == Item.id)
    query = select(Item).where(Item.verdict_label.is_not(None), ~has_case, ~dismissed)
    if not include_ok:
        query = query.where(or_(Item.verdict_label.in_(("scam", "spam")), reported))
    return query.order_by(Item.verdict_score.desc(), Item.id.desc())


def review_queue(
    session: Session, user: User, *, limit: int = 100, offset: int = 0
) -> tuple[list[Item], int]:
    """One page of the review queue (the part the user may see) and its size."""
    query = permissions.scoped_items(review_queue_query(), user)
    total = int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    return list(session.scalars(query.limit(limit).offset(offset))), total


def _review_item(session: Session, actor: User, item_id: int) -> Item:
    permissions.require(actor, "item.view")
    item = session.get(Item, item_id)
    if item is None or not permissions.can_view_item(actor, item):
        # Same answer as a missing item: do not reveal another commune's reports.
        raise NotFound(f"Không tìm thấy nội dung #{item_id}.")
    if linked_case(session, item) is not None:
        raise Conflict(f"Nội dung #{item_id} đã thuộc một vụ việc.")
    return item


def open_case_from_review(
    session: Session, actor: User, item_id: int, *, category: str | None = None
) -> Case:
    """A person opens a case for an item below the threshold (or joins the case it belongs to)."""
    permissions.require(actor, "case.create")
    item = _review_item(session, actor, item_id)
    if category is not None and category not in REPORT_CATEGORIES:
        raise ValidationFailed(f"Loại vụ việc không hợp lệ: {category}.", field="category")
    return open_or_join(session, actor, item, category=category)


def dismiss(session: Session, actor: User, item_id: int, *, reason: str = "") -> ReviewDecision:
    """Take an item out of the review queue without a case."""
    permissions.require(actor, "case.create")
    item = _review_item(session, actor, item_id)
    decision = ReviewDecision(
        item_id=item.id,
        decision="dismissed",
        reason=reason.strip()[:2000],
        decided_by_id=actor.id,
        decided_at=utcnow(),
    )
    session.add(decision)
    session.flush()
    audit.record(session, actor, "review.dismiss", "item", item.id, {"reason": decision.reason})
    return decision


def merge_into_case(session: Session, actor: User, item_id: int, case_ref: str) -> Case:
    """Link a queued item to an existing case."""
    item = _review_item(session, actor, item_id)
    case = cases.get_case(session, actor, case_ref)
    permissions.require(actor, "case.edit", case)
    cases.link_item(session, actor, case, item, reason="review queue")
    case_search.index_case(session, case)
    return case
