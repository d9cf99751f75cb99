"""Shared runner for the atheris fuzz targets: `python fuzz/fuzz_X.py [-max_total_time=30]`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import atheris

# Make `canhgiac` importable when run from a checkout without installation.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def run(target: Callable[[bytes], None], default_seconds: int = 30) -> None:
    """Fuzz `target` for -max_total_time seconds (default 30) unless libFuzzer flags say otherwise."""
    args = list(sys.argv)
    if not any(a.startswith(("-max_total_time", "-runs")) for a in args[1:]):
        args.append(f"-max_total_time={default_seconds}")
    atheris.Setup(args, target)
    atheris.Fuzz()
