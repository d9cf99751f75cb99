"""Developer tool: regenerate the single initial migration from the models (before the first release)."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from canhgiac.db import migrate
from canhgiac.db.session import make_engine

SEED = """
    op.bulk_insert(
        sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("entry_hash")),
        [{"id": 1, "seq": 0, "entry_hash": "0" * 64}],
    )
"""


def main() -> None:
    versions = migrate.MIGRATIONS_DIR / "versions"
    target = versions / "0001_initial_schema.py"
    target.unlink(missing_ok=True)
    # Hand-written later migrations (e.g. full-text search DDL) step aside while 0001 is generated.
    later = [p for p in versions.glob("*.py") if p.name != target.name]
    with tempfile.TemporaryDirectory() as tmp:
        parked = Path(tmp) / "parked"
        parked.mkdir()
        for p in later:
            p.rename(parked / p.name)
        try:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.sqlite3'}")
            migrate.revision(engine, "initial schema")
        finally:
            for p in parked.iterdir():
                p.rename(versions / p.name)
    generated = next(p for p in versions.glob("*_initial_schema.py") if p != target)
    text = generated.read_text()
    rev = re.search(r"revision: str = '([0-9a-f]+)'", text)
    assert rev, "no revision id"
    text = text.replace(rev.group(1), "0001_initial")
    text = re.sub(r"Create Date: .*\n", "", text)
    text = text.replace(
        "    # ### end Alembic commands ###\n", SEED + "    # ### end Alembic commands ###\n", 1
    )
    target.write_text(text)
    generated.unlink()
    sys.stdout.write(f"wrote {target}\n")


if __name__ == "__main__":
    main()
