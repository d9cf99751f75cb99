"""Finding cases: filters, diacritic-insensitive full text, saved views and CSV export.

The full-text index (`search_index`, created by migration 0002) holds FOLDED text (no diacritics,
lower case, teencode expanded), so "lua dao" finds "lừa đảo". SQLite uses an FTS5 virtual table
whose rowid encodes the document (id * 4 + type); PostgreSQL a plain table with a GIN index on
`to_tsvector('simple', body)`. Cases are indexed by this package's services whenever they change;
items are indexed when triage sees them, and any item or case missing from the index is added
lazily before a text search (intake does not call us).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, CaseItem, Item, ItemIndicator, SavedView, Unit, User
from canhgiac.errors import NotFound, ValidationFailed
from canhgiac.i18n import LOCAL_TZ, N_
from canhgiac.services import audit, permissions
from canhgiac.text.normalize import fold

DOC_TYPES = {"case": 0, "item": 1}
MAX_ITEM_TEXT = 4000
MAX_CASE_ITEMS = 20
BACKFILL_BATCH = 2000
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
OPEN_STATES = ("new", "triaged", "verifying", "acting", "awaiting_response")


# --- the index ----------------------------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_text(body: str) -> str:
    """What the index stores: folded words split at punctuation, so both backends agree."""
    return " ".join(_TOKEN_RE.findall(fold(body)))


def _put(session: Session, doc_type: str, doc_id: int, body: str) -> None:
    folded = index_text(body)
    if _dialect(session) == "sqlite":
        rowid = doc_id * 4 + DOC_TYPES[doc_type]
        session.execute(text("DELETE FROM search_index WHERE rowid = :r"), {"r": rowid})
        session.execute(
            text(
                "INSERT INTO search_index (rowid, doc_type, doc_id, body) VALUES (:r, :t, :i, :b)"
            ),
            {"r": rowid, "t": doc_type, "i": doc_id, "b": folded},
        )
    else:
        session.execute(
            text(
                "INSERT INTO search_index (doc_type, doc_id, body) VALUES (:t, :i, :b) "
                "ON CONFLICT (doc_type, doc_id) DO UPDATE SET body = EXCLUDED.body"
            ),
            {"t": doc_type, "i": doc_id, "b": folded},
        )


def _indicator_text(session: Session, item_ids: list[int]) -> str:
    if not item_ids:
        return ""
    rows = session.execute(
        select(ItemIndicator.value).where(ItemIndicator.item_id.in_(item_ids)).distinct()
    )
    return " ".join(r.value for r in rows)


def index_item(session: Session, item: Item) -> None:
    """Put an item's text (title, content, sender, indicators) into the index."""
    parts = [item.title or "", item.sender or "", item.content[:MAX_ITEM_TEXT]]
    parts.append(_indicator_text(session, [item.id]))
    _put(session, "item", item.id, "\n".join(parts))


def index_case(session: Session, case: Case) -> None:
    """Put a case's reference, title and its items' text into the index."""
    session.flush()
    items = list(
        session.scalars(
            select(Item)
            .join(CaseItem, CaseItem.item_id == Item.id)
            .where(CaseItem.case_id == case.id)
            .order_by(Item.id)
            .limit(MAX_CASE_ITEMS)
        )
    )
    parts = [case.ref, case.title, case.legal_basis or ""]
    parts += [f"{i.title or ''} {i.content[:MAX_ITEM_TEXT]}" for i in items]
    parts.append(_indicator_text(session, [i.id for i in items]))
    _put(session, "case", case.id, "\n".join(parts))


def _missing_ids(session: Session, doc_type: str, table: str, limit: int) -> list[int]:
    """Ids of rows of `table` that have no document in the index (an anti-join, no full scan)."""
    if _dialect(session) == "sqlite":
        sql = (
            f"SELECT id FROM {table} WHERE NOT EXISTS "  # noqa: S608 (table is one of two constants)
            f"(SELECT 1 FROM search_index WHERE rowid = {table}.id * 4 + :code) "
            "ORDER BY id LIMIT :n"
        )
    else:
        sql = (
            f"SELECT id FROM {table} t WHERE NOT EXISTS "  # noqa: S608 (table is one of two constants)
            "(SELECT 1 FROM search_index s WHERE s.doc_type = :t AND s.doc_id = t.id) "
            "ORDER BY id LIMIT :n"
        )
    params = {"code": DOC_TYPES[doc_type], "t": doc_type, "n": limit}
    return [int(r[0]) for r in session.execute(text(sql), params)]


def backfill(session: Session, limit: int = BACKFILL_BATCH) -> int:
    """Index up to `limit` cases and items that are not in the index yet; return how many."""
    done = 0
    for doc_type, model, table in (("case", Case, "cases"), ("item", Item, "items")):
        for obj_id in _missing_ids(session, doc_type, table, max(0, limit - done)):
            obj = session.get(model, obj_id)
            if isinstance(obj, Case):
                index_case(session, obj)
            elif isinstance(obj, Item):
                index_item(session, obj)
            done += 1
    return done


def query_terms(query: str) -> list[str]:
    """The folded words of a free-text query."""
    return _TOKEN_RE.findall(fold(query))[:12]


def matching_ids(session: Session, doc_type: str, query: str, limit: int = 5000) -> list[int]:
    """Ids of documents of a type whose text has every word of `query` (prefix match)."""
    terms = query_terms(query)
    if not terms:
        return []
    if _dialect(session) == "sqlite":
        match = " AND ".join(f'"{t}"*' for t in terms)
        sql = (
            "SELECT doc_id FROM search_index WHERE search_index MATCH :m AND doc_type = :t "
            "ORDER BY rank LIMIT :n"
        )
        rows = session.execute(text(sql), {"m": match, "t": doc_type, "n": limit})
    else:
        tsquery = " & ".join(f"{t}:*" for t in terms)
        sql = (
            "SELECT doc_id FROM search_index WHERE doc_type = :t AND "
            "to_tsvector('simple', body) @@ to_tsquery('simple', :q) LIMIT :n"
        )
        rows = session.execute(text(sql), {"q": tsquery, "t": doc_type, "n": limit})
    return [int(r[0]) for r in rows]


def search_items(session: Session, user: User, query: str, limit: int = 100) -> list[Item]:
    """Items whose text matches `query` (diacritic-insensitive)."""
    permissions.require(user, "item.view")
    backfill(session)
    ids = matching_ids(session, "item", query, limit)
    if not ids:
        return []
    found = permissions.scoped_items(select(Item).where(Item.id.in_(ids)), user)
    return list(session.scalars(found.order_by(Item.id.desc())))


# --- filters ------------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    """What a queue shows; the same names in the API, the UI, the CLI and saved views."""

    state: list[str] = field(default_factory=list)
    unit: str = ""
    category: str = ""
    commune: str = ""
    severity: str = ""
    assignee: str = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    open_only: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CaseFilters:
        """Parse query-string style values; bad values are a ValidationFailed."""

        def one(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list):
                value = value[0] if value else ""
            return str(value or "").strip()

        raw_state = params.get("state") or []
        states = raw_state if isinstance(raw_state, list) else str(raw_state).split(",")
        states = [s.strip() for s in states if str(s).strip()]
        for s in states:
            if s not in (*OPEN_STATES, "resolved", "rejected", "archived"):
                raise ValidationFailed(f"Trạng thái không hợp lệ: {s}.", field="state")
        return cls(
            state=states,
            unit=one("unit").upper(),
            category=one("category"),
            commune=one("commune").upper(),
            severity=one("severity"),
            assignee=one("assignee"),
            date_from=_parse_date(one("date_from"), "date_from"),
            date_to=_parse_date(one("date_to"), "date_to"),
            overdue=one("overdue").lower() in ("1", "true", "yes", "on"),
            open_only=one("open_only").lower() in ("1", "true", "yes", "on"),
            q=one("q")[:200],
        )

    def to_params(self) -> dict[str, Any]:
        """JSON-ready form (for saved views and links)."""
        data = asdict(self)
        for key in ("date_from", "date_to"):
            data[key] = data[key].isoformat() if data[key] else ""
        return {k: v for k, v in data.items() if v not in ("", [], False, None)}


def _parse_date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"Ngày không hợp lệ (YYYY-MM-DD): {value}.", field=name) from None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def filtered_query(
    session: Session, user: User | None, filters: CaseFilters, *, now: datetime | None = None
) -> Select[Any]:
    """The user's visible cases narrowed by `filters`, newest first (user None: district-wide,
    for the console and jobs)."""
    from canhgiac.services.cases import scoped

    query = select(Case) if user is None else scoped(select(Case), user)
    if filters.state:
        query = query.where(Case.state.in_(filters.state))
    elif filters.open_only:
        query = query.where(Case.state.in_(OPEN_STATES))
    if filters.unit:
        query = query.where(Case.owner_unit_id == _unit_id(session, filters.unit))
    if filters.commune:
        query = query.where(Case.commune_unit_id == _unit_id(session, filters.commune))
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.severity:
        query = query.where(Case.severity == filters.severity)
    if filters.assignee:
        if filters.assignee == "me" and user is not None:
            query = query.where(Case.assignee_id == user.id)
        else:
            query = query.join(User, User.id == Case.assignee_id).where(
                func.lower(User.email) == filters.assignee.lower()
            )
    if filters.date_from:
        query = query.where(Case.created_at >= _local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(Case.created_at < _local_midnight(filters.date_to + timedelta(days=1)))
    if filters.overdue:
        query = query.where(
            Case.state.in_(OPEN_STATES),
            Case.deadline_at.is_not(None),
            Case.deadline_at < (now or utcnow()),
        )
    if filters.q:
        backfill(session)
        ids = matching_ids(session, "case", filters.q)
        # A reference typed exactly also finds the case.
        ids += list(session.scalars(select(Case.id).where(Case.ref == filters.q.strip().upper())))
        query = query.where(Case.id.in_(ids or [-1]))
    return query.order_by(Case.id.desc())


def _unit_id(session: Session, code: str) -> int:
    unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
    if unit_id is None:
        raise ValidationFailed(f"Không có đơn vị mã '{code}'.", field="unit")
    return int(unit_id)


def search_cases(
    session: Session,
    user: User,
    filters: CaseFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[Case], int]:
    """One page of matching cases and the total count."""
    query = filtered_query(session, user, filters, now=now)
    total = int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    page = list(session.scalars(query.limit(max(1, min(limit, 500))).offset(max(0, offset))))
    return page, total


# --- CSV export ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "ref",
    "title",
    "category",
    "severity",
    "state",
    "owner_unit",
    "commune",
    "assignee",
    "created_at",
    "deadline_at",
    "overdue",
    "closed_at",
    "outcome_code",
)


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (leading = + - @ TAB CR get an apostrophe)."""
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def case_rows(
    session: Session, cases: Iterable[Case], now: datetime | None = None
) -> list[dict[str, Any]]:
    """Plain records of cases (CSV, JSON lines, CLI table)."""
    now = now or utcnow()
    units = {u.id: u.code for u in session.scalars(select(Unit))}
    rows = []
    for case in cases:
        overdue = (
            case.state in OPEN_STATES and case.deadline_at is not None and case.deadline_at < now
        )
        rows.append(
            {
                "ref": case.ref,
                "title": case.title,
                "category": case.category,
                "severity": case.severity,
                "state": case.state,
                "owner_unit": units.get(case.owner_unit_id, ""),
                "commune": units.get(case.commune_unit_id, "") if case.commune_unit_id else "",
                "assignee": case.assignee.email if case.assignee else "",
                "created_at": case.created_at.isoformat(),
                "deadline_at": case.deadline_at.isoformat() if case.deadline_at else "",
                "overdue": overdue,
                "closed_at": case.closed_at.isoformat() if case.closed_at else "",
                "outcome_code": case.outcome_code or "",
            }
        )
    return rows


def export_csv(session: Session, user: User, filters: CaseFilters, *, limit: int = 50_000) -> str:
    """The matching cases as CSV (UTF-8 with BOM so spreadsheets read Vietnamese correctly)."""
    cases = list(session.scalars(filtered_query(session, user, filters).limit(limit)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in case_rows(session, cases):
        writer.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
    audit.record(
        session, user, "case.export", "case", "*", {"rows": len(cases), **filters.to_params()}
    )
    return "\ufeff" + out.getvalue()


# --- saved views --------------------------------------------------------------------------------


def save_view(session: Session, user: User, name: str, filters: CaseFilters) -> SavedView:
    """Save (or overwrite by name) a set of filters for this user."""
    permissions.require(user, "case.view")
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed(N_("Tên bộ lọc phải có từ 1 đến 120 ký tự."), field="name")
    view = session.scalar(
        select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name)
    )
    if view is None:
        view = SavedView(user_id=user.id, name=name)
        session.add(view)
    view.filters = filters.to_params()
    session.flush()
    return view


def list_views(session: Session, user: User) -> list[SavedView]:
    """The user's saved views by name."""
    return list(
        session.scalars(
            select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.name)
        )
    )


def get_view(session: Session, user: User, view_id: int) -> SavedView:
    """One of the user's own saved views."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound(f"Không tìm thấy bộ lọc #{view_id}.")
    return view


def delete_view(session: Session, user: User, view_id: int) -> None:
    """Delete one of the user's saved views."""
    session.delete(get_view(session, user, view_id))
