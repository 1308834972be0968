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

A partnership answers from an index (`ClkIndex`): its people's CLKs decoded once into a bit matrix and scored
against a query's CLK in one pass, not decoded again for every query.
"""

import base64
import hashlib
import hmac
import json

import numpy as np

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


def date_variants(date_of_birth: str) -> list[str]:
    """The date of birth (YYYYMMDD) as written, and with day and month swapped where that is another date: the
    slip the plain matcher forgives, which a CLK of the date's bigrams does not (it keeps about two thirds of the
    date's bits). The asker sends a CLK of each; a partnership's published CLKs are of the date as written.

    >>> date_variants("19890812"), date_variants("19890813"), date_variants("19890303")
    (['19890812', '19891208'], ['19890813'], ['19890303'])
    """
    if len(date_of_birth) != 8 or not date_of_birth.isdigit():
        return [date_of_birth]
    year, month, day = date_of_birth[:4], date_of_birth[4:6], date_of_birth[6:]
    if day != month and 1 <= int(day) <= 12:
        return [date_of_birth, year + day + month]
    return [date_of_birth]


def clk_to_text(clk: int) -> str:
    return base64.b64encode(clk.to_bytes(CLK_BITS // 8, "big")).decode()


def _clk_bytes(text: str) -> bytes:
    raw = base64.b64decode(text.encode(), validate=True)
    if len(raw) != CLK_BITS // 8:
        raise ValueError(f"a person's encoding has {CLK_BITS // 8} bytes, not {len(raw)}")
    return raw


def clk_from_text(text: str) -> int:
    return int.from_bytes(_clk_bytes(text), "big")


class ClkIndex:
    """A partnership's people's CLKs (base64 texts) decoded once into a bit matrix, one row of 64-bit words per
    person with its count of set bits, so that a query's CLK is scored against all of them in one pass (AND and
    popcount over the matrix) instead of decoding every encoding for every query."""

    WORDS = CLK_BITS // 64

    def __init__(self, texts=()):
        raw = b"".join(_clk_bytes(text) for text in texts)
        self.bits = np.frombuffer(raw, dtype=np.uint64).reshape(-1, self.WORDS)
        self.counts = np.bitwise_count(self.bits).sum(axis=1, dtype=np.int64)

    def __len__(self):
        return len(self.bits)

    def best(self, text: str) -> float:
        """The highest Dice coefficient of the CLK `text` with any person held (0.0 when none is)."""
        if not len(self.bits):
            return 0.0
        clk = np.frombuffer(_clk_bytes(text), dtype=np.uint64)
        common = np.bitwise_count(self.bits & clk).sum(axis=1, dtype=np.int64)
        totals = self.counts + int(np.bitwise_count(clk).sum())
        return float((2 * common / np.maximum(totals, 1)).max())


# --- Matching: what one partnership answers -----------------------------------------------------------


def best_match(query, held, people, threshold):
    """(strength 0..1, kinds matched) for a query's encodings against one partnership's. `held` is the set of
    (kind, digest) of the query's selectors that the partnership holds; `people` the ClkIndex of its people. A
    selector held is strength 1.0; a person, the best Dice score of any of the query's CLKs at or above
    `threshold`."""
    matched = {selector["kind"] for selector in query["selectors"] if (selector["kind"], selector["digest"]) in held}
    strength = 1.0 if matched else 0.0
    score = max((people.best(text) for text in query["people"]), default=0.0)
    if score >= threshold:
        matched.add("person")
        strength = max(strength, score)
    return round(strength, 3), sorted(matched)


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
