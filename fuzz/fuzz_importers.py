"""Fuzz the indicator exchange importers (csv, txt, MISP, STIX): ValueError or records."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from canhgiac.exports.importers import FORMATS, read_indicators

from _common import run


def target(data: bytes) -> None:
    if not data:
        return
    fmt = FORMATS[data[0] % len(FORMATS)]
    try:
        read_indicators(data[1:], fmt, "fuzz")
    except ValueError:
        return


if __name__ == "__main__":
    run(target)
