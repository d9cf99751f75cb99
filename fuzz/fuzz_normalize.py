"""Fuzz the normaliser: never raises, offsets always point into the original."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from canhgiac.text.normalize import normalize

from _common import run


def target(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    result = normalize(text)
    assert len(result.offsets) == len(result.folded) + 1
    assert all(0 <= o <= len(text) for o in result.offsets)


if __name__ == "__main__":
    run(target)
