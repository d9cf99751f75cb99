"""Benchmark normalisation and indicator extraction per SMS.

    python bench/bench_normalize.py [--data PATH.csv] [--repeat 20]

Messages: the real Vietnamese spam set (data/sms_vi_spam/spam_positives.csv, column `text`) when
it is there, plus built-in ordinary messages (operator, bank, delivery, chat) with and without tone
marks. The baseline is the least a matcher must do anyway: NFC + lower-case.
"""

from __future__ import annotations

import argparse
import csv
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from canhgiac.text.indicators import extract_indicators
from canhgiac.text.normalize import fold, normalize

DEFAULT_DATA = Path("/work/shared/data/sms_vi_spam/spam_positives.csv")
ORDINARY = [
    "Viettel thông báo: Quý khách đã nạp thành công 50.000đ vào thuê bao 0912345678. Cảm ơn!",
    "Ma OTP cua ban la 483920. Khong chia se ma nay cho bat ky ai. Vietcombank",
    "TK 0071000912345 +2,000,000VND luc 10:15 27/11. SD: 5,230,000VND. ND: chuyen tien an trua",
    "Don hang SPX123456789 dang duoc giao, vui long de y dien thoai. Tra cuu tai spx.vn",
    "Mẹ ơi tối nay con về muộn, mẹ cứ ăn cơm trước nhé",
    "ok e, mai a qua lay nhe. k can mang j dau",
    "EVNHANOI thong bao lich cat dien ngay 28/11 tu 8h-12h tai khu vuc phuong Dich Vong.",
    "Chúc mừng sinh nhật bạn! Chúc bạn luôn vui khỏe và thành công.",
]


def load_messages(path: Path) -> list[str]:
    messages = list(ORDINARY)
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            messages += [row["text"] for row in csv.DictReader(fh) if row.get("text")]
    return messages


def per_message_us(fn: Callable[[str], object], messages: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            for m in messages:
                fn(m)
        best = min(best, time.perf_counter() - start)
    return best / (repeat * len(messages)) * 1e6


def baseline(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    messages = load_messages(args.data)
    avg_len = sum(map(len, messages)) / len(messages)

    base = per_message_us(baseline, messages, args.repeat)
    rows = [("messages", f"{len(messages)} (avg {avg_len:.0f} chars)", "", "", "")]
    for name, fn in (
        ("fold(text)", fold),
        ("normalize(text)", normalize),
        ("extract_indicators(text, normalized)", lambda m: extract_indicators(m, normalize(m))),
    ):
        us = per_message_us(fn, messages, args.repeat)
        per_sms = us * 160 / avg_len
        rows.append((f"{name}, µs/msg", f"{us:.1f}", f"{base:.1f}", f"{us / base:.1f}", ""))
        rows.append((f"{name}, µs per 160 chars", f"{per_sms:.1f}", f"{base * 160 / avg_len:.1f}",
                     f"{us / base:.1f}", "one SMS; target: a few tens of µs"))  # fmt: skip
        rows.append((f"{name}, msgs/s", f"{1e6 / us:,.0f}", f"{1e6 / base:,.0f}", "", ""))
    header = ("figure", "value", "baseline (NFC+lower)", "ratio", "note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
