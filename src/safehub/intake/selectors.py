"""Light clean-up of what people type for registration marks and phone numbers, and whether it is partial.

Full normalisation for linking (E.164, registration patterns) belongs to the linking app.
"""

import re

FULL_REGISTRATION = re.compile(
    r"^([A-Z]{2}[0-9]{2}[A-Z]{3}|[A-Z][0-9]{1,3}[A-Z]{3}|[A-Z]{3}[0-9]{1,3}[A-Z]|[0-9]{1,4}[A-Z]{1,3}|[A-Z]{1,3}[0-9]{1,4})$"
)
REGISTRATION_CHARS = re.compile(r"^[A-Z0-9?*]+$")
PHONE_CHARS = re.compile(r"^[0-9+()\-?*xX ]+$")


def clean_registration(raw):
    return re.sub(r"\s+", "", raw or "").upper()


def registration_is_valid_text(raw):
    mark = clean_registration(raw)
    return bool(REGISTRATION_CHARS.match(mark)) and len(mark) <= 8


def registration_is_partial(raw):
    mark = clean_registration(raw)
    return not FULL_REGISTRATION.match(mark)


def phone_digits(raw):
    return re.sub(r"[^0-9]", "", raw or "")


def phone_is_valid_text(raw):
    return bool(PHONE_CHARS.match(raw or "")) and 3 <= len(phone_digits(raw)) <= 15


def phone_is_partial(raw):
    digits = phone_digits(raw)
    unknown = any(ch in (raw or "") for ch in "?*xX")
    uk_full = (digits.startswith("0") and len(digits) == 11) or (digits.startswith("44") and len(digits) == 12)
    international = (raw or "").strip().startswith("+") and len(digits) >= 10
    return unknown or not (uk_full or international)
