"""Answering another partnership's query: check who sent it, refuse a partner this partnership does not answer,
match the encodings, and say only how strong the match is and whom to call. Every query, answered, refused or
rejected, is audited.

Selectors are looked up in the encodings table's index (one query for all of a query's digests); people are scored
against a ClkIndex of the partnership's CLKs, built once per process and built again when the people's rows change
(their count or newest id: `refresh_encodings` re-makes every row under new ids, and a deleted entity takes its
rows with it) or when this process re-makes them (`forget_people_index`).
"""

import json
import threading

from django.db.models import Count, Max
from django.utils import timezone

from safehub.audit.trail import record as audit
from safehub.federation import config
from safehub.federation.encodings import (PARTNER_HEADER, SELECTOR_KINDS, SIGNATURE_HEADER, TIMESTAMP_HEADER,
                                          ClkIndex, best_match, check_query, dumps, signature_ok, signed_headers)
from safehub.federation.models import Encoding

_people = {}  # {(key id, rows, newest pk): ClkIndex}: this process's index of the people it answers about
_people_lock = threading.Lock()


def held_selectors(key_id, selectors):
    """{(kind, digest)} of the asked selectors this partnership publishes: one indexed query."""
    digests = {selector["digest"] for selector in selectors}
    if not digests:
        return set()
    return set(Encoding.objects.filter(key_id=key_id, kind__in=SELECTOR_KINDS, value__in=digests)
               .values_list("kind", "value"))


def people_index(key_id):
    """The ClkIndex of the people published under `key_id`, re-read only when those rows have changed."""
    rows = Encoding.objects.filter(key_id=key_id, kind="person")
    version = (key_id, *rows.aggregate(count=Count("pk"), newest=Max("pk")).values())
    index = _people.get(version)
    if index is None:
        index = ClkIndex(rows.values_list("value", flat=True))
        with _people_lock:
            _people.clear()
            _people[version] = index
    return index


def forget_people_index():
    with _people_lock:
        _people.clear()


def answer(request):
    """(status, answer dict or None, partner code): the whole of the partnership's side of one query."""
    code = request.headers.get(PARTNER_HEADER, "")[:40]
    partner = config.partners().get(code)
    if partner is None or not signature_ok(partner["secret"], code, request.headers.get(TIMESTAMP_HEADER, ""),
                                           request.body, request.headers.get(SIGNATURE_HEADER, ""),
                                           timezone.now().timestamp()):
        audit("federation_query_rejected", object_type="partner", object_id=code, request=request,
              reason="unknown partner" if partner is None else "bad or stale signature")
        return 401, {"error": "signature"}
    try:
        query = check_query(json.loads(request.body))
    except ValueError as error:
        audit("federation_query_rejected", object_type="partner", object_id=code, request=request,
              reason=f"malformed query: {error}")
        return 400, {"error": str(error)}
    asked = f"asked by {query['asked_by'][:80]}, {len(query['selectors']) + len(query['people'])} encodings"
    if not partner.get("answer", True):
        audit("federation_query_refused", object_type="partner", object_id=code, request=request,
              reason=f"{asked}; this partnership does not answer {code}")
        return 200, {"refused": True}
    key_id, _ = config.current_key()
    if query["key_id"] != key_id:
        audit("federation_query_refused", object_type="partner", object_id=code, request=request,
              reason=f"{asked}; under key {query['key_id'][:40]}, ours is {key_id}")
        return 409, {"error": "key", "key_id": key_id}
    strength, matched = best_match(query, held_selectors(key_id, query["selectors"]), people_index(key_id),
                                   config.person_threshold())
    audit("federation_query_answered", object_type="partner", object_id=code, request=request,
          reason=f"{asked}; " + (f"match {strength} ({', '.join(matched)})" if matched else "no match"))
    if not matched:
        return 200, {"match": False}
    return 200, {"match": True, "strength": strength, "matched": matched, "contact": config.contact()}


def signed_body(code, data):
    """The answer's body and headers, signed with the secret shared with the partner `code` (if any)."""
    body = dumps(data)
    partner = config.partners().get(code)
    if partner is None:
        return body, {"Content-Type": "application/json"}
    return body, signed_headers(partner["secret"], config.area(), str(int(timezone.now().timestamp())), body)
