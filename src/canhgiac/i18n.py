"""Message catalogs (Babel, gettext): Vietnamese is the source language, English a translation.

Catalogs ship as .po files and are compiled in memory on first use, so the .po files stay the
single source of truth.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from io import BytesIO
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "messages"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog for `lang` (identity for the source language)."""
    if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po = files("canhgiac") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(lang: str) -> gettext.NullTranslations:
    """Translations object for a request's language."""
    return translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def local_datetime(value: datetime | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A UTC timestamp shown in Asia/Ho_Chi_Minh, formatted for the language."""
    if value is None:
        return ""
    return format_datetime(value.astimezone(LOCAL_TZ), "dd/MM/yyyy HH:mm", locale=lang)


def number(value: float | int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A number with the language's grouping (1.234.567 in Vietnamese)."""
    return format_decimal(value, locale=lang)


def N_(message: str) -> str:
    """Mark a Vietnamese message for extraction; it is translated where it is shown."""
    return message
