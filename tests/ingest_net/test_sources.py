"""Sources end to end against local servers: feeds and pages become items, evidence and WARC."""

from __future__ import annotations

import functools
import gzip
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from canhgiac.cli import app as cli_app
from canhgiac.db.models import AuditEntry, Evidence, Item, Job, Source
from canhgiac.errors import Conflict, ValidationFailed
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.ingest.feeds import FeedUnreadable, parse_feed
from canhgiac.ingest.fetcher import FetchPolicy, HostThrottle, fetch
from canhgiac.services import sources
from canhgiac.settings import Settings
from canhgiac.worker.jobs.scan import SCANNER_KEY
from canhgiac.worker.runner import Runner
from tests.ingest_net.local_server import serve
from tests.worker.stub_scanner import StubScanner

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
RSS = FEEDS / "canh_bao.rss.xml"
ROBOTS = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")


@pytest.fixture
def net(settings: Settings) -> Settings:
    return settings.model_copy(update={"fetch_allow": ["127.0.0.1/32"]})


@pytest.fixture
def quick_fetch():  # type: ignore[no-untyped-def]
    return functools.partial(fetch, policy=FetchPolicy(throttle=HostThrottle(0.0)))


@pytest.mark.parametrize(
    ("name", "ids", "first_title"),
    [
        ("canh_bao.rss.xml", ["tin-1", "tin-2", "http://tin.example/bai/3"], "Chúc mừng bạn đã trúng thưởng xe máy SH"),
        ("tin_moi.atom.xml", ["urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6b"], "Cảnh báo trang web giả mạo ngân hàng"),
    ],
)  # fmt: skip
def test_parse_feed(name: str, ids: list[str], first_title: str) -> None:
    entries = parse_feed((FEEDS / name).read_bytes())
    assert [e.external_id for e in entries] == ids
    assert entries[0].title == first_title and entries[0].content.startswith(first_title)
    assert all("<" not in e.content and "alert(1)" not in e.content for e in entries)


def test_unreadable_feed() -> None:
    with pytest.raises(FeedUnreadable):
        parse_feed((FEEDS / "hong.xml").read_bytes())


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (" 90s ", 90), ("2H", 7200)],
)
def test_parse_every(text: str, seconds: int) -> None:
    assert sources.parse_every(text) == seconds
    assert sources.parse_every(sources.format_every(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "30", "m", "30 phút", "-5m", "10s", "31d", "1.5h", "5m x"])
def test_parse_every_refuses(text: str) -> None:
    with pytest.raises(ValidationFailed):
        sources.parse_every(text)


@pytest.mark.parametrize(
    ("kind", "url", "unit"),
    [
        ("rss", "ftp://tin.example/feed", "VHTT"),
        ("rss", "tin.example/feed", "VHTT"),
        ("blog", "http://tin.example/feed", "VHTT"),
        ("rss", "http://tin.example/feed", "KHONG-CO"),
    ],
)
def test_add_source_refuses_bad_input(seeded: Session, kind: str, url: str, unit: str) -> None:
    with pytest.raises(Exception) as error:
        sources.add_source(seeded, "cli", kind=kind, url=url, unit_code=unit)
    assert type(error.value).__name__ in ("ValidationFailed", "NotFound")
    assert seeded.scalar(select(func.count()).select_from(Source)) == 0


def test_rss_poll_makes_items_evidence_and_warc_then_304(
    seeded: Session, net: Settings, quick_fetch
) -> None:  # type: ignore[no-untyped-def]
    body = RSS.read_bytes()

    def feed(seen):  # type: ignore[no-untyped-def]
        if seen.headers.get("if-none-match") == '"r1"':
            return 304, {"ETag": '"r1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"r1"'}, body

    with serve({"/robots.txt": ROBOTS, "/rss": feed}) as server:
        source = sources.add_source(
            seeded, "cli", kind="rss", url=server.url("/rss"), unit_code="VHTT", every_s=1800
        )
        seeded.commit()
        with pytest.raises(Conflict):
            sources.add_source(seeded, "cli", kind="rss", url=server.url("/rss"), unit_code="VHTT")
        seeded.rollback()
        first = sources.poll_source(seeded, source, settings=net, fetch_fn=quick_fetch)
        seeded.commit()
        assert (first.fetched, first.new, first.errors) == (1, 3, 0)
        items = seeded.scalars(select(Item).order_by(Item.id)).all()
        assert [i.channel for i in items] == ["rss"] * 3
        assert {i.source_id for i in items} == {source.id}
        assert items[0].title == "Chúc mừng bạn đã trúng thưởng xe máy SH"
        assert items[0].url == "http://tin.example/bai/1" and items[0].external_id == "tin-1"
        scan_jobs = seeded.scalars(select(Job.payload).where(Job.kind == "item.scan")).all()
        assert sorted(p["item_id"] for p in scan_jobs) == [i.id for i in items]
        assert source.etag == '"r1"' and source.last_run_at is not None
        assert source.next_run_at is not None and source.next_run_at > source.last_run_at

        evidence = seeded.scalars(select(Evidence).where(Evidence.item_id == items[0].id)).all()
        assert sorted(e.kind for e in evidence) == ["page", "warc"]
        store = EvidenceStore(net.evidence_dir)
        page = next(e for e in evidence if e.kind == "page")
        assert store.open(page.blob_sha256) == body
        warc = next(e for e in evidence if e.kind == "warc")
        raw = store.open(warc.blob_sha256)
        assert gzip.decompress(raw).startswith(b"WARC/1")
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.http_headers.get_statuscode(),
                r.content_stream().read(),
            )
            for r in ArchiveIterator(io.BytesIO(raw))
        ]
        assert records == [("response", server.url("/rss"), "200", body)]

        second = sources.poll_source(seeded, source, settings=net, fetch_fn=quick_fetch)
        seeded.commit()
        assert (second.fetched, second.new, second.errors) == (1, 0, 0)
        assert "304" in (source.last_status or "")
        assert server.requests[-1].headers["if-none-match"] == '"r1"'
        assert seeded.scalar(select(func.count()).select_from(Item)) == 3
        polls = seeded.scalar(select(func.count()).where(AuditEntry.action == "source.poll"))
        assert polls == 2


def test_web_page_poll_extracts_main_text(seeded: Session, net: Settings, quick_fetch) -> None:  # type: ignore[no-untyped-def]
    html = (FEEDS / "bai_viet.html").read_bytes()
    with serve(
        {"/robots.txt": ROBOTS, "/bai": (200, {"Content-Type": "text/html; charset=utf-8"}, html)}
    ) as server:
        source = sources.add_source(
            seeded, "cli", kind="web", url=server.url("/bai"), unit_code="CA"
        )
        outcome = sources.poll_source(seeded, source, settings=net, fetch_fn=quick_fetch)
        seeded.commit()
    assert (outcome.fetched, outcome.new, outcome.errors) == (1, 1, 0)
    item = seeded.scalars(select(Item)).one()
    assert item.channel == "web" and item.url == server.url("/bai")
    assert item.title == "Cảnh giác chiêu lừa “nhận quà tri ân” qua tin nhắn"
    assert "không cung cấp mã OTP" in item.content
    assert "không được lấy" not in item.content and "Trang chủ" not in item.content
    kinds = seeded.scalars(select(Evidence.kind).where(Evidence.item_id == item.id)).all()
    assert sorted(kinds) == ["page", "warc"]


@pytest.mark.parametrize(
    ("routes", "allow", "status"),
    [
        ({"/x": (500, {}, b"down")}, ["127.0.0.1/32"], "HTTP 500"),
        ({"/x": (200, {"Content-Type": "text/xml"}, (FEEDS / "hong.xml").read_bytes())}, ["127.0.0.1/32"], "không đọc được"),
        ({"/x": (200, {}, b"<rss/>")}, [], "loopback"),
    ],
)  # fmt: skip
def test_failed_polls_store_nothing_and_say_why(
    seeded: Session, net: Settings, quick_fetch, routes, allow, status: str
) -> None:  # type: ignore[no-untyped-def]
    with serve({"/robots.txt": ROBOTS, **routes}) as server:
        source = sources.add_source(
            seeded, "cli", kind="rss", url=server.url("/x"), unit_code="VHTT"
        )
        outcome = sources.poll_source(
            seeded,
            source,
            settings=net.model_copy(update={"fetch_allow": allow}),
            fetch_fn=quick_fetch,
        )
        seeded.commit()
    assert outcome.errors == 1 and outcome.new == 0
    assert (
        source.last_status and source.last_status.startswith("lỗi") and status in source.last_status
    )
    assert source.next_run_at is not None
    assert seeded.scalar(select(func.count()).select_from(Item)) == 0
    assert seeded.scalar(select(func.count()).select_from(Evidence)) == 0


def test_worker_polls_due_sources_and_scans_their_items(
    engine: Engine, seeded: Session, net: Settings
) -> None:
    with serve(
        {
            "/robots.txt": ROBOTS,
            "/rss": (200, {"Content-Type": "application/rss+xml"}, RSS.read_bytes()),
        }
    ) as server:
        due = sources.add_source(
            seeded, "cli", kind="rss", url=server.url("/rss"), unit_code="VHTT"
        )
        paused = sources.add_source(
            seeded, "cli", kind="rss", url=server.url("/other"), unit_code="VHTT"
        )
        sources.set_active(seeded, "cli", paused, False)
        seeded.commit()
        first = sources.enqueue_poll(seeded, due)
        assert sources.enqueue_poll(seeded, due).id == first.id  # one pending poll per source
        seeded.rollback()
        runner = Runner(engine, settings=net, context={SCANNER_KEY: StubScanner()}, poll_s=0.05)
        stats = runner.run(until_idle=True)
    assert stats.failed == 0
    seeded.expire_all()
    items = seeded.scalars(select(Item)).all()
    assert len(items) == 3 and all(i.scan_state == "done" for i in items)
    assert sorted(i.verdict_label or "" for i in items) == ["ok", "ok", "scam"]
    kinds = seeded.scalars(select(Job.kind).where(Job.state == "done")).all()
    assert {"item.scan", "source.poll", "sources.due"} <= set(kinds)
    assert kinds.count("source.poll") == 1
    assert server.paths().count("/other") == 0


def test_sources_cli(seeded: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CANHGIAC_FETCH_ALLOW", '["127.0.0.1/32"]')
    runner = CliRunner()
    with serve(
        {
            "/robots.txt": ROBOTS,
            "/rss": (200, {"Content-Type": "application/rss+xml"}, RSS.read_bytes()),
        }
    ) as server:
        bad = runner.invoke(
            cli_app,
            ["sources", "add", "rss", server.url("/rss"), "--unit", "VHTT", "--every", "mươi phút"],
        )
        assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
        assert "Chu kỳ không hợp lệ" in bad.stderr
        bad_unit = runner.invoke(
            cli_app, ["sources", "add", "rss", server.url("/rss"), "--unit", "NOPE"]
        )
        assert bad_unit.exit_code == 2 and len(bad_unit.stderr.strip().splitlines()) == 1
        added = runner.invoke(
            cli_app,
            ["sources", "add", "rss", server.url("/rss"), "--unit", "VHTT", "--every", "2h"],
        )
        assert added.exit_code == 0, added.output
        assert "every 2h" in added.stdout
        listed = runner.invoke(cli_app, ["sources", "list", "--format", "jsonl"])
        assert (
            listed.exit_code == 0
            and '"every": "2h"' in listed.stdout
            and '"unit": "VHTT"' in listed.stdout
        )
        ran = runner.invoke(cli_app, ["sources", "run"])
        assert ran.exit_code == 0, ran.output
        assert ran.stdout.strip().endswith("fetched 1, new 3, errors 0")
        again = runner.invoke(cli_app, ["sources", "run", "1"])
        assert again.stdout.strip().endswith("fetched 1, new 0, errors 0")
        missing = runner.invoke(cli_app, ["sources", "run", "99"])
        assert missing.exit_code == 2
