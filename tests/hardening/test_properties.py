"""Property-based tests: parsers of untrusted input never crash and keep their promises."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from canhgiac.errors import ValidationFailed
from canhgiac.exports.importers import FORMATS, read_indicators
from canhgiac.ingest.email import parse_eml
from canhgiac.ingest.sms_csv import parse_sms_csv
from canhgiac.text.indicators import extract_indicators
from canhgiac.text.normalize import fold, normalize

# Text that looks like what people paste: Vietnamese letters, digits, URL and phone punctuation,
# invisible and look-alike characters, plus anything else Unicode has.
_VI = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
_PUNCT = " .,:/?#&=%@+-_()[]\n\t0123456789\u200b\u200d\ufeff\u00a0оаеѕ０１"
messages = st.one_of(
    st.text(alphabet=st.sampled_from(_VI + _VI.upper() + _PUNCT), max_size=300),
    st.text(max_size=200),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(messages)
def test_normalize_never_raises_and_offsets_point_into_the_original(text: str) -> None:
    result = normalize(text)
    assert result.original == text
    # One offset per folded character, plus the end of the original as a sentinel.
    assert len(result.offsets) == len(result.folded) + 1
    assert result.offsets[-1] == len(text)
    assert all(0 <= o < len(text) for o in result.offsets[:-1])
    assert list(result.offsets) == sorted(result.offsets)
    start, end = result.to_original(0, len(result.folded))
    assert 0 <= start <= end <= len(text)
    assert fold(text) == result.folded


@FAST
@given(messages)
def test_fold_is_idempotent_enough_to_match_itself(text: str) -> None:
    once = fold(text)
    assert fold(once) == fold(fold(once))


@FAST
@given(messages)
def test_indicators_have_valid_spans(text: str) -> None:
    for ind in extract_indicators(text):
        assert 0 <= ind.start <= ind.end <= len(text)
        assert ind.value
        assert ind.kind


@FAST
@given(st.binary(max_size=2000))
def test_sms_csv_refuses_cleanly_or_parses_arbitrary_bytes(data: bytes) -> None:
    try:
        parsed = parse_sms_csv(data)
    except ValidationFailed:
        return
    for row in parsed.rows:
        assert row.text.strip()
    assert all(r.line >= 1 for r in parsed.rejected)


csv_rows = st.lists(
    st.lists(st.text(alphabet=st.sampled_from(_VI + _PUNCT + ';,"\r'), max_size=40),
             min_size=1, max_size=4),
    max_size=20,
)  # fmt: skip


@FAST
@given(csv_rows, st.sampled_from([",", ";", "\t"]))
def test_sms_csv_with_a_header_and_hostile_cells(rows: list[list[str]], sep: str) -> None:
    lines = ["noi_dung" + sep + "so_gui"] + [sep.join(r) for r in rows]
    text = "\n".join(lines)
    try:
        parsed = parse_sms_csv(text.encode("utf-8"))
    except ValidationFailed:
        return
    # Every result comes from a line of the file (a stray CR starts one too).
    physical = text.count("\n") + text.count("\r") + 1
    assert len(parsed.rows) + len(parsed.rejected) <= physical
    assert all(row.line <= physical for row in parsed.rows)


@FAST
@given(st.binary(max_size=3000))
def test_eml_refuses_cleanly_or_parses_arbitrary_bytes(data: bytes) -> None:
    try:
        parsed = parse_eml(data)
    except ValidationFailed:
        return
    assert parsed.body or parsed.attachments


headers = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@FAST
@given(
    headers, headers, st.text(max_size=400), st.sampled_from(["7bit", "base64", "quoted-printable"])
)
@example("x", "<", "hello", "7bit")  # found by this test: IndexError in the address parser
@example("x", '"', "hello", "7bit")
def test_eml_with_hostile_headers_and_body(subject: str, sender: str, body: str, cte: str) -> None:
    raw = (f"From: {sender}\r\nSubject: {subject}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0700\r\n"
           f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           f"Content-Transfer-Encoding: {cte}\r\n\r\n{body}")  # fmt: skip
    try:
        parsed = parse_eml(raw.encode("utf-8", "surrogatepass"))
    except ValidationFailed:
        return
    assert len(parsed.subject) <= 500


@FAST
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=500)), st.sampled_from(sorted(FORMATS)))
@example("a\rb,c\n", "csv")  # found by this test: csv.Error escaped read_indicators
def test_importers_refuse_cleanly_or_read_arbitrary_input(data: bytes | str, fmt: str) -> None:
    try:
        records, errors = read_indicators(data, fmt, "kiểm thử")
    except ValueError:
        return
    for record in records:
        assert record.kind and record.value
    assert all(e.line >= 0 and e.message for e in errors)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=25,
)


@FAST
@given(json_values, st.sampled_from(["misp", "stix"]))
def test_importers_with_structurally_odd_json(doc: object, fmt: str) -> None:
    with contextlib.suppress(ValueError):
        read_indicators(json.dumps(doc), fmt, "kiểm thử")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_importers_refuse_an_unknown_format_only_by_name(fmt: str) -> None:
    with pytest.raises(ValueError):
        read_indicators(b"", "khong-co-" + fmt, "x")
