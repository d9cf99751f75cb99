"""Known data for plan tests: reports, cases, requests, warnings and trainings at fixed times."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Case, Item, Recipient, Report, TakedownRequest, Unit, Warning
from canhgiac.services import activities, budget
from canhgiac.services import plan as plan_service


def at(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DD HH:MM' (UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def unit_id(session: Session, code: str) -> int:
    found = session.scalar(select(Unit.id).where(Unit.code == code))
    assert found is not None, code
    return found


def add_report(
    session: Session, n: int, category: str, commune: str | None, created: str
) -> Report:
    content = f"Tin nhắn số {n}: trúng thưởng, bấm vào link"
    item = Item(
        channel="tipline",
        content=content,
        content_sha256=hashlib.sha256(content.encode()).hexdigest(),
        created_at=at(created),
    )
    session.add(item)
    session.flush()
    report = Report(
        tracking_code=f"PA-{n:06d}",
        item_id=item.id,
        channel="tipline",
        category=category,
        content=content,
        commune_unit_id=unit_id(session, commune) if commune else None,
        created_at=at(created),
    )
    session.add(report)
    session.flush()
    return report


def add_case(
    session: Session,
    ref: str,
    unit: str,
    state: str,
    created: str,
    *,
    triaged: str | None = None,
    closed: str | None = None,
    deadline: str | None = None,
    category: str = "scam",
) -> Case:
    case = Case(
        ref=ref,
        title=f"Vụ việc {ref}",
        category=category,
        state=state,
        owner_unit_id=unit_id(session, unit),
        created_at=at(created),
        triaged_at=at(triaged) if triaged else None,
        closed_at=at(closed) if closed else None,
        deadline_at=at(deadline) if deadline else None,
    )
    session.add(case)
    session.flush()
    return case


def add_recipient(session: Session, code: str, name: str, kind: str = "telecom") -> Recipient:
    recipient = Recipient(code=code, name=name, kind=kind)
    session.add(recipient)
    session.flush()
    return recipient


def add_request(
    session: Session,
    case: Case,
    recipient: Recipient,
    state: str,
    sent: str,
    answered: str | None = None,
) -> TakedownRequest:
    request = TakedownRequest(
        case_id=case.id,
        recipient_id=recipient.id,
        action="block_domain",
        state=state,
        legal_basis="Nghị định 15/2020/NĐ-CP",
        sent_at=at(sent),
    )
    if answered and state == "acknowledged":
        request.acknowledged_at = at(answered)
    elif answered:
        request.answered_at = at(answered)
    session.add(request)
    session.flush()
    return request


def add_warning(session: Session, slug: str, kind: str, published: str | None) -> Warning:
    warning = Warning(
        slug=slug,
        kind=kind,
        title=f"Cảnh báo {slug}",
        body="Người dân cảnh giác.",
        state="published" if published else "draft",
        published_at=at(published) if published else None,
    )
    session.add(warning)
    session.flush()
    return warning


def day(text: str) -> date:
    return date.fromisoformat(text)


def load_known_data(session: Session) -> None:
    """Reports, cases, requests, warnings, trainings and budget with hand-computed Q2 figures."""
    plan = plan_service.seed_default_plan(session)
    assert plan is not None
    for n, (category, commune, created) in enumerate(
        [
            ("scam", "X-COBA", "2023-04-02 03:00"),
            ("scam", "X-COBA", "2023-05-10 03:00"),
            ("phishing", "TT-BAOLAC", "2023-06-01 03:00"),
            ("spam", None, "2023-03-31 18:00"),  # 01:00 on 1 April, local time: Q2
            ("scam", "X-COBA", "2023-06-30 18:00"),  # 01:00 on 1 July, local time: Q3
            ("false_info", "X-COBA", "2023-01-15 03:00"),
        ],
        start=1,
    ):
        add_report(session, n, category, commune, created)
    c1 = add_case(session, "VV-1", "CA", "resolved", "2023-04-01 00:00", triaged="2023-04-01 02:00",
                  closed="2023-04-02 00:00", deadline="2023-04-05 00:00")  # fmt: skip
    c2 = add_case(session, "VV-2", "CA", "resolved", "2023-04-10 00:00", triaged="2023-04-10 04:00",
                  closed="2023-04-12 00:00")  # fmt: skip
    c3 = add_case(session, "VV-3", "VHTT", "acting", "2023-05-01 00:00", triaged="2023-05-01 06:00",
                  deadline="2023-05-03 00:00")  # fmt: skip
    add_case(session, "VV-4", "X-COBA", "new", "2023-06-01 00:00", deadline="2023-06-10 00:00")
    add_case(session, "VV-5", "CA", "rejected", "2023-06-05 00:00", triaged="2023-06-05 01:00",
             closed="2023-06-06 00:00", deadline="2023-06-04 00:00")  # fmt: skip
    add_case(session, "VV-6", "CA", "awaiting_response", "2023-08-01 00:00")
    viettel = add_recipient(session, "VIETTEL-CB", "Viettel Cao Bằng")
    vnpt = add_recipient(session, "VNPT-CB", "VNPT Cao Bằng")
    add_request(session, c1, viettel, "done", "2023-04-01 06:00", "2023-04-01 18:00")
    add_request(session, c1, viettel, "refused", "2023-04-03 00:00", "2023-04-04 00:00")
    add_request(session, c2, viettel, "sent", "2023-05-01 00:00")
    add_request(session, c3, vnpt, "acknowledged", "2023-05-02 00:00", "2023-05-02 06:00")
    add_request(session, c3, vnpt, "sent", "2023-07-02 00:00")
    add_warning(session, "w1", "warning", "2023-04-05 02:00")
    add_warning(session, "w2", "fact_check", "2023-05-05 02:00")
    add_warning(session, "w3", "warning", None)
    add_warning(session, "w4", "warning", "2023-08-01 02:00")
    for kind, commune, held, people, organiser in [
        ("training", "X-COBA", "2023-04-20", 40, "VHTT"),
        ("training", "X-COBA", "2023-05-20", 60, "VHTT"),
        ("training", "TT-BAOLAC", "2023-06-15", 85, "CA"),
        ("campaign", "X-COBA", "2023-06-01", 300, "VHTT"),
        ("training", "X-COBA", "2023-09-01", 10, "VHTT"),
    ]:
        activities.record_activity(
            session, "test", kind=kind, title=f"Tập huấn nhận diện lừa đảo {held}",
            held_on=day(held), organiser_code=organiser, commune_code=commune,
            attendance=people, channels=["loudspeaker", "zalo"] if kind == "campaign" else [],
        )  # fmt: skip
    budget.set_budget_line(session, "test", plan=plan, unit_code="VHTT", title="Tập huấn",
                           planned="50.000.000", committed=30_000_000, spent=20_000_000)  # fmt: skip
    budget.set_budget_line(session, "test", plan=plan, unit_code="CA", title="Thiết bị rà quét",
                           planned=20_000_000, committed=10_000_000, spent="5 000 000 đ")  # fmt: skip
    vhtt_q2 = plan_service.list_tasks(
        session, plan, unit=None, due_from=day("2023-04-01"), due_to=day("2023-06-30")
    )
    done = [t for t in vhtt_q2 if t.duty_ref.startswith("VHTT")][:2]
    for task in done:
        plan_service.set_task_state(session, "test", task.id, "done")
    session.commit()
