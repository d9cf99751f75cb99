"""The district's RPZ export: an allow-listed name under a blocked domain passes through."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from canhgiac.services import indicators
from canhgiac.settings import Settings
from tests.exports.test_exchange_writers import assert_zone_valid


def test_export_adds_passthru_for_allow_list_under_blocked_domain(
    seeded: Session, make_user, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    for value in ("cong-thong-tin.vn", "https://dich-vu.cong-thong-tin.vn/nop-phat"):
        kind = "url" if value.startswith("https") else "domain"
        indicators.add_indicator(seeded, None, kind=kind, value=value, source="partner")
    for value in ("dvc.cong-thong-tin.vn", "chinhphu.vn"):
        indicators.add_indicator(
            seeded, coordinator, kind="domain", value=value, list_name="allow", source="UBND"
        )
    seeded.commit()
    zone = indicators.export(seeded, "rpz", settings=settings)
    lines = zone.splitlines()
    assert "cong-thong-tin.vn CNAME ." in lines and "*.cong-thong-tin.vn CNAME ." in lines
    assert "dvc.cong-thong-tin.vn CNAME rpz-passthru." in lines
    assert "*.dvc.cong-thong-tin.vn CNAME rpz-passthru." in lines
    assert "chinhphu.vn" not in zone  # not under a blocked domain: no rule needed
    assert_zone_valid(zone, tmp_path)
    hosts = indicators.export(seeded, "hosts", settings=settings)
    assert "dvc.cong-thong-tin.vn" not in hosts
