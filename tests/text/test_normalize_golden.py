"""Golden outputs of normalize(), captured before the speed work: the fast paths change nothing.

`normalize_golden.jsonl` holds, for each input (the real spam set, a sample of our fixtures and
rule examples, the table inputs, obfuscated variants of them and random strings), the `text` and
`folded` forms and the offsets in run-length form: [folded index, original index, run length].
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from canhgiac.text.normalize import fold, fold_chars, normalize

GOLDEN = Path(__file__).parents[1] / "fixtures" / "text" / "normalize_golden.jsonl"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in GOLDEN.read_text("utf-8").splitlines() if line
]


def _expand(runs: list[list[int]]) -> tuple[int, ...]:
    out: list[int] = []
    for folded_at, original_at, length in runs:
        assert folded_at == len(out)
        out.extend(range(original_at, original_at + length))
    return tuple(out)


def test_golden_set_is_varied() -> None:
    assert len(ROWS) >= 300
    assert sum(not r["input"].isascii() for r in ROWS) >= 100
    assert sum(r["input"].isascii() for r in ROWS) >= 100
    assert sum(r["folded"] != r["input"].lower() for r in ROWS) >= 100


@pytest.mark.parametrize("row", ROWS, ids=range(len(ROWS)))
def test_normalize_matches_golden(row: dict[str, Any]) -> None:
    n = normalize(row["input"])
    assert n.original == row["input"]
    assert n.text == row["text"]
    assert n.folded == row["folded"]
    assert n.offsets == _expand(row["offsets"])
    assert fold(row["input"]) == row["folded"]


def test_fold_chars_ascii_fast_path_matches_the_table() -> None:
    every_ascii = "".join(map(chr, range(128)))
    expected = "".join(
        " " if ch in "\t\n\r" else "" if not ch.isprintable() else ch.lower() for ch in every_ascii
    )
    assert fold_chars(every_ascii) == expected


def test_characters_assumed_kept_are_kept() -> None:
    # _kept_indices only looks at characters outside this class when it rebuilds the offsets.
    from canhgiac.text import normalize as module

    dropped = [
        hex(cp)
        for cp in range(0x10000)
        if not 0xD800 <= cp <= 0xDFFF
        and re.fullmatch("[" + module._NEVER_DROPPED + "]", chr(cp))
        and module.fold_chars(chr(cp)) == ""
    ]
    assert dropped == []
