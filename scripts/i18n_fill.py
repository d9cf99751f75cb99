"""Fill English msgstr entries from a `vi<TAB>en` file; list what is still untranslated.

Usage: python scripts/i18n_fill.py [PAIRS.tsv]
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path("src/canhgiac/locale/en/LC_MESSAGES/messages.po")


def main() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    unknown = 0
    if len(sys.argv) > 1:
        for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
            if "\t" not in line:
                continue
            vi, en = line.split("\t", 1)
            if vi in catalog:
                catalog[vi].string = en
            else:
                unknown += 1
                sys.stderr.write(f"not in the catalog: {vi}\n")
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msg in missing:
        sys.stdout.write(f"{msg}\n")
    sys.stderr.write(f"{len(missing)} untranslated, {unknown} pairs not in the catalog\n")


if __name__ == "__main__":
    main()
