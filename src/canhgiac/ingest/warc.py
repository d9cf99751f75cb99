"""WARC capture of fetched documents (ISO 28500, gzip), kept as evidence beside the raw page."""

from __future__ import annotations

from http import HTTPStatus
from io import BytesIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from canhgiac.ingest.fetcher import FetchResult

WARC_MEDIA_TYPE = "application/warc"
# The body we keep is already decoded and complete, so these would describe it wrongly.
_DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def warc_response(result: FetchResult) -> bytes:
    """One gzip-compressed WARC file holding the response record of `result`."""
    headers = [(k, v) for k, v in result.headers.items() if k.lower() not in _DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(result.content))))
    http_headers = StatusAndHeaders(
        f"{result.status} {_reason(result.status)}", headers, protocol="HTTP/1.1"
    )
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    record = writer.create_warc_record(
        result.final_url,
        "response",
        payload=BytesIO(result.content),
        http_headers=http_headers,
        warc_headers_dict={
            "WARC-Date": result.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Target-URI": result.final_url,
        },
    )
    writer.write_record(record)
    return buffer.getvalue()
