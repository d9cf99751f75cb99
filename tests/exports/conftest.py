"""Fixtures shared by the exchange-format tests: the record table and a fixed export time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
GENERATED_AT = datetime(2026, 11, 27, tzinfo=UTC)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value))


def load_records() -> list[IndicatorRecord]:
    rows = yaml.safe_load((FIXTURES / "records.yaml").read_text(encoding="utf-8"))
    out = []
    for row in rows:
        row = dict(row)
        for key in ("first_seen", "last_seen", "expires_at"):
            row[key] = _time(row.get(key))
        out.append(IndicatorRecord(**row))
    return out


@pytest.fixture
def records() -> list[IndicatorRecord]:
    return load_records()


@pytest.fixture
def meta() -> ExportMeta:
    return ExportMeta(
        producer="UBND huyện Bảo Lạc", origin="rpz.canhgiac.local", generated_at=GENERATED_AT
    )
