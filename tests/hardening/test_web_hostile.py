"""Hostile input through the web: XSS in every reported field, formula injection, traversal,
oversized and malformed uploads, SSRF end to end."""

from __future__ import annotations

import csv
import http.server
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Evidence, Item, Report
from canhgiac.exports.csv_export import csv_text, safe_cell
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.ingest.sms_csv import RejectedRow, rejected_csv
from canhgiac.services import accounts, sources
from tests.helpers import csrf_from, login

PNG = (Path(__file__).parent / "data" / "tiny.png").read_bytes()
SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
JS_URL = "javascript:alert(document.cookie)"
PAYLOADS = (SCRIPT, IMG, JS_URL, '"><svg onload=alert(1)>')
# What must never appear in a page: an executable tag or handler we did not write ourselves.
_DANGER = (
    re.compile(r"<script>alert", re.I),
    re.compile(r"<img[^>]*onerror=", re.I),
    re.compile(r"<svg[^>]*onload=", re.I),
    re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I),
)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin_token(make_user, seeded: Session) -> str:  # type: ignore[no-untyped-def]
    admin = make_user("administrator", "VHTT", email="quantri@vhtt.baolac.vn")
    secret, _ = accounts.create_token(seeded, None, admin, name="hardening")
    seeded.commit()
    return secret


def _unsafe(html: str) -> list[str]:
    return [p.pattern for p in _DANGER if p.search(html)]


def _file_everywhere(client: TestClient, token: str) -> list[str]:
    """File hostile reports by every channel; the tracking codes of the tipline ones."""
    codes = []
    page = client.get("/bao-cao")
    form = {
        "category": "scam", "content": " ".join(PAYLOADS), "urls": "\n".join(PAYLOADS),
        "phones": SCRIPT + "\n0912345678", "contact_name": SCRIPT + IMG,
        "contact_phone": IMG, "contact_email": SCRIPT, "consent": "yes",
        "csrf_token": csrf_from(page.text), "idempotency_key": "xss-1",
    }  # fmt: skip
    sent = client.post("/bao-cao", data=form, files=[("screenshots", (SCRIPT + ".png", PNG, "image/png"))],
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text[:500]
    codes.append(sent.headers["location"].split("/")[2].split("?")[0])
    api = client.post("/api/v1/reports", json={
        "category": "phishing", "content": IMG + " tin nhắn lừa", "urls": [JS_URL],
        "phones": [SCRIPT], "contact": {"name": SCRIPT, "phone": IMG, "email": JS_URL},
    })  # fmt: skip
    assert api.status_code == 201, api.text
    codes.append(api.json()["tracking_code"])
    auth = {"Authorization": f"Bearer {token}"}
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["noi_dung", "so_gui"])
    for payload in PAYLOADS:
        writer.writerow([f"{payload} chuyển tiền ngay", payload])
    sms = client.post("/api/v1/intake/sms", headers=auth, data={"source": SCRIPT},
                      files={"file": (SCRIPT + ".csv", rows.getvalue().encode(), "text/csv")})  # fmt: skip
    assert sms.status_code in (200, 201), sms.text
    eml = (f"From: {SCRIPT} <lua@dao.vn>\r\nSubject: {IMG}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0700\r\n"
           f"Content-Type: text/html; charset=utf-8\r\n\r\n<p>{SCRIPT}<a href=\"{JS_URL}\">bấm</a></p>")  # fmt: skip
    mail = client.post("/api/v1/intake/eml", headers=auth,
                       files=[("files", (IMG + ".eml", eml.encode(), "message/rfc822"))])  # fmt: skip
    assert mail.status_code in (200, 201), mail.text
    return codes


def test_reported_fields_are_escaped_on_every_page(client: TestClient, admin_token: str, seeded: Session) -> None:  # fmt: skip
    codes = _file_everywhere(client, admin_token)
    login(client, "quantri@vhtt.baolac.vn")
    items = list(seeded.scalars(select(Item.id)))
    evidence = list(seeded.scalars(select(Evidence.id)))
    assert len(items) >= 4 and evidence
    pages = ["/noi-dung", "/hang-cho-xem-xet", "/vu-viec", "/"]
    pages += [f"/bao-cao/{code}" for code in codes]
    pages += [f"/noi-dung/{i}" for i in items] + [f"/noi-dung/{i}/lien-he" for i in items]
    pages += [f"/chung-cu/{e}" for e in evidence]
    problems = []
    for path in pages:
        response = client.get(path)
        if response.status_code >= 500:
            problems.append(f"{path}: {response.status_code}")
        elif "html" in response.headers.get("content-type", ""):
            problems += [f"{path}: {p}" for p in _unsafe(response.text)]
    assert problems == []
    # The payloads were shown (escaped), not silently dropped: the check above is meaningful.
    item_page = client.get(f"/noi-dung/{items[0]}").text
    assert "&lt;script&gt;" in item_page or "&lt;img" in item_page


def test_evidence_download_never_renders_in_our_origin(client: TestClient, admin_token: str, seeded: Session) -> None:  # fmt: skip
    _file_everywhere(client, admin_token)
    login(client, "quantri@vhtt.baolac.vn")
    for evidence_id in seeded.scalars(select(Evidence.id)):
        response = client.get(f"/chung-cu/{evidence_id}/tai-ve")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment;") and "\r" not in disposition
        ascii_part = disposition.split('filename="')[1].split('"')[0]
        assert "/" not in ascii_part and ".." not in ascii_part and "<" not in ascii_part


FORMULAS = ('=HYPERLINK("http://x","bấm")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1")


@pytest.mark.parametrize("value", FORMULAS)
def test_indicator_csv_export_neutralises_formulas(value: str) -> None:
    text = csv_text(["gia_tri"], [[value], ["+84912345678"]], bom=False)
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert cells[0] == safe_cell(value) and cells[0].startswith("'")
    assert cells[1] == "+84912345678"  # a phone number stays a number


def test_cases_csv_export_neutralises_formulas(client: TestClient, admin_token: str) -> None:
    client.post("/api/v1/reports", json={"category": "scam", "content": FORMULAS[0]})
    response = client.get("/vu-viec/xuat.csv", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200
    for row in csv.reader(io.StringIO(response.text.lstrip("\ufeff"))):
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) and cell != "+" for cell in row
                       if not re.fullmatch(r"[+-]?\d+(\.\d+)?", cell)), row  # fmt: skip


@pytest.mark.parametrize("value", FORMULAS)
def test_rejected_rows_csv_neutralises_formulas(value: str) -> None:
    # The operator opens this file in a spreadsheet; a scam SMS can start with "=".
    text = rejected_csv([RejectedRow(2, "thiếu nội dung", value)])
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[2].startswith("'"), row


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..", "a" * 64 + "/../x", ""])
def test_evidence_store_refuses_names_that_are_not_hashes(tmp_path: Path, name: str) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    with pytest.raises(ValueError):
        store.open(name)
    with pytest.raises(ValueError):
        store.path(name)


def test_upload_name_with_traversal_is_stored_under_its_hash(client: TestClient, seeded: Session, settings) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    page = client.get("/bao-cao")
    sent = client.post(
        "/bao-cao",
        data={"category": "scam", "content": "Ảnh tin nhắn lừa đảo", "csrf_token": csrf_from(page.text),
              "idempotency_key": "trav-1"},
        files=[("screenshots", ("../../x.png", PNG, "image/png"))],
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303
    shot = seeded.scalar(select(Evidence).where(Evidence.kind == "screenshot"))
    assert shot is not None
    stored = EvidenceStore(settings.evidence_dir).path(shot.blob_sha256)
    assert stored.is_file() and stored.resolve().is_relative_to(settings.evidence_dir.resolve())
    assert not (settings.data_dir.parent / "x.png").exists()
    assert not any(p.name == "x.png" for p in settings.data_dir.parent.rglob("x.png"))


def test_oversized_and_malformed_uploads_are_refused_cleanly(client: TestClient, admin_token: str, seeded: Session) -> None:  # fmt: skip
    auth = {"Authorization": f"Bearer {admin_token}"}
    big = client.post("/api/v1/reports", content=b'{"category":"scam","content":"' + b"a" * 300_000 + b'"}',
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert big.status_code == 413
    cases = [
        ("/api/v1/reports", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("/api/v1/reports", {"json": {"category": "scam", "content": "x" * 20_000}}),
        ("/api/v1/reports", {"json": {"category": "scam", "urls": ["u"] * 500}}),
        ("/api/v1/intake/sms", {"headers": auth, "data": {"source": "x"},
                                "files": {"file": ("a.csv", b"\xff\xfe\x00\x00" * 50, "text/csv")}}),
        ("/api/v1/intake/sms", {"headers": auth, "data": {"source": "x"},
                                "files": {"file": ("a.csv", b"", "text/csv")}}),
        ("/api/v1/intake/eml", {"headers": auth,
                                "files": [("files", ("a.eml", b"\x00\x01binary", "message/rfc822"))]}),
        ("/api/v1/intake/eml", {"headers": auth,
                                "files": [("files", ("a.eml", b"From: <\r\nSubject: x\r\n\r\nhi", "message/rfc822"))]}),
    ]  # fmt: skip
    statuses = [client.post(path, **kwargs).status_code for path, kwargs in cases]  # type: ignore[arg-type]
    assert all(400 <= s < 500 or s in (200, 201) for s in statuses), repr(statuses)
    # Screenshots: a non-image, a truncated PNG and an oversized one, through the citizen form.
    for name, data in [
        ("a.png", b"not an image"),
        ("b.png", PNG[:40]),
        ("c.png", PNG + b"\0" * 6_000_000),
    ]:
        page = client.get("/bao-cao")
        response = client.post(
            "/bao-cao", data={"category": "scam", "content": "thử", "csrf_token": csrf_from(page.text)},
            files=[("screenshots", (name, data, "image/png"))], follow_redirects=False,
        )  # fmt: skip
        assert 400 <= response.status_code < 500, (name, response.status_code)
    assert seeded.scalar(select(Report.id)) is None, "a refused upload left a report behind"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads what any request did

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_reported_internal_urls_are_never_fetched_by_any_job(client: TestClient, recorder: int, engine, seeded: Session, settings) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    from canhgiac.worker.runner import Runner

    port = recorder
    urls = [f"http://127.0.0.1:{port}/a", f"http://localhost:{port}/b", f"http://2130706433:{port}/c",
            f"http://0x7f.0.0.1:{port}/d", f"http://017700000001:{port}/e", f"http://[::1]:{port}/f",
            f"http://127.1:{port}/g", f"http://[::ffff:127.0.0.1]:{port}/h",
            "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/"]  # fmt: skip
    response = client.post(
        "/api/v1/reports", json={"category": "phishing", "content": "Bấm link", "urls": urls}
    )
    assert response.status_code == 201
    # A source pointing at loopback: the fetch job itself must refuse it.
    sources.add_source(
        seeded, "test", kind="web", url=f"http://127.0.0.1:{port}/feed", unit_code="VHTT"
    )
    seeded.commit()
    runner = Runner(engine, settings=settings, poll_s=0.05)
    runner.run(until_idle=True)
    assert _Recorder.hits == [], "a job fetched an internal address"
