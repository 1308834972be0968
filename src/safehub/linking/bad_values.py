"""What `link csv` does with a value it cannot use as given: read it, or say why not.

Each reader takes one non-blank raw value of an input column and returns (value, problem): the value to
normalise and compare (None when it is taken as missing) and, when the raw value is not what the column
should hold, a short reason. A value with a problem and a value is compared as written (an impossible date
such as 1955-11-92 still agrees with itself and is one character from 1955-11-29); a value with a problem and
no value is taken as missing. Pure Python, no Django: `today` is passed in (from safehub.clock).
"""

import datetime as dt
import re
from functools import lru_cache

from safehub.linking import normalise

MAX_CHARS = 100
EARLIEST_YEAR = 1900
DATE_HELP = "use YYYY-MM-DD or YYYYMMDD"
# What case systems put in a field when nothing is known (compared case-folded, spaces squeezed). Not "nil" or
# "na": Nil is a Turkish first name and a surname, Na a Korean surname.
PLACEHOLDERS = frozenset({
    "unknown", "not known", "n/k", "nk", "n/a", "none", "null", "tbc", "tba", "not given", "refused",
    "-", "--", "?", "??", "???",
})
COMPARED_AS_WRITTEN = "compared as written"
TAKEN_AS_MISSING = "taken as missing"


def action(value):
    return COMPARED_AS_WRITTEN if value is not None else TAKEN_AS_MISSING


def read_date(text, today):
    """'2001-02-03' or '20010203' -> ('2001-02-03', None); see the module docstring for the rest."""
    return _read_date(text.strip(), today)


@lru_cache(maxsize=200_000)
def _read_date(text, today):
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        return None, f"not a date ({DATE_HELP})"
    year, month, day = (int(part) for part in match.groups())
    written = "-".join(match.groups())
    if not month or not day:
        return None, "day or month 00 (a placeholder for an unknown date)"
    if year < EARLIEST_YEAR:
        return None, f"before {EARLIEST_YEAR}"
    try:
        date = dt.date(year, month, day)
    except ValueError:
        if year > today.year:
            return None, "in the future"
        # The year is plausible and the digits still carry evidence (a slip, day and month swapped).
        return written, "no such date (day or month out of range)"
    if date > today:
        return None, "in the future"
    return written, None


def read_phone(text):
    value = normalise.normalise_phone(text)
    return (value, None) if value else (None, normalise.phone_problem(text))


def read_postcode(text):
    value = normalise.normalise_postcode(text)
    if value:
        return value, None
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    if not re.search(r"\d", compact) or not 2 <= len(compact) <= 8:
        return None, "not a postcode"
    return compact, "not a UK postcode shape"


def read_email(text):
    return (text, None) if "@" in text else (None, "not an e-mail address (no @)")


READERS = {"date_of_birth": None, "phone": read_phone, "postcode": read_postcode, "email": read_email}


def read_value(column, text, today):
    """(value or None, problem or None) for one non-blank raw value of an input column."""
    stripped = text.strip()
    if not stripped:
        return None, None
    if len(stripped) > MAX_CHARS:
        return None, f"longer than {MAX_CHARS} characters"
    if " ".join(stripped.casefold().split()) in PLACEHOLDERS:
        return None, "a placeholder for unknown"
    if column == "date_of_birth":
        return read_date(stripped, today)
    reader = READERS.get(column)
    return reader(stripped) if reader else (stripped, None)
