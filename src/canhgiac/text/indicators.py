"""Indicators in a message: links, domains, phone numbers, short codes, bank accounts, e-mails.

Every span points into the original text. Values are normalised so that they can be looked up in
block/allow-lists: URLs are refanged with a lower-case scheme and host (the path keeps its case,
since short-link codes are case-sensitive) and "/" for an empty path; domains are lower-case IDNA;
phone numbers are E.164; accounts and short codes are digits; e-mails are lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

import phonenumbers
import tldextract

from canhgiac.text._records import positional_maker
from canhgiac.text.homoglyphs import INVISIBLE
from canhgiac.text.normalize import Normalized, normalize
from canhgiac.text.trie import trie_pattern

try:  # optional C helpers, built at install when a compiler is there (setup.py)
    from canhgiac.text import _fast
except ImportError:  # pragma: no cover - depends on the build
    _fast = None  # type: ignore[assignment]

__all__ = [
    "SHORTENERS",
    "TLD_EXTRACT",
    "Indicator",
    "defang",
    "extract_indicators",
    "host_of",
    "is_shortener",
    "normalize_phone",
    "normalize_url",
    "public_suffix",
    "refang",
    "registered_domain",
    "to_idna",
]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator found in a text, with its normalised value and its span in the original."""

    kind: str  # "url" | "domain" | "phone" | "shortcode" | "bank_account" | "email"
    value: str
    raw: str
    start: int
    end: int
    registered_domain: str | None = None
    shortener: bool = False
    bank: str | None = None
    host: str | None = None  # for url/domain/email: the full lower-case IDNA host

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return asdict(self)


# Indicator(kind, value, raw, start, end, registered_domain, shortener, bank, host), every field
# given, without the frozen dataclass's per-field set-up (made for many messages).
_indicator = positional_maker(Indicator)


# --- public suffix list (offline: tldextract's bundled snapshot, no fetching) ------------------

TLD_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True, include_psl_private_domains=True
)


def to_idna(host: str) -> str | None:
    """Lower-case ASCII (punycode) form of a host name, or None when it cannot be encoded."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return None
    if host.isascii():
        return host
    return _idna(host)


# The idna codec is pure Python and slow; the same non-ASCII words come back again and again.
@lru_cache(maxsize=16384)
def _idna(host: str) -> str | None:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


@lru_cache(maxsize=65536)
def _split_host(host: str) -> tuple[str, str]:
    """(registrable label, public suffix) of an IDNA host; either may be empty."""
    ext = TLD_EXTRACT(host)
    return ext.domain, ext.suffix


def registered_domain(host: str) -> str | None:
    """The registrable domain of a host ("x.vietcombank.com.vn" -> "vietcombank.com.vn")."""
    idna = to_idna(host_of(host) or host)
    if idna is None:
        return None
    label, suffix = _split_host(idna)
    if not label or not suffix:
        return None
    return f"{label}.{suffix}"


def public_suffix(host: str) -> str | None:
    """The public suffix of an IDNA host ("com.vn" for "x.vietcombank.com.vn")."""
    idna = to_idna(host)
    if idna is None:
        return None
    return _split_host(idna)[1] or None


# --- defanging ---------------------------------------------------------------------------------

_REFANG_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\bh(?:xx|XX|\*\*|tt)p(s?)(?:\[:\]|\(:\)|\{:\}|:)//", re.IGNORECASE),
        r"http\1://",
    ),
    (re.compile(r"\bh(?:xx|\*\*)p(s?)\b", re.IGNORECASE), r"http\1"),
    (re.compile(r"\s?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s?", re.IGNORECASE), "."),
    (re.compile(r"\[:\]|\(:\)|\{:\}"), ":"),
    (re.compile(r"\s?(?:\[@\]|\(@\)|\[at\]|\(at\)|\{at\})\s?", re.IGNORECASE), "@"),
    (re.compile(r"\[/\]"), "/"),
)


_REFANG_HINT = re.compile(r"[\[({]|h(?:xx|\*\*)p", re.IGNORECASE)


def refang(s: str) -> str:
    """Undo common defanging: hxxp -> http, [.] (.) (dot) [dot] {.} -> ., [:] -> :, [at] -> @."""
    if not _REFANG_HINT.search(s):
        return s
    for pattern, repl in _REFANG_RULES:
        s = pattern.sub(repl, s)
    return s


_SCHEME_SPLIT = re.compile(r"^([a-z][a-z0-9+.\-]*://)?([^/?#]*)(.*)$", re.IGNORECASE | re.DOTALL)


def defang(s: str) -> str:
    """Make a URL, domain or e-mail unclickable: http -> hxxp, dots in the host -> [.]."""
    m = _SCHEME_SPLIT.match(s)
    assert m is not None  # the pattern matches any string
    scheme, host, rest = m.group(1) or "", m.group(2), m.group(3)
    if scheme.lower().startswith("http"):
        scheme = "hxxp" + scheme[4:]
    if "@" in host:
        user, _, domain = host.rpartition("@")
        host = f"{user}[@]{domain.replace('.', '[.]')}"
    else:
        host = host.replace(".", "[.]")
    return scheme + host + rest


# --- shorteners --------------------------------------------------------------------------------


def _load_shorteners() -> frozenset[str]:
    text = resources.files("canhgiac.resources").joinpath("text/shorteners.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


SHORTENERS: frozenset[str] = _load_shorteners()


def is_shortener(host: str) -> bool:
    """True when the host (or a parent of it) is a known link shortener."""
    host = host.lower().rstrip(".")
    while True:
        if host in SHORTENERS:
            return True
        dot = host.find(".")
        if dot < 0:
            return False
        host = host[dot + 1 :]


# --- URLs, domains, e-mails --------------------------------------------------------------------

_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})"
# Possessive: a word not followed by a dot is given up at once instead of backtracked letter by
# letter. A label that ends in "-" or "_" is rejected after matching (_BAD_LABEL).
_LABEL = r"[^\W_][\w\-]*+"
_HOST = _LABEL + r"(?:" + _DOT + _LABEL + r")++"
_IPV4 = r"(?:\d{1,3}" + _DOT + r"){3}\d{1,3}"
_SCHEME = r"(?:h(?:tt|xx|\*\*)ps?|ftp)(?::|\[:\]|\(:\)|\{:\})//"
_URL_RE = re.compile(
    r"(?<![\w@.\-/])(?P<scheme>" + _SCHEME + r")?(?P<host>" + _HOST + r")"  # IPv4 is a _HOST too
    r"(?P<port>:\d{1,5})?(?P<path>[/?#][^\s<>\"'`]*)?",
    re.IGNORECASE,
)
_IPV4_RE = re.compile(_IPV4)
_BAD_LABEL = re.compile(r"[\-_](?:$|[.\[({])|\w{64}")
_AT = r"(?:@|\[@\]|\(@\)|\[at\]|\(at\)|\{at\})"
_EMAIL_RE = re.compile(
    r"(?<![\w.+\-])(?P<user>[\w+\-](?:[\w.+\-]{0,62}[\w+\-])?)" + _AT + r"(?P<host>" + _HOST + r")",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"…"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def host_of(url: str) -> str | None:
    """Lower-case host of a URL or bare host (refanged, port and credentials removed)."""
    m = _SCHEME_SPLIT.match(refang(url.strip()))
    if m is None:
        return None
    netloc = m.group(2).rpartition("@")[2]
    host = netloc.split(":", 1)[0] if netloc.count(":") == 1 else netloc
    return to_idna(host) if host else None


def normalize_url(url: str) -> str | None:
    """Canonical URL for look-ups: refanged, lower-case scheme and host, "/" for no path."""
    m = _SCHEME_SPLIT.match(refang(url.strip()))
    if m is None or not m.group(2):
        return None
    scheme = (m.group(1) or "http://").lower()
    netloc = m.group(2).rpartition("@")[2]
    host, sep, port = netloc.partition(":")
    idna = to_idna(host)
    if idna is None:
        return None
    rest = m.group(3) or "/"
    if rest[0] != "/":
        rest = "/" + rest
    return f"{scheme}{idna}{sep}{port}{rest}"


def _trim_path(path: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets glued to the end of a link."""
    while path:
        last = path[-1]
        unbalanced = last in _CLOSERS and path.count(last) > path.count(_CLOSERS[last])
        if last in _TRAILING or unbalanced:
            path = path[:-1]
        else:
            break
    return path


def _plausible_bare_host(host_raw: str, host: str, registered: str) -> bool:
    """Reject sentence joins and numbers that happen to end in a TLD.

    "xong.Shop", "SoHong.Va": a title-case TLD glued to the next word; "97.ooo": 97,000 written
    with a dot (".ooo" is a real TLD). A scheme, a path or a subdomain ("www.470420.com") keeps it.
    """
    tld = _DOT_RE.split(host_raw)[-1]
    if len(tld) >= 2 and tld[0].isupper() and tld[1:].islower():
        return False
    return not (host == registered and registered.partition(".")[0].isdigit())


_TLD_SHAPE = re.compile(r"[^\W\d_]{2,}|xn--[a-z0-9\-]+", re.IGNORECASE)
_DOT_RE = re.compile(_DOT, re.IGNORECASE)


def _host_indicator_fields(host_raw: str) -> tuple[str, str | None, str | None]:
    if not _TLD_SHAPE.fullmatch(_DOT_RE.split(host_raw)[-1]):
        return "", None, None  # numbers such as "5.000.000" or "1.2.3.4" are not domain names
    host = to_idna(refang(host_raw))
    if host is None:
        return "", None, None
    label, suffix = _split_host(host)
    if not label or not suffix:
        return host, None, None
    return host, f"{label}.{suffix}", suffix


def _find_emails(text: str) -> list[Indicator]:
    found = []
    for m in _EMAIL_RE.finditer(text):
        host, reg, _ = _host_indicator_fields(m.group("host"))
        if reg is None:
            continue
        user = m.group("user").lower()
        found.append(
            Indicator("email", f"{user}@{host}", m.group(), m.start(), m.end(), reg, host=host)
        )
    return found


def _find_urls(text: str, taken: list[tuple[int, int]]) -> list[Indicator]:
    found = []
    for m in _URL_RE.finditer(text):
        start = m.start()
        if any(a <= start < b for a, b in taken):
            continue
        scheme, path = m.group("scheme"), _trim_path(m.group("path") or "")
        host_raw = m.group("host")
        if _BAD_LABEL.search(host_raw):
            continue
        host, reg, suffix = _host_indicator_fields(host_raw)
        is_ip = reg is None and _IPV4_RE.fullmatch(host_raw) is not None
        if reg is None and not (is_ip and (scheme or path)):
            continue
        if suffix is not None and suffix.isdigit():
            continue
        bare = not scheme and not path and not m.group("port")
        if bare and reg is not None and not _plausible_bare_host(host_raw, host, reg):
            continue
        if path:
            end = m.start("path") + len(path)
        else:
            end = m.end("port") if m.group("port") else m.end("host")
        raw = text[start:end]
        shortener = not is_ip and is_shortener(host)
        if scheme or path or m.group("port"):
            value = normalize_url(raw)
            if value is None:
                continue
            found.append(_indicator("url", value, raw, start, end, reg, shortener, None, host))
        else:
            found.append(_indicator("domain", host, raw, start, end, reg, shortener, None, host))
    return found


# --- phone numbers and short codes -------------------------------------------------------------

# Digit groups joined by single separators. The pattern starts with a digit so that the scan
# skips text quickly; the "+" / "(+84)" prefix and the word boundaries are checked around it.
# The look-ahead drops most runs too short to matter (amounts, codes) inside the regex engine.
_DIGIT_RUN = re.compile(r"\d(?=[\d .\-,]{7})\d*(?:[ .\-,]\d+)*")
_RUN_PREFIX = re.compile(r"(?:\(\+?84\)\s?|\+)$")
_DIGITS = re.compile(r"\d+")


def _digit_runs(text: str, first: int = 0) -> Iterator[tuple[int, int, bool]]:
    """(start, end, has a "+" prefix) of each run of 8+ characters that stands alone; `first`:
    where to start looking (no digit before it)."""
    n = len(text)
    for m in _DIGIT_RUN.finditer(text, first):
        start, end = m.span()
        if end - start < 8:
            continue  # too short for any phone number or hotline
        if end < n and (text[end].isalnum() or text[end] == "_"):
            end = max(text.rfind(sep, start, end) for sep in " .-,")  # cut the glued group
            if end - start < 8:
                continue
        prefix = _RUN_PREFIX.search(text, max(0, start - 6), start)
        first = prefix.start() if prefix else start
        while first and (text[first - 1].isalnum() or text[first - 1] in "_+"):
            # Glued to a word ("S0 0934.496.000"): drop the first group and look again.
            prefix = None
            first = _DIGITS.match(text, start).end() + 1  # type: ignore[union-attr]
            start = first
            if end - first < 8:
                break
        if end - first >= 8:
            yield first, end, prefix is not None


@lru_cache(maxsize=16384)
def _phone_from_digits(digits: str, plus: bool) -> str | None:
    if plus and digits.startswith("0"):
        plus = False  # "+0912..." is a typo for a national number
    if plus or (digits.startswith("84") and len(digits) in (11, 12)):
        candidate = "+" + digits
    elif digits.startswith("0") and len(digits) in (10, 11):
        candidate = digits
    else:
        return None
    try:
        number = phonenumbers.parse(candidate, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(raw: str) -> str | None:
    """A Vietnamese phone number in any usual form to E.164 ("+84912345678"), else None."""
    s = raw.strip()
    plus = s.startswith("+") or s.startswith("(+")
    digits = "".join(ch for ch in s if ch.isdigit())
    if s.startswith(("(84)", "(+84)")) and not digits.startswith("84"):
        return None
    if s.startswith(("(84)", "(+84)")):
        plus = True
    return _phone_from_digits(digits, plus) if 9 <= len(digits) <= 13 else None


def _is_hotline(digits: str) -> bool:
    return digits[:4] in ("1900", "1800") and len(digits) in (8, 10)


def _find_phones(text: str) -> list[Indicator]:
    found: list[Indicator] = []
    first = _digit_scan(text)[0]
    if first < 0:
        return found
    for base, run_end, plus in _digit_runs(text, first):
        run = text[base:run_end]
        groups = [(g.group(), g.start(), g.end()) for g in _DIGITS.finditer(run)]
        i = 0
        while i < len(groups):
            best: tuple[int, str, str] | None = None
            acc = ""
            for j in range(i, len(groups)):
                acc += groups[j][0]
                if len(acc) > 12:
                    break
                if _is_hotline(acc):
                    best = (j, "shortcode", acc)
                    continue
                phone = _phone_from_digits(acc, plus and i == 0)
                if phone is not None:
                    best = (j, "phone", phone)
            if best is None:
                i += 1
                continue
            j, kind, value = best
            start = base if i == 0 else base + groups[i][1]
            end = base + groups[j][2]
            found.append(
                _indicator(kind, value, text[start:end], start, end, None, False, None, None)
            )
            i = j + 1
    return found


# Short codes (4-5 digits) only where the words before them say so: "soạn ... gửi 9029".
# Patterns that start with a look-behind are tried at every position; starting with the digit
# (and checking the character before it right after) lets the engine skip straight to digits.
_SHORT_NUM = re.compile(r"\d(?<![\d.,]\d)\d{3,4}(?![\d]|[.,]\d|\w)")
_SHORTCODE_BEFORE = re.compile(
    r"\b(?:gui(?: den| toi)?|nhan(?: tin)? (?:den|toi)|dau so|tong dai|goi|call|sms|hotline"
    r"|lien he)\s*:?\s*$"
)
# The last letter of every word of _SHORTCODE_BEFORE: a cheap test before that search.
_SHORTCODE_WORD_ENDS = frozenset("ilnose")
_SHORTCODE_WORD_ENDS_STR = "".join(sorted(_SHORTCODE_WORD_ENDS))


def _may_follow_shortcode_word(folded: str, start: int) -> bool:
    """False only when `_SHORTCODE_BEFORE` cannot match right before `start`."""
    tail = folded[max(0, start - 20) : start].rstrip()
    if tail[-1:] == ":":
        tail = tail[:-1].rstrip()
    return tail[-1:] in _SHORTCODE_WORD_ENDS


# --- bank accounts -----------------------------------------------------------------------------

_BANKS: dict[str, tuple[str, ...]] = {
    "vietcombank": ("vietcombank", "vcb", "ngoai thuong"),
    "vietinbank": ("vietinbank", "viettinbank", "vietin", "cong thuong"),
    "bidv": ("bidv",),
    "agribank": ("agribank", "agri bank", "nong nghiep"),
    "techcombank": ("techcombank", "techcom", "tcb"),
    "mb": ("mbbank", "mb bank", "mb", "quan doi"),
    "vpbank": ("vpbank", "vp bank", "vpb"),
    "acb": ("acb", "a chau"),
    "tpbank": ("tpbank", "tp bank", "tpb", "tien phong"),
    "sacombank": ("sacombank", "stb", "sai gon thuong tin"),
    "hdbank": ("hdbank", "hd bank"),
    "vib": ("vib",),
    "shb": ("shb",),
    "seabank": ("seabank", "sea bank"),
    "ocb": ("ocb", "phuong dong"),
    "msb": ("msb", "maritime bank", "hang hai"),
    "eximbank": ("eximbank", "exim"),
    "scb": ("scb",),
    "lpbank": ("lpbank", "lienvietpostbank", "lienviet", "lpb"),
    "namabank": ("nam a bank", "namabank"),
    "bacabank": ("bac a bank", "bacabank"),
    "abbank": ("abbank", "an binh"),
    "pvcombank": ("pvcombank", "pvcom"),
    "vietabank": ("viet a bank", "vietabank"),
    "vietbank": ("vietbank",),
    "baovietbank": ("baoviet bank", "baovietbank"),
    "kienlongbank": ("kienlongbank", "kienlong"),
    "ncb": ("ncb", "quoc dan"),
    "oceanbank": ("oceanbank",),
    "gpbank": ("gpbank",),
    "saigonbank": ("saigonbank",),
    "bvbank": ("bvbank", "ban viet"),
    "pgbank": ("pgbank",),
    "cake": ("cake by vpbank", "cake"),
    "timo": ("timo",),
}
_BANK_ALIAS = {alias: key for key, aliases in _BANKS.items() for alias in aliases}
_BANK_RE = re.compile(r"\b" + trie_pattern(list(_BANK_ALIAS)) + r"\b")
_ACCOUNT_WORDS = re.compile(
    r"\b(?:so tai khoan|tai khoan|chuyen khoan|account|acc|ngan hang|nhan tien|chu tk)\b"
)
_ACCOUNT_RE = re.compile(r"\d(?<![\d.,]\d)(?:\d{5,18}|\d{2,3}(?:[ \-]\d{3,4}){1,4})(?![\d]|[.,]\d)")
_AMOUNT_AFTER = re.compile(r"\s*(?:d|dong|vnd|k|tr|trieu|nghin|ngan|usd|\$|%)(?!\w)")
# One-time codes and passwords sit next to "tài khoản" too ("mã OTP tài khoản của bạn là ...").
_NOT_ACCOUNT_BEFORE = re.compile(r"\b(?:otp|ma xac (?:thuc|nhan)|mat khau|pin)\b|\bma\W*$")
_BEFORE_WINDOW = 40
_AFTER_WINDOW = 30


def _nearest_bank(folded: str, start: int, end: int) -> str | None:
    lo, hi = max(0, start - 60), min(len(folded), end + _AFTER_WINDOW + 10)
    best: tuple[int, str] | None = None
    for m in _BANK_RE.finditer(folded, lo, hi):
        distance = start - m.end() if m.end() <= start else m.start() - end
        if best is None or abs(distance) < best[0]:
            best = (abs(distance), _BANK_ALIAS[m.group()])
    return best[1] if best else None


def _find_accounts(norm: Normalized, phones: list[Indicator], first: int) -> list[Indicator]:
    """Bank accounts; `first`: no match of _ACCOUNT_RE starts before it (-1: none at all)."""
    folded, found = norm.folded, list[Indicator]()
    if first < 0:
        return found
    # The look-behind still sees the text before `first`.
    for m in _ACCOUNT_RE.finditer(folded, first):
        start, end = m.span()
        digits = re.sub(r"\D", "", m.group())
        if not 6 <= len(digits) <= 19 or _AMOUNT_AFTER.match(folded, end):
            continue
        before = folded[max(0, start - _BEFORE_WINDOW) : start]
        if _NOT_ACCOUNT_BEFORE.search(before):
            continue
        keyword = _ACCOUNT_WORDS.search(before)
        bank = _nearest_bank(folded, start, end)
        if keyword is None and bank is None:
            continue
        o_start, o_end = norm.to_original(start, end)
        is_phone = any(p.start < o_end and o_start < p.end for p in phones)
        # A phone-shaped number is an account only right after "số tài khoản"/"stk" itself.
        if is_phone and not (keyword and start - keyword.end() <= 3 and "khoan" in keyword.group()):
            continue
        raw = norm.original[o_start:o_end]
        found.append(
            _indicator("bank_account", digits, raw, o_start, o_end, None, False, bank, None)
        )
    return found


def _find_shortcodes(norm: Normalized, first: int) -> list[Indicator]:
    """Short codes; `first`: no match of _SHORT_NUM that may follow a short-code word starts
    before it (-1: none at all)."""
    found, folded = list[Indicator](), norm.folded
    if first < 0:
        return found
    for m in _SHORT_NUM.finditer(folded, first):
        start, end = m.span()
        if (
            not _may_follow_shortcode_word(folded, start)
            or _AMOUNT_AFTER.match(folded, end)
            or not _SHORTCODE_BEFORE.search(folded, max(0, start - 20), start)
        ):
            continue
        o_start, o_end = norm.to_original(start, end)
        raw = norm.original[o_start:o_end]
        found.append(
            _indicator("shortcode", m.group(), raw, o_start, o_end, None, False, None, None)
        )
    return found


# --- entry point -------------------------------------------------------------------------------


# Every host name has a dot followed by a letter; IP links have a scheme or a port or a path.
# Each branch starts with a literal so that the engine skips to ".", "[", "(", "{" and "/".
_URL_HINT = re.compile(
    r"\.(?:[^\W\d_]|(?<=\d\.)\d{1,3}[/:])|\[(?:\.|dot)\][^\W\d_]|\((?:\.|dot)\)[^\W\d_]"
    r"|\{(?:\.|dot)\}[^\W\d_]|//",
    re.IGNORECASE,
)
_INVISIBLE_RE = re.compile("[" + re.escape("".join(sorted(INVISIBLE))) + "]")
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def _bmp_bitmap(chars: frozenset[str]) -> bytes:
    bitmap = bytearray(8192)
    for ch in chars:
        if ord(ch) > 0xFFFF:
            raise ValueError("BMP characters only")
        bitmap[ord(ch) >> 3] |= 1 << (ord(ch) & 7)
    return bytes(bitmap)


_INVISIBLE_BITS = _bmp_bitmap(INVISIBLE)  # for the C helper: the same set as _INVISIBLE_RE
_ANY_DIGIT = re.compile(r"\d")


def _py_first_digit(s: str) -> int:
    """Where `_ANY_DIGIT` first matches in `s`, or -1."""
    m = _ANY_DIGIT.search(s)
    return m.start() if m else -1


# The C twin scans without the regex engine (tests compare them).
_first_digit = _fast.first_digit if _fast is not None else _py_first_digit


def _py_digit_scan(s: str, word_ends: str = "") -> tuple[int, int, int]:
    """For _DIGIT_RUN, _SHORT_NUM and _ACCOUNT_RE: a position before which no match starts (for
    _SHORT_NUM with `word_ends`: no match that `_may_follow_shortcode_word` lets through), or -1
    when there is none. Every match starts on a digit: the first digit, three times. The C twin
    finds the first place where each may start (tests check both)."""
    first = _py_first_digit(s)
    return first, first, first


_digit_scan = _fast.digit_scan if _fast is not None else _py_digit_scan


def _without_invisible(text: str) -> tuple[str, list[int] | None]:
    """Drop zero-width characters (used to break up links) and map positions back."""
    if text.isascii():  # every one of them is beyond ASCII
        return text, None
    if _fast is not None:
        if not _fast.any_in_bitmap(text, _INVISIBLE_BITS):
            return text, None
    elif not _INVISIBLE_RE.search(text):
        return text, None
    keep = [i for i, ch in enumerate(text) if ch not in INVISIBLE]
    return text.translate(_DROP_INVISIBLE), [*keep, len(text)]


def _remap(ind: Indicator, original: str, pos: list[int] | None) -> Indicator:
    if pos is None:
        return ind
    start, end = pos[ind.start], pos[ind.end - 1] + 1
    return Indicator(
        ind.kind,
        ind.value,
        original[start:end],
        start,
        end,
        ind.registered_domain,
        ind.shortener,
        ind.bank,
        ind.host,
    )


def extract_indicators(text: str, normalized: Normalized | None = None) -> list[Indicator]:
    """All indicators in `text`, sorted by start and de-duplicated by (kind, value)."""
    clean, pos = _without_invisible(text)
    emails: list[Indicator] = []
    urls: list[Indicator] = []
    if (_fast is None or _fast.url_may_match(clean)) and _URL_HINT.search(clean):
        if "@" in clean or "at]" in clean or "at)" in clean or "at}" in clean:
            emails = _find_emails(clean)
        urls = _find_urls(clean, [(e.start, e.end) for e in emails])
    phones = _find_phones(clean)
    found = [_remap(i, text, pos) for i in (*emails, *urls, *phones)]
    if _first_digit(text) >= 0:
        norm = normalized if normalized is not None else normalize(text)
        phone_spans = [i for i in found if i.kind == "phone"]
        taken = [(i.start, i.end) for i in found]
        _, short_at, account_at = _digit_scan(norm.folded, _SHORTCODE_WORD_ENDS_STR)
        shortcodes = _find_shortcodes(norm, short_at)
        for ind in (*shortcodes, *_find_accounts(norm, phone_spans, account_at)):
            if ind.kind == "shortcode" and any(a < ind.end and ind.start < b for a, b in taken):
                continue
            found.append(ind)
    if len(found) < 2:
        return found
    found.sort(key=lambda i: (i.start, i.end))
    seen: set[tuple[str, str]] = set()
    unique = []
    for ind in found:
        key = (ind.kind, ind.value)
        if key not in seen:
            seen.add(key)
            unique.append(ind)
    return unique
