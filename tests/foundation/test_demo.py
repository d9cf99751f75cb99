"""`canhgiac init --demo`: people of each role, scanned reports that became cases, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from canhgiac.cli import app
from canhgiac.db.models import Activity, Case, Item, Report, User
from canhgiac.db.session import make_engine, session_factory
from canhgiac.services.demo import DEMO_ACCOUNTS, DEMO_REPORTS

runner = CliRunner()


def test_demo_is_loaded_once_with_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(tmp_path / "var"))
    first = runner.invoke(app, ["init", "--demo"])
    assert first.exit_code == 0, first.output
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output
    second = runner.invoke(app, ["init", "--demo"])
    assert second.exit_code == 0 and "dieuphoi@baolac.demo" not in second.output
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'canhgiac.sqlite3'}")
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == len(DEMO_REPORTS)
        roles = set(session.scalars(select(User.role)))
        assert {"administrator", "coordinator", "investigator", "unit_officer", "viewer"} <= roles
        assert (
            session.scalar(
                select(func.count()).select_from(Item).where(Item.verdict_label.is_(None))
            )
            == 0
        )
        police_cases = session.scalar(
            select(func.count())
            .select_from(Case)
            .join(Case.owner_unit)
            .where(Case.owner_unit.has(code="CA"))
        )
        assert police_cases and police_cases >= 1
        assert session.scalar(select(func.count()).select_from(Activity)) == 2
    engine.dispose()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
