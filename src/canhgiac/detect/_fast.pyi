"""Types of the optional C helpers in _fast.c (the package works without them)."""

from typing import Any

def word_cells(
    texts: list[str],
    known: dict[str, int],
    feat_flat: Any,
    feat_start: Any,
    feat_len: Any,
    tok_flat: Any,
    tok_start: Any,
    tok_len: Any,
    bits: int,
    bigrams: bool,
    /,
) -> list[str] | bytearray: ...

class Matcher:
    def __init__(
        self,
        keys: list[str],
        entries: list[tuple[bool, list[tuple[int, int, int, bool, bool]]]],
        words: tuple[str, ...],
        n_groups: list[int],
        min_hits: list[int],
        has_regex: list[bool],
        watched: list[bool],
        /,
    ) -> None: ...
    def match(
        self, folded: str, /
    ) -> tuple[
        list[
            tuple[
                int,
                tuple[tuple[str, tuple[int, int]], ...],
                tuple[tuple[int, tuple[int, int]], ...],
            ]
        ],
        list[int],
    ]: ...

def linear_scores(
    cells: Any, n_docs: int, bits: int, tf_table: Any, weights: Any, use_idf: bool, /
) -> bytes | None: ...
