"""Answering another partnership's query: check who sent it, refuse a partner this partnership does not answer,
match the encodings, and say only how strong the match is and whom to call. Every query, answered, refused or
rejected, is audited."""

import json

from django.utils import timezone

from safehub.audit.trail import record as audit
from safehub.federation import config
from safehub.federation.encodings import (PARTNER_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, best_match,
                                          check_query, clk_from_text, dumps, signature_ok, signed_headers)
from safehub.federation.models import Encoding


def _has_selector(key_id):
    def has(kind, digest):
        return Encoding.objects.filter(key_id=key_id, kind=kind, value=digest).exists()
    return has


def _person_clks(key_id):
    return [clk_from_text(text) for text in
            Encoding.objects.filter(key_id=key_id, kind="person").values_list("value", flat=True)]


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
    strength, matched = best_match(query, _has_selector(key_id), _person_clks(key_id), config.person_threshold())
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
