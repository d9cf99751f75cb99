"""The case workflow: open, transition, assign, comment, link items, merge, attach evidence.

Every change writes a `CaseEvent` (the timeline) and an audit entry in the caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import (
    Case,
    CaseEvent,
    CaseItem,
    Evidence,
    Item,
    ItemIndicator,
    Report,
    Unit,
    User,
)
from canhgiac.db.models.cases import CASE_STATES, SEVERITIES
from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit, case_search, notifications, permissions, routing, units

OPEN_STATES = ("new", "triaged", "verifying", "acting", "awaiting_response")
CLOSED_STATES = ("resolved", "rejected")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triaged", "verifying", "rejected"}),
    "triaged": frozenset({"verifying", "acting", "rejected"}),
    "verifying": frozenset({"acting", "awaiting_response", "resolved", "rejected"}),
    "acting": frozenset({"awaiting_response", "resolved", "rejected"}),
    "awaiting_response": frozenset({"acting", "resolved", "rejected"}),
    "resolved": frozenset({"archived", "verifying"}),
    "rejected": frozenset({"archived", "verifying"}),
    "archived": frozenset(),
}
OUTCOME_CODES = ("blocked", "removed", "warned", "referred", "no_violation", "duplicate")
# What the citizen's tracking page says when the unit wrote no public text of its own.
DEFAULT_PUBLIC_OUTCOMES: dict[str, str] = {
    "blocked": N_("Nội dung/tài khoản đã bị chặn theo đề nghị của cơ quan chức năng."),
    "removed": N_("Nội dung đã được gỡ bỏ."),
    "warned": N_("Đã phát cảnh báo tới người dân."),
    "referred": N_("Đã chuyển cơ quan có thẩm quyền xử lý."),
    "no_violation": N_("Đã xác minh, chưa phát hiện vi phạm."),
    "duplicate": N_("Trùng với một vụ việc đã được xử lý."),
}
# Report.public_state values shown on the tracking page.
PUBLIC_RECEIVED, PUBLIC_IN_REVIEW, PUBLIC_RESOLVED, PUBLIC_CLOSED = (
    "received",
    "in_review",
    "resolved",
    "closed",
)
MAX_TITLE = 300
MAX_TEXT = 10_000
_MENTION_RE = re.compile(r"@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")


# --- reading ------------------------------------------------------------------------------------


def sees_all(user: User) -> bool:
    """Whether the user sees every unit's cases."""
    return user.role in permissions.DISTRICT_WIDE_ROLES or permissions.can(user, "case.view_all")


# Outside the district-wide roles a user sees the cases of their own unit and, read-only, the cases
# they opened themselves: a commune officer who opens a case from the review queue can follow it
# after routing hands it to the police or the culture office. Changing it still needs the owner
# unit (`permissions.can` with the case), so the routed unit stays the one responsible.


def scoped(query: Select[Any], user: User) -> Select[Any]:
    """Narrow a case query to what the user may see."""
    permissions.require(user, "case.view")
    if sees_all(user):
        return query
    return query.where(or_(Case.owner_unit_id == user.unit_id, Case.created_by_id == user.id))


def can_view(user: User | None, case: Case) -> bool:
    """Whether the user may see this case: district-wide, their unit's, or one they opened."""
    if user is None or not permissions.can(user, "case.view"):
        return False
    return (
        sees_all(user)
        or case.owner_unit_id == user.unit_id
        or (case.created_by_id is not None and case.created_by_id == user.id)
    )


def get_case(session: Session, user: User | None, ref_or_id: str | int) -> Case:
    """A case the user may see, by reference ("VV-2026-000123") or id."""
    if isinstance(ref_or_id, int) or (str(ref_or_id).isascii() and str(ref_or_id).isdigit()):
        case = session.get(Case, int(ref_or_id))
    else:
        case = session.scalar(select(Case).where(Case.ref == str(ref_or_id).strip().upper()))
    if case is None:
        raise NotFound(f"Không tìm thấy vụ việc '{ref_or_id}'.")
    if user is not None and not can_view(user, case):
        # Same answer as a missing case: do not reveal that another unit's case exists.
        permissions.require(user, "case.view")
        raise NotFound(f"Không tìm thấy vụ việc '{ref_or_id}'.")
    return case


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    """Open and past its deadline."""
    now = now or utcnow()
    return case.state in OPEN_STATES and case.deadline_at is not None and case.deadline_at < now


def timeline(session: Session, case: Case) -> list[CaseEvent]:
    """The case's events, oldest first."""
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def case_items(session: Session, case: Case) -> list[Item]:
    """Items linked to the case."""
    query = (
        select(Item)
        .join(CaseItem, CaseItem.item_id == Item.id)
        .where(CaseItem.case_id == case.id)
        .order_by(Item.id)
    )
    return list(session.scalars(query))


def case_reports(session: Session, case: Case) -> list[Report]:
    """Citizens' and agencies' reports about the case's items."""
    query = (
        select(Report)
        .join(CaseItem, CaseItem.item_id == Report.item_id)
        .where(CaseItem.case_id == case.id)
        .order_by(Report.id)
    )
    return list(session.scalars(query))


def case_indicators(session: Session, case: Case) -> list[tuple[str, str]]:
    """Distinct (kind, value) indicators of the case's items."""
    query = (
        select(ItemIndicator.kind, ItemIndicator.value)
        .join(CaseItem, CaseItem.item_id == ItemIndicator.item_id)
        .where(CaseItem.case_id == case.id)
        .distinct()
        .order_by(ItemIndicator.kind, ItemIndicator.value)
    )
    return [(row.kind, row.value) for row in session.execute(query)]


def case_evidence(session: Session, case: Case) -> list[Evidence]:
    """Evidence attached to the case or to its items."""
    item_ids = select(CaseItem.item_id).where(CaseItem.case_id == case.id)
    query = select(Evidence).where((Evidence.case_id == case.id) | Evidence.item_id.in_(item_ids))
    return list(session.scalars(query.order_by(Evidence.id)))


def related_cases(session: Session, user: User, case: Case, limit: int = 20) -> list[Case]:
    """Other cases the user may see that share an indicator with this one."""
    mine = (
        select(ItemIndicator.kind, ItemIndicator.value)
        .join(CaseItem, CaseItem.item_id == ItemIndicator.item_id)
        .where(CaseItem.case_id == case.id)
        .distinct()
        .subquery()
    )
    other = ItemIndicator.__table__.alias("other")
    query = (
        select(Case)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(other, other.c.item_id == CaseItem.item_id)
        .join(mine, (mine.c.kind == other.c.kind) & (mine.c.value == other.c.value))
        .where(Case.id != case.id)
        .distinct()
        .order_by(Case.id.desc())
        .limit(limit)
    )
    return list(session.scalars(scoped(query, user)))


# --- creating -----------------------------------------------------------------------------------


def next_ref(session: Session, now: datetime | None = None) -> str:
    """The next free case reference of the year, like VV-2026-000123."""
    year = (now or utcnow()).year
    prefix = f"VV-{year}-"
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent workers would otherwise read the same maximum and collide on the unique ref;
        # the lock lasts until this transaction ends. (SQLite already has a single writer.)
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('canhgiac.case_ref'))"))
    last = session.scalar(select(func.max(Case.ref)).where(Case.ref.like(f"{prefix}%")))
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:06d}"


def _event(
    session: Session,
    case: Case,
    actor: User | str | None,
    kind: str,
    *,
    body: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if isinstance(actor, User) else None,
        kind=kind,
        body=body,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
    session.add(event)
    session.flush()
    audit.record(
        session, actor, f"case.{kind}", "case", case.id,
        {"ref": case.ref, "from": from_state, "to": to_state, **(data or {})},
    )  # fmt: skip
    return event


def _check_choice(value: str, choices: Iterable[str], field: str, label: str) -> str:
    if value not in choices:
        raise ValidationFailed(f"{label} không hợp lệ: {value}.", field=field)
    return value


def _clean_text(value: str | None, field: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationFailed(f"Nội dung quá dài (tối đa {limit} ký tự).", field=field)
    return text


def _insert_with_fresh_ref(session: Session, case: Case, now: datetime, tries: int = 5) -> None:
    """Insert the case; if a concurrent writer took the reference, take the next one."""
    for attempt in range(tries):
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            return
        except IntegrityError:
            if attempt == tries - 1:
                raise
            case.ref = next_ref(session, now)


def compute_deadline(session: Session, category: str, severity: str, start: datetime) -> datetime:
    """When a case of this category and severity opened at `start` is due."""
    return start + timedelta(hours=routing.deadline_hours(session, category, severity))


def create_case(
    session: Session,
    actor: User | str | None,
    *,
    title: str,
    category: str,
    severity: str = "medium",
    score: float = 0.0,
    commune_code: str | None = None,
    commune_unit_id: int | None = None,
    owner_unit_code: str | None = None,
    items: Iterable[Item] = (),
    reason: str = "",
    now: datetime | None = None,
) -> Case:
    """Open a case, routed by the matrix unless an owner unit is named; links `items`."""
    if isinstance(actor, User):
        permissions.require(actor, "case.create")
    title = _clean_text(title, "title", MAX_TITLE)
    if not title:
        raise ValidationFailed(N_("Tiêu đề vụ việc không được để trống."), field="title")
    _check_choice(category, REPORT_CATEGORIES, "category", "Loại vụ việc")
    _check_choice(severity, SEVERITIES, "severity", "Mức độ")
    if commune_code:
        commune = units.get_unit(session, commune_code)
        if commune.kind != "commune":
            raise ValidationFailed(f"'{commune_code}' không phải xã, thị trấn.", field="commune")
        commune_unit_id = commune.id
    owner = (
        units.get_unit(session, owner_unit_code)
        if owner_unit_code
        else routing.route(session, category, commune_unit_id)
    )
    now = now or utcnow()
    case = Case(
        ref=next_ref(session, now),
        title=title,
        category=category,
        severity=severity,
        score=float(score),
        state="new",
        owner_unit_id=owner.id,
        commune_unit_id=commune_unit_id,
        deadline_at=compute_deadline(session, category, severity, now),
        created_by_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
        updated_at=now,
    )
    _insert_with_fresh_ref(session, case, now)
    _event(
        session, case, actor, "created",
        to_state="new",
        body=reason,
        data={"owner_unit": owner.code, "category": category, "severity": severity},
    )  # fmt: skip
    for item in items:
        link_item(session, actor, case, item, reason=reason or "opened with the case")
    case_search.index_case(session, case)
    notifications.notify_users(
        session,
        notifications.unit_users(
            session, owner.id, roles=("coordinator", "investigator", "unit_officer")
        ),
        "case.new",
        f"Vụ việc mới {case.ref} giao cho {owner.name}: {case.title}",
        case=case,
    )
    notifications.emit(session, "case.created", case_payload(case))
    return case


def link_item(
    session: Session, actor: User | str | None, case: Case, item: Item, *, reason: str = ""
) -> bool:
    """Link an item (and so its reports) to the case; False when it already was."""
    exists = session.scalar(
        select(CaseItem.id).where(CaseItem.case_id == case.id, CaseItem.item_id == item.id)
    )
    if exists is not None:
        return False
    session.add(CaseItem(case_id=case.id, item_id=item.id, reason=reason[:255]))
    session.flush()
    _event(session, case, actor, "item_linked", body=reason, data={"item_id": item.id})
    for report in session.scalars(select(Report).where(Report.item_id == item.id)):
        if report.public_state == PUBLIC_RECEIVED:
            report.public_state = PUBLIC_IN_REVIEW
    case_search.index_item(session, item)
    return True


def case_payload(case: Case) -> dict[str, Any]:
    """What webhooks receive about a case (no personal data, no internal notes)."""
    return {
        "ref": case.ref,
        "title": case.title,
        "category": case.category,
        "severity": case.severity,
        "state": case.state,
        "owner_unit": case.owner_unit.code if case.owner_unit else None,
        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
        "outcome_code": case.outcome_code,
    }


# --- changing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionInput:
    """What a person gives when moving a case on."""

    to_state: str
    reason: str = ""
    legal_basis: str = ""
    outcome_code: str = ""
    outcome_note: str = ""
    public_outcome: str = ""


def allowed_transitions(case: Case) -> list[str]:
    """States the case may move to next, in workflow order (the usual next step comes first)."""
    return sorted(TRANSITIONS.get(case.state, frozenset()), key=CASE_STATES.index)


def transition(
    session: Session,
    actor: User,
    case: Case,
    to_state: str,
    *,
    reason: str = "",
    legal_basis: str = "",
    outcome_code: str = "",
    outcome_note: str = "",
    public_outcome: str = "",
    now: datetime | None = None,
) -> Case:
    """Move a case to `to_state`, enforcing the workflow, the role, the unit and the rules."""
    permissions.require(actor, "case.transition", case)
    _check_choice(to_state, TRANSITIONS, "to_state", "Trạng thái")
    from_state = case.state
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise Conflict(
            f"Không thể chuyển vụ việc từ '{from_state}' sang '{to_state}'.", field="to_state"
        )
    reason = _clean_text(reason, "reason")
    legal_basis = _clean_text(legal_basis, "legal_basis")
    reopening = from_state in CLOSED_STATES and to_state in OPEN_STATES
    if (to_state == "rejected" or reopening) and not reason:
        raise ValidationFailed(N_("Cần nêu lý do khi từ chối hoặc mở lại vụ việc."), field="reason")
    if to_state == "acting":
        # Enforcement (blocking, take-down, fines) needs a legal basis on record first.
        if legal_basis:
            case.legal_basis = legal_basis
        if not case.legal_basis:
            raise ValidationFailed(
                N_("Cần ghi căn cứ pháp lý trước khi tiến hành biện pháp xử lý."),
                field="legal_basis",
            )
    now = now or utcnow()
    if to_state == "resolved":
        _check_choice(outcome_code, OUTCOME_CODES, "outcome_code", "Mã kết quả")
    if to_state == "rejected":
        outcome_code = outcome_code or "no_violation"
        _check_choice(outcome_code, OUTCOME_CODES, "outcome_code", "Mã kết quả")
    if to_state in CLOSED_STATES:
        case.outcome_code = outcome_code
        case.outcome_note = _clean_text(outcome_note, "outcome_note") or None
        case.public_outcome = _clean_text(public_outcome, "public_outcome") or None
        case.closed_at = now
    if reopening:
        case.closed_at = None
        case.outcome_code = None
    if to_state == "triaged" and case.triaged_at is None:
        case.triaged_at = now
    case.state = to_state
    case.updated_at = now
    _event(
        session, case, actor, "transition",
        from_state=from_state, to_state=to_state, body=reason,
        data={"outcome_code": case.outcome_code, "legal_basis": bool(case.legal_basis)},
    )  # fmt: skip
    _publish_to_reports(session, case, reopening=reopening)
    case_search.index_case(session, case)
    _notify_people(session, actor, case, f"Vụ việc {case.ref} chuyển sang '{to_state}'.")
    notifications.emit(session, f"case.{to_state}", case_payload(case))
    return case


def _publish_to_reports(session: Session, case: Case, *, reopening: bool) -> None:
    """Tell the citizens who reported what became of it (never the internal notes)."""
    if case.state in CLOSED_STATES:
        state = PUBLIC_RESOLVED if case.state == "resolved" else PUBLIC_CLOSED
        text = case.public_outcome or DEFAULT_PUBLIC_OUTCOMES.get(case.outcome_code or "", "")
    elif reopening:
        state, text = PUBLIC_IN_REVIEW, ""
    else:
        return
    for report in case_reports(session, case):
        report.public_state = state
        report.public_outcome = text or None


def _notify_people(session: Session, actor: User | str | None, case: Case, message: str) -> None:
    """Tell the assignee about a change someone else made."""
    if case.assignee is not None and not (isinstance(actor, User) and actor.id == case.assignee_id):
        notifications.notify(session, case.assignee, "case.changed", message, case=case)


def record_legal_basis(session: Session, actor: User, case: Case, legal_basis: str) -> Case:
    """Write down the legal basis (article of law or decree) before enforcement."""
    permissions.require(actor, "case.edit", case)
    text = _clean_text(legal_basis, "legal_basis")
    if not text:
        raise ValidationFailed(N_("Căn cứ pháp lý không được để trống."), field="legal_basis")
    case.legal_basis = text
    _event(session, case, actor, "legal_basis", body=text)
    return case


def set_deadline(
    session: Session, actor: User, case: Case, deadline_at: datetime, *, reason: str
) -> Case:
    """Move the deadline (with a reason); reminders and escalation start over."""
    permissions.require(actor, "case.edit", case)
    if deadline_at.tzinfo is None:
        raise ValidationFailed(N_("Thời hạn phải có múi giờ."), field="deadline_at")
    reason = _clean_text(reason, "reason")
    if not reason:
        raise ValidationFailed(N_("Cần nêu lý do khi đổi thời hạn."), field="reason")
    old = case.deadline_at
    case.deadline_at = deadline_at
    case.reminded_at = None
    case.escalated_at = None
    _event(
        session, case, actor, "deadline", body=reason,
        data={"from": old.isoformat() if old else None, "to": deadline_at.isoformat()},
    )  # fmt: skip
    return case


def assign(
    session: Session,
    actor: User,
    case: Case,
    *,
    unit_code: str | None = None,
    assignee_email: str | None = None,
    reason: str = "",
) -> Case:
    """Hand the case to another unit (reason required) and/or a person of the owner unit."""
    permissions.require(actor, "case.assign", case)
    reason = _clean_text(reason, "reason")
    if unit_code:
        unit = units.get_unit(session, unit_code)
        if unit.id != case.owner_unit_id:
            if not reason:
                raise ValidationFailed(N_("Cần nêu lý do khi chuyển đơn vị xử lý."), field="reason")
            old = case.owner_unit.code
            case.owner_unit_id = unit.id
            case.owner_unit = unit
            case.assignee_id = None
            case.assignee = None
            _event(
                session, case, actor, "reassigned", body=reason, data={"from": old, "to": unit.code}
            )
            notifications.notify_users(
                session,
                notifications.unit_users(
                    session, unit.id, roles=("coordinator", "investigator", "unit_officer")
                ),
                "case.reassigned",
                f"Vụ việc {case.ref} được chuyển cho {unit.name}.",
                case=case,
            )
    if assignee_email:
        person = session.scalar(
            select(User).where(func.lower(User.email) == assignee_email.strip().lower())
        )
        if person is None or not person.is_active:
            raise ValidationFailed(f"Không tìm thấy cán bộ '{assignee_email}'.", field="assignee")
        if person.unit_id != case.owner_unit_id:
            raise ValidationFailed(
                N_("Người được giao phải thuộc đơn vị phụ trách vụ việc."), field="assignee"
            )
        case.assignee_id = person.id
        case.assignee = person
        _event(session, case, actor, "assigned", body=reason, data={"assignee": person.email})
        if person.id != actor.id:
            notifications.notify(
                session,
                person,
                "case.assigned",
                f"Bạn được giao vụ việc {case.ref}: {case.title}",
                case=case,
            )
    case.updated_at = utcnow()
    case_search.index_case(session, case)
    return case


def mentioned_users(session: Session, body: str) -> list[User]:
    """Users named in a comment as @email or @local-part (unique local parts only)."""
    found: list[User] = []
    for token in dict.fromkeys(m.group(1).rstrip(".").lower() for m in _MENTION_RE.finditer(body)):
        if "@" in token:
            user = session.scalar(select(User).where(func.lower(User.email) == token))
            candidates = [user] if user else []
        else:
            candidates = list(
                session.scalars(select(User).where(func.lower(User.email).like(f"{token}@%")))
            )
        if len(candidates) == 1:
            found.append(candidates[0])
    return found


def comment(session: Session, actor: User, case: Case, body: str) -> CaseEvent:
    """Add a comment; people @mentioned who may see the case are notified."""
    permissions.require(actor, "case.comment", case)
    body = _clean_text(body, "body")
    if not body:
        raise ValidationFailed(N_("Nội dung trao đổi không được để trống."), field="body")
    mentions = [u for u in mentioned_users(session, body) if can_view(u, case) and u.id != actor.id]
    event = _event(
        session, case, actor, "comment", body=body, data={"mentions": [u.email for u in mentions]}
    )
    for person in mentions:
        notifications.notify(
            session,
            person,
            "case.mention",
            f"{actor.name} nhắc đến bạn trong vụ việc {case.ref}.",
            case=case,
        )
    return event


def attach_evidence(
    session: Session,
    store: Any,
    actor: User,
    case: Case,
    data: bytes,
    *,
    name: str,
    media_type: str,
    kind: str = "file",
    note: str = "",
) -> Evidence:
    """Attach a file to the case as evidence (blob stored, custody in the audit log)."""
    from canhgiac.services.evidence import add_evidence

    permissions.require(actor, "evidence.add", case)
    if not data:
        raise ValidationFailed(N_("Tệp đính kèm rỗng."), field="file")
    evidence = add_evidence(
        session, store, data, media_type=media_type, name=name, kind=kind,
        origin=f"upload:{actor.email}", case_id=case.id, actor=actor, note=note,
    )  # fmt: skip
    _event(
        session,
        case,
        actor,
        "evidence",
        body=name,
        data={"evidence_id": evidence.id, "sha256": evidence.blob_sha256},
    )
    return evidence


def merge(
    session: Session, actor: User, duplicate: Case, target: Case, *, reason: str = ""
) -> Case:
    """Fold `duplicate` into `target`: its items move over and it closes as a duplicate."""
    permissions.require(actor, "case.merge", duplicate)
    permissions.require(actor, "case.merge", target)
    if duplicate.id == target.id:
        raise ValidationFailed(N_("Không thể gộp vụ việc vào chính nó."), field="target")
    if target.state not in OPEN_STATES:
        raise Conflict(f"Vụ việc {target.ref} đã đóng, không thể gộp vào.", field="target")
    if duplicate.state == "archived":
        raise Conflict(f"Vụ việc {duplicate.ref} đã lưu trữ.")
    for item in case_items(session, duplicate):
        link_item(session, actor, target, item, reason=f"merged from {duplicate.ref}")
    old_state = duplicate.state
    duplicate.merged_into_id = target.id
    duplicate.state = "rejected"
    duplicate.outcome_code = "duplicate"
    duplicate.closed_at = utcnow()
    _event(
        session, duplicate, actor, "merged", from_state=old_state, to_state="rejected",
        body=reason, data={"into": target.ref},
    )  # fmt: skip
    _event(session, target, actor, "merged_in", body=reason, data={"from": duplicate.ref})
    case_search.index_case(session, duplicate)
    return target


def split(
    session: Session,
    actor: User,
    case: Case,
    item_ids: Iterable[int],
    *,
    title: str,
    reason: str = "",
) -> Case:
    """Move some items out of a case into a new case of the same category."""
    permissions.require(actor, "case.edit", case)
    ids = set(item_ids)
    linked = {i.id: i for i in case_items(session, case)}
    if not ids or not ids <= set(linked) or ids == set(linked):
        raise ValidationFailed(
            N_("Chọn một phần (không phải tất cả) nội dung của vụ việc để tách."), field="items"
        )
    new = create_case(
        session, actor, title=title, category=case.category, severity=case.severity,
        score=case.score, commune_unit_id=case.commune_unit_id,
        owner_unit_code=case.owner_unit.code, reason=reason,
    )  # fmt: skip
    for item_id in sorted(ids):
        link = session.scalar(
            select(CaseItem).where(CaseItem.case_id == case.id, CaseItem.item_id == item_id)
        )
        if link is not None:
            session.delete(link)
        link_item(session, actor, new, linked[item_id], reason=f"split from {case.ref}")
    session.flush()
    _event(session, case, actor, "split", body=reason, data={"into": new.ref, "items": sorted(ids)})
    return new


def units_by_id(session: Session) -> dict[int, Unit]:
    """Every unit by id (small table; for display)."""
    return {u.id: u for u in session.scalars(select(Unit))}


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    """Users by id (for timelines)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def items_by_ids(session: Session, ids: Iterable[int]) -> list[Item]:
    """Items by id; ValidationFailed naming any that do not exist."""
    wanted = sorted(set(ids))
    found = (
        {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(wanted)))}
        if wanted
        else {}
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(
            f"Không tìm thấy nội dung: {', '.join(map(str, missing))}.", field="item_ids"
        )
    return [found[i] for i in wanted]


def record_system_event(
    session: Session, case: Case, kind: str, body: str, data: dict[str, Any] | None = None
) -> CaseEvent:
    """A timeline entry written by the system (reminders, escalations)."""
    return _event(session, case, "system", kind, body=body, data=data)
