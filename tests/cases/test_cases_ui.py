"""Case pages: queue, case page forms without JavaScript, routing editor, review queue, notifications."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Case, Evidence
from canhgiac.services import case_search, cases, routing, triage
from tests.cases.factories import make_item
from tests.helpers import csrf_from, login


def _case(db: Session, content: str = "Nhận quà tặng tại http://qua-tang.top ngay") -> Case:
    routing.seed_defaults(db)
    item = make_item(db, content, indicators=(("domain", "qua-tang.top"),), reports=("scam",),
                     contact={"phone": "0912345678", "name": "Nguyễn Văn A"})  # fmt: skip
    case = triage.triage_item(db, item)
    assert case is not None
    db.commit()
    return case


def test_queue_and_case_page_forms_work_without_js(
    client: TestClient, seeded: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    case = _case(seeded)
    investigator = make_user("investigator", "CA")
    login(client, investigator.email)
    queue = client.get("/vu-viec")
    assert queue.status_code == 200 and case.ref in queue.text
    assert "lua dao" not in queue.text
    found = client.get("/vu-viec", params={"q": "qua tang"})
    assert case.ref in found.text
    page = client.get(f"/vu-viec/{case.ref}")
    assert page.status_code == 200
    assert "qua-tang[.]top" in page.text and "http://qua-tang.top" not in page.text
    token = csrf_from(page.text)
    moved = client.post(f"/vu-viec/{case.ref}/trang-thai", data={"to_state": "triaged", "csrf_token": token},
                        follow_redirects=False)  # fmt: skip
    assert moved.status_code == 303
    refused = client.post(
        f"/vu-viec/{case.ref}/trang-thai", data={"to_state": "rejected", "csrf_token": token}
    )
    assert "Cần nêu lý do" in refused.text
    no_csrf = client.post(f"/vu-viec/{case.ref}/trang-thai", data={"to_state": "verifying"})
    assert no_csrf.status_code == 403
    said = client.post(f"/vu-viec/{case.ref}/trao-doi", data={"body": "<script>alert(1)</script>", "csrf_token": token},
                       headers={"HX-Request": "true"})  # fmt: skip
    assert said.status_code == 200 and 'id="timeline"' in said.text
    assert "<script>alert(1)</script>" not in said.text and "&lt;script&gt;" in said.text
    upload = client.post(f"/vu-viec/{case.ref}/chung-cu", data={"csrf_token": token, "note": "ảnh chụp"},
                         files={"file": ("anh.png", b"\x89PNG fake", "image/png")}, follow_redirects=False)  # fmt: skip
    assert upload.status_code == 303
    seeded.expire_all()
    assert seeded.scalar(select(Evidence.name).where(Evidence.case_id == case.id)) == "anh.png"
    assert seeded.get(Case, case.id).state == "triaged"  # type: ignore[union-attr]


def test_contact_view_is_scoped_and_audited(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    case = _case(seeded)
    investigator = make_user("investigator", "CA")
    login(client, investigator.email)
    page = client.get(f"/vu-viec/{case.ref}")
    assert "0912345678" not in page.text
    report = cases.case_reports(seeded, case)[0]
    shown = client.post(
        f"/vu-viec/{case.ref}/lien-he/{report.id}", data={"csrf_token": csrf_from(page.text)}
    )
    assert shown.status_code == 200 and "0912345678" in shown.text
    seeded.expire_all()
    views = seeded.scalars(select(AuditEntry).where(AuditEntry.action == "contact.view")).all()
    assert len(views) == 1 and views[0].actor_label == investigator.email


def test_unit_officer_cannot_see_police_case_or_contact(
    client: TestClient, seeded: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    case = _case(seeded)
    officer = make_user("unit_officer", "CA")
    commune = make_user("unit_officer", "X-COBA")
    login(client, commune.email)
    assert client.get(f"/vu-viec/{case.ref}").status_code == 404
    assert case.ref not in client.get("/vu-viec").text
    client.post("/dang-xuat", data={"csrf_token": csrf_from(client.get("/vu-viec").text)})
    login(client, officer.email)
    page = client.get(f"/vu-viec/{case.ref}")
    assert page.status_code == 200 and "Không có quyền xem" in page.text
    report = cases.case_reports(seeded, case)[0]
    denied = client.post(
        f"/vu-viec/{case.ref}/lien-he/{report.id}", data={"csrf_token": csrf_from(page.text)}
    )
    assert "0912345678" not in denied.text


def test_routing_editor_is_for_coordinators(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    seeded.commit()
    investigator = make_user("investigator", "CA")
    coordinator = make_user("coordinator", "VHTT")
    login(client, investigator.email)
    assert client.get("/quan-tri/phan-cong").status_code == 403
    login(client, coordinator.email)
    page = client.get("/quan-tri/phan-cong")
    assert page.status_code == 200 and "Công an huyện" in page.text
    saved = client.post("/quan-tri/phan-cong", data={"category": "false_info", "unit": "YT", "csrf_token": csrf_from(page.text)},
                        follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    seeded.expire_all()
    assert routing.route(seeded, "false_info").code == "YT"


def test_review_queue_page_and_bulk_close(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    low = make_item(seeded, "Có thể là lừa đảo?", score=0.3)
    seeded.commit()
    coordinator = make_user("coordinator", "VHTT")
    login(client, coordinator.email)
    page = client.get("/hang-cho-xem-xet")
    assert "Có thể là lừa đảo?" in page.text
    opened = client.post(f"/hang-cho-xem-xet/{low.id}", data={"action": "open", "category": "scam",
                         "csrf_token": csrf_from(page.text)}, follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303
    seeded.expire_all()
    case = seeded.scalar(select(Case))
    assert case is not None and case.owner_unit.code == "CA"
    queue = client.get("/vu-viec")
    closed = client.post("/vu-viec/hang-loat", data={"refs": [case.ref], "action": "close", "reason": "trùng",
                         "csrf_token": csrf_from(queue.text)}, follow_redirects=False)  # fmt: skip
    assert closed.status_code == 303
    seeded.expire_all()
    assert seeded.get(Case, case.id).state == "rejected"  # type: ignore[union-attr]
    notes = client.get("/thong-bao")
    assert notes.status_code == 200


def test_csv_export_neutralises_formulas(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    seeded.commit()
    coordinator = make_user("coordinator", "VHTT")
    for title in ('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "Bình thường"):
        cases.create_case(seeded, coordinator, title=title, category="spam")
    seeded.commit()
    login(client, coordinator.email)
    response = client.get("/vu-viec/xuat.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    titles = {r["title"] for r in rows}
    assert titles == {'\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "Bình thường"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+2", "'=1+2"), ("+84", "'+84"), ("-x", "'-x"), ("@a", "'@a"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("a=b", "a=b"), (None, ""), (3, "3"), ("", "")],
)  # fmt: skip
def test_safe_cell(value: object, cell: str) -> None:
    assert case_search.safe_cell(value) == cell


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_renders(client: TestClient, seeded: Session, make_user, lang: str) -> None:  # type: ignore[no-untyped-def]
    case = _case(seeded)
    coordinator = make_user("coordinator", "VHTT")
    login(client, coordinator.email)
    for path in ("/vu-viec", f"/vu-viec/{case.ref}", "/vu-viec/moi", "/quan-tri/phan-cong",
                 "/hang-cho-xem-xet", "/thong-bao", "/thong-bao/dem", "/vu-viec?overdue=1&state=new"):  # fmt: skip
        response = client.get(path, params={"lang": lang})
        assert response.status_code == 200, (path, response.text[:500])
    fragment = client.get("/vu-viec", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<tbody id="case-rows">') and case.ref in fragment.text
    assert client.get("/vu-viec/VV-1999-000001").status_code == 404
