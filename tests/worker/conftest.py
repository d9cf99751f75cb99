"""Fixtures for worker tests: items with item.scan jobs, a stand-in scanner."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Item
from canhgiac.worker.queue import enqueue
from tests.worker.stub_scanner import StubScanner


def add_item(session: Session, content: str, *, sender: str | None = None) -> Item:
    """Insert an item and its item.scan job directly (what intake does)."""
    item = Item(
        channel="api",
        content=content,
        content_sha256=hashlib.sha256(content.encode()).hexdigest(),
        sender=sender,
        first_seen_at=utcnow(),
        last_seen_at=utcnow(),
    )
    session.add(item)
    session.flush()
    enqueue(session, "item.scan", {"item_id": item.id}, dedup_key=f"item.scan:{item.id}")
    return item


@pytest.fixture
def make_items(seeded: Session) -> Callable[[int], list[Item]]:
    def factory(n: int, prefix: str = "Tin nhắn") -> list[Item]:
        items = [
            add_item(
                seeded,
                f"{prefix} {i}: bạn đã trúng thưởng, vào http://qua-{i}.xyz/nhan gọi 0912345{i:03d}",
            )
            if i % 2 == 0
            else add_item(seeded, f"{prefix} {i}: lịch họp tổ dân phố lúc {i} giờ")
            for i in range(n)
        ]
        seeded.commit()
        return items

    return factory


@pytest.fixture
def stub_scanner() -> StubScanner:
    return StubScanner()
