"""Fuzz the indicator extractor: never raises, spans inside the text."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from canhgiac.text.indicators import extract_indicators

from _common import run


def target(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    for ind in extract_indicators(text):
        assert 0 <= ind.start <= ind.end <= len(text)


if __name__ == "__main__":
    run(target)
