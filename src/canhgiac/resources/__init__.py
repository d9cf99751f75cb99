"""Data shipped with the package: units, plan template, rules, protected domains, models."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """A path inside the shipped resources."""
    node = files(__name__)
    for part in parts:
        node = node / part
    return node
