"""Fuzz the .eml parser: a clean refusal (ValidationFailed) or a parsed e-mail, nothing else."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from canhgiac.errors import ValidationFailed
    from canhgiac.ingest.email import parse_eml

from _common import run

SEED = b"From: a <a@b.vn>\r\nSubject: x\r\nDate: Mon, 1 Jan 2024 10:00:00 +0700\r\n\r\n"


def target(data: bytes) -> None:
    # Some inputs get plausible headers (to reach the body and MIME code quickly), some are
    # used as a From header (the address parser), the rest are the whole file.
    mode = data[:1]
    if mode == b"\x01":
        payload = SEED + data[1:]
    elif mode == b"\x02":
        payload = b"From: " + data[1:].replace(b"\n", b" ") + b"\r\nSubject: x\r\n\r\nhello"
    else:
        payload = data
    try:
        parse_eml(payload)
    except ValidationFailed:
        return


if __name__ == "__main__":
    run(target)
