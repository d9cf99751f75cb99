"""The actions area over HTTP: officer pages, the API and feeds, public warning pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Case, FalsePositiveReport, TakedownRequest, Warning
from canhgiac.services import accounts, claims_kb, warnings
from tests.actions.action_helpers import PHISHING_DOMAIN, evidence_hashes, pdf_pages
from tests.documents.doc_helpers import docx_text
from tests.helpers import csrf_from, login

LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def _token(db: Session, user) -> str:  # type: ignore[no-untyped-def]
    secret, _ = accounts.create_token(db, None, user, name="isp", scopes="*")
    db.commit()
    return secret


def test_coordinator_drafts_approves_sends_answers_and_downloads_letters(
    client: TestClient, make_user, phishing_case: Case, actions_db: Session
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    login(client, coordinator.email)
    form = client.get(f"/van-ban-de-nghi/moi?vu_viec={phishing_case.ref}")
    assert form.status_code == 200 and "Luật An ninh mạng" in form.text
    response = client.post(
        "/van-ban-de-nghi/moi",
        data={
            "csrf_token": csrf_from(form.text), "case": phishing_case.ref,
            "action": "block_domain", "recipients": ["VIETTEL", "ISP-FPT"],
            "indicators": f"domain {PHISHING_DOMAIN} | Giả mạo Agribank\nhttps://{PHISHING_DOMAIN}/otp",
            "legal_basis": "Luật An ninh mạng năm 2018", "facts": "Trang giả mạo.",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    assert actions_db.scalar(select(func.count()).select_from(TakedownRequest)) == 2
    detail_url = response.headers["location"]
    detail = client.get(detail_url)
    assert "agribank-xacthuc[.]com" in detail.text and "Phê duyệt" in detail.text
    token = csrf_from(detail.text)
    assert client.post(f"{detail_url}/phe-duyet", data={"csrf_token": token}).status_code == 200
    assert client.post(f"{detail_url}/gui", data={"csrf_token": token}).status_code == 200
    answered = client.post(
        f"{detail_url}/phan-hoi",
        data={"csrf_token": token, "outcome": "done", "answer": "Đã chặn."},
    )
    assert answered.status_code == 200 and "Đã xử lý" in answered.text
    docx = client.get(f"{detail_url}/cong-van.docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    text = docx_text(docx.content)
    assert "agribank-xacthuc[.]com" in text and evidence_hashes()[1] in text
    pdf = client.get(f"{detail_url}/cong-van.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"{detail_url}/cong-van.odt").status_code == 422
    listing = client.get("/van-ban-de-nghi")
    assert "1/VHTT-CV" in listing.text
    indicators_page = client.get("/dau-hieu")
    assert "agribank-xacthuc[.]com" in indicators_page.text


def test_permission_denials_on_pages(
    client: TestClient, make_user, phishing_case: Case, actions_db: Session
) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.services import takedown

    draft = takedown.create_request(
        actions_db, make_user("investigator", "VHTT"), case=phishing_case, recipient="VIETTEL",
        action="block_domain", indicators=[("domain", PHISHING_DOMAIN)],
    )  # fmt: skip
    actions_db.commit()
    investigator = make_user("investigator", "VHTT")
    login(client, investigator.email)
    page = client.get(f"/van-ban-de-nghi/{draft.id}")
    assert page.status_code == 200 and "Phê duyệt và cấp số" not in page.text
    denied = client.post(
        f"/van-ban-de-nghi/{draft.id}/phe-duyet", data={"csrf_token": csrf_from(page.text)}
    )
    assert denied.status_code == 403
    assert client.get("/quan-ly/canh-bao").status_code == 200  # investigators draft warnings
    viewer = make_user("viewer", "VHTT")
    with TestClient(client.app) as other:
        login(other, viewer.email)
        for path in ("/van-ban-de-nghi", "/dau-hieu", "/quan-ly/canh-bao", "/quan-ly/nhan-tin"):
            assert other.get(path).status_code == 403, path
    actions_db.expire_all()
    assert actions_db.get(TakedownRequest, draft.id).state == "draft"  # type: ignore[union-attr]


def test_api_requests_and_token_protected_feeds(
    client: TestClient, make_user, phishing_case: Case, actions_db: Session
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    auth = {"Authorization": f"Bearer {_token(actions_db, coordinator)}"}
    created = client.post(
        "/api/v1/requests",
        json={"case": phishing_case.ref, "recipients": ["MOBIFONE"], "action": "block_phone",
              "indicators": [{"kind": "phone", "value": "0912 345 678"}]},
        headers=auth,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    (row,) = created.json()
    assert row["state"] == "draft" and row["legal_basis"][0].startswith("Luật An ninh mạng")
    approved = client.post(f"/api/v1/requests/{row['id']}/approve", headers=auth)
    assert approved.status_code == 200 and approved.json()["number"] == "1/VHTT-CV"
    assert client.post(f"/api/v1/requests/{row['id']}/send", headers=auth).json()["state"] == "sent"
    letter = client.get(f"/api/v1/requests/{row['id']}/letter.pdf", headers=auth)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    listed = client.get("/api/v1/requests", params={"case": phishing_case.ref}, headers=auth)
    assert [r["id"] for r in listed.json()] == [row["id"]]
    bad = client.post(
        f"/api/v1/requests/{row['id']}/answer", json={"outcome": "maybe"}, headers=auth
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    phones = client.get("/api/v1/feeds/phones", headers=auth)
    assert phones.status_code == 200 and "912345678" in phones.text
    client.post(
        "/api/v1/indicators", json={"kind": "domain", "value": PHISHING_DOMAIN}, headers=auth
    )
    rpz = client.get("/api/v1/feeds/rpz", headers=auth)
    assert rpz.status_code == 200 and f"{PHISHING_DOMAIN} CNAME ." in rpz.text
    assert client.get("/api/v1/feeds/rpz").status_code == 401
    assert (
        client.get("/api/v1/feeds/rpz", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert client.get("/api/v1/feeds/docx", headers=auth).status_code == 404
    login(client, coordinator.email)
    assert (
        client.get("/api/v1/feeds/rpz").status_code == 401
    )  # a browser session is not a feed token
    viewer_auth = {"Authorization": f"Bearer {_token(actions_db, make_user('viewer'))}"}
    assert client.get("/api/v1/requests", headers=viewer_auth).status_code == 403
    assert client.get("/api/v1/feeds/stix", headers=viewer_auth).status_code == 200


def test_public_fact_check_page_feed_poster_and_claim_match_api(
    client: TestClient, make_user, actions_db: Session, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    claims_kb.seed_claims(actions_db)
    claim = claims_kb.list_claims(actions_db)[0]
    coordinator = make_user("coordinator", "VHTT")
    warning = warnings.create_warning(
        actions_db, coordinator, kind="fact_check", claim=claim,
        title="Đính chính </script> tin đồn", body="Thông tin chính thống <b>không</b> như vậy.",
    )  # fmt: skip
    warnings.submit_for_review(actions_db, coordinator, warning)
    warnings.publish(actions_db, coordinator, warning)
    actions_db.commit()

    page = client.get(f"/canh-bao/{warning.slug}")
    assert page.status_code == 200 and "&lt;b&gt;không&lt;/b&gt;" in page.text
    (raw,) = LD_RE.findall(page.text)
    doc = json.loads(raw)
    assert doc["@type"] == "ClaimReview" and doc["claimReviewed"] == claim.text
    assert doc["headline"] == warning.title and doc["url"].endswith(warning.slug)
    listing = client.get("/canh-bao", params={"q": "tin don"})
    assert warning.slug in listing.text
    feed = feedparser.parse(client.get("/canh-bao/feed.xml").content)
    assert not feed.bozo and feed.entries[0].title == warning.title
    assert feed.entries[0].link.endswith(f"/canh-bao/{warning.slug}")
    poster = client.get(f"/canh-bao/{warning.slug}/ap-phich.pdf")
    assert poster.status_code == 200 and pdf_pages(poster.content, tmp_path) == 1
    assert client.get("/canh-bao/khong-co-bai-nay").status_code == 404

    draft = warnings.create_warning(actions_db, coordinator, title="Bản nháp riêng", body="x")
    actions_db.commit()
    assert client.get(f"/canh-bao/{draft.slug}").status_code == 404

    paraphrase = claim.paraphrases[0]
    auth = {"Authorization": f"Bearer {_token(actions_db, coordinator)}"}
    matched = client.post(
        "/api/v1/claims/match", json={"texts": [paraphrase, "Trời hôm nay đẹp"]}, headers=auth
    )
    assert matched.status_code == 200
    first, second = matched.json()
    assert first["claim_id"] == claim.code and second == {
        "index": 1,
        "claim_id": None,
        "similarity": None,
    }


def test_public_false_positive_form(client: TestClient, actions_db: Session) -> None:
    form = client.get("/go-chan")
    assert form.status_code == 200
    empty = client.post(
        "/go-chan", data={"csrf_token": csrf_from(form.text), "value": "x", "reason": " "}
    )
    assert empty.status_code == 422
    sent = client.post(
        "/go-chan",
        data={"csrf_token": csrf_from(form.text), "value": "cho-que.vn", "reason": "Trang của HTX"},
    )
    assert sent.status_code == 200 and "Đã nhận đề nghị gỡ chặn" in sent.text
    assert actions_db.scalar(select(func.count()).select_from(FalsePositiveReport)) == 1
    assert client.post("/go-chan", data={"value": "a.vn", "reason": "r"}).status_code == 403


def test_warning_editor_pages(client: TestClient, make_user, actions_db: Session) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "CA")
    login(client, investigator.email)
    page = client.get("/quan-ly/canh-bao")
    created = client.post(
        "/quan-ly/canh-bao",
        data={"csrf_token": csrf_from(page.text), "title": "Cảnh báo mạo danh công an",
              "body": "Công an không gọi điện yêu cầu chuyển tiền.", "kind": "warning"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303
    url = created.headers["location"]
    edit = client.get(url)
    assert "Văn bản phát trên loa truyền thanh" in edit.text and "Duyệt và đăng" not in edit.text
    token = csrf_from(edit.text)
    assert client.post(f"{url}/gui-duyet", data={"csrf_token": token}).status_code == 200
    assert client.post(f"{url}/dang", data={"csrf_token": token}).status_code == 403
    warning = actions_db.scalar(select(Warning))
    assert warning is not None
    actions_db.refresh(warning)
    assert warning.state == "review"


def test_indicator_pages_import_export_decide_and_recipient_edit(
    client: TestClient, make_user, actions_db: Session
) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.services import indicators

    coordinator = make_user("coordinator", "VHTT")
    login(client, coordinator.email)
    page = client.get("/dau-hieu")
    token = csrf_from(page.text)
    imported = client.post(
        "/dau-hieu/nhap",
        data={"csrf_token": token, "format": "txt", "source": "Đối tác"},
        files={"file": ("list.txt", b"evil-one.example\ncho-que.vn\nkhong hop le\n", "text/plain")},
    )
    assert imported.status_code == 200 and "Đã nhập 2 dấu hiệu mới" in imported.text
    added = client.post(
        "/dau-hieu/them",
        data={"csrf_token": token, "kind": "domain", "value": "dichvucong.gov.vn",
              "list_name": "allow", "source": "Cổng DVC"},
    )  # fmt: skip
    assert added.status_code == 200
    refused = client.post(
        "/dau-hieu/them",
        data={"csrf_token": token, "kind": "domain", "value": "x.dichvucong.gov.vn"},
    )
    assert refused.status_code == 422 and "danh sách cho phép" in refused.text
    exported = client.get("/dau-hieu/xuat/hosts")
    assert "0.0.0.0 evil-one.example" in exported.text and "dichvucong" not in exported.text
    report = indicators.submit_false_positive(actions_db, value="cho-que.vn", reason="Trang HTX")
    actions_db.commit()
    decided = client.post(
        f"/dau-hieu/chan-nham/{report.id}",
        data={"csrf_token": token, "decision": "accept", "note": "Đúng là chặn nhầm"},
    )
    assert decided.status_code == 200 and "chấp nhận 1" in decided.text
    assert "cho-que.vn" not in client.get("/dau-hieu/xuat/rpz").text
    edited = client.post(
        "/quan-ly/nhan-tin/VIETTEL",
        data={"csrf_token": token, "name": "Viettel", "channel": "email", "response_days": "4",
              "email": "lienhe@viettel.example", "active": "1"},
    )  # fmt: skip
    assert edited.status_code == 200 and "lienhe@viettel.example" in edited.text
