"""The translation catalogues under safehub/locale, read and compiled with Babel (ADR 27)."""

import re
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

COMPILED_STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# What must come through a translation unchanged: placeholders, HTML tags, and every number of three digits or
# more (999, 101, phone numbers, examples like 07700 900123; times and ages may be written the language's way).
KEPT = re.compile(r"%\(\w+\)s|\{\w+\}|</?\w+[^>]*>|\d{3,}")


def po_paths():
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def language_of(path):
    return path.parent.parent.name


def read(path):
    with path.open("rb") as handle:
        return read_po(handle, locale=language_of(path).replace("-", "_"))


def kept_parts(text):
    return sorted(KEPT.findall(text))


def message_problems(language, message):
    """What is wrong with one message of a catalogue: untranslated, fuzzy, or a placeholder or number changed."""
    if not message.id:
        return []
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    where = f"{language}: {ids[0][:60]!r}" + (f" [{message.context}]" if message.context else "")
    if "fuzzy" in message.flags:
        return [f"{where} is fuzzy"]
    if not all(strings):
        return [f"{where} is not translated"]
    if any(kept_parts(string) != kept_parts(ids[0]) for string in strings):
        return [f"{where} changes a placeholder, tag or number"]
    return []


def problems():
    found = []
    for path in po_paths():
        catalogue = read(path)
        for message in catalogue:
            found += message_problems(language_of(path), message)
    return found


def compile_all():
    written = []
    for path in po_paths():
        catalogue = read(path)
        # Babel stamps the .mo with the time unless told otherwise: a fixed stamp keeps the committed .mo
        # files byte for byte what `make install` compiles again.
        catalogue.creation_date = catalogue.revision_date = COMPILED_STAMP
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalogue)
        written.append(path.with_suffix(".mo"))
    return written


def header(path):
    """The catalogue's header fields (Language, X-Safehub-Review-State, ...), as a dict."""
    first_entry = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    return dict(re.findall(r'^"([\w-]+): ?(.*?)\\n"$', first_entry, re.MULTILINE))
