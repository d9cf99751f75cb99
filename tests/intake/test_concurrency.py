"""Many people reporting the same message at the same moment: one item, every report counted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Item, Job, Report
from canhgiac.db.session import session_factory
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import filing

MESSAGE = "Bạn được hoàn tiền cước 500.000đ, bấm http://hoantien-cuoc.top để nhận ngay"


def test_concurrent_reports_of_one_message(engine: Engine, seeded: Session, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    factory = session_factory(engine)

    def file_one(n: int) -> str:
        with factory() as session:
            report = filing.submit_report(
                session, category="scam", content=MESSAGE, urls=[], phones=[], contact=None,
                commune=None, idempotency_key=f"k-{n}", store=store,
            )  # fmt: skip
            session.commit()
            return report.tracking_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(file_one, range(24)))
    assert len(set(codes)) == 24
    seeded.expire_all()
    assert seeded.scalar(select(func.count()).select_from(Report)) == 24
    item = seeded.scalar(select(Item))
    assert item is not None and item.report_count == 24
    assert seeded.scalar(select(func.count()).select_from(Item)) == 1
    assert seeded.scalar(select(func.count()).select_from(Job)) == 1


def test_screenshot_text_does_not_split_an_item(
    seeded: Session, store: EvidenceStore, fixtures: Path
) -> None:
    shot = (fixtures / "qr_code.png").read_bytes()
    with_shot = filing.submit_report(
        seeded, category="scam", content=MESSAGE, urls=[], phones=[], contact=None,
        commune=None, attachments=[("qr.png", shot)], store=store,
    )  # fmt: skip
    without = filing.submit_report(
        seeded, category="scam", content=MESSAGE, urls=[], phones=[], contact=None, commune=None
    )
    assert with_shot.item_id == without.item_id
    assert "nhan-qua-tet.xyz" in with_shot.item.content
    only_shot = filing.submit_report(
        seeded, category="scam", content="", urls=[], phones=[], contact=None, commune=None,
        attachments=[("qr.png", shot)], store=store,
    )  # fmt: skip
    assert only_shot.item_id != with_shot.item_id
    assert "nhan-qua-tet.xyz" in only_shot.item.content
