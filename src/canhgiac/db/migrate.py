"""Schema migrations (Alembic) driven from code: upgrade, check, and new revisions."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import canhgiac.db.models  # noqa: F401  (registers every table)
from canhgiac.db.base import Base

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Tables created by hand-written migrations (e.g. the SQLite FTS5 search index and its shadow
# tables) that have no model; the model/migration comparison leaves them out.
HAND_MANAGED_PREFIXES = ("search_index",)


def _is_model_managed(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(HAND_MANAGED_PREFIXES))


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the shipped migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def schema_differences(engine: Engine) -> list[object]:
    """Differences between the models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _is_model_managed}
        )
        return list(compare_metadata(context, Base.metadata))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
