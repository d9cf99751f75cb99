"""Administration of background jobs: what waits, runs or failed, and a button to run it again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from canhgiac.db.models import Job, User
from canhgiac.db.models.jobs import JOB_STATES
from canhgiac.i18n import N_
from canhgiac.web.deps import DbSession, allowed, csrf_protect
from canhgiac.web.templating import render
from canhgiac.worker import queue

router = APIRouter(include_in_schema=False)

Manager = Annotated[User, Depends(allowed("job.manage"))]

PAGE = "/quan-tri/cong-viec"
PAGE_SIZE = 100
STATE_LABELS = {
    "queued": N_("Đang chờ"),
    "running": N_("Đang chạy"),
    "failed": N_("Lỗi"),
    "done": N_("Đã xong"),
}
UNFINISHED = ("failed", "running", "queued")


@router.get(PAGE, response_class=HTMLResponse)
def jobs_page(request: Request, db: DbSession, user: Manager, state: str = "") -> HTMLResponse:
    shown = (state,) if state in JOB_STATES else UNFINISHED
    counts = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).tuples().all())
    jobs = db.scalars(
        select(Job).where(Job.state.in_(shown)).order_by(Job.id.desc()).limit(PAGE_SIZE)
    ).all()
    return render(
        request,
        "worker/jobs.html",
        {
            "jobs": jobs,
            "counts": {s: counts.get(s, 0) for s in JOB_STATES},
            "state": state if state in JOB_STATES else "",
            "labels": STATE_LABELS,
            "page_size": PAGE_SIZE,
        },
    )


@router.post(f"{PAGE}/{{job_id}}/chay-lai", dependencies=[Depends(csrf_protect)])
def retry_job(request: Request, db: DbSession, user: Manager, job_id: int) -> RedirectResponse:
    queue.retry(db, job_id, actor=user)
    db.commit()
    request.session["flash"] = N_("Đã đưa công việc vào hàng đợi để chạy lại.")
    return RedirectResponse(PAGE, status_code=303)
