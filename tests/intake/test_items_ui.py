"""Officers' item pages: list with verdicts and counts, detail, contact views audited, evidence download."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Evidence, Item
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import filing, intake
from tests.helpers import csrf_from, login

SCAM = "Tài khoản bị khóa, đăng nhập http://vcb-xacminh.top/a để mở. Gọi 0912345678"


def _file_reports(db: Session, store: EvidenceStore, fixtures: Path) -> Item:
    for n in range(3):
        filing.submit_report(
            db, category="phishing", content=SCAM, urls=[], phones=[],
            contact={"phone": f"098700011{n}"} if n == 0 else None, consent=n == 0,
            commune="X-COBA", store=store,
            attachments=[("sms.png", (fixtures / "sms_screenshot.png").read_bytes())] if n == 0 else (),
        )  # fmt: skip
    item = db.scalar(select(Item))
    assert item is not None
    item.verdict_label, item.verdict_score, item.scan_state = "scam", 0.97, "done"
    item.verdict = {"label": "scam", "score": 0.97, "reasons": [
        {"kind": "rule", "code": "bank_lock", "message": "Mạo danh ngân hàng: tài khoản bị khóa",
         "weight": 0.6, "spans": []}], "indicators": [
        {"kind": "url", "value": "http://vcb-xacminh.top/a"}]}  # fmt: skip
    intake.ingest_item(db, channel="sms_csv", content="Tin nhắn bình thường về lịch họp tổ dân phố",
                       commune_unit_id=item.commune_unit_id)  # fmt: skip
    db.commit()
    return item


def test_list_detail_and_filters(
    client: TestClient, make_user, seeded: Session, app_store: EvidenceStore, fixtures: Path
) -> None:  # type: ignore[no-untyped-def]
    item = _file_reports(seeded, app_store, fixtures)
    login(client, make_user("unit_officer", "X-COBA").email)
    page = client.get("/noi-dung")
    assert page.status_code == 200
    assert "vcb-xacminh[.]top" in page.text and "vcb-xacminh.top" not in page.text  # defanged
    assert "Lừa đảo" in page.text and "0.97" in page.text and "Chưa rà quét" in page.text
    assert '<td class="count">3' in page.text  # three reports, one item
    only_scam = client.get("/noi-dung?verdict=scam").text
    assert "lịch họp" not in only_scam and "vcb-xacminh[.]top" in only_scam
    assert "lịch họp" in client.get("/noi-dung?channel=sms_csv").text
    assert "lịch họp" in client.get("/noi-dung?verdict=pending").text
    detail = client.get(f"/noi-dung/{item.id}")
    assert detail.status_code == 200
    assert "Mạo danh ngân hàng" in detail.text and "hxxp://vcb-xacminh[.]top/a" in detail.text
    assert "0987000110" not in detail.text  # no contact data without contact.view
    assert "/lien-he" not in detail.text
    assert "sms.png" in detail.text and item.content_sha256 in detail.text
    assert client.get(f"/noi-dung/{item.id}/lien-he").status_code == 403
    assert client.get("/noi-dung/999999").status_code == 404


def test_contact_view_is_audited(
    client: TestClient, make_user, seeded: Session, app_store: EvidenceStore, fixtures: Path
) -> None:  # type: ignore[no-untyped-def]
    item = _file_reports(seeded, app_store, fixtures)
    investigator = make_user("investigator", "CA")
    login(client, investigator.email)
    assert "/lien-he" in client.get(f"/noi-dung/{item.id}").text
    page = client.get(f"/noi-dung/{item.id}/lien-he")
    assert page.status_code == 200 and "0987000110" in page.text
    seeded.expire_all()
    entry = seeded.scalar(select(AuditEntry).where(AuditEntry.action == "contact.view"))
    assert entry is not None and entry.actor_label == investigator.email


def test_viewer_cannot_see_items(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("viewer").email)
    assert client.get("/noi-dung").status_code == 403


def test_evidence_page_and_download(
    client: TestClient, make_user, seeded: Session, app_store: EvidenceStore, fixtures: Path
) -> None:  # type: ignore[no-untyped-def]
    _file_reports(seeded, app_store, fixtures)
    shot = seeded.scalar(select(Evidence).where(Evidence.kind == "screenshot"))
    assert shot is not None
    user = make_user("investigator", "CA")
    login(client, user.email)
    page = client.get(f"/chung-cu/{shot.id}")
    assert page.status_code == 200 and shot.blob_sha256 in page.text
    assert "evidence.add" in page.text and "image/png" in page.text
    download = client.get(f"/chung-cu/{shot.id}/tai-ve")
    assert download.status_code == 200
    assert download.content == (fixtures / "sms_screenshot.png").read_bytes()
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/octet-stream"
    seeded.expire_all()
    assert seeded.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.download",
                                                  AuditEntry.actor_label == user.email))  # fmt: skip
    assert client.get("/chung-cu/999999/tai-ve").status_code == 404


def test_hostile_html_evidence_is_never_inline(
    client: TestClient, make_user, seeded: Session, app_store: EvidenceStore
) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.services.evidence import add_evidence

    ev = add_evidence(seeded, app_store, b"<script>alert(1)</script>", media_type="text/html",
                      name="trang <b>gia</b> mao.html", kind="page")  # fmt: skip
    seeded.commit()
    login(client, make_user("coordinator").email)
    page = client.get(f"/chung-cu/{ev.id}")
    assert "<b>gia</b>" not in page.text and "&lt;b&gt;gia&lt;/b&gt;" in page.text
    download = client.get(f"/chung-cu/{ev.id}/tai-ve")
    assert "text/html" not in download.headers["content-type"]
    assert download.headers["content-disposition"].startswith("attachment;")


def test_officer_csv_import_form(
    client: TestClient, make_user, seeded: Session, fixtures: Path
) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("unit_officer", "X-COBA").email)
    form = client.get("/noi-dung/nhap-csv")
    assert form.status_code == 200 and '<label for="file"' in form.text
    csrf = csrf_from(form.text)
    data = (fixtures / "viettel_complaints.csv").read_bytes()
    response = client.post("/noi-dung/nhap-csv", data={"csrf_token": csrf, "source": "Viettel"},
                           files={"file": ("viettel.csv", data, "text/csv")})  # fmt: skip
    assert response.status_code == 200, response.text
    assert "imported 4, duplicates 1, errors 3" in response.text
    assert "thời gian không hợp lệ" in response.text
    broken = client.post("/noi-dung/nhap-csv", data={"csrf_token": csrf, "source": "Viettel"},
                         files={"file": ("b.csv", (fixtures / "binary.csv").read_bytes(), "text/csv")})  # fmt: skip
    assert broken.status_code == 422 and "không phải CSV" in broken.text
    no_csrf = client.post("/noi-dung/nhap-csv", data={"source": "Viettel"},
                          files={"file": ("v.csv", data, "text/csv")})  # fmt: skip
    assert no_csrf.status_code == 403
