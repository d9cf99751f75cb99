"""Trainings (lớp tập huấn) and awareness campaigns (đợt tuyên truyền): record and list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Activity, Plan, Unit, User
from canhgiac.errors import ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit, permissions
from canhgiac.services.units import get_unit

__all__ = [
    "ACTIVITY_KINDS",
    "AUDIENCES",
    "CHANNELS",
    "activity_channels",
    "get_activity",
    "list_activities",
    "record_activity",
]

ACTIVITY_KINDS = {"training": N_("Lớp tập huấn"), "campaign": N_("Đợt tuyên truyền")}
AUDIENCES = {
    "officials": N_("Cán bộ, công chức"),
    "students": N_("Học sinh, sinh viên"),
    "residents": N_("Người dân"),
}
CHANNELS = {
    "loudspeaker": N_("Loa truyền thanh"),
    "zalo": N_("Zalo"),
    "web_portal": N_("Trang thông tin điện tử"),
    "meetings": N_("Hội nghị, họp dân"),
}
MAX_ATTENDANCE = 1_000_000
_MAX_TEXT = 4000


@dataclass(frozen=True)
class _OrganiserScope:
    """The object a permission check sees: the organising unit owns the activity."""

    owner_unit_id: int


def _text(value: str, field: str, *, required: bool = False, limit: int = _MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(N_("Trường này không được để trống."), field=field)
    if len(value) > limit:
        raise ValidationFailed(N_("Nội dung quá dài."), field=field)
    return value


def _channels(channels: list[str] | tuple[str, ...] | str) -> str:
    values = channels.split(",") if isinstance(channels, str) else list(channels)
    cleaned = sorted({c.strip() for c in values if c.strip()})
    unknown = [c for c in cleaned if c not in CHANNELS]
    if unknown:
        raise ValidationFailed(
            f"Kênh tuyên truyền không hợp lệ: {', '.join(unknown)}.", field="channels"
        )
    return ",".join(cleaned)


def activity_channels(activity: Activity) -> list[str]:
    """The channel codes of an activity."""
    return [c for c in activity.channels.split(",") if c]


def record_activity(
    session: Session,
    actor: User | str | None,
    *,
    kind: str,
    title: str,
    held_on: date,
    organiser_code: str,
    commune_code: str | None = None,
    place: str = "",
    audience: str = "residents",
    attendance: int = 0,
    channels: list[str] | tuple[str, ...] | str = (),
    materials: str = "",
    notes: str = "",
    plan: Plan | None = None,
) -> Activity:
    """Record a training or campaign held; unit officers record for their own unit only."""
    if kind not in ACTIVITY_KINDS:
        raise ValidationFailed(f"Loại hoạt động không hợp lệ: {kind}.", field="kind")
    if audience not in AUDIENCES:
        raise ValidationFailed(f"Đối tượng không hợp lệ: {audience}.", field="audience")
    if not isinstance(held_on, date):
        raise ValidationFailed(N_("Ngày tổ chức không hợp lệ."), field="held_on")
    if isinstance(attendance, bool) or not isinstance(attendance, int):
        raise ValidationFailed(N_("Số người tham dự phải là số nguyên."), field="attendance")
    if not 0 <= attendance <= MAX_ATTENDANCE:
        raise ValidationFailed(N_("Số người tham dự không hợp lệ."), field="attendance")
    organiser = get_unit(session, organiser_code)
    if isinstance(actor, User):
        permissions.require(actor, "activity.record", _OrganiserScope(organiser.id))
    commune: Unit | None = None
    if commune_code:
        commune = get_unit(session, commune_code)
        if commune.kind != "commune":
            raise ValidationFailed(f"'{commune_code}' không phải là xã, thị trấn.", field="commune")
    activity = Activity(
        plan_id=plan.id if plan else None,
        kind=kind,
        title=_text(title, "title", required=True, limit=500),
        held_on=held_on,
        place=_text(place, "place", limit=500),
        commune_unit_id=commune.id if commune else None,
        organiser_unit_id=organiser.id,
        audience=audience,
        attendance=attendance,
        channels=_channels(channels),
        materials=_text(materials, "materials"),
        notes=_text(notes, "notes"),
        created_by_id=actor.id if isinstance(actor, User) else None,
    )
    session.add(activity)
    session.flush()
    audit.record(
        session,
        actor,
        "activity.record",
        "activity",
        activity.id,
        {"kind": kind, "held_on": held_on.isoformat(), "attendance": attendance},
    )
    return activity


def get_activity(session: Session, activity_id: int) -> Activity:
    """The activity with this id, or NotFound."""
    from canhgiac.errors import NotFound

    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(f"Không tìm thấy hoạt động #{activity_id}.")
    return activity


def list_activities(
    session: Session,
    *,
    start: date | None = None,
    end: date | None = None,
    kind: str | None = None,
    commune: Unit | None = None,
    organiser: Unit | None = None,
    limit: int = 500,
) -> list[Activity]:
    """Activities, newest first, optionally within [start, end] and for one commune or organiser."""
    query = select(Activity)
    if start is not None:
        query = query.where(Activity.held_on >= start)
    if end is not None:
        query = query.where(Activity.held_on <= end)
    if kind:
        query = query.where(Activity.kind == kind)
    if commune is not None:
        query = query.where(Activity.commune_unit_id == commune.id)
    if organiser is not None:
        query = query.where(Activity.organiser_unit_id == organiser.id)
    query = query.order_by(Activity.held_on.desc(), Activity.id.desc()).limit(limit)
    return list(session.scalars(query))
