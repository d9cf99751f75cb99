"""The full-text index lives outside the models, so the shared PostgreSQL truncation skips it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text


@pytest.fixture(autouse=True)
def _empty_search_index(request: pytest.FixtureRequest) -> None:
    if "engine" not in request.fixturenames:
        return
    engine: Engine = request.getfixturevalue("engine")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM search_index"))
