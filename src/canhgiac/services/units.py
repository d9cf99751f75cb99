"""Units of the plan: seeding from the shipped list, listing, editing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Unit, User
from canhgiac.db.models.org import UNIT_KINDS
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.resources import resource
from canhgiac.services import audit

_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


@dataclass(frozen=True)
class UnitSpec:
    """A unit as written in the shipped resource."""

    code: str
    name: str
    kind: str
    coordinator: bool = False


def shipped_units() -> list[UnitSpec]:
    """The units listed in resources/units.yaml."""
    data = yaml.safe_load(resource("units.yaml").read_text(encoding="utf-8"))
    return [UnitSpec(**row) for row in data["units"]]


def seed_units(session: Session) -> int:
    """Insert shipped units that are missing (edited ones are left alone); return how many."""
    existing = set(session.scalars(select(Unit.code)))
    added = 0
    for spec in shipped_units():
        if spec.code in existing:
            continue
        unit = Unit(code=spec.code, name=spec.name, kind=spec.kind, is_coordinator=spec.coordinator)
        session.add(unit)
        session.flush()
        audit.record(session, None, "unit.seed", "unit", unit.id, {"code": unit.code})
        added += 1
    return added


def list_units(session: Session, *, kind: str | None = None) -> list[Unit]:
    """Active units, coordinator first, then by kind and name."""
    query = select(Unit).where(Unit.active.is_(True))
    if kind:
        query = query.where(Unit.kind == kind)
    units = session.scalars(query).all()
    order = {k: i for i, k in enumerate(UNIT_KINDS)}
    return sorted(units, key=lambda u: (not u.is_coordinator, order.get(u.kind, 9), u.code))


def get_unit(session: Session, code: str) -> Unit:
    """The unit with this code, or NotFound."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị có mã '{code}'.", field="unit")
    return unit


def coordinator_unit(session: Session) -> Unit:
    """The unit that coordinates the plan (Phòng Văn hóa và Thông tin)."""
    unit = session.scalar(select(Unit).where(Unit.is_coordinator.is_(True)).limit(1))
    if unit is None:
        raise NotFound(N_("Chưa có đơn vị đầu mối điều phối."))
    return unit


def create_unit(session: Session, actor: User | None, *, code: str, name: str, kind: str) -> Unit:
    """Add a unit."""
    code = code.strip().upper()
    if not _CODE_RE.match(code):
        raise ValidationFailed(N_("Mã đơn vị chỉ gồm chữ in hoa, số, '-' hoặc '_'."), field="code")
    if kind not in UNIT_KINDS:
        raise ValidationFailed(f"Loại đơn vị không hợp lệ: {kind}.", field="kind")
    if not name.strip():
        raise ValidationFailed(N_("Tên đơn vị không được để trống."), field="name")
    if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(f"Đã có đơn vị mã '{code}'.", field="code")
    unit = Unit(code=code, name=name.strip(), kind=kind)
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.create", "unit", unit.id, {"code": code, "name": name})
    return unit


def rename_unit(session: Session, actor: User | None, code: str, name: str) -> Unit:
    """Change a unit's display name."""
    unit = get_unit(session, code)
    if not name.strip():
        raise ValidationFailed(N_("Tên đơn vị không được để trống."), field="name")
    old = unit.name
    unit.name = name.strip()
    audit.record(session, actor, "unit.rename", "unit", unit.id, {"from": old, "to": unit.name})
    return unit
