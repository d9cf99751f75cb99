"""Fuzz the operators' SMS CSV parser: a clean refusal (ValidationFailed) or rows, nothing else."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from canhgiac.errors import ValidationFailed
    from canhgiac.ingest.sms_csv import parse_sms_csv, rejected_csv

from _common import run


def target(data: bytes) -> None:
    try:
        parsed = parse_sms_csv(data)
    except ValidationFailed:
        return
    rejected_csv(parsed.rejected)


if __name__ == "__main__":
    run(target)
