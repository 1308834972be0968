"""Encodings a partnership publishes to the federation, and the signed messages partnerships exchange.

Pure Python, no Django: the partnership's views and the 150-partnership benchmark's small servers use the same
functions. Two kinds of encoding (ADR 30):

- a selector (a normalised phone, registration mark or online handle): HMAC-SHA256 under the federation's key,
  of the kind and the value, so two partnerships holding the same phone publish the same hex digest;
- a person (first name, last name, date of birth): a cryptographic long-term key (CLK), the method of Data61's
  clkhash (Schnell, Bachteler and Reiher 2011): each field's bigrams ("smith" -> " s", "sm", ..., "h ") are
  hashed k times into one 1024-bit Bloom filter by keyed double hashing, g_i = (h1 + i * h2) mod 1024, h1 and h2
  the two halves of HMAC-SHA256 under a key derived for the field. Similar names share most bigrams, so their
  filters share most bits: the Dice coefficient 2|A & B| / (|A| + |B|) scores the pair.
"""

import base64
import hashlib
import hmac
import json

CLK_BITS = 1024
# Hashes per bigram, per field: a wrong date of birth costs a match more than a misspelt first name does.
CLK_FIELDS = (("first_name", 10), ("last_name", 10), ("date_of_birth", 30))
SELECTOR_KINDS = ("phone", "vehicle", "handle")


def bigrams(text):
    """clkhash's default tokeniser: the text padded with a space each side, cut into overlapping pairs.

    >>> bigrams("smith")
    [' s', 'sm', 'mi', 'it', 'th', 'h ']
    """
    if not text:
        return []
    padded = f" {text} "
    return [padded[i:i + 2] for i in range(len(padded) - 1)]


def selector_digest(key: bytes, kind: str, value: str) -> str:
    """The keyed hash of a normalised selector (hex)."""
    return hmac.digest(key, f"{kind}\x1f{value}".encode(), "sha256").hex()


def _field_key(key, field):
    return hmac.new(key, f"clk field {field}".encode(), hashlib.sha256).digest()


class ClkEncoder:
    """Builds CLKs under one federation key (the per-field keys derived once)."""

    def __init__(self, key: bytes):
        self.fields = [(name, _field_key(key, name), k) for name, k in CLK_FIELDS]

    def encode(self, first_name="", last_name="", date_of_birth="") -> int:
        """The CLK of a person as an int of CLK_BITS bits (0 when there is nothing to encode)."""
        values = {"first_name": first_name, "last_name": last_name, "date_of_birth": date_of_birth}
        filter_ = bytearray(CLK_BITS // 8)
        for name, field_key, k in self.fields:
            for gram in bigrams(values[name]):
                digest = hmac.digest(field_key, gram.encode(), "sha256")
                h1, h2 = int.from_bytes(digest[:16], "big"), int.from_bytes(digest[16:], "big")
                for i in range(k):
                    position = (h1 + i * h2) % CLK_BITS
                    filter_[position >> 3] |= 1 << (position & 7)
        return int.from_bytes(filter_, "little")


def dice(a: int, b: int) -> float:
    """The Dice coefficient of two Bloom filters: 1.0 for the same bits, 0.0 for none in common."""
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 0.0


def clk_to_text(clk: int) -> str:
    return base64.b64encode(clk.to_bytes(CLK_BITS // 8, "big")).decode()


def clk_from_text(text: str) -> int:
    raw = base64.b64decode(text.encode(), validate=True)
    if len(raw) != CLK_BITS // 8:
        raise ValueError(f"a person's encoding has {CLK_BITS // 8} bytes, not {len(raw)}")
    return int.from_bytes(raw, "big")


# --- Matching: what one partnership answers -----------------------------------------------------------


def best_match(query, has_selector, person_clks, threshold):
    """(strength 0..1, kinds matched) for a query's encodings against one partnership's. `has_selector(kind,
    digest)` says whether the partnership holds a selector; `person_clks` are its people's CLKs. A selector
    found is strength 1.0; a person, their best Dice score at or above `threshold`."""
    matched, strength = [], 0.0
    for selector in query["selectors"]:
        if has_selector(selector["kind"], selector["digest"]):
            matched.append(selector["kind"])
            strength = 1.0
    for text in query["people"]:
        clk = clk_from_text(text)
        score = max((dice(clk, other) for other in person_clks), default=0.0)
        if score >= threshold:
            matched.append("person")
            strength = max(strength, score)
    return round(strength, 3), sorted(set(matched))


def check_query(query):
    """The query's shape, or ValueError saying what is wrong with it."""
    if not isinstance(query, dict):
        raise ValueError("a query is a JSON object")
    for name in ("from", "key_id", "asked_by"):
        if not isinstance(query.get(name), str):
            raise ValueError(f"a query names {name!r}")
    selectors, people = query.get("selectors"), query.get("people")
    if not isinstance(selectors, list) or not isinstance(people, list):
        raise ValueError("a query has lists of selectors and people")
    for selector in selectors:
        if not (isinstance(selector, dict) and selector.get("kind") in SELECTOR_KINDS
                and isinstance(selector.get("digest"), str) and len(selector["digest"]) == 64):
            raise ValueError("a selector is {kind, digest}: a phone, vehicle or handle and 64 hex characters")
    for text in people:
        if not isinstance(text, str):
            raise ValueError("a person is a base64 text")
        clk_from_text(text)
    if len(selectors) + len(people) > 200:
        raise ValueError("a query carries at most 200 encodings")
    return query


# --- Signing: every message between partnerships -----------------------------------------------------

PARTNER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Safehub-Partner", "X-Safehub-Timestamp", "X-Safehub-Signature"
MAX_CLOCK_SKEW = 300  # seconds either way


def signature(secret: str, partner: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256, under the secret the two partnerships share, of who sends, when, and the exact body."""
    message = partner.encode() + b"\n" + timestamp.encode() + b"\n" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret, partner, timestamp, body):
    return {PARTNER_HEADER: partner, TIMESTAMP_HEADER: timestamp, "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, partner, timestamp, body)}


def signature_ok(secret, partner, timestamp, body, given, now):
    """Whether a message carries the right signature and was signed within MAX_CLOCK_SKEW of `now` (epoch s)."""
    try:
        fresh = abs(now - int(timestamp)) <= MAX_CLOCK_SKEW
    except (TypeError, ValueError):
        return False
    return fresh and hmac.compare_digest(signature(secret, partner, timestamp, body), given or "")


def dumps(data) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
