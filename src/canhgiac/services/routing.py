"""Who handles what: the routing matrix (category × commune → unit) and the deadline table.

Seeded from the plan's division of duties: fraud and cybercrime go to the district police (CA),
spam and telecom abuse to the Culture & Information office (VHTT, which also coordinates), false
information to VHTT until the coordinator points a sector at its own agency.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import DeadlineRule, RoutingRule, Unit, User
from canhgiac.db.models.cases import SEVERITIES
from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.errors import NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit, permissions, units

DEFAULT_ROUTES: dict[str, str] = {
    "scam": "CA",
    "phishing": "CA",
    "hacked_account": "CA",
    "malware": "CA",
    "data_leak": "CA",
    "spam": "VHTT",
    "false_info": "VHTT",
    "other": "VHTT",
}

# Hours to resolve, by severity; fraud moves faster because money leaves victims' accounts.
_FAST = {"critical": 24, "high": 48, "medium": 120, "low": 240}
_NORMAL = {"critical": 48, "high": 72, "medium": 168, "low": 336}
DEFAULT_DEADLINE_HOURS: dict[str, dict[str, int]] = {
    category: (_FAST if DEFAULT_ROUTES[category] == "CA" else _NORMAL)
    for category in REPORT_CATEGORIES
}
FALLBACK_HOURS = 168


@dataclass(frozen=True)
class RouteRow:
    """One line of the matrix as shown to the coordinator."""

    id: int
    category: str
    commune_code: str | None
    commune_name: str | None
    unit_code: str
    unit_name: str


def _check_category(category: str) -> str:
    if category not in REPORT_CATEGORIES:
        raise ValidationFailed(f"Loại vụ việc không hợp lệ: {category}.", field="category")
    return category


def _rule(session: Session, category: str, commune_unit_id: int | None) -> RoutingRule | None:
    query = select(RoutingRule).where(RoutingRule.category == category)
    if commune_unit_id is None:
        query = query.where(RoutingRule.commune_unit_id.is_(None))
    else:
        query = query.where(RoutingRule.commune_unit_id == commune_unit_id)
    return session.scalars(query.order_by(RoutingRule.id).limit(1)).first()


def seed_defaults(session: Session) -> int:
    """Insert the plan's default routes and deadlines that are missing; return how many rows."""
    added = 0
    for category, code in DEFAULT_ROUTES.items():
        if _rule(session, category, None) is not None:
            continue
        try:
            unit = units.get_unit(session, code)
        except NotFound:
            unit = units.coordinator_unit(session)
        session.add(RoutingRule(category=category, commune_unit_id=None, unit_id=unit.id))
        added += 1
    existing = {(r.category, r.severity) for r in session.scalars(select(DeadlineRule))}
    for category, by_severity in DEFAULT_DEADLINE_HOURS.items():
        for severity, hours in by_severity.items():
            if (category, severity) not in existing:
                session.add(DeadlineRule(category=category, severity=severity, hours=hours))
                added += 1
    if added:
        session.flush()
        audit.record(session, None, "routing.seed", "routing_rule", "*", {"rows": added})
    return added


def route(session: Session, category: str, commune_unit_id: int | None = None) -> Unit:
    """The unit responsible for a category in a commune (override, then default, then VHTT)."""
    rule = None
    if commune_unit_id is not None:
        rule = _rule(session, category, commune_unit_id)
    rule = rule or _rule(session, category, None)
    if rule is not None:
        unit = session.get(Unit, rule.unit_id)
        if unit is not None and unit.active:
            return unit
    return units.coordinator_unit(session)


def deadline_hours(session: Session, category: str, severity: str) -> int:
    """Hours allowed for a category and severity (table, then shipped default)."""
    hours = session.scalar(
        select(DeadlineRule.hours).where(
            DeadlineRule.category == category, DeadlineRule.severity == severity
        )
    )
    if hours is not None:
        return int(hours)
    return DEFAULT_DEADLINE_HOURS.get(category, {}).get(severity, FALLBACK_HOURS)


def matrix(session: Session) -> list[RouteRow]:
    """Every routing rule, defaults first, then commune overrides."""
    unit_by_id = {u.id: u for u in session.scalars(select(Unit))}
    rows = []
    for rule in session.scalars(select(RoutingRule)):
        unit = unit_by_id[rule.unit_id]
        commune = unit_by_id.get(rule.commune_unit_id) if rule.commune_unit_id else None
        rows.append(
            RouteRow(
                id=rule.id,
                category=rule.category,
                commune_code=commune.code if commune else None,
                commune_name=commune.name if commune else None,
                unit_code=unit.code,
                unit_name=unit.name,
            )
        )
    order = {c: i for i, c in enumerate(REPORT_CATEGORIES)}
    return sorted(
        rows,
        key=lambda r: (r.commune_code is not None, r.commune_code or "", order.get(r.category, 99)),
    )


def set_route(
    session: Session,
    actor: User,
    *,
    category: str,
    unit_code: str,
    commune_code: str | None = None,
) -> RoutingRule:
    """Point a category (in one commune, or everywhere) at a unit."""
    permissions.require(actor, "routing.edit")
    _check_category(category)
    unit = units.get_unit(session, unit_code)
    commune_id = None
    if commune_code:
        commune = units.get_unit(session, commune_code)
        if commune.kind != "commune":
            raise ValidationFailed(f"'{commune_code}' không phải xã, thị trấn.", field="commune")
        commune_id = commune.id
    rule = _rule(session, category, commune_id)
    old = rule.unit_id if rule else None
    if rule is None:
        rule = RoutingRule(category=category, commune_unit_id=commune_id, unit_id=unit.id)
        session.add(rule)
    else:
        rule.unit_id = unit.id
    session.flush()
    audit.record(
        session,
        actor,
        "routing.set",
        "routing_rule",
        rule.id,
        {"category": category, "commune": commune_code, "unit": unit.code, "previous_unit_id": old},
    )
    return rule


def delete_override(session: Session, actor: User, rule_id: int) -> None:
    """Remove a commune override (the district default then applies)."""
    permissions.require(actor, "routing.edit")
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"Không tìm thấy quy tắc phân công #{rule_id}.")
    if rule.commune_unit_id is None:
        raise ValidationFailed(N_("Không thể xoá quy tắc mặc định; hãy đổi đơn vị phụ trách."))
    session.delete(rule)
    audit.record(
        session, actor, "routing.delete", "routing_rule", rule_id, {"category": rule.category}
    )


def deadline_table(session: Session) -> dict[str, dict[str, int]]:
    """category → severity → hours, defaults filled in."""
    table = {c: dict(h) for c, h in DEFAULT_DEADLINE_HOURS.items()}
    for rule in session.scalars(select(DeadlineRule)):
        table.setdefault(rule.category, {})[rule.severity] = rule.hours
    return table


def set_deadline_hours(
    session: Session, actor: User, *, category: str, severity: str, hours: int
) -> DeadlineRule:
    """Change the hours allowed for a category and severity."""
    permissions.require(actor, "routing.edit")
    _check_category(category)
    if severity not in SEVERITIES:
        raise ValidationFailed(f"Mức độ không hợp lệ: {severity}.", field="severity")
    if not 1 <= hours <= 24 * 365:
        raise ValidationFailed(N_("Thời hạn phải từ 1 giờ đến 365 ngày."), field="hours")
    rule = session.scalar(
        select(DeadlineRule).where(
            DeadlineRule.category == category, DeadlineRule.severity == severity
        )
    )
    if rule is None:
        rule = DeadlineRule(category=category, severity=severity, hours=hours)
        session.add(rule)
    else:
        rule.hours = hours
    session.flush()
    audit.record(
        session, actor, "routing.deadline", "deadline_rule", rule.id,
        {"category": category, "severity": severity, "hours": hours},
    )  # fmt: skip
    return rule
