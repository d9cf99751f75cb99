"""The content-addressed evidence store: every blob kept once, named by its SHA-256."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from canhgiac.errors import NotFound

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    """The lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


class EvidenceStore:
    """Blobs under root/ab/cd/<sha256>, written atomically and never changed afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives; ValueError for anything but 64 hex digits."""
        if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
            raise ValueError("malformed SHA-256 (64 lower-case hex digits expected)")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` (idempotent) and return its SHA-256."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        # tmp + fsync + rename: a crash leaves either no file or the whole file, never a torn one.
        try:
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:  # the first blob of its folder (a mkdir each time costs more)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp_name, 0o440)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return digest

    def open(self, sha256: str) -> bytes:
        """The blob's bytes; NotFound when absent."""
        target = self.path(sha256)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise NotFound("Không tìm thấy tệp chứng cứ trong kho lưu trữ.") from None

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha256).exists()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on directories; the data itself is synced
        pass
    finally:
        os.close(fd)
