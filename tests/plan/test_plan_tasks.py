"""The shipped plan becomes tasks per unit; import, export, next year; task status and evidence."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Plan, PlanTask, Unit
from canhgiac.errors import Conflict, PermissionDenied, ValidationFailed
from canhgiac.planning.template import default_plan, dump_plan
from canhgiac.services import plan as plan_service
from canhgiac.services import units
from tests.plan.plan_data import add_case

# Expected tasks per unit in 2023: yearly 1, quarterly 4, monthly 12 (see bao_lac_2023.yaml).
EXPECTED_PER_UNIT = {"VHTT": 1 + 4 + 12, "CA": 12, "TCKH": 1}
PER_AGENCY = 4 + 12 + 4
PER_COMMUNE = 1 + 12 + 4


def _tasks_by_unit(session: Session) -> Counter[str]:
    rows = session.execute(
        select(Unit.code, func.count(PlanTask.id)).join(Unit).group_by(Unit.code)
    ).all()
    return Counter({code: n for code, n in rows})


def test_seed_creates_every_units_tasks_once(seeded: Session) -> None:
    plan = plan_service.seed_default_plan(seeded)
    assert plan is not None and plan.code == "KH-BAOLAC-2023" and plan.year == 2023
    assert plan_service.seed_default_plan(seeded) is None  # idempotent
    seeded.commit()
    counts = _tasks_by_unit(seeded)
    for code, n in EXPECTED_PER_UNIT.items():
        assert counts[code] == n
    agencies = seeded.scalars(select(Unit.code).where(Unit.kind == "agency")).all()
    communes = seeded.scalars(select(Unit.code).where(Unit.kind == "commune")).all()
    assert len(agencies) == 15 and len(communes) == 17
    assert all(counts[c] == PER_AGENCY for c in agencies)
    assert all(counts[c] == PER_COMMUNE for c in communes)
    assert counts["STTTT"] == 0  # external units have no duties
    assert seeded.scalar(select(func.count(Plan.id))) == 1
    # A commune added later gets its tasks when the seeder runs again (as on `canhgiac init`).
    units.create_unit(seeded, None, code="X-MOI", name="UBND xã Mới", kind="commune")
    assert plan_service.seed_default_plan(seeded) is None
    assert _tasks_by_unit(seeded)["X-MOI"] == PER_COMMUNE
    assert sum(_tasks_by_unit(seeded).values()) == 619 + PER_COMMUNE


@pytest.mark.parametrize(
    ("duty", "labels", "dues"),
    [
        ("VHTT-1", ["2023"], ["2023-12-31"]),
        ("VHTT-2", ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"],
         ["2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31"]),
        ("CA-1", [f"2023-{m:02d}" for m in range(1, 13)],
         ["2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30", "2023-05-31", "2023-06-30",
          "2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31"]),
    ],
)  # fmt: skip
def test_due_dates_per_period(
    seeded: Session, duty: str, labels: list[str], dues: list[str]
) -> None:
    plan_service.seed_default_plan(seeded)
    tasks = seeded.scalars(
        select(PlanTask).where(PlanTask.duty_ref == duty).order_by(PlanTask.due_on)
    ).all()
    assert [t.period_label for t in tasks] == labels
    assert [t.due_on.isoformat() for t in tasks if t.due_on] == dues
    assert all(t.state == "open" and t.title for t in tasks)


def test_export_import_roundtrip_and_next_year(seeded: Session) -> None:
    plan_service.seed_default_plan(seeded)
    text = plan_service.export_plan(seeded)
    assert "KH-BAOLAC-2023" in text and "Phòng Văn hóa và Thông tin" in text
    with pytest.raises(Conflict):
        plan_service.import_plan(seeded, None, text)
    new = plan_service.new_plan_for_next_year(seeded, None, "KH-BAOLAC-2023", 2024)
    assert new.code == "KH-BAOLAC-2024" and new.year == 2024 and new.active
    dues = seeded.scalars(select(PlanTask.due_on).where(PlanTask.plan_id == new.id)).all()
    assert dues and all(d is not None and d.year == 2024 for d in dues)
    assert plan_service.active_plan(seeded).code == "KH-BAOLAC-2024"
    assert plan_service.get_plan(seeded, "KH-BAOLAC-2023").active  # other year stays active


def test_import_other_district_plan(seeded: Session) -> None:
    text = dump_plan(default_plan()).replace("KH-BAOLAC-2023", "KH-KHAC-2023")
    plan = plan_service.import_plan(seeded, None, text)
    assert plan.code == "KH-KHAC-2023"
    assert seeded.scalar(select(func.count()).where(PlanTask.plan_id == plan.id)) == 619


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("không: [phải kế hoạch", "không hợp lệ"),
        ("code: X\n", "không hợp lệ"),
        (dump_plan(default_plan()).replace("code: CA\n", "code: KHONGCO\n"), "KHONGCO"),
    ],
)
def test_bad_plan_is_refused_and_nothing_stored(seeded: Session, text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        plan_service.import_plan(seeded, None, text)
    assert message in err.value.message
    seeded.rollback()
    assert seeded.scalar(select(func.count(Plan.id))) == 0


def test_task_state_and_evidence_with_permissions(seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    plan_service.seed_default_plan(seeded)
    seeded.commit()
    officer = make_user("unit_officer", "CA")
    viewer = make_user("viewer", "CA")
    ca_task = seeded.scalars(select(PlanTask).where(PlanTask.duty_ref == "CA-1")).first()
    vh_task = seeded.scalars(select(PlanTask).where(PlanTask.duty_ref == "VHTT-1")).first()
    assert ca_task is not None and vh_task is not None
    case = add_case(seeded, "VV-2023-0001", "CA", "resolved", "2023-01-05 08:00")
    plan_service.add_task_evidence(
        seeded, officer, ca_task.id, kind="case", ref=case.ref, note="Đã xử lý"
    )
    plan_service.set_task_state(seeded, officer, ca_task.id, "done")
    assert ca_task.state == "done" and ca_task.completed_at is not None
    items = ca_task.completion_evidence["items"]
    assert items[0]["kind"] == "case" and items[0]["ref"] == "VV-2023-0001"
    assert not plan_service.task_is_overdue(ca_task)
    with pytest.raises(PermissionDenied):
        plan_service.set_task_state(seeded, officer, vh_task.id, "done")
    with pytest.raises(PermissionDenied):
        plan_service.set_task_state(seeded, viewer, ca_task.id, "open")
    with pytest.raises(ValidationFailed):
        plan_service.add_task_evidence(seeded, officer, ca_task.id, kind="case", ref="VV-KHONG-CO")
    with pytest.raises(ValidationFailed):
        plan_service.set_task_state(seeded, officer, ca_task.id, "overdue")
    actions = seeded.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "plan_task")
    ).all()
    assert list(actions) == ["task.evidence", "task.state"]
