"""Public sources page: list feeds and pages, add one, poll now, pause or resume."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from canhgiac.db.models import User
from canhgiac.errors import CanhGiacError
from canhgiac.i18n import N_
from canhgiac.services import sources, units
from canhgiac.web.deps import DbSession, allowed, csrf_protect
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)

Manager = Annotated[User, Depends(allowed("source.manage"))]

PAGE = "/nguon"
KIND_LABELS = {"rss": N_("Nguồn tin RSS/Atom"), "web": N_("Trang web")}


def _page(
    request: Request,
    db: DbSession,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    unit_names = {u.id: u.name for u in units.list_units(db)}
    rows: list[dict[str, Any]] = [
        {
            "source": s,
            "unit": unit_names.get(s.unit_id, ""),
            "every": sources.format_every(s.every_s),
        }
        for s in sources.list_sources(db)
    ]
    return render(
        request,
        "sources/list.html",
        {
            "rows": rows,
            "units": units.list_units(db),
            "kinds": KIND_LABELS,
            "values": values,
            "error": error,
        },
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse)
def sources_page(request: Request, db: DbSession, user: Manager) -> HTMLResponse:
    return _page(request, db, {"kind": "rss", "url": "", "unit": user.unit.code, "every": "30m"})


@router.post(PAGE, dependencies=[Depends(csrf_protect)], response_model=None)
async def add_source(request: Request, db: DbSession, user: Manager) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:2048] for k in ("kind", "url", "unit", "every")}
    try:
        sources.add_source(
            db, user, kind=values["kind"], url=values["url"], unit_code=values["unit"],
            every_s=sources.parse_every(values["every"] or "30m"),
        )  # fmt: skip
        db.commit()
    except CanhGiacError as exc:
        db.rollback()
        return _page(request, db, values, exc.message, exc.status)
    request.session["flash"] = N_("Đã thêm nguồn; lần tải đầu tiên sẽ chạy trong ít phút.")
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/{{source_id}}/tai-ngay", dependencies=[Depends(csrf_protect)])
def poll_now(request: Request, db: DbSession, user: Manager, source_id: int) -> RedirectResponse:
    source = sources.get_source(db, source_id)
    sources.enqueue_poll(db, source)
    db.commit()
    request.session["flash"] = N_("Đã xếp lịch tải nguồn ngay.")
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/{{source_id}}/trang-thai", dependencies=[Depends(csrf_protect)])
async def toggle(
    request: Request, db: DbSession, user: Manager, source_id: int
) -> RedirectResponse:
    form = await request.form()
    source = sources.get_source(db, source_id)
    sources.set_active(db, user, source, str(form.get("active")) == "1")
    db.commit()
    request.session["flash"] = N_("Đã lưu.")
    return RedirectResponse(PAGE, status_code=303)
