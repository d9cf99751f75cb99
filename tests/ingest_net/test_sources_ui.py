"""/nguon: coordinators list, add, poll and pause sources; others may not."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Job, Source
from tests.helpers import csrf_from, login


def test_add_list_poll_and_pause(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("coordinator").email)
    page = client.get("/nguon")
    assert page.status_code == 200 and "Chưa có nguồn nào" in page.text
    token = csrf_from(page.text)
    form = {"kind": "rss", "url": "https://tin.example/rss", "unit": "VHTT", "every": "2h"}
    added = client.post("/nguon", data={**form, "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303
    listing = client.get("/nguon").text
    assert "tin[.]example" in listing and "https://tin.example" not in listing  # defanged
    assert "2h" in listing
    source = seeded.scalars(select(Source)).one()
    assert source.every_s == 7200 and source.active

    for bad, message in (({"every": "sometimes"}, "Chu kỳ không hợp lệ"),
                         ({"url": "javascript:alert(1)"}, "http://"),
                         ({"url": "https://tin.example/rss"}, "đã có")):  # fmt: skip
        refused = client.post("/nguon", data={**form, **bad, "csrf_token": token})
        assert refused.status_code in (409, 422) and message in refused.text
    assert len(seeded.scalars(select(Source)).all()) == 1

    polled = client.post(f"/nguon/{source.id}/tai-ngay", data={"csrf_token": token})
    assert polled.status_code == 200 and "Đã xếp lịch" in polled.text
    client.post(f"/nguon/{source.id}/tai-ngay", data={"csrf_token": token})
    jobs = seeded.scalars(select(Job).where(Job.kind == "source.poll")).all()
    assert len(jobs) == 1 and jobs[0].payload == {"source_id": source.id}

    client.post(f"/nguon/{source.id}/trang-thai", data={"csrf_token": token, "active": "0"})
    seeded.expire_all()
    assert not seeded.get(Source, source.id).active  # type: ignore[union-attr]


def test_sources_need_permission(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("unit_officer", "X-COBA").email)
    assert client.get("/nguon").status_code == 403
    token = csrf_from(client.get("/").text)
    form = {"kind": "rss", "url": "https://tin.example/rss", "unit": "VHTT", "every": "2h"}
    assert client.post("/nguon", data={**form, "csrf_token": token}).status_code == 403
    assert seeded.scalars(select(Source)).all() == []
