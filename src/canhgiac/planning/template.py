"""The district plan as typed data: load, validate, dump and roll over to the next year."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, cast, get_args

import yaml

__all__ = [
    "DUTY_PERIODS",
    "UNIT_KINDS",
    "ContentItem",
    "DutyPeriod",
    "LegalBasis",
    "PlanDuty",
    "PlanSigner",
    "PlanTemplate",
    "PlanUnitSection",
    "default_plan",
    "dump_plan",
    "load_plan",
    "next_year",
]

DutyPeriod = Literal["yearly", "quarterly", "monthly", "one_off"]
DUTY_PERIODS: tuple[str, ...] = get_args(DutyPeriod)
UNIT_KINDS: tuple[str, ...] = ("office", "police", "agency", "commune", "external")

DEFAULT_PLAN_PATH = (
    Path(__file__).resolve().parents[1] / "resources" / "plans" / "bao_lac_2023.yaml"
)


@dataclass(frozen=True)
class LegalBasis:
    """The superior document the plan carries out (Căn cứ / Thực hiện)."""

    number: str
    issued_on: date
    issuer: str
    title: str


@dataclass(frozen=True)
class ContentItem:
    """One numbered content line of section II.1 (Nội dung thực hiện)."""

    id: str
    topic: str
    text: str


@dataclass(frozen=True)
class PlanDuty:
    """One task assigned to a unit, with how often it is reported and what content it serves."""

    id: str
    text: str
    period: DutyPeriod
    content_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanUnitSection:
    """One heading of section III (Tổ chức thực hiện): a unit, or a group of units of one kind."""

    code: str
    name: str
    kind: str
    duties: tuple[PlanDuty, ...]
    group: bool = False
    coordinator: bool = False


@dataclass(frozen=True)
class PlanSigner:
    """The signature block (e.g. KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / name)."""

    authority: str
    title: str
    name: str


@dataclass(frozen=True)
class PlanTemplate:
    """A whole plan (Kế hoạch) as issued, structured for routing, reminders and reports."""

    code: str
    document_type: str
    title: str
    year: int
    issuer: str
    province: str
    legal_basis: LegalBasis
    preamble: str
    purposes: tuple[str, ...]
    requirements: tuple[str, ...]
    content_items: tuple[ContentItem, ...]
    budget_rule: str
    units: tuple[PlanUnitSection, ...]
    closing: str
    recipients: tuple[str, ...]
    archive: str
    signer: PlanSigner
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def unit(self, code: str) -> PlanUnitSection:
        """The unit section with this code; KeyError when the plan has none."""
        for section in self.units:
            if section.code == code:
                return section
        raise KeyError(code)

    def duties(self) -> list[tuple[PlanUnitSection, PlanDuty]]:
        """Every (unit section, duty) pair in plan order."""
        return [(section, duty) for section in self.units for duty in section.duties]

    def sections_for_kind(self, kind: str) -> list[PlanUnitSection]:
        """The group sections that apply to every unit of this kind (e.g. all communes)."""
        return [s for s in self.units if s.group and s.kind == kind]


class _Reader:
    """Typed access to a parsed YAML mapping that names the offending path on error."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.path = path

    def _get(self, key: str) -> object:
        if key not in self.data:
            raise ValueError(f"{self.path}.{key}: missing required field")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{self.path}.{key}: expected a non-empty string, got {value!r}")
        return value.strip()

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{self.path}.{key}: expected an integer, got {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise ValueError(f"{self.path}.{key}: expected true or false, got {value!r}")
        return value

    def day(self, key: str) -> date:
        value = self._get(key)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"{self.path}.{key}: expected a date YYYY-MM-DD, got {value!r}")

    def items(self, key: str, *, allow_empty: bool = False) -> list[tuple[str, object]]:
        value = self.data.get(key, []) if allow_empty else self._get(key)
        if not isinstance(value, list) or (not value and not allow_empty):
            raise ValueError(f"{self.path}.{key}: expected a non-empty list, got {value!r}")
        return [(f"{self.path}.{key}[{i}]", item) for i, item in enumerate(value)]

    def texts(self, key: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        out = []
        for path, item in self.items(key, allow_empty=allow_empty):
            if not isinstance(item, str) or not item.strip():
                raise ValueError(f"{path}: expected a non-empty string, got {item!r}")
            out.append(item.strip())
        return tuple(out)

    def child(self, key: str) -> _Reader:
        return _Reader(self._get(key), f"{self.path}.{key}")


def _parse_duty(reader: _Reader, content_ids: set[str]) -> PlanDuty:
    period = reader.text("period")
    if period not in DUTY_PERIODS:
        raise ValueError(
            f"{reader.path}.period: expected one of {', '.join(DUTY_PERIODS)}, got {period!r}"
        )
    links = reader.texts("content_items", allow_empty=True)
    for i, link in enumerate(links):
        if link not in content_ids:
            raise ValueError(
                f"{reader.path}.content_items[{i}]: unknown content item {link!r}"
                f" (known: {', '.join(sorted(content_ids))})"
            )
    return PlanDuty(
        id=reader.text("id"),
        text=reader.text("text"),
        period=cast(DutyPeriod, period),
        content_items=links,
    )


def _parse_unit(reader: _Reader, content_ids: set[str]) -> PlanUnitSection:
    kind = reader.text("kind")
    if kind not in UNIT_KINDS:
        raise ValueError(
            f"{reader.path}.kind: expected one of {', '.join(UNIT_KINDS)}, got {kind!r}"
        )
    duties = tuple(
        _parse_duty(_Reader(item, path), content_ids) for path, item in reader.items("duties")
    )
    return PlanUnitSection(
        code=reader.text("code"),
        name=reader.text("name"),
        kind=kind,
        duties=duties,
        group=reader.flag("group", False),
        coordinator=reader.flag("coordinator", False),
    )


def _check_unique(values: list[str], path: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{path}: duplicate id {value!r}")
        seen.add(value)


def _parse_plan(data: object) -> PlanTemplate:
    root = _Reader(data, "plan")
    items = tuple(
        ContentItem(id=r.text("id"), topic=r.text("topic"), text=r.text("text"))
        for r in (_Reader(item, path) for path, item in root.items("content_items"))
    )
    _check_unique([c.id for c in items], "plan.content_items")
    content_ids = {c.id for c in items}
    units = tuple(
        _parse_unit(_Reader(item, path), content_ids) for path, item in root.items("units")
    )
    _check_unique([u.code for u in units], "plan.units")
    _check_unique([d.id for u in units for d in u.duties], "plan.units[].duties")
    basis = root.child("legal_basis")
    signer = root.child("signer")
    year = root.integer("year")
    if not 2000 <= year <= 2100:
        raise ValueError(f"plan.year: expected a year between 2000 and 2100, got {year}")
    return PlanTemplate(
        code=root.text("code"),
        document_type=root.text("document_type"),
        title=root.text("title"),
        year=year,
        issuer=root.text("issuer"),
        province=root.text("province"),
        legal_basis=LegalBasis(
            number=basis.text("number"),
            issued_on=basis.day("issued_on"),
            issuer=basis.text("issuer"),
            title=basis.text("title"),
        ),
        preamble=root.text("preamble"),
        purposes=root.texts("purposes"),
        requirements=root.texts("requirements"),
        content_items=items,
        budget_rule=root.text("budget_rule"),
        units=units,
        closing=root.text("closing"),
        recipients=root.texts("recipients"),
        archive=root.text("archive"),
        signer=PlanSigner(
            authority=signer.text("authority"),
            title=signer.text("title"),
            name=signer.text("name"),
        ),
    )


def load_plan(path_or_text: str | Path) -> PlanTemplate:
    """Parse and validate a plan from a YAML file path or YAML text; ValueError names the field."""
    if isinstance(path_or_text, Path):
        text = path_or_text.read_text(encoding="utf-8")
    elif "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml")):
        text = Path(path_or_text).read_text(encoding="utf-8")
    else:
        text = path_or_text
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"plan: not valid YAML: {exc}") from exc
    return _parse_plan(data)


def _to_plain(value: object) -> object:
    """Dataclasses and tuples to the mappings and lists that YAML writes."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "extra"
        }
    if isinstance(value, tuple | list):
        return [_to_plain(v) for v in value]
    return value


def dump_plan(plan: PlanTemplate) -> str:
    """The plan as YAML text that load_plan reads back to an equal PlanTemplate."""
    return yaml.safe_dump(_to_plain(plan), allow_unicode=True, sort_keys=False, width=1_000_000)


def default_plan() -> PlanTemplate:
    """The shipped Bảo Lạc 2023 plan."""
    return load_plan(DEFAULT_PLAN_PATH)


def next_year(plan: PlanTemplate, year: int) -> PlanTemplate:
    """A new plan for `year` from this one: code, title and closing re-dated, same duties."""
    if not 2000 <= year <= 2100:
        raise ValueError(f"year: expected a year between 2000 and 2100, got {year}")
    old = str(plan.year)

    def redate(text: str) -> str:
        return re.sub(rf"(?<!\d){old}(?!\d)", str(year), text)

    return dataclasses.replace(
        plan,
        code=redate(plan.code) if old in plan.code else f"{plan.code}-{year}",
        title=redate(plan.title),
        closing=redate(plan.closing),
        year=year,
    )
