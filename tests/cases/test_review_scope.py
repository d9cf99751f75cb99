"""Who sees what in the review queue (Decree 13/2023): a commune officer only their commune's items,
the district roles all of them; and the officer who opens a case keeps seeing it after routing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Case, Item
from canhgiac.db.models.cases import ReviewDecision
from canhgiac.errors import NotFound, PermissionDenied
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import case_search, cases, intake, routing, triage, units
from tests.cases.factories import make_item
from tests.helpers import csrf_from, login


@pytest.fixture
def routed(seeded: Session) -> Session:
    routing.seed_defaults(seeded)
    seeded.commit()
    return seeded


def _queue(db: Session) -> dict[str, Item]:
    """Three items below the threshold: one per commune, one with no commune (an SMS import)."""
    items = {
        "coba": make_item(db, "Cô Ba: nghi lừa đảo nhận quà", score=0.4, commune="X-COBA"),
        "baotoan": make_item(db, "Bảo Toàn: nghi lừa đảo vay vốn", score=0.4, commune="X-BAOTOAN"),
        "none": make_item(db, "Tin nhắn nhà mạng: nghi lừa đảo", score=0.4),
    }
    for item in items.values():
        assert triage.triage_item(db, item) is None
    db.commit()
    return items


def _ids(db: Session, user) -> tuple[set[int], int]:  # type: ignore[no-untyped-def]
    page, total = triage.review_queue(db, user)
    return {i.id for i in page}, total


def test_commune_officer_sees_only_their_communes_review_items(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    items = _queue(routed)
    everything = {i.id for i in items.values()}
    officer = make_user("unit_officer", "X-COBA")
    assert _ids(routed, officer) == ({items["coba"].id}, 1)
    assert _ids(routed, make_user("unit_officer", "X-BAOTOAN")) == ({items["baotoan"].id}, 1)
    # A unit-scoped user of a district office has no commune: nothing in the queue is theirs.
    assert _ids(routed, make_user("unit_officer", "TCKH")) == (set(), 0)
    # The district roles keep the whole queue.
    for role, unit in (("coordinator", "VHTT"), ("administrator", "VHTT"), ("investigator", "CA")):
        assert _ids(routed, make_user(role, unit)) == (everything, 3), role


@pytest.mark.parametrize("which", ["baotoan", "none", "missing"])
def test_acting_on_an_item_outside_ones_commune_is_not_found(
    routed: Session, make_user, which: str
) -> None:  # type: ignore[no-untyped-def]
    items = _queue(routed)
    officer = make_user("unit_officer", "X-COBA")
    police = make_user("investigator", "CA")
    target = cases.create_case(routed, police, title="Vụ việc của công an", category="scam")
    routed.commit()
    item_id = items[which].id if which in items else 999_999
    # Another commune's item answers like a missing one: its existence is not revealed.
    with pytest.raises(NotFound, match=f"#{item_id}"):
        triage.open_case_from_review(routed, officer, item_id, category="scam")
    with pytest.raises(NotFound, match=f"#{item_id}"):
        triage.dismiss(routed, officer, item_id, reason="không phải việc của xã")
    with pytest.raises(NotFound, match=f"#{item_id}"):
        triage.merge_into_case(routed, officer, item_id, target.ref)
    routed.rollback()
    assert routed.scalar(select(func.count()).select_from(ReviewDecision)) == 0
    assert routed.scalar(select(func.count()).select_from(Case)) == 1
    # A viewer (no item.view) is refused outright, as before.
    with pytest.raises(PermissionDenied):
        triage.dismiss(routed, make_user("viewer", "X-COBA"), items["coba"].id)


def test_commune_officer_acts_on_their_own_item(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    items = _queue(routed)
    officer = make_user("unit_officer", "X-COBA")
    decision = triage.dismiss(routed, officer, items["coba"].id, reason="quảng cáo hợp pháp")
    assert decision.item_id == items["coba"].id
    assert _ids(routed, officer) == (set(), 0)
    assert _ids(routed, make_user("coordinator", "VHTT"))[1] == 2


def test_opener_keeps_seeing_the_routed_case_read_only(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    items = _queue(routed)
    officer = make_user("unit_officer", "X-COBA")
    case = triage.open_case_from_review(routed, officer, items["coba"].id, category="scam")
    routed.commit()
    # Routing still decides who is responsible: a scam goes to the district police.
    assert case.owner_unit.code == "CA" and case.created_by_id == officer.id
    assert cases.get_case(routed, officer, case.ref).id == case.id
    assert cases.can_view(officer, case)
    found, total = case_search.search_cases(routed, officer, case_search.CaseFilters())
    assert total == 1 and [c.ref for c in found] == [case.ref]
    # ... but only the owner unit changes it.
    with pytest.raises(PermissionDenied):
        cases.transition(routed, officer, case, "triaged")
    with pytest.raises(PermissionDenied):
        cases.comment(routed, officer, case, "Xã Cô Ba theo dõi.")
    police = make_user("investigator", "CA")
    assert cases.transition(routed, police, case, "triaged").state == "triaged"
    # Seeing it is the opener's, not the whole commune's nor another commune's.
    for other in (make_user("unit_officer", "X-COBA"), make_user("unit_officer", "X-BAOTOAN")):
        with pytest.raises(NotFound):
            cases.get_case(routed, other, case.ref)
        assert case_search.search_cases(routed, other, case_search.CaseFilters())[1] == 0


def test_review_page_and_actions_are_scoped_on_the_web(
    client: TestClient, routed: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    items = _queue(routed)
    officer = make_user("unit_officer", "X-COBA")
    login(client, officer.email)
    page = client.get("/hang-cho-xem-xet")
    assert page.status_code == 200
    assert "Cô Ba: nghi lừa đảo" in page.text
    assert "Bảo Toàn: nghi lừa đảo" not in page.text and "Tin nhắn nhà mạng" not in page.text
    token = csrf_from(page.text)
    refused = client.post(f"/hang-cho-xem-xet/{items['baotoan'].id}",
                          data={"action": "dismiss", "reason": "x", "csrf_token": token})  # fmt: skip
    assert refused.status_code == 200 and f"#{items['baotoan'].id}" in refused.text
    routed.expire_all()
    assert routed.scalar(select(func.count()).select_from(ReviewDecision)) == 0
    opened = client.post(f"/hang-cho-xem-xet/{items['coba'].id}",
                         data={"action": "open", "category": "scam", "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303
    routed.expire_all()
    case = routed.scalar(select(Case))
    assert case is not None and case.owner_unit.code == "CA"
    shown = client.get(f"/vu-viec/{case.ref}")
    assert shown.status_code == 200 and case.ref in shown.text
    assert case.ref in client.get("/vu-viec").text


def test_a_commune_officers_import_is_filed_for_their_commune(
    routed: Session, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = EvidenceStore(tmp_path / "evidence")
    officer = make_user("unit_officer", "X-COBA")
    coordinator = make_user("coordinator", "VHTT")
    mine = intake.import_sms_csv(routed, store, "noi_dung\nNhận thưởng tại http://qua.top\n".encode(),
                                 filename="xa.csv", source_name="Viettel", actor=officer)  # fmt: skip
    district = intake.import_sms_csv(routed, store, b"noi_dung\nVay nhanh 0912345678\n",
                                     filename="huyen.csv", source_name="Viettel", actor=coordinator)  # fmt: skip
    for item_id in (*mine.item_ids, *district.item_ids):
        item = routed.get(Item, item_id)
        assert item is not None
        item.verdict_label, item.verdict_score, item.verdict = "scam", 0.4, {"label": "scam"}
    routed.flush()
    assert mine.item_ids and district.item_ids
    coba = units.get_unit(routed, "X-COBA").id
    assert routed.get(Item, mine.item_ids[0]).commune_unit_id == coba  # type: ignore[union-attr]
    assert routed.get(Item, district.item_ids[0]).commune_unit_id is None  # type: ignore[union-attr]
    assert _ids(routed, officer) == (set(mine.item_ids), 1)
    assert _ids(routed, coordinator)[1] == 2


def test_item_pages_and_search_are_scoped_like_the_queue(
    client: TestClient, routed: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    items = _queue(routed)
    officer = make_user("unit_officer", "X-COBA")
    coordinator = make_user("coordinator", "VHTT")
    # The list of received content, item search and the item page show a commune officer only
    # what was filed for their commune; the district sees everything.
    mine, total = intake.list_items(routed, user=officer)
    assert [i.id for i in mine] == [items["coba"].id] and total == 1
    assert intake.list_items(routed, user=coordinator)[1] == 3
    found = case_search.search_items(routed, officer, "nghi lua dao")
    assert [i.id for i in found] == [items["coba"].id]
    assert len(case_search.search_items(routed, coordinator, "nghi lua dao")) == 3
    with pytest.raises(NotFound):
        intake.get_item(routed, items["baotoan"].id, officer)
    assert intake.get_item(routed, items["coba"].id, officer).id == items["coba"].id
    login(client, officer.email)
    listing = client.get("/noi-dung")
    assert listing.status_code == 200 and "Cô Ba: nghi lừa đảo" in listing.text
    assert "Bảo Toàn: nghi lừa đảo" not in listing.text and "Tin nhắn nhà mạng" not in listing.text
    assert client.get(f"/noi-dung/{items['coba'].id}").status_code == 200
    for other in ("baotoan", "none"):
        assert client.get(f"/noi-dung/{items[other].id}").status_code == 404
