"""Scanner._conclude's shortcut for a single reason gives what the general weighing gives."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from canhgiac.detect.scanner import THRESHOLD, Scanner, _Evidence, _noisy_or
from canhgiac.detect.verdict import Reason


def _reference(ev: _Evidence, lifted: set[int]) -> tuple[float, str, tuple[str, ...]]:
    """_conclude as it was written before the shortcut."""
    if not ev.reasons:
        return 0.0, "ok", ()
    scam_w, spam_w, spam_rules_w = [], [], []
    for i, (reason, is_scam) in enumerate(zip(ev.reasons, ev.scam, strict=True)):
        if reason.weight <= 0 or i in lifted:
            continue
        if is_scam:
            scam_w.append(reason.weight)
        else:
            spam_w.append(reason.weight)
            if reason.kind == "rule":
                spam_rules_w.append(reason.weight)
    score = _noisy_or([*scam_w, *spam_w])
    if score < THRESHOLD:
        label = "ok"
    elif _noisy_or(scam_w) > _noisy_or(spam_rules_w):
        label = "scam"
    else:
        label = "spam"
    categories: tuple[str, ...] = ()
    if label != "ok":
        categories = tuple(dict(ev.categories) or {label: None})
    return score, label, categories


weights = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.05, 0.5, 0.5 - 1e-17, 2 / 3, 0.75, 1.0, 1.5, math.nan]),
)


@settings(max_examples=1000)
@given(
    st.lists(
        st.tuples(weights, st.booleans(), st.sampled_from(["rule", "model", "claim"])),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([None, "scam", "spam"]),
    st.sampled_from([set(), {0}, {1}]),
)
def test_conclude_equals_the_general_weighing(
    reasons: list[tuple[float, bool, str]], category: str | None, lifted: set[int]
) -> None:
    ev = _Evidence()
    for weight, scam, kind in reasons:
        ev.add(Reason(kind, "x", "m", weight), scam=scam, category=category)
    verdict = Scanner._conclude(ev, lifted, ())
    score, label, categories = _reference(ev, lifted)
    assert (repr(verdict.score), verdict.label, verdict.categories) == (
        repr(score),
        label,
        categories,
    )
    assert verdict.reasons == tuple(ev.reasons)
