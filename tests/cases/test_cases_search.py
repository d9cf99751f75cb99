"""Search: diacritic-insensitive full text over cases and items, filters, saved views."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from canhgiac.db.models import Item
from canhgiac.errors import NotFound, ValidationFailed
from canhgiac.services import case_search, cases, routing, triage
from canhgiac.services.case_search import CaseFilters
from tests.cases.factories import make_item


@pytest.fixture
def routed(seeded: Session) -> Session:
    routing.seed_defaults(seeded)
    seeded.commit()
    return seeded


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("lua dao", True),
        ("lừa đảo", True),
        ("LUA DAO", True),
        ("ngan hang", True),
        ("ngân", True),
        ("vcb-xacthuc", True),
        ("trung thuong", False),
        ("", False),
    ],
)
def test_diacritic_insensitive_case_search(
    routed: Session, make_user, query: str, found: bool
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    item = make_item(routed, "Cảnh báo lừa đảo: giả danh ngân hàng tại vcb-xacthuc.top",
                     indicators=(("domain", "vcb-xacthuc.top"),))  # fmt: skip
    case = triage.triage_item(routed, item)
    assert case is not None
    hits, _ = case_search.search_cases(routed, coordinator, CaseFilters(q=query))
    if query:
        assert (case in hits) is found
    assert (item.id in case_search.matching_ids(routed, "item", query)) is (found and bool(query))


def test_items_added_without_triage_are_indexed_lazily(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "CA")
    routed.add(
        Item(
            channel="sms_csv", content="Vay tiền nhanh không cần thế chấp", content_sha256="f" * 64
        )
    )
    routed.flush()
    assert [i.content for i in case_search.search_items(routed, investigator, "vay tien")] == [
        "Vay tiền nhanh không cần thế chấp"
    ]


def test_reindexed_after_changes_and_search_scoped(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    commune = make_user("unit_officer", "X-COBA")
    case = cases.create_case(routed, coordinator, title="Tin rác quảng cáo", category="scam")
    cases.record_legal_basis(
        routed, coordinator, case, "Nghị định 91/2020/NĐ-CP về chống tin nhắn rác"
    )
    cases.assign(routed, coordinator, case, unit_code="CA", reason="chuyển công an")
    assert case_search.search_cases(routed, coordinator, CaseFilters(q="nghi dinh 91"))[1] == 1
    assert case_search.search_cases(routed, commune, CaseFilters(q="quang cao"))[1] == 0
    assert case_search.search_cases(routed, coordinator, CaseFilters(q=case.ref))[1] == 1


def test_filters(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    a = cases.create_case(routed, coordinator, title="A", category="scam", commune_code="X-COBA",
                          now=datetime(2026, 1, 10, 2, 0, tzinfo=UTC))  # fmt: skip
    b = cases.create_case(routed, coordinator, title="B", category="spam",
                          now=datetime(2026, 2, 10, 2, 0, tzinfo=UTC))  # fmt: skip
    cases.transition(routed, coordinator, b, "triaged")

    def refs(**kwargs: object) -> list[str]:
        found, _ = case_search.search_cases(routed, coordinator, CaseFilters(**kwargs))  # type: ignore[arg-type]
        return [c.ref for c in found]

    assert refs(unit="CA") == [a.ref]
    assert refs(category="spam") == [b.ref]
    assert refs(commune="X-COBA") == [a.ref]
    assert refs(state=["triaged"]) == [b.ref]
    assert refs(date_from=date(2026, 2, 1)) == [b.ref]
    assert refs(date_to=date(2026, 1, 31)) == [a.ref]
    assert refs(overdue=True) == [b.ref, a.ref]
    with pytest.raises(ValidationFailed):
        CaseFilters.from_params({"date_from": "31/01/2026"})
    with pytest.raises(ValidationFailed):
        refs(unit="KHONGCO")


def test_saved_views_are_per_user(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    me = make_user("investigator", "CA")
    other = make_user("investigator", "CA")
    filters = CaseFilters.from_params({"state": "new,triaged", "overdue": "1", "q": "lừa đảo"})
    view = case_search.save_view(routed, me, "Quá hạn của tôi", filters)
    assert CaseFilters.from_params(view.filters) == filters
    again = case_search.save_view(routed, me, "Quá hạn của tôi", CaseFilters(category="spam"))
    assert again.id == view.id and view.filters == {"category": "spam"}
    assert [v.name for v in case_search.list_views(routed, other)] == []
    with pytest.raises(NotFound):
        case_search.delete_view(routed, other, view.id)
    with pytest.raises(ValidationFailed):
        case_search.save_view(routed, me, "  ", filters)


def test_index_table_exists_on_both_backends(routed: Session) -> None:
    count = routed.execute(text("SELECT count(*) FROM search_index")).scalar()
    assert count == 0
