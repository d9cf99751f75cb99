"""Regenerate docs/screenshots/*.png of the main screens from a fresh demo database.

Run from the repository root: `.venv/bin/python scripts/screenshots.py` (needs Debian's Chromium).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the browser harness lives in tests/e2e

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from canhgiac.db.session import make_engine  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    LiveServer,
    seed_database,
    serve,
)
from tests.e2e.journey import Sample, populate, sign_in  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def _shots(sample: Sample) -> list[tuple[str, str]]:
    """(file name, path) of each signed-in desktop screen."""
    return [
        ("dashboard", "/"),
        ("items", "/noi-dung"),
        ("case", f"/vu-viec/{sample.case_ref}"),
        ("request", f"/van-ban-de-nghi/{sample.request_id}"),
        ("plan", "/ke-hoach"),
    ]


def _save(page: Page, path: str, target: Path) -> None:
    page.goto(path)
    page.screenshot(path=target, full_page=False)
    print(f"{target.relative_to(ROOT)} ← {path}")


def take(server: LiveServer, out: Path) -> None:
    """Fill the database like a few days of work, then photograph each main screen."""
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            desk = browser.new_context(base_url=server.url, viewport=DESKTOP, locale="vi-VN")
            page = desk.new_page()
            sample = populate(server, page)
            phone = browser.new_context(
                base_url=server.url, viewport=PHONE, is_mobile=True, device_scale_factor=2
            ).new_page()
            _save(phone, "/bao-cao", out / "tipline-phone.png")
            _save(page, f"/canh-bao/{sample.warning_slug}", out / "public-warning.png")
            sign_in(page, server, "coordinator")
            for name, path in _shots(sample):
                _save(page, path, out / f"{name}.png")
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="canhgiac-shots-") as tmp:
        db_path = Path(tmp) / "canhgiac.sqlite3"
        engine = make_engine(f"sqlite:///{db_path}")
        users = seed_database(engine)
        engine.dispose()
        with serve(db_path, Path(tmp) / "data", users) as server:
            take(server, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
