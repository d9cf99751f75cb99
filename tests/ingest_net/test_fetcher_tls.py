"""HTTPS: the fetcher connects to the checked address yet verifies the certificate by name."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from canhgiac.ingest.fetcher import FetchFailed, FetchPolicy, fetch
from canhgiac.settings import Settings
from tests.ingest_net.local_server import serve

PAGE = (200, {"Content-Type": "text/plain"}, b"xin chao")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def test_https_uses_the_name_for_sni_and_verification(
    certificate: tuple[Path, Path], net_settings: Settings, policy: FetchPolicy
) -> None:
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    by_name = net_settings.model_copy(update={"fetch_allow": ["localhost", "127.0.0.1/32"]})
    with (
        serve({"/": PAGE}, tls=server_tls) as server,
        httpx.Client(verify=trust, trust_env=False) as client,
    ):
        result = fetch(
            f"https://localhost:{server.port}/", settings=by_name, client=client, policy=policy
        )
        assert result.content == b"xin chao"
        assert server.requests[-1].headers["host"] == f"localhost:{server.port}"
        # Same server and client by address: the certificate names localhost, not 127.0.0.1,
        # and the earlier connection (verified for localhost) is not reused.
        with pytest.raises(FetchFailed, match=r"127\.0\.0\.1"):
            fetch(
                f"https://127.0.0.1:{server.port}/x", settings=by_name, client=client, policy=policy
            )
        assert "/x" not in server.paths()
