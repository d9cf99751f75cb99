"""Faster construction of the frozen, slotted dataclasses made for every message.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (the class's own
``__setattr__`` refuses); on Python 3.11 that costs about 0.3 µs a field, and a scan makes
several such records per message (Normalized, Indicator, Reason, Verdict). `positional_maker`
builds, once per class, a function that takes every field positionally and sets the slots
through their descriptors: the object is the same (same fields, equality, hash, repr, still
frozen), just built without the per-field name look-ups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

__all__ = ["positional_maker"]

T = TypeVar("T")


def positional_maker(cls: type[T]) -> Callable[..., T]:
    """`make(*values)` equal to `cls(*values)` for a frozen slotted dataclass without
    `__post_init__` or init-only fields; every field must be given, in declaration order."""
    if not is_dataclass(cls) or not hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has __post_init__")
    names = [f.name for f in fields(cls)]
    if any(not f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__} has fields outside __init__")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = getattr(cls, name).__set__
    args = ", ".join(f"a{i}" for i in range(len(names)))
    body = "".join(f"    _set{i}(obj, a{i})\n" for i in range(len(names)))
    source = f"def make({args}):\n    obj = _new(_cls)\n{body}    return obj\n"
    exec(source, namespace)  # noqa: S102 - source built above from the class's own field names
    maker: Callable[..., T] = namespace["make"]
    maker.__name__ = maker.__qualname__ = f"make_{cls.__name__}"
    return maker
