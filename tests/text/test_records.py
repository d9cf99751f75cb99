"""positional_maker builds the same frozen records as the dataclasses' own constructors."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from canhgiac.detect.verdict import Reason, Verdict
from canhgiac.text._records import positional_maker
from canhgiac.text.indicators import Indicator
from canhgiac.text.normalize import Normalized

EXAMPLES = [
    (Normalized, ("Lừa", "Lừa", "lua", (0, 1, 2, 3))),
    (Indicator, ("phone", "+84912345678", "0912 345 678", 3, 15, None, False, None, None)),
    (Indicator, ("url", "http://x.vn/", "x.vn/", 0, 5, "x.vn", True, "vcb", "x.vn")),
    (Reason, ("rule", "fake_prize", "Trúng thưởng.", 0.7, ((0, 4),))),
    (Verdict, ("scam", 0.93, ("scam",), (), ())),
]


@pytest.mark.parametrize(("cls", "values"), EXAMPLES)
def test_same_record_as_the_constructor(cls: type, values: tuple[object, ...]) -> None:
    made = positional_maker(cls)(*values)
    expected = cls(*values)
    assert type(made) is cls
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    assert dataclasses.astuple(made) == values
    assert pickle.loads(pickle.dumps(made)) == expected
    assert copy.copy(made) == expected
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.__setattr__(dataclasses.fields(cls)[0].name, None)


def test_every_field_is_required() -> None:
    with pytest.raises(TypeError):
        positional_maker(Reason)("rule", "x", "y", 0.5)  # spans left out


def test_refuses_classes_it_cannot_build() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, PostInit, int):
        with pytest.raises(TypeError):
            positional_maker(cls)
