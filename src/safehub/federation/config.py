"""This partnership's federation settings (`SAFEHUB_FEDERATION`, see settings.py), read when needed so that a
test or an operator's change takes effect without a restart of anything else."""

from django.conf import settings

DEFAULT_TIMEOUT = 2.0
DEFAULT_PERSON_THRESHOLD = 0.87


def federation():
    return settings.SAFEHUB_FEDERATION or {}


def area():
    return federation().get("area", "")


def current_key():
    """(key id, key bytes) the partnership encodes and asks under; (None, None) when no key is set."""
    config = federation()
    key_id = config.get("key_id")
    secret = config.get("keys", {}).get(key_id) if key_id else None
    return (key_id, secret.encode()) if secret else (None, None)


def partners():
    """{code: {name, url, secret, answer}} of the partnerships this one asks and answers."""
    return federation().get("partners", {})


def contact():
    """The duty analyst another area is told to call: {name, phone, email}."""
    return federation().get("contact", {})


def timeout():
    return float(federation().get("timeout", DEFAULT_TIMEOUT))


def person_threshold():
    return float(federation().get("person_threshold", DEFAULT_PERSON_THRESHOLD))
