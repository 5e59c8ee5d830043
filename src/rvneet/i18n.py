"""The user's language, messages in it, dates as Estonians write them, Estonian alphabetical order.

Messages: every text a person reads is written in English in the code, marked `_("...")` where it
is made (an error, a warning, a title) or `N_("...")` where it is only declared (a column header
in a module-level dict, translated when shown), and looked up in the gettext catalog
`locale/et/LC_MESSAGES/rvneet.po` (compiled to `.mo`; `make i18n` extracts and compiles). A text
with values uses named fields filled after translation: `_("no case {ref}").format(ref=ref)`.

Imported by `rvneet.cli` at start-up: only the standard library's light modules here.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path

LANG_ENV = "RVNEET_LANG"
# POSIX precedence: the first of these that is set and not empty names the messages' locale.
LOCALE_ENVS = ("LC_ALL", "LC_MESSAGES", "LANG")


class Lang(StrEnum):
    """The language of what people read."""

    ET = "et"
    EN = "en"


def _from_text(value: str | None) -> str | None:
    """`et…` → "et", `en…` → "en", anything else (fr, C, empty) → None."""
    value = (value or "").strip().lower()
    if value.startswith("et"):
        return "et"
    if value.startswith("en"):
        return "en"
    return None


def chosen_language(option: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The language the user chose on purpose: `option` (a --lang), else RVNEET_LANG; else None."""
    env = os.environ if env is None else env
    return _from_text(option) or _from_text(env.get(LANG_ENV))


def locale_language(env: Mapping[str, str] | None = None) -> str | None:
    """ "et" when the messages' locale (LC_ALL, else LC_MESSAGES, else LANG) is Estonian.

    "en" for any other set locale (C, en_US, de_DE…), None when none is set.
    """
    env = os.environ if env is None else env
    for name in LOCALE_ENVS:
        if value := env.get(name, "").strip():
            return "et" if value.lower().startswith("et") else "en"
    return None


def language(option: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """ "et" or "en": `option` (--lang), else RVNEET_LANG, else the locale, else English."""
    return chosen_language(option, env) or locale_language(env) or "en"


DOMAIN = "rvneet"
LOCALEDIR = Path(__file__).resolve().parent / "locale"

# The language of messages for the command being run; set by the CLI root (`use_language`).
# Outside a command (a library caller, a test of a service) it follows `language()`.
_MESSAGE_LANG: ContextVar[str | None] = ContextVar("rvneet_message_lang", default=None)


@functools.cache
def translation(lang: str) -> gettext.NullTranslations:
    """The catalog for `lang` ("et"); a pass-through for English or a missing catalog."""
    if lang != "et":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, str(LOCALEDIR), languages=[lang], fallback=True)


def message_language() -> str:
    """The language messages are written in now: the command's (`use_language`), else `language()`."""
    return _MESSAGE_LANG.get() or language()


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Messages in `lang` ("et" or "en") meanwhile; the CLI root wraps each command in this."""
    token = _MESSAGE_LANG.set(lang)
    try:
        yield
    finally:
        _MESSAGE_LANG.reset(token)


def _(message: str) -> str:
    """`message` (English, as written in the code) in the language of messages now."""
    return translate(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message, by `n`, in the language of messages now."""
    return translation(message_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it: it is translated where it is shown."""
    return message


def translate(message: str, lang: str | None = None) -> str:
    """`message` in `lang` (a report's own --lang), else in the language of messages now."""
    if not message:
        return message  # gettext("") is the catalog's header, not an empty text
    return translation(lang or message_language()).gettext(message)


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A timestamp as rvneet prints one: date, then T or a space, then the time (and maybe a zone).
_ISO_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(.*)")
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})?")


def format_date(value: object, lang: str) -> object:
    """A date (or ISO date text) as people read it: `31.12.2025` in Estonian, unchanged otherwise.

    Timestamps become `31.12.2025 10:05` (seconds and zone kept as given). Anything that is not
    a whole date or timestamp (a reference, free text quoting a date) is returned unchanged.
    """
    if lang != "et":
        return value
    if isinstance(value, dt.datetime):
        return format_date(value.isoformat(sep=" ", timespec="minutes"), lang)
    if isinstance(value, dt.date):
        value = value.isoformat()  # strftime's %Y drops leading zeros of years before 1000
    if not isinstance(value, str) or len(value) < 10:
        return value
    if len(value) == 10 and (match := _ISO_DATE.fullmatch(value)):
        return _estonian_date(value, match) or value
    if (match := _ISO_DATETIME.fullmatch(value)) and _ZONE.fullmatch(match.group(3)):
        day = _estonian_date(match.group(1), _ISO_DATE.fullmatch(match.group(1)))
        if day is not None:
            return f"{day} {match.group(2)}{match.group(3)}"
    return value


def _estonian_date(text: str, match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return None  # 2025-13-45 is not a date: shown as typed
    year, month, day = match.groups()
    return f"{day}.{month}.{year}"


# The Estonian alphabet (Eesti õigekeelsussõnaraamat): š, z, ž between s and t; õ, ä, ö, ü after w.
ESTONIAN_ALPHABET = "abcdefghijklmnopqrsšzžtuvwõäöüxy"
_LETTER_WEIGHT = {letter: number for number, letter in enumerate(ESTONIAN_ALPHABET)}

# Primary classes, in order: spaces and punctuation, digits, Estonian (and accented Latin) letters,
# other Latin letters (ø, æ, ł…), other scripts (Cyrillic, Greek…) by code point.
_OTHER, _DIGIT, _LETTER, _LATIN, _SCRIPT = range(5)

Weight = tuple[int, int]


def _primary(char: str) -> tuple[Weight, tuple[int, ...]]:
    """The primary weight of one case-folded character, and its accents left over (secondary)."""
    if char in _LETTER_WEIGHT:
        return (_LETTER, _LETTER_WEIGHT[char]), ()
    decomposed = unicodedata.normalize("NFD", char)
    # The longest start that is an Estonian letter: é → e + acute; ǘ → ü + acute (not u).
    for end in range(len(decomposed) - 1, 0, -1):
        base = unicodedata.normalize("NFC", decomposed[:end])
        if base in _LETTER_WEIGHT:
            return (_LETTER, _LETTER_WEIGHT[base]), tuple(ord(c) for c in decomposed[end:])
    first = decomposed[0]
    marks = tuple(ord(c) for c in decomposed[1:])
    if first.isdigit():
        return (_DIGIT, unicodedata.digit(first, ord(first))), marks
    if not first.isalpha():
        return (_OTHER, ord(first)), marks
    if unicodedata.name(first, "").startswith("LATIN"):
        return (_LATIN, ord(first)), marks
    return (_SCRIPT, ord(first)), marks


CollationKey = tuple[tuple[Weight, ...], tuple[tuple[int, ...], ...], tuple[int, ...], str]


def collation_key(text: str) -> CollationKey:
    """A sort key putting `text` in Estonian alphabetical order (Saar < Šokk < Zoo < Žanr < Tamm).

    Letters first compare by the alphabet ignoring case and accents a language does not count as
    letters (Émile beside Emile), then by those accents, then lower case before upper; the text
    itself settles the rest, so different texts never tie (a total order).
    """
    text = unicodedata.normalize("NFC", text)
    primary, secondary = [], []
    for char in text.casefold():
        weight, marks = _primary(char)
        primary.append(weight)
        secondary.append(marks)
    tertiary = tuple(int(char.isupper()) for char in text)
    return tuple(primary), tuple(secondary), tertiary, text
