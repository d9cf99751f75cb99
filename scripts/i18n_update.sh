#!/usr/bin/env bash
# Extract user-facing Vietnamese messages and merge them into the English catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
$BIN/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output \
  --project "Cảnh Giác" -o src/canhgiac/locale/messages.pot .
if [ -f src/canhgiac/locale/en/LC_MESSAGES/messages.po ]; then
  $BIN/pybabel update --no-fuzzy-matching -i src/canhgiac/locale/messages.pot \
    --ignore-obsolete -d src/canhgiac/locale -l en
else
  $BIN/pybabel init -i src/canhgiac/locale/messages.pot -d src/canhgiac/locale -l en
fi
