"""/quan-tri/cong-viec: failed, running and waiting jobs are visible and can be run again."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from canhgiac.db.models import Job
from canhgiac.worker import queue
from tests.helpers import csrf_from, login


def _jobs(db: Session) -> dict[str, Job]:
    made = {}
    for state in ("failed", "queued", "running", "done"):
        job = queue.enqueue(db, "item.scan", {"item_id": len(made) + 1})
        assert job is not None
        job.state = state
        if state == "failed":
            job.attempts, job.last_error = 5, "RuntimeError: <b>máy chủ</b> không trả lời"
        made[state] = job
    db.commit()
    return made


def test_jobs_page_lists_unfinished_jobs_and_retries(
    client: TestClient, seeded: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    jobs = _jobs(seeded)
    login(client, make_user("coordinator").email)
    page = client.get("/quan-tri/cong-viec")
    assert page.status_code == 200 and "Công việc nền" in page.text
    assert "&lt;b&gt;máy chủ&lt;/b&gt;" in page.text and "<b>máy chủ" not in page.text
    for state in ("failed", "queued", "running"):
        assert f'class="job-{state}"' in page.text
    assert 'class="job-done"' not in page.text
    only_done = client.get("/quan-tri/cong-viec?state=done")
    assert 'class="job-done"' in only_done.text and 'class="job-failed"' not in only_done.text

    failed = jobs["failed"]
    url = f"/quan-tri/cong-viec/{failed.id}/chay-lai"
    assert client.post(url, data={}).status_code == 403  # no CSRF token
    done = client.post(url, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    seeded.expire_all()
    again = seeded.get(Job, failed.id)
    assert again is not None and again.state == "queued" and again.attempts == 0
    assert "Đã đưa công việc vào hàng đợi" in client.get("/quan-tri/cong-viec").text
    running = client.post(
        f"/quan-tri/cong-viec/{jobs['running'].id}/chay-lai",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert running.status_code == 409


def test_jobs_page_needs_permission(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    jobs = _jobs(seeded)
    login(client, make_user("investigator", "CA").email)
    assert client.get("/quan-tri/cong-viec").status_code == 403
    page = client.get("/")
    response = client.post(
        f"/quan-tri/cong-viec/{jobs['failed'].id}/chay-lai",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 403
    seeded.expire_all()
    assert seeded.get(Job, jobs["failed"].id).state == "failed"  # type: ignore[union-attr]
