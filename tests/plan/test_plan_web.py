"""The plan pages: tasks per unit, trainings, progress reports, budget, report download, figures."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import (
    Activity,
    AuditEntry,
    FalsePositiveReport,
    IndicatorEntry,
    ProgressReport,
    Unit,
)
from canhgiac.services import plan as plan_service
from tests.helpers import csrf_from, login
from tests.plan.plan_data import at, load_known_data


@pytest.fixture
def with_plan(seeded: Session) -> Session:
    plan_service.seed_default_plan(seeded)
    seeded.commit()
    return seeded


def _post(client: TestClient, page: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_coordinator_sees_every_units_tasks(
    client: TestClient, make_user, with_plan: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("coordinator")
    login(client, user.email)
    page = client.get("/ke-hoach")
    assert page.status_code == 200
    units_with_tasks = with_plan.scalars(select(Unit.name).where(Unit.kind != "external")).all()
    assert len(units_with_tasks) == 35
    for name in units_with_tasks:
        assert name in page.text
    assert "KH-BAOLAC-2023" in page.text and "VHTT-3" in page.text  # own unit's tasks
    ca = client.get("/ke-hoach?unit=CA")
    assert ca.text.count("/ke-hoach/nhiem-vu/") == 12 and "CA-1" in ca.text
    commune = client.get("/ke-hoach?unit=X-COBA")  # group duties (COMMUNES-1..3) apply to each
    assert all(f"<strong>COMMUNES-{n}</strong>" in commune.text for n in (1, 2, 3))
    assert commune.text.count("/ke-hoach/nhiem-vu/") == 17
    task_id = int(re.search(r"/ke-hoach/nhiem-vu/(\d+)", ca.text).group(1))  # type: ignore[union-attr]
    detail = client.get(f"/ke-hoach/nhiem-vu/{task_id}")
    assert detail.status_code == 200 and "Minh chứng hoàn thành" in detail.text
    done = _post(client, f"/ke-hoach/nhiem-vu/{task_id}", f"/ke-hoach/nhiem-vu/{task_id}/trang-thai",
                 {"state": "done", "note": "Đã hoàn thành tháng 1"})  # fmt: skip
    assert done.status_code == 303
    assert "Đã hoàn thành" in client.get(f"/ke-hoach/nhiem-vu/{task_id}").text
    bad = _post(client, f"/ke-hoach/nhiem-vu/{task_id}", f"/ke-hoach/nhiem-vu/{task_id}/minh-chung",
                {"kind": "case", "ref": "VV-KHONG-CO"})  # fmt: skip
    assert bad.status_code == 422 and "Không tìm thấy" in bad.text


def test_training_recorded_in_a_commune_counts_in_figures(
    client: TestClient, make_user, with_plan: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("coordinator")
    login(client, user.email)
    made = _post(client, "/ke-hoach/tap-huan", "/ke-hoach/tap-huan", {
        "kind": "training", "title": "Tập huấn nhận diện lừa đảo qua mạng", "held_on": "2023-05-12",
        "organiser": "VHTT", "commune": "X-COBA", "audience": "residents", "attendance": "57",
        "place": "Nhà văn hóa xã Cô Ba", "channels": ["meetings", "zalo"],
    })  # fmt: skip
    assert made.status_code == 303, made.text
    listing = client.get("/ke-hoach/tap-huan")
    assert "Tập huấn nhận diện lừa đảo qua mạng" in listing.text and "UBND xã Cô Ba" in listing.text
    figures = client.get("/ke-hoach/so-lieu?period=2023-Q2")
    assert figures.status_code == 200 and "<svg" in figures.text
    assert re.search(r"UBND xã Cô Ba</th><td><a href=\"[^\"]+\">57</a>", figures.text)
    bad = _post(client, "/ke-hoach/tap-huan", "/ke-hoach/tap-huan", {
        "kind": "training", "title": "X", "held_on": "2023-05-12", "organiser": "VHTT",
        "commune": "CA", "attendance": "-3",
    })  # fmt: skip
    assert bad.status_code == 422
    assert with_plan.scalar(select(func.count(Activity.id))) == 1


def test_viewer_reads_but_cannot_record(client: TestClient, make_user, with_plan: Session) -> None:  # type: ignore[no-untyped-def]
    viewer = make_user("viewer", "CA")
    login(client, viewer.email)
    assert client.get("/ke-hoach").status_code == 200
    page = client.get("/ke-hoach/tap-huan")
    assert page.status_code == 200 and 'action="/ke-hoach/tap-huan"' not in page.text
    refused = client.post("/ke-hoach/tap-huan", data={
        "kind": "training", "title": "Tập huấn", "held_on": "2023-05-12", "organiser": "CA",
        "attendance": "10", "csrf_token": csrf_from(page.text),
    })  # fmt: skip
    assert refused.status_code == 403
    assert with_plan.scalar(select(func.count(Activity.id))) == 0
    assert client.get("/ke-hoach/bao-cao").status_code == 403
    assert client.get("/ke-hoach/kinh-phi").status_code == 200


def test_unit_submits_quarterly_report_and_coordinator_approves(
    app, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    load_known_data(seeded)
    officer = make_user("unit_officer", "CA")
    coordinator = make_user("coordinator")
    with TestClient(app) as unit_client, TestClient(app) as coord_client:
        login(unit_client, officer.email)
        other = _post(unit_client, "/ke-hoach/bao-cao-tien-do", "/ke-hoach/bao-cao-tien-do",
                      {"unit": "VHTT", "period": "2023-Q2"})  # fmt: skip
        assert other.status_code == 403
        opened = _post(unit_client, "/ke-hoach/bao-cao-tien-do", "/ke-hoach/bao-cao-tien-do",
                       {"unit": "CA", "period": "2023-Q2"})  # fmt: skip
        assert opened.status_code == 303
        path = opened.headers["location"]
        form = unit_client.get(path)
        # Pre-filled from the data: CA opened 3 cases in Q2, resolved 2, sent 3 requests.
        assert 'name="cases_opened" inputmode="numeric" pattern="[0-9]*" value="3"' in form.text
        assert 'name="cases_resolved" inputmode="numeric" pattern="[0-9]*" value="2"' in form.text
        assert 'name="requests_sent" inputmode="numeric" pattern="[0-9]*" value="3"' in form.text
        assert 'name="people_trained" inputmode="numeric" pattern="[0-9]*" value="85"' in form.text
        bad = unit_client.post(f"{path}/luu", data={"csrf_token": csrf_from(form.text),
                               "cases_opened": "ba", "action": "submit"})  # fmt: skip
        assert bad.status_code == 422
        sent = unit_client.post(f"{path}/luu", data={
            "csrf_token": csrf_from(form.text), "cases_opened": "4", "narrative": "Đã rà soát.",
            "action": "submit",
        }, follow_redirects=False)  # fmt: skip
        assert sent.status_code == 303
        assert (
            unit_client.post(f"{path}/duyet", data={"csrf_token": csrf_from(form.text)}).status_code
            == 403
        )
        login(coord_client, coordinator.email)
        page = coord_client.get(path)
        assert "Duyệt báo cáo" in page.text
        approved = coord_client.post(f"{path}/duyet", data={"csrf_token": csrf_from(page.text)},
                                     follow_redirects=False)  # fmt: skip
        assert approved.status_code == 303
    report = seeded.scalars(select(ProgressReport)).one()
    seeded.refresh(report)
    assert report.state == "approved" and report.figures["cases_opened"] == 4
    assert report.narrative == "Đã rà soát." and report.submitted_by_id == officer.id
    actions = seeded.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "progress_report")
    ).all()
    assert actions == ["progress.open", "progress.save", "progress.submit", "progress.approve"]


def test_report_download_and_budget(client: TestClient, make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    load_known_data(seeded)
    user = make_user("coordinator")
    login(client, user.email)
    budget_page = client.get("/ke-hoach/kinh-phi")
    assert "70.000.000" in budget_page.text and "25.000.000" in budget_page.text
    added = _post(client, "/ke-hoach/kinh-phi", "/ke-hoach/kinh-phi",
                  {"unit": "X-COBA", "title": "In tờ rơi", "planned": "2.500.000", "spent": "1.000.000"})  # fmt: skip
    assert added.status_code == 303
    assert "72.500.000" in client.get("/ke-hoach/kinh-phi").text
    bad = _post(client, "/ke-hoach/kinh-phi", "/ke-hoach/kinh-phi",
                {"unit": "X-COBA", "title": "Sai", "planned": "-5"})  # fmt: skip
    assert bad.status_code == 422 and "72.500.000" in bad.text
    got = _post(
        client,
        "/ke-hoach/bao-cao",
        "/ke-hoach/bao-cao",
        {"period": "2023-Q2", "format": "docx", "proposals": "Tăng cường tập huấn ở xã vùng cao."},
    )
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(got.content)).paragraphs)
    assert "Tiếp nhận 4 phản ánh" in text and "Tăng cường tập huấn ở xã vùng cao." in text
    bad_period = _post(
        client, "/ke-hoach/bao-cao", "/ke-hoach/bao-cao", {"period": "2023-Q9", "format": "pdf"}
    )
    assert bad_period.status_code == 422 and "Kỳ báo cáo không hợp lệ" in bad_period.text


def test_figures_drill_down_lists_the_rows(client: TestClient, make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    load_known_data(seeded)
    user = make_user("coordinator")
    login(client, user.email)
    page = client.get("/ke-hoach/so-lieu?period=2023-Q2")
    assert page.status_code == 200
    overdue = client.get("/ke-hoach/so-lieu/chi-tiet?period=2023-Q2&metric=cases&overdue=true")
    assert overdue.status_code == 200 and "VV-3" in overdue.text and "VV-4" in overdue.text
    assert "VV-1" not in overdue.text
    ca = client.get("/ke-hoach/so-lieu/chi-tiet?period=2023-Q2&metric=cases&unit=CA")
    assert all(ref in ca.text for ref in ("VV-1", "VV-2", "VV-5")) and "VV-3" not in ca.text
    coba = client.get("/ke-hoach/so-lieu/chi-tiet?period=2023-Q2&metric=reports&commune=X-COBA")
    assert "PA-000001" in coba.text and "PA-000002" in coba.text and "PA-000005" not in coba.text
    assert "trúng thưởng" not in coba.text  # report content is not shown in the figures
    assert client.get("/ke-hoach/so-lieu?period=2023-Q7").status_code == 422


def test_transparency_page_is_public_and_aggregate(client: TestClient, seeded: Session) -> None:
    load_known_data(seeded)
    seeded.add(IndicatorEntry(kind="domain", value="xa-coba.gov.vn", status="false_positive"))
    seeded.add(FalsePositiveReport(value="xa-coba.gov.vn", reason="Trang của xã", state="accepted",
                                   contact={"email": "chu-trang@example.vn"},
                                   created_at=at("2023-05-01 00:00"),
                                   decided_at=at("2023-05-02 00:00")))  # fmt: skip
    seeded.add(FalsePositiveReport(value="lua-dao.top", reason="Không phải lừa đảo",
                                   state="rejected", created_at=at("2023-05-03 00:00")))  # fmt: skip
    seeded.commit()
    later = client.get("/minh-bach?year=2024").text
    assert '0</span><span class="label">Trường hợp đã gỡ chặn do chặn nhầm' in later
    page = client.get("/minh-bach?year=2023")
    assert page.status_code == 200 and "Báo cáo minh bạch" in page.text
    found = re.findall(
        r'<span class="value">([\d.]+)</span><span class="label">([^<]+)<', page.text
    )
    by_label = {label: value for value, label in found}
    assert by_label["Văn bản đề nghị đã gửi"] == "5"
    assert by_label["Bị từ chối"] == "1" and by_label["Chưa có phản hồi"] == "2"
    assert by_label["Cảnh báo đã đăng"] == "2" and by_label["Tin đính chính đã đăng"] == "1"
    assert by_label["Phản ánh chặn nhầm đã nhận"] == "2"
    assert by_label["Trường hợp đã gỡ chặn do chặn nhầm"] == "1"
    assert "chu-trang@example.vn" not in page.text and "xa-coba" not in page.text
    assert client.get("/minh-bach?year=99999").status_code == 422
    assert "VV-" not in page.text and "Viettel" not in page.text and "PA-0" not in page.text
