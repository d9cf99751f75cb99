"""Public warnings (cảnh báo) and fact-checks (đính chính): draft → review → published.

Anyone allowed ``warning.edit`` drafts and submits for review; only a coordinator
(``warning.publish``) publishes, sends back or withdraws. Published pages carry schema.org
ClaimReview JSON-LD (fact-checks), an Atom feed, a printable one-page poster and texts for
commune loudspeakers and Zalo official accounts.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, Claim, User, Warning
from canhgiac.db.models.actions import WARNING_KINDS
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.exports.atom import AtomEntry, atom_feed
from canhgiac.exports.claimreview import VERDICT_RATINGS, claim_review_jsonld
from canhgiac.i18n import LOCAL_TZ, N_
from canhgiac.services import audit
from canhgiac.services.permissions import require
from canhgiac.settings import Settings
from canhgiac.text.normalize import fold

__all__ = [
    "atom",
    "claim_review",
    "create_warning",
    "get_published",
    "get_warning",
    "jsonld_script_body",
    "list_published",
    "list_warnings",
    "loudspeaker_text",
    "poster_pdf",
    "publish",
    "return_to_draft",
    "slugify",
    "submit_for_review",
    "update_warning",
    "withdraw",
    "zalo_text",
]

KIND_LABELS = {"warning": N_("Cảnh báo"), "fact_check": N_("Đính chính")}
STATE_LABELS = {
    "draft": N_("Dự thảo"),
    "review": N_("Chờ duyệt"),
    "published": N_("Đã đăng"),
    "withdrawn": N_("Đã gỡ"),
}
MAX_TITLE = 300
MAX_BODY = 50_000
FEED_SIZE = 50


def slugify(text: str) -> str:
    """ASCII slug of a Vietnamese title: "Cảnh báo lừa đảo" → "canh-bao-lua-dao"."""
    folded = fold(text).replace("đ", "d")
    words = re.findall(r"[a-z0-9]+", folded)
    slug = "-".join(words)[:80].strip("-")
    return slug or "canh-bao"


def _unique_slug(session: Session, title: str, exclude_id: int | None = None) -> str:
    base = slugify(title)
    slug, n = base, 2
    while True:
        query = select(Warning.id).where(Warning.slug == slug)
        found = session.scalar(query)
        if found is None or found == exclude_id:
            return slug
        slug, n = f"{base}-{n}", n + 1


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "title" in fields:
        title = " ".join(str(fields["title"] or "").split())
        if not title:
            raise ValidationFailed(N_("Tiêu đề không được để trống."), field="title")
        if len(title) > MAX_TITLE:
            raise ValidationFailed(N_("Tiêu đề quá dài."), field="title")
        out["title"] = title
    if "body" in fields:
        body = str(fields["body"] or "").strip()
        if not body:
            raise ValidationFailed(N_("Nội dung không được để trống."), field="body")
        if len(body) > MAX_BODY:
            raise ValidationFailed(N_("Nội dung quá dài."), field="body")
        out["body"] = body
    if "summary" in fields:
        out["summary"] = str(fields["summary"] or "").strip()[:1000]
    if "kind" in fields:
        if fields["kind"] not in WARNING_KINDS:
            raise ValidationFailed(f"Loại bài không hợp lệ: {fields['kind']}.", field="kind")
        out["kind"] = fields["kind"]
    return out


def get_warning(session: Session, warning_id: int) -> Warning:
    """The warning with this id (any state), or NotFound."""
    row = session.get(Warning, warning_id)
    if row is None:
        raise NotFound(f"Không tìm thấy bài cảnh báo #{warning_id}.")
    return row


def create_warning(
    session: Session,
    actor: User | None,
    *,
    title: str,
    body: str,
    kind: str = "warning",
    summary: str = "",
    claim: Claim | None = None,
    case: Case | None = None,
) -> Warning:
    """A draft warning or fact-check (a fact-check answers one known claim)."""
    if actor is not None:
        require(actor, "warning.edit")
    fields = _clean({"title": title, "body": body, "summary": summary, "kind": kind})
    if fields["kind"] == "fact_check" and claim is None:
        raise ValidationFailed(
            N_("Bài đính chính phải gắn với một tin sai đã biết."), field="claim"
        )
    warning = Warning(
        slug=_unique_slug(session, fields["title"]),
        claim_id=claim.id if claim else None,
        case_id=case.id if case else None,
        state="draft",
        author_id=actor.id if actor else None,
        **fields,
    )
    session.add(warning)
    session.flush()
    audit.record(
        session, actor, "warning.create", "warning", warning.id,
        {"slug": warning.slug, "kind": warning.kind},
    )  # fmt: skip
    return warning


def update_warning(
    session: Session, actor: User | None, warning: Warning, **fields: Any
) -> Warning:
    """Edit a draft or a warning in review (published ones are withdrawn and redrafted)."""
    if actor is not None:
        require(actor, "warning.edit")
    if warning.state not in ("draft", "review"):
        raise Conflict(N_("Bài đã đăng hoặc đã gỡ, không sửa được."))
    changes = _clean(fields)
    if "claim" in fields:
        claim = fields["claim"]
        warning.claim_id = claim.id if claim is not None else None
    for key, value in changes.items():
        setattr(warning, key, value)
    if warning.kind == "fact_check" and warning.claim_id is None:
        raise ValidationFailed(
            N_("Bài đính chính phải gắn với một tin sai đã biết."), field="claim"
        )
    audit.record(
        session, actor, "warning.update", "warning", warning.id, {"fields": sorted(changes)}
    )
    return warning


def _transition(
    session: Session, actor: User | None, warning: Warning, action: str, to: str, *froms: str
) -> Warning:
    if warning.state not in froms:
        raise Conflict(f"Bài đang ở trạng thái '{warning.state}', không chuyển sang '{to}' được.")
    previous = warning.state
    warning.state = to
    audit.record(
        session, actor, f"warning.{action}", "warning", warning.id, {"from": previous, "to": to}
    )
    return warning


def submit_for_review(session: Session, actor: User | None, warning: Warning) -> Warning:
    """Draft → review."""
    if actor is not None:
        require(actor, "warning.edit")
    warning.submitted_at = utcnow()
    return _transition(session, actor, warning, "submit", "review", "draft")


def publish(
    session: Session, actor: User, warning: Warning, *, now: datetime | None = None
) -> Warning:
    """Review → published (coordinator)."""
    require(actor, "warning.publish")
    if warning.kind == "fact_check":
        claim = session.get(Claim, warning.claim_id) if warning.claim_id else None
        if claim is None or claim.rating not in VERDICT_RATINGS:
            raise ValidationFailed(N_("Bài đính chính phải gắn với một tin sai đã biết."))
    _transition(session, actor, warning, "publish", "published", "review")
    warning.reviewer_id = actor.id
    warning.published_at = now or utcnow()
    return warning


def return_to_draft(session: Session, actor: User, warning: Warning, *, note: str = "") -> Warning:
    """Review → draft, with the coordinator's note in the audit log."""
    require(actor, "warning.publish")
    _transition(session, actor, warning, "return", "draft", "review")
    audit.record(session, actor, "warning.note", "warning", warning.id, {"note": note[:2000]})
    return warning


def withdraw(session: Session, actor: User, warning: Warning, *, note: str = "") -> Warning:
    """Published → withdrawn (no longer public)."""
    require(actor, "warning.publish")
    _transition(session, actor, warning, "withdraw", "withdrawn", "published")
    audit.record(session, actor, "warning.note", "warning", warning.id, {"note": note[:2000]})
    return warning


def list_warnings(session: Session, *, state: str | None = None, limit: int = 200) -> list[Warning]:
    """All warnings for the editors, newest first."""
    query = select(Warning)
    if state:
        query = query.where(Warning.state == state)
    return list(
        session.scalars(query.order_by(Warning.updated_at.desc(), Warning.id.desc()).limit(limit))
    )


def list_published(
    session: Session, *, q: str = "", kind: str | None = None, limit: int = 20, offset: int = 0
) -> list[Warning]:
    """Published warnings, newest first; `q` searches without diacritics ("lua dao")."""
    query = select(Warning).where(Warning.state == "published")
    if kind:
        query = query.where(Warning.kind == kind)
    query = query.order_by(Warning.published_at.desc(), Warning.id.desc())
    needle = fold(q.strip())[:200] if q.strip() else ""
    if not needle:
        return list(session.scalars(query.limit(limit).offset(offset)))
    # District volumes are small (hundreds): folding in Python keeps one behaviour on both backends.
    found = [
        w
        for w in session.scalars(query.limit(5000))
        if all(t in fold(f"{w.title} {w.summary} {w.body}") for t in needle.split())
    ]
    return found[offset : offset + limit]


def get_published(session: Session, slug: str) -> Warning:
    """The published warning with this slug, or NotFound."""
    row = session.scalar(select(Warning).where(Warning.slug == slug, Warning.state == "published"))
    if row is None:
        raise NotFound(N_("Không tìm thấy bài cảnh báo."))
    return row


def page_url(settings: Settings, warning: Warning) -> str:
    """The public address of a warning."""
    return f"{settings.base_url.rstrip('/')}/canh-bao/{warning.slug}"


def publisher_name(settings: Settings) -> str:
    """Who speaks in public pages: "UBND huyện Bảo Lạc"."""
    return f"UBND {settings.district_name}"


def claim_review(session: Session, warning: Warning, settings: Settings) -> dict[str, Any] | None:
    """schema.org ClaimReview of a published fact-check, or None for a plain warning."""
    if warning.kind != "fact_check" or warning.claim_id is None or warning.published_at is None:
        return None
    claim = session.get(Claim, warning.claim_id)
    if claim is None or claim.rating not in VERDICT_RATINGS:
        return None
    return claim_review_jsonld(
        claim=claim.text,
        verdict=claim.rating,
        url=page_url(settings, warning),
        author_name=publisher_name(settings),
        author_url=settings.base_url,
        date_published=warning.published_at.astimezone(LOCAL_TZ).date(),
        headline=warning.title,
        review_body=claim.correction or warning.summary,
    )


def jsonld_script_body(doc: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` escaped so
    hostile claim text cannot close the script element."""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def atom(session: Session, settings: Settings) -> str:
    """Atom feed of the latest published warnings and fact-checks."""
    rows = list_published(session, limit=FEED_SIZE)
    base = settings.base_url.rstrip("/")
    host = re.sub(r"^https?://", "", base).split("/")[0].split(":")[0] or "canhgiac.local"
    entries = [
        AtomEntry(
            id=f"tag:{host},{w.created_at.year}:warning/{w.id}",
            title=w.title,
            link=page_url(settings, w),
            updated=max(w.updated_at, w.published_at or w.updated_at),
            published=w.published_at,
            summary=w.summary or w.body[:500],
            categories=(w.kind,),
            author=publisher_name(settings),
        )
        for w in rows
    ]
    updated = max((e.updated for e in entries), default=datetime(2020, 1, 1, tzinfo=LOCAL_TZ))
    return atom_feed(
        entries,
        feed_id=f"{base}/canh-bao/feed.xml",
        title=f"Cảnh báo, đính chính — {publisher_name(settings)}",
        link=f"{base}/canh-bao",
        self_link=f"{base}/canh-bao/feed.xml",
        updated=updated,
        author=publisher_name(settings),
    )


def _plain(text: str) -> str:
    return " ".join(text.split())


def loudspeaker_text(session: Session, warning: Warning, settings: Settings) -> str:
    """Text read on commune loudspeakers: short sentences, no links, repeated key advice."""
    claim = session.get(Claim, warning.claim_id) if warning.claim_id else None
    lines = [
        f"Thông báo của {publisher_name(settings)}.",
        f"{KIND_LABELS[warning.kind]}: {_plain(warning.title)}.",
    ]
    if warning.summary:
        lines.append(_plain(warning.summary))
    if claim is not None:
        lines.append(f"Thông tin đang lan truyền: {_plain(claim.text)}")
        lines.append(f"Sự thật: {_plain(claim.correction)}")
    else:
        lines.append(_plain(warning.body)[:1500])
    lines.append(
        "Bà con tuyệt đối không cung cấp mật khẩu, mã OTP, không chuyển tiền cho người lạ;"
        " khi nghi ngờ lừa đảo, hãy báo ngay cho Công an xã hoặc Ủy ban nhân dân xã."
    )
    lines.append(f"Xin nhắc lại: {_plain(warning.title)}.")
    return "\n".join(lines) + "\n"


def zalo_text(session: Session, warning: Warning, settings: Settings) -> str:
    """Message for the district's Zalo official account (≤ 2000 characters, with the link)."""
    claim = session.get(Claim, warning.claim_id) if warning.claim_id else None
    head = f"[{KIND_LABELS[warning.kind].upper()}] {_plain(warning.title)}"
    middle = (
        _plain(claim.correction) if claim is not None else _plain(warning.summary or warning.body)
    )
    tail = f"Chi tiết: {page_url(settings, warning)}"
    room = 2000 - len(head) - len(tail) - 4
    if len(middle) > room:
        middle = middle[: max(0, room - 1)].rstrip() + "…"
    return f"{head}\n\n{middle}\n\n{tail}\n"


_POSTER_CSS = """
@page { size: A4 portrait; margin: 18mm 16mm; }
body { font-family: "Liberation Sans", "DejaVu Sans", sans-serif; color: #111; }
.issuer { text-align: center; font-size: 13pt; font-weight: bold; text-transform: uppercase; }
.kind { margin: 8mm 0 4mm; text-align: center; font-size: 40pt; font-weight: bold;
        color: #b00000; letter-spacing: 2pt; }
h1 { text-align: center; font-size: 24pt; margin: 0 0 6mm; }
.summary { font-size: 16pt; font-weight: bold; margin: 0 0 5mm; }
.claim { border: 2pt solid #b00000; padding: 3mm 4mm; font-size: 14pt; margin: 0 0 4mm; }
.truth { border: 2pt solid #006400; padding: 3mm 4mm; font-size: 14pt; margin: 0 0 4mm; }
.body { font-size: 13pt; line-height: 1.35; white-space: pre-line; }
.advice { margin-top: 6mm; padding: 3mm 4mm; background: #fff3cd; font-size: 14pt;
          font-weight: bold; }
.foot { margin-top: 6mm; font-size: 11pt; text-align: center; }
"""


def poster_html(session: Session, warning: Warning, settings: Settings) -> str:
    """The poster as HTML (all text escaped)."""
    claim = session.get(Claim, warning.claim_id) if warning.claim_id else None
    body = warning.body if len(warning.body) <= 1800 else warning.body[:1800].rstrip() + "…"
    parts = [
        f"<p class='issuer'>{escape(publisher_name(settings))}</p>",
        f"<p class='kind'>{escape(KIND_LABELS[warning.kind].upper())}</p>",
        f"<h1>{escape(warning.title)}</h1>",
    ]
    if warning.summary:
        parts.append(f"<p class='summary'>{escape(warning.summary)}</p>")
    if claim is not None:
        parts.append(f"<div class='claim'><b>Tin đồn:</b> {escape(claim.text)}</div>")
        parts.append(f"<div class='truth'><b>Sự thật:</b> {escape(claim.correction)}</div>")
    else:
        parts.append(f"<div class='body'>{escape(body)}</div>")
    parts.append(
        "<p class='advice'>Không cung cấp mật khẩu, mã OTP; không chuyển tiền cho người lạ."
        " Nghi ngờ lừa đảo: báo ngay Công an xã hoặc UBND xã.</p>"
    )
    published = warning.published_at.astimezone(LOCAL_TZ) if warning.published_at else None
    date_text = published.strftime("%d/%m/%Y") if published else ""
    parts.append(f"<p class='foot'>{escape(page_url(settings, warning))} · {escape(date_text)}</p>")
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{escape(warning.title)}</title><style>{_POSTER_CSS}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def poster_pdf(session: Session, warning: Warning, settings: Settings) -> bytes:
    """A printable one-page A4 poster for commune notice boards."""
    from weasyprint import HTML  # imported lazily: loading Pango is slow

    document = HTML(string=poster_html(session, warning, settings)).render()
    # One page by design: anything that overflows is cut rather than spilling onto page 2.
    document.pages = document.pages[:1]
    pdf: bytes = document.write_pdf()
    return pdf
