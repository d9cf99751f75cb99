"""Vietnamese-aware normalisation: canonical tones, folded matching text, offsets back to the input.

Conventions (see the module tests for the full table):

* `text` keeps case and diacritics; tone marks are placed in the traditional ("old") style,
  òa / òe / ùy: "hoà" -> "hòa", "khoẻ" -> "khỏe", "thuỷ" -> "thủy" ("quý" is untouched).
* `folded` is what matchers should search: lower case, no diacritics (đ -> d), look-alike letters
  and leetspeak folded, spaced-out letters joined, teencode expanded, whitespace collapsed.
  Digits that are not inside a word (phone numbers, amounts, OTP codes) stay digits.
* `offsets[i]` is the index in `original` of the character that produced `folded[i]`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import numpy as np

from canhgiac.text._records import positional_maker
from canhgiac.text.homoglyphs import CONFUSABLES, INVISIBLE, LEET
from canhgiac.text.teencode import TEENCODE
from canhgiac.text.trie import trie_pattern

try:  # optional C helpers, built at install when a compiler is there (setup.py)
    from canhgiac.text import _fast
except ImportError:  # pragma: no cover - depends on the build
    _fast = None  # type: ignore[assignment]

__all__ = [
    "Normalized",
    "canonical_tones",
    "fold",
    "fold_chars",
    "normalize",
    "normalize_many",
    "strip_diacritics",
]


@dataclass(frozen=True, slots=True)
class Normalized:
    """A message in three forms, with a map from the folded form back to the original."""

    original: str
    text: str
    folded: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of `folded` to the span of `original` that produced it."""
        n = len(self.folded)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        if start == end:
            pos = self.offsets[start]
            return pos, pos
        orig = self.original
        first = self.offsets[start]
        stop = self.offsets[end - 1] + 1
        # A folded letter may come from a base letter followed by combining marks (NFD input).
        while stop < len(orig) and unicodedata.combining(orig[stop]):
            stop += 1
        return first, stop


# Normalized(original, text, folded, offsets) without the frozen dataclass's per-field set-up.
_make_normalized = positional_maker(Normalized)


# --- character tables --------------------------------------------------------------------------

_KEEP_CONTROLS = frozenset("\t\n\r")


def _is_invisible(ch: str) -> bool:
    if ch in INVISIBLE:
        return True
    cat = unicodedata.category(ch)
    return cat == "Cf" or (cat == "Cc" and ch not in _KEEP_CONTROLS)


def _compat_char(ch: str) -> str:
    """Full-width and mathematical letters/digits to ASCII; anything else unchanged."""
    cp = ord(ch)
    if 0xFF01 <= cp <= 0xFF5E or 0x1D400 <= cp <= 0x1D7FF or 0x2460 <= cp <= 0x24FF:
        nfkc = unicodedata.normalize("NFKC", ch)
        if len(nfkc) == 1:
            return nfkc
    return ch


def _text_char(ch: str) -> str:
    if _is_invisible(ch):
        return ""
    ch = _compat_char(ch)
    return CONFUSABLES.get(ch, ch)


def _fold_char(ch: str) -> str:
    if _is_invisible(ch) or unicodedata.combining(ch):
        return ""
    if ch in "\t\n\r":
        return " "
    ch = CONFUSABLES.get(ch, ch)
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if len(base) == 1:
        ch = CONFUSABLES.get(base, base)
    lower = ch.lower()
    # Every entry maps to at most one character, which keeps offset tracking trivial.
    return lower if len(lower) == 1 else ch


def _plain_char(ch: str) -> str:
    if ch == "đ":
        return "d"
    if ch == "Đ":
        return "D"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base if base else ch


class _LazyTable(dict[int, str]):
    """A str.translate table that computes and caches each character's mapping on first use."""

    def __init__(self, func: Callable[[str], str]) -> None:
        super().__init__()
        self._func = func
        for cp in range(128):
            self[cp] = func(chr(cp))

    def __missing__(self, cp: int) -> str:
        value = self._func(chr(cp))
        self[cp] = value
        return value


_TEXT_TABLE = _LazyTable(_text_char)


# Control characters (tab, newline and carriage return stay), full-width forms, circled digits.
_TEXT_HINT_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0xFF01, 0xFF5E),
    (0x2460, 0x24FF),
)


def _text_hint() -> tuple[re.Pattern[str], bytes]:
    """Every BMP character that `_text_char` changes, so most messages skip the translation:
    as a character class and as a bitmap over the BMP (for the C helper; the same set)."""
    format_chars = [chr(c) for c in range(0x80, 0x10000) if unicodedata.category(chr(c)) == "Cf"]
    chars = "".join(sorted({*INVISIBLE, *CONFUSABLES, *format_chars}))
    ranges = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _TEXT_HINT_RANGES)
    bitmap = bytearray(8192)
    for cp in [*map(ord, chars), *(c for a, b in _TEXT_HINT_RANGES for c in range(a, b + 1))]:
        if cp > 0xFFFF:
            raise ValueError("the text hint is for BMP characters only")
        bitmap[cp >> 3] |= 1 << (cp & 7)
    return re.compile("[" + re.escape(chars) + ranges + "]"), bytes(bitmap)


_TEXT_HINT, _TEXT_HINT_BITS = _text_hint()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _text_changes(text: str) -> bool:
    """True when `text.translate(_TEXT_TABLE)` would change `text`."""
    if _TEXT_HINT.search(text):
        return True
    return _astral_changes(text)


def _astral_changes(text: str) -> bool:
    """True when `_TEXT_TABLE` changes a character of `text` beyond the BMP."""
    # Emoji (common in spam) are astral and almost never change: check those few characters
    # one by one instead of sending every message with an emoji through the translation.
    table = _TEXT_TABLE
    return any(table[ord(ch)] != ch for ch in _ASTRAL.findall(text))


# Blocks whose characters are checked for `_nfc_safe` (Latin and Vietnamese letters,
# punctuation and symbols, CJK punctuation, variation selectors and full-width forms, emoji);
# characters elsewhere count as unsafe. tests/text/test_compiled_helpers.py checks that none of
# these is the second character of a canonical composition.
_NFC_SAFE_BLOCKS = (
    (0x0000, 0x02FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x2BFF),
    (0x3000, 0x303F),
    (0xFE00, 0xFFFF),
    (0x1F000, 0x1FAFF),
)


def _nfc_safe(ch: str) -> bool:
    """A starter that NFC leaves alone and whose decomposition starts with a starter: a string of
    such characters (none of them the second of a canonical pair) is in NFC."""
    if unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch:
        return False
    return unicodedata.combining(unicodedata.normalize("NFD", ch)[0]) == 0


@lru_cache(maxsize=1)
def _astral_change_bits() -> bytes:
    """Bitmap over U+10000..U+1FFFF of the characters that `_TEXT_TABLE` changes: invisible and
    format characters and mathematical letters (the only astral ones `_text_char` touches)."""
    bitmap = bytearray(8192)
    for cp in range(0x10000, 0x20000):
        ch = chr(cp)
        candidate = (
            unicodedata.category(ch) in ("Cf", "Cc")
            or 0x1D400 <= cp <= 0x1D7FF
            or ch in INVISIBLE
            or ch in CONFUSABLES
        )
        if candidate and _TEXT_TABLE[cp] != ch:
            bitmap[(cp - 0x10000) >> 3] |= 1 << (cp & 7)
    return bytes(bitmap)


@lru_cache(maxsize=1)
def _nfc_safe_bits() -> bytes:
    """Bitmap over U+0000..U+1FFFF of the `_nfc_safe` characters of `_NFC_SAFE_BLOCKS`."""
    bitmap = bytearray(16384)
    for first, last in _NFC_SAFE_BLOCKS:
        for cp in range(first, last + 1):
            if _nfc_safe(chr(cp)):
                bitmap[cp >> 3] |= 1 << (cp & 7)
    return bytes(bitmap)


def _clean_text(text: str) -> str:
    """`canonical_tones` of the text form (`_TEXT_TABLE` applied) of a non-ASCII message."""
    if _fast is None:
        return canonical_tones(text.translate(_TEXT_TABLE) if _text_changes(text) else text)
    # One C pass says which steps can change anything: the table, NFC, the tone placement.
    flags = _fast.text_flags(
        text, _TEXT_HINT_BITS, _astral_change_bits(), _nfc_safe_bits(), _TONED_SECOND
    )
    if flags & 1 or (flags & 2 and _astral_changes(text)):
        return canonical_tones(text.translate(_TEXT_TABLE))
    if flags & 4:  # a character that NFC might change: the full check
        return canonical_tones(text)
    return _fix_tones(text) if flags & 8 else text


_FOLD_TABLE = _LazyTable(_fold_char)
_PLAIN_TABLE = _LazyTable(_plain_char)


# --- tone placement ----------------------------------------------------------------------------

_TONED = {
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "y": "ỳýỷỹỵ",
    "o": "òóỏõọ",
    "u": "ùúủũụ",
}


def _tone_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in range(5):
            for f_up in (False, True):
                for s_up in (False, True):
                    f = first.upper() if f_up else first
                    s_toned = _TONED[second][tone]
                    s_toned = s_toned.upper() if s_up else s_toned
                    s_plain = second.upper() if s_up else second
                    f_toned = _TONED[first][tone]
                    f_toned = f_toned.upper() if f_up else f_toned
                    pairs[f + s_toned] = f_toned + s_plain
    return pairs


_TONE_PAIRS = _tone_pairs()
_TONED_SECOND = "".join(sorted({pair[1] for pair in _TONE_PAIRS}))
# Only at the end of a syllable ("hoàn" is right in both styles) and never after "q" ("quý").
# The look-behind sits after the first character so that the scan starts on a plain char set.
_TONE_RE = re.compile(r"[oOuU](?<![qQ][oOuU])[" + _TONED_SECOND + r"](?![^\W\d_])")


def _fix_tones(text: str) -> str:
    return _TONE_RE.sub(lambda m: _TONE_PAIRS.get(m.group(), m.group()), text)


# --- folding steps with offset tracking --------------------------------------------------------

Offsets = list[int]


def _align(src: str, rep: str, src_offs: Offsets) -> Offsets:
    """Offsets for a replacement: matching characters keep theirs, others take the nearest."""
    return [src_offs[k] for k in _alignment(src, rep)]


# Cached: the same teencode words and spaced-out words come back in message after message.
@lru_cache(maxsize=4096)
def _alignment(src: str, rep: str) -> tuple[int, ...]:
    """For each character of `rep`, the index in `src` whose offset it takes."""
    out: list[int] = []
    j = 0
    last = len(src) - 1
    for ch in rep:
        k = src.find(ch, j)
        if k >= 0:
            out.append(k)
            j = k + 1
        else:
            out.append(min(j, last))
    return tuple(out)


def _sub(
    s: str, offs: Offsets | None, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> tuple[str, Offsets | None]:
    """re.sub that also rewrites the offsets list (None means the identity map)."""
    return _sub_matches(s, offs, pattern.finditer(s), repl)


def _sub_matches(
    s: str,
    offs: Offsets | None,
    matches: Iterable[re.Match[str]],
    repl: Callable[[re.Match[str]], str],
    group: int = 0,
) -> tuple[str, Offsets | None]:
    """Replace `group` of each match (in order, not overlapping) and rewrite the offsets."""
    parts: list[str] = []
    new_offs: Offsets = []
    pos = 0
    for m in matches:
        rep = repl(m)
        old = m.group(group)
        if rep == old:
            continue
        a, b = m.span(group)
        parts.append(s[pos:a])
        if offs is None:  # the identity map: offsets are positions, no list of them needed
            new_offs.extend(range(pos, a))
            new_offs.extend([a + k for k in _alignment(old, rep)])
        else:
            new_offs.extend(offs[pos:a])
            new_offs.extend(_align(old, rep, offs[a:b]))
        parts.append(rep)
        pos = b
    if not parts:
        return s, offs
    parts.append(s[pos:])
    new_offs.extend(range(pos, len(s)) if offs is None else offs[pos:])
    return "".join(parts), new_offs


# "GlAY", "SlNH", "GOl": a lower-case L standing in for an upper-case I. The hint starts with the
# literal "l" so that the regex engine skips to each "l" instead of trying every position.
_CAPS_L_HINT = re.compile(r"l(?:(?<=[A-Z]l)|(?=[A-Z]))")
_WORD_WITH_L = re.compile(r"[^\W_]*l[^\W_]*")


def _fix_caps_l(m: re.Match[str]) -> str:
    tok = m.group()
    uppers = sum(c.isupper() for c in tok)
    if uppers < 2:
        return tok
    others_lower = any(c.islower() and c != "l" for c in tok)
    out = []
    for i, c in enumerate(tok):
        if c == "l":
            prev_up = i > 0 and tok[i - 1].isupper()
            next_up = i + 1 < len(tok) and tok[i + 1].isupper()
            if not others_lower or (prev_up and next_up):
                c = "I"
        out.append(c)
    return "".join(out)


# A digit (or "$") next to a letter; it starts on the digit for the same reason as _CAPS_L_HINT.
_LEET_HINT = re.compile(r"[0-9$](?:(?<=[a-z][0-9$])|(?=[a-z]))")
_TOKEN_TAIL = re.compile(r"[\w$]*")
_LEET_CHARS = frozenset(LEET) - {"@"}  # "@" stays: it belongs to e-mail addresses
_LEET_CHARS_STR = "".join(sorted(_LEET_CHARS))


def _fold_leet_all(s: str) -> str:
    """Fold leetspeak in each word that mixes letters and digits (same length as the input)."""
    if _fast is not None and not _fast.leet_may_change(s, _LEET_CHARS_STR):
        return s  # one C pass: no leet character that `_fold_leet` could replace
    parts: list[str] = []
    pos = 0
    for m in _LEET_HINT.finditer(s):
        if m.start() < pos:
            continue
        start = m.start()
        while start > pos and (s[start - 1].isalnum() or s[start - 1] in "_$"):
            start -= 1
        end = _TOKEN_TAIL.match(s, m.end()).end()  # type: ignore[union-attr]
        parts.append(s[pos:start])
        parts.append(_fold_leet(s[start:end]))
        pos = end
    if not parts:
        return s
    parts.append(s[pos:])
    return "".join(parts)


@lru_cache(maxsize=4096)
def _fold_leet(tok: str) -> str:
    letters = sum(c.isalpha() for c in tok)
    if not letters or letters == len(tok):
        return tok
    out = list(tok)
    last = len(tok) - 1
    for i, c in enumerate(tok):
        if c not in _LEET_CHARS:
            continue
        prev = tok[i - 1] if i else ""
        nxt = tok[i + 1] if i < last else ""
        if prev.isdigit() or nxt.isdigit():
            continue  # part of a number: an amount, a code, a phone number
        if not (prev.isalpha() or nxt.isalpha()):
            continue
        if letters >= 2 or c in "0$":
            out[i] = LEET[c]
    return "".join(out)


# Three or more single letters separated by one space, dot, dash or underscore: "l.u.a", "n h a n".
# The separator must be the same along the run, so "l.u.a d.a.o" gives two words.
_SPACED = re.compile(r"(?<![^\W_])[^\W\d_]([ .\-_])[^\W\d_](?:\1[^\W\d_])+(?![^\W_])")
# The hint (a yes/no test) starts on the separator: the engine then only tries spaces and dots.
_SPACED_HINT = re.compile(r"([ .\-_])(?<=[^\W\d_].)(?<![^\W_]..)[^\W\d_]\1[^\W\d_](?![^\W_])")
_SEPARATORS = str.maketrans("", "", " .-_")


def _py_spaced_hint(s: str) -> bool:
    return _SPACED_HINT.search(s) is not None


# The C twin answers what _SPACED_HINT answers, in one pass (tests compare them).
_spaced_hint = _fast.spaced_hint if _fast is not None else _py_spaced_hint


# A teencode word stands alone: not after a word character, "@", "/", ".", "-" or "(" ("100(K)"
# is an amount, not "không"), and not before a word character, "@", "/" or ".x" / "-x" / ":x".
_TEEN_WORD = "(" + trie_pattern(list(TEENCODE)) + r")(?![\w@/]|[.\-:]\w)"
_TEEN_RE = re.compile(r"(?<![\w@/.\-(])" + _TEEN_WORD)
# The same, split for speed: at the very start, or right after the character that allows it.
# Starting on that character (mostly spaces) lets the engine skip over the letters of words.
_TEEN_AT_START = re.compile(_TEEN_WORD)
_TEEN_AFTER = re.compile(r"[^\w@/.\-(]" + _TEEN_WORD)


# A teencode word made of word characters only matches a whole run of word characters, so ASCII
# text whose runs (split at every other ASCII character) include none of them has no match: one
# bytes.translate and bytes.split instead of trying the pattern at every position.
_TEEN_RUNS = frozenset(k for k in TEENCODE if re.fullmatch(r"\w+", k))
_TEEN_OTHERS = tuple(k for k in TEENCODE if k not in _TEEN_RUNS)  # "a/c": searched as they are
_ASCII_NON_WORD_CHARS = "".join(c for c in map(chr, range(128)) if not re.fullmatch(r"\w", c))
# Every other ASCII character to a space, on bytes: bytes.translate is a plain 256-entry table
# (str.translate looks each character up in a dict). Only [A-Za-z0-9_] and spaces remain, so
# bytes.split() splits where str.split() would.
_ASCII_NON_WORD_BYTES = bytes.maketrans(
    _ASCII_NON_WORD_CHARS.encode("ascii"), b" " * len(_ASCII_NON_WORD_CHARS)
)
# (Only ASCII text gets here, and it cannot hold a word that is not ASCII.)
_TEEN_RUNS_BYTES = frozenset(k.encode("ascii") for k in _TEEN_RUNS if k.isascii())
_TEEN_RUNS_ASCII = frozenset(k for k in _TEEN_RUNS if k.isascii())
_TEEN_LONGEST = max(map(len, _TEEN_RUNS_ASCII), default=0)


def _run_hash(word: str) -> int:
    """32-bit FNV-1a of an ASCII word, low 16 bits (the C helper computes the same)."""
    h = 2166136261
    for byte in word.encode("ascii"):
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h & 0xFFFF


def _run_bitmap(words: Iterable[str]) -> bytes:
    bitmap = bytearray(8192)
    for word in words:
        h = _run_hash(word)
        bitmap[h >> 3] |= 1 << (h & 7)
    return bytes(bitmap)


# A pre-filter for the C helper: only runs whose bit is set are looked up in the set.
_TEEN_BITMAP = _run_bitmap(_TEEN_RUNS_ASCII)
# The C helper looks at ASCII runs of up to 64 characters: every teencode word must be one.
_TEEN_RUNS_C = _fast is not None and _TEEN_RUNS == _TEEN_RUNS_ASCII and _TEEN_LONGEST <= 64


def _may_have_teencode(s: str) -> bool:
    """False only when `_teen_matches(s)` finds nothing (a quick test; in Python for ASCII text
    only, in C for any: the runs are those of Unicode word characters, as in the pattern)."""
    if not s.isascii() and not _TEEN_RUNS_C:
        return True
    for k in _TEEN_OTHERS:  # a loop, not any(...): no generator for one or two words
        if k in s:
            return True
    if _TEEN_RUNS_C:
        return _fast.has_word_run(s, _TEEN_RUNS_ASCII, _TEEN_LONGEST, _TEEN_BITMAP)
    words = s.encode("ascii").translate(_ASCII_NON_WORD_BYTES).split()
    return not _TEEN_RUNS_BYTES.isdisjoint(words)


def _teen_matches(s: str) -> Iterable[re.Match[str]]:
    """The matches of _TEEN_RE, each with the word as group 1."""
    first = _TEEN_AT_START.match(s)
    if first is None:
        return _TEEN_AFTER.finditer(s)
    return [first, *_TEEN_AFTER.finditer(s, first.end())]


_OTHER_SPACE = re.compile(r"[^\S ]")
# Whole whitespace runs that must change: two or more characters, a character other than a
# space, or a space at either end. Single spaces between words (most runs) are never visited.
_WS_RE = re.compile(r"\s{2,}|[^\S ]|^ | $")
# The same for ASCII folded text, whose only whitespace is the space (tabs and newlines fold to
# spaces, other controls are dropped); starting with a literal space makes the scan cheap.
_WS_RE_ASCII = re.compile(r" (?: +|(?<=^ )|(?=$))")


def _py_needs_ws_fix(s: str) -> bool:
    """True when there is whitespace other than single spaces between words."""
    return s[:1] == " " or s[-1:] == " " or "  " in s or _OTHER_SPACE.search(s) is not None


_needs_ws_fix = _fast.needs_ws_fix if _fast is not None else _py_needs_ws_fix


def _fold_table(s: str) -> str:
    """`s.translate(_FOLD_TABLE)`; printable ASCII (half of all SMS) only needs lower-casing."""
    if s.isascii() and s.isprintable():
        return s.lower()
    return s.translate(_FOLD_TABLE)


# _FOLD_TABLE as an array over every code point, filled as characters are first met. str.translate
# looks each character up through Python objects (~0.1 µs each); numpy folds the non-ASCII
# messages of a whole batch in a few calls (each call costs microseconds: not worth it for one).
_UNSEEN = np.uint32(0xFFFFFFFF)
_DROP = np.uint32(0xFFFFFFFE)
_FOLD_CODES = np.full(0x110000, _UNSEEN, dtype=np.uint32)


def _fold_code(cp: int) -> int:
    folded = _FOLD_TABLE[cp]
    return ord(folded) if folded else int(_DROP)


_FOLD_CODES[:128] = [_fold_code(cp) for cp in range(128)]


def _fold_codes_many(strings: list[str]) -> list[tuple[str, Offsets | None]]:
    """For each string, `s.translate(_FOLD_TABLE)` and the indices of the characters kept (None
    when none was dropped), computed for all of them at once."""
    if not strings:
        return []
    codes = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = _FOLD_CODES[codes]
    unseen = mapped == _UNSEEN
    if unseen.any():
        for cp in np.unique(codes[unseen]).tolist():
            _FOLD_CODES[cp] = _fold_code(cp)
        mapped = _FOLD_CODES[codes]
    kept = mapped != _DROP
    lengths = [len(x) for x in strings]
    dropped: list[int] = [0] * len(strings)
    if not kept.all():
        sizes = np.asarray(lengths, dtype=np.int64)
        # Strings are never empty here (an empty string is ASCII), so reduceat is safe.
        dropped = (sizes - np.add.reduceat(kept, np.cumsum(sizes) - sizes)).tolist()
        mapped = mapped[kept]
    out = mapped.tobytes().decode("utf-32-le", "surrogatepass")
    result: list[tuple[str, Offsets | None]] = []
    pos = folded_pos = 0
    for n, gone in zip(lengths, dropped, strict=True):
        size = n - gone
        offs = np.flatnonzero(kept[pos : pos + n]).tolist() if gone else None
        result.append((out[folded_pos : folded_pos + size], offs))
        pos += n
        folded_pos += size
    return result


# Characters that always fold to one character (printable ASCII, Latin letters with diacritics,
# Vietnamese precomposed letters): only the others can be dropped, and they are rare.
_NEVER_DROPPED = "\t\n\r\x20-\x7e\xa0-\xac\xae-\u024f\u1e00-\u1eff"
_MAYBE_DROPPED = re.compile("[^" + _NEVER_DROPPED + "]")


def _kept_indices(s: str) -> Offsets:
    """Indices of the characters of `s` that `_FOLD_TABLE` keeps (maps to a character)."""
    table = _FOLD_TABLE
    out: Offsets = []
    pos = 0
    for m in _MAYBE_DROPPED.finditer(s):
        i = m.start()
        if not table[ord(s[i])]:
            out.extend(range(pos, i))
            pos = i + 1
    out.extend(range(pos, len(s)))
    return out


def _expand_teen(m: re.Match[str]) -> str:
    return TEENCODE[m.group(1)]


def _fix_caps(original: str) -> str:
    if _CAPS_L_HINT.search(original):
        return _WORD_WITH_L.sub(_fix_caps_l, original)  # same length: offsets unchanged
    return original


def _fold_chars_offsets(s: str) -> tuple[str, Offsets | None]:
    """The character table step: folded characters and the indices kept (None: all of them)."""
    folded = _fold_table(s)
    if len(folded) == len(s):
        return folded, None
    # Some characters were dropped: keep the indices of the others. A few dropped characters
    # (an emoji joiner): visit only the candidates. Many (text in decomposed form, every letter
    # followed by its marks): one pass over all characters.
    if (len(s) - len(folded)) * 8 < len(s):
        return folded, _kept_indices(s)
    return folded, list(compress(range(len(s)), map(_FOLD_TABLE.__getitem__, map(ord, s))))


def _fold_with_offsets(original: str) -> tuple[str, Offsets | None]:
    return _fold_words(*_fold_chars_offsets(_fix_caps(original)))


def _fold_many(texts: Sequence[str]) -> Iterator[tuple[str, Offsets | None]]:
    """`_fold_with_offsets(t) for t in texts`, with the character step of all non-ASCII texts
    done in one numpy pass. A generator: each pair is used and dropped at once, so a batch does
    not keep one more tracked object per message alive (fewer garbage collector passes)."""
    fixed = [_fix_caps(t) for t in texts]
    wide = [s for s in fixed if not s.isascii()]
    if len(wide) < _MANY_MIN:
        for s in fixed:
            yield _fold_words(*_fold_chars_offsets(s))
        return
    folded_wide = iter(_fold_codes_many(wide))
    for s in fixed:
        yield _fold_words(*(_fold_chars_offsets(s) if s.isascii() else next(folded_wide)))


# Below this many non-ASCII messages, numpy's per-call cost exceeds what it saves.
_MANY_MIN = 4


def _fold_words(folded: str, offs: Offsets | None) -> tuple[str, Offsets | None]:
    """The word-level steps after the character table: leetspeak, spaced letters, teencode,
    whitespace."""
    if _TEEN_RUNS_C and not _fast.word_steps(
        folded, _LEET_CHARS_STR, _TEEN_RUNS_ASCII, _TEEN_LONGEST, _TEEN_BITMAP
    ):
        # One C pass: no step below can change anything (most messages), unless a teencode
        # word with other characters ("a/c") is there.
        for k in _TEEN_OTHERS:
            if k in folded:
                break
        else:
            return folded, offs
    folded = _fold_leet_all(folded)  # same length: offsets unchanged
    if _spaced_hint(folded):
        folded, offs = _sub(folded, offs, _SPACED, lambda m: m.group().translate(_SEPARATORS))
    if _may_have_teencode(folded):
        folded, offs = _sub_matches(folded, offs, _teen_matches(folded), _expand_teen, group=1)
    if _needs_ws_fix(folded):
        end = len(folded)

        def ws(m: re.Match[str]) -> str:
            return "" if m.start() == 0 or m.end() == end else " "

        folded, offs = _sub(folded, offs, _WS_RE_ASCII if folded.isascii() else _WS_RE, ws)
    return folded, offs


# --- public API --------------------------------------------------------------------------------


def canonical_tones(text: str) -> str:
    """NFC with tone marks in the traditional place (òa, òe, ùy)."""
    # normalize() returns text that is already in NFC as it is (its own quick check first);
    # is_normalized() before it would normalise decomposed text twice.
    return _fix_tones(unicodedata.normalize("NFC", text))


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese (and other) diacritics, keep case: "Lừa đảo" -> "Lua dao"."""
    return unicodedata.normalize("NFC", text).translate(_PLAIN_TABLE)


# Identity offsets for messages that fold without dropping characters, sliced (a copy in C)
# instead of being built from a range each time.
_IDENTITY = tuple(range(4097))
# The slices themselves, one per length up to 1,024 (at most 4 MB in all), made when a length is
# first met: a tuple is immutable, so every message of that length can share it; copying even
# from a shared tuple touches each of its int objects (a cache miss each for numbers above 256).
_IDENTITY_BY_LENGTH: list[tuple[int, ...] | None] = [None] * 1025


def normalize(text: str) -> Normalized:
    """Normalise one message; never raises on any string."""
    return _normalized(text, _fold_with_offsets(text))


def normalize_many(texts: Sequence[str]) -> list[Normalized]:
    """`[normalize(t) for t in texts]`, faster for a batch (one numpy pass for the characters)."""
    return [_normalized(t, f) for t, f in zip(texts, _fold_many(texts), strict=True)]


def _normalized(text: str, folding: tuple[str, Offsets | None]) -> Normalized:
    if text.isascii():
        # NFC and tone placement never change ASCII; only control characters go.
        clean = text if text.isprintable() else text.translate(_TEXT_TABLE)
    else:
        clean = _clean_text(text)
    folded, offs = folding
    if offs is None:
        n = len(folded) + 1
        if n < len(_IDENTITY_BY_LENGTH):
            shared = _IDENTITY_BY_LENGTH[n]
            if shared is None:
                shared = _IDENTITY_BY_LENGTH[n] = _IDENTITY[:n]
            offsets = shared
        else:
            offsets = _IDENTITY[:n] if n <= len(_IDENTITY) else tuple(range(n))
    else:
        offs.append(len(text))
        offsets = tuple(offs)
    return _make_normalized(text, clean, folded, offsets)


def fold_chars(text: str) -> str:
    """Character-level folding only (lower case, no diacritics, homoglyphs, invisibles removed)."""
    return _fold_table(text)


def fold(text: str) -> str:
    """The folded matching form of `text` (same as `normalize(text).folded`)."""
    return _fold_with_offsets(text)[0]
