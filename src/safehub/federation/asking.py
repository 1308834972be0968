"""Sending one query to every partner at once and reading their answers. No Django: the benchmark's asker uses
it as the partnership's action does.

All partners are asked at once from one thread (asyncio: one connection each, no thread per partner), each with
`timeout` seconds to connect and answer in full; one that has not answered by then, or cannot be reached, is shown
as not answering and its connection is closed. An answer is believed only with the partner's signature over it.

Measured on the 150-partnership benchmark (ADR 34): the `requests` library in 64 threads cost the asker about
2 ms of CPU per partner, most of it the library's own work per call (a session, proxy and certificate settings
looked up each time); this costs about a quarter of that.
"""

import asyncio
import functools
import http.client
import io
import json
import ssl
import time
from urllib.parse import urlsplit

from safehub.federation.encodings import (PARTNER_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, dumps, signature_ok,
                                          signed_headers)

OUTCOMES = {"match": "Match", "no_match": "No match", "refused": "Refused to answer", "no_answer": "No answer",
            "other_key": "Uses another key", "rejected": "Did not accept our signature",
            "untrusted": "Answer not signed by the partner", "error": "Answer not understood"}
QUERY_PATH = "/federation/query/"
MOST_ANSWER_BYTES = 64 * 1024  # an answer is a few hundred bytes; a partner sending more is not read further


def ask_all(me, partners, query, timeout):
    """{partner code: answer} for one query (a dict of encodings; `from` is set here) sent to every partner
    ({code: {name, url, secret}}). Each answer: {outcome, strength, matched, contact, seconds}."""
    if not partners:
        return {}
    body = dumps({**query, "from": me})
    return asyncio.run(_ask_all(me, partners, body, timeout))


async def _ask_all(me, partners, body, timeout):
    answers = await asyncio.gather(*(ask_one(me, partner, body, timeout) for partner in partners.values()))
    return dict(zip(partners, answers))


def _answer(outcome, seconds, strength=0.0, matched=(), contact=None):
    return {"outcome": outcome, "strength": strength, "matched": list(matched), "contact": contact or {},
            "seconds": round(seconds, 3)}


async def ask_one(me, partner, body, timeout):
    started = time.monotonic()
    headers = signed_headers(partner["secret"], me, str(int(time.time())), body)
    try:
        status, answer_headers, content = await asyncio.wait_for(post(partner["url"], body, headers), timeout)
    except (OSError, asyncio.TimeoutError):
        return _answer("no_answer", time.monotonic() - started)
    except (http.client.HTTPException, ValueError):
        return _answer("error", time.monotonic() - started)
    return read_answer(partner, status, answer_headers, content, time.monotonic() - started)


@functools.cache
def _tls():
    return ssl.create_default_context()


class _Received:
    """What the partner sent, for the standard library's HTTP response parser (which reads from a socket)."""

    def __init__(self, raw):
        self.raw = raw

    def makefile(self, mode):
        return io.BytesIO(self.raw)


async def post(url, body, headers):
    """(status, headers, body) of an HTTP POST of `body` to the partner at `url` (http or https) + QUERY_PATH, on
    a connection of its own that the partner closes after answering."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or (443 if secure else 80),
                                                   ssl=_tls() if secure else None)
    try:
        lines = [f"POST {parts.path.rstrip('/')}{QUERY_PATH} HTTP/1.1", f"Host: {parts.netloc}",
                 f"Content-Length: {len(body)}", "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
        writer.write("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
        raw = bytearray()
        while chunk := await reader.read(MOST_ANSWER_BYTES):
            raw += chunk
            if len(raw) > MOST_ANSWER_BYTES:
                raise ValueError("the answer is too long")
    finally:
        writer.close()
    response = http.client.HTTPResponse(_Received(bytes(raw)))
    response.begin()
    return response.status, response.headers, response.read()


def read_answer(partner, status, headers, content, seconds):
    if status == 401:
        return _answer("rejected", seconds)
    if status == 409:
        return _answer("other_key", seconds)
    if status != 200:
        return _answer("error", seconds)
    if not signature_ok(partner["secret"], headers.get(PARTNER_HEADER, ""), headers.get(TIMESTAMP_HEADER, ""),
                        content, headers.get(SIGNATURE_HEADER, ""), time.time()):
        return _answer("untrusted", seconds)
    try:
        data = json.loads(content)
    except ValueError:
        return _answer("error", seconds)
    if data.get("refused"):
        return _answer("refused", seconds)
    if not data.get("match"):
        return _answer("no_match", seconds)
    return _answer("match", seconds, float(data.get("strength", 0)), data.get("matched", []), data.get("contact"))
