"""Sending one query to every partner at once and reading their answers. No Django: the benchmark's asker uses
it as the partnership's action does.

Each partner is asked in its own thread with `timeout` seconds to connect and to answer; one that has not
answered when the whole wait (the timeout and a little) is over is shown as not answering, as is one that cannot
be reached. An answer is believed only with the partner's signature over it.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor, wait

import requests

from safehub.federation.encodings import (PARTNER_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, dumps, signature_ok,
                                          signed_headers)

OUTCOMES = {"match": "Match", "no_match": "No match", "refused": "Refused to answer", "no_answer": "No answer",
            "other_key": "Uses another key", "rejected": "Did not accept our signature",
            "untrusted": "Answer not signed by the partner", "error": "Answer not understood"}
MOST_THREADS = 64
QUERY_PATH = "/federation/query/"


def ask_all(me, partners, query, timeout):
    """{partner code: answer} for one query (a dict of encodings; `from` is set here) sent to every partner
    ({code: {name, url, secret}}). Each answer: {outcome, strength, matched, contact, seconds}."""
    body = dumps({**query, "from": me})
    if not partners:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(MOST_THREADS, len(partners)))
    futures = {code: pool.submit(ask_one, me, partner, body, timeout) for code, partner in partners.items()}
    wait(futures.values(), timeout=timeout + 0.5)
    answers = {code: future.result() if future.done() else _answer("no_answer", timeout)
               for code, future in futures.items()}
    # A partner that trickles its answer keeps its thread until its socket times out; nobody waits for it.
    pool.shutdown(wait=False, cancel_futures=True)
    return answers


def _answer(outcome, seconds, strength=0.0, matched=(), contact=None):
    return {"outcome": outcome, "strength": strength, "matched": list(matched), "contact": contact or {},
            "seconds": round(seconds, 3)}


def ask_one(me, partner, body, timeout):
    started = time.monotonic()
    timestamp = str(int(time.time()))
    try:
        response = requests.post(partner["url"].rstrip("/") + QUERY_PATH, data=body, timeout=(timeout, timeout),
                                 headers=signed_headers(partner["secret"], me, timestamp, body))
    except requests.RequestException:
        return _answer("no_answer", time.monotonic() - started)
    return read_answer(partner, response.status_code, response.headers, response.content,
                       time.monotonic() - started)


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
