"""The audit trail: every protected read and every change writes one event here.

Events form hash chains: each stores SHA-256 over its own content and the previous event's hash in its chain,
so an edit, deletion or insertion anywhere breaks the chain. There are SAFEHUB_AUDIT_SHARDS chains (shards) side
by side, each with its own lock and head, so that writers in different processes do not queue on one lock; a
writer (a server thread) keeps to one shard, so one request's events are in order in one chain. `anchor()` writes
the head of every shard into a root chain of its own, as transparency logs do (ADR 22). Writers take their
shard's lock for the rest of their transaction so that concurrent requests cannot fork it. The tables refuse
UPDATE and DELETE (database triggers, see the audit migrations).
"""

import datetime as dt
import hashlib
import multiprocessing
import random
import threading
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from django.conf import settings

from django.db import connection, transaction
from django.utils import timezone

from safehub.audit.models import AuditAnchor, AuditEvent
from safehub.rows import insert_row, insert_statement, stored

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 7_301_944  # arbitrary constant naming shard 0's advisory lock on PostgreSQL (shard n: + n)
_ROOT_LOCK_KEY = _CHAIN_LOCK_KEY - 1  # the anchors' root chain
SEPARATOR = "\x1f"  # ASCII unit separator; stripped from every value before hashing, so fields cannot run together

# The columns covered by the hash, in order. verify reads exactly these.
HASHED_COLUMNS = ("position", "at", "actor_id", "actor_name", "agency_code", "role", "action", "object_type",
                  "object_id", "reason", "client_address", "user_agent")


def client_address(request):
    from safehub.intake.ratelimit import client_ip

    return client_ip(request) if request is not None else ""


def _clean(value):
    return str(value).replace(SEPARATOR, " ")


def event_hash(previous_hash, values):
    """SHA-256 over the previous hash and the event's hashed columns (timestamp as ISO 8601 in UTC)."""
    payload = SEPARATOR.join("" if value is None else str(value) for value in values)
    return hashlib.sha256(f"{previous_hash}{SEPARATOR}{payload}".encode()).hexdigest()


def _hashed_values(event):
    values = [getattr(event, column) for column in HASHED_COLUMNS]
    values[1] = event.at.astimezone(dt.timezone.utc).isoformat()
    return values


_writer = threading.local()


def writer_shard():
    """The shard this thread writes to: chosen once per thread at random, so that a server's processes and
    threads spread over the shards and one request's events stay in order in one chain."""
    shards = max(1, settings.SAFEHUB_AUDIT_SHARDS)
    if getattr(_writer, "shards", None) != shards:
        _writer.shards, _writer.shard = shards, random.randrange(shards)  # nosec B311: spreading load, not secrecy
    return _writer.shard


@contextmanager
def use_shard(shard):
    """Write this thread's events to one shard for a while (tests and loaders that spread events on purpose)."""
    writer_shard()
    saved = _writer.shard
    _writer.shard = shard
    try:
        yield
    finally:
        _writer.shard = saved


def _lock_and_read_chain_head(shard):
    """Take the shard's lock for the rest of the transaction; return (position, hash) of its last event."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT head_position, head_hash FROM safehub_audit_shard_head(%s, %s)",
                           [_CHAIN_LOCK_KEY + shard, shard])
            position, digest = cursor.fetchone()
        return (position, digest) if position is not None else (0, GENESIS_HASH)
    # SQLite runs IMMEDIATE transactions: the write lock is already held for the whole transaction.
    last = AuditEvent.objects.filter(shard=shard).order_by("-position").values_list("position", "hash").first()
    return last or (0, GENESIS_HASH)


def chain_head():
    """(position, hash) of the last event of this writer's shard: what a published figure is stamped with (the
    hash names the event whatever its shard). Inside a transaction it also takes the shard's lock until the
    transaction ends, so no event slips in between reading the head and writing the event that records the
    reading (which goes to the same shard)."""
    with transaction.atomic(savepoint=False):
        return _lock_and_read_chain_head(writer_shard())


def _actor_fields(user, request):
    """Who acted: a signed-in user; else a member of the public (a request without a user); else Safehub itself
    (the background worker, the scheduler or a command run by an operator, ADR 5)."""
    actor = user if user is not None and user.is_authenticated else None
    if actor is None:
        return None, {"actor_name": "", "agency_code": "", "role": "public" if request is not None else "system"}
    agency_code = actor.agency.code if actor.agency_id else ""
    return actor, {"actor_name": actor.username, "agency_code": agency_code, "role": actor.role}


def record(action, *, user=None, obj=None, object_type="", object_id="", reason="", request=None):
    """Append one audit event. Call inside the transaction of the change it records."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    return record_many(action, user=user, object_type=object_type, object_ids=[object_id], reason=reason,
                       request=request)[0]


def _shared_fields(action, user, object_type, reason, request):
    """An event's columns other than its place in the chain and its object's id, cleaned and bounded."""
    actor, actor_fields = _actor_fields(user, request)
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return {"actor": actor, "action": _clean(action), "object_type": _clean(object_type),
            "reason": _clean(reason)[:2000], "client_address": _clean(client_address(request)),
            "user_agent": _clean(user_agent)[:300], **{key: _clean(value) for key, value in actor_fields.items()}}


def record_many(action, *, user=None, object_type="", object_ids=(), reason="", request=None):
    """Append one audit event per object id (the same action, actor and reason), in order, in two queries
    however many there are: the chain head read under its lock once, then one insert of them all. The events
    and their chain are those `record` called once per id would write."""
    object_ids = list(object_ids)
    if not object_ids:
        return []
    shared = _shared_fields(action, user, object_type, reason, request)
    # Part of the caller's transaction when there is one (no savepoint: a failed event fails the change).
    shard = writer_shard()
    with transaction.atomic(savepoint=False):
        position, previous_hash = _lock_and_read_chain_head(shard)
        events = []
        for object_id in object_ids:
            position += 1
            event = AuditEvent(shard=shard, position=position, at=timezone.now(), object_id=_clean(object_id)[:40],
                               previous_hash=previous_hash, **shared)
            event.hash = previous_hash = event_hash(previous_hash, _hashed_values(event))
            events.append(event)
        if len(events) == 1:
            insert_row(events[0])  # the busiest write there is: one plain statement (safehub.rows)
        else:
            AuditEvent.objects.bulk_create(events)
    return events


# The event of a row stored by the same statement (PostgreSQL). Python prepares the hashed text around the three
# values only the database knows when it runs (the previous hash, the position, the new row's id), so the hash is
# still defined once, by event_hash: the database only puts those three in their places and takes the SHA-256.
# The shard, its lock's key and the constants are written into the text (numbers and constants of ours, never
# input), which keeps the parameters under psycopg's limit for caching the statement's parsing (50).
_INSERT_WITH_EVENT_SQL = """
WITH stored AS ({insert}),
head AS (SELECT head_position, head_hash FROM safehub_audit_shard_head({lock_key}, {shard})),
chained AS (SELECT coalesce(head_position, 0) + 1 AS position, coalesce(head_hash, '{genesis}') AS previous_hash,
                   stored.{pk}::text AS object_id FROM head, stored),
event AS (
    INSERT INTO audit_auditevent (shard, position, at, actor_id, actor_name, agency_code, role, action, object_type,
                                  object_id, reason, client_address, user_agent, previous_hash, hash)
    SELECT {shard}, position, %s::timestamptz, %s::bigint, %s, %s, %s, %s, %s, object_id, %s, %s, %s, previous_hash,
           encode(sha256(convert_to(previous_hash || chr({separator}) || position::text || %s || object_id || %s,
                                    'UTF8')), 'hex')
    FROM chained
    RETURNING id, position, previous_hash, hash)
SELECT stored.*, event.id, event.position, event.previous_hash, event.hash FROM stored, event
"""


def insert_with_event(obj, action, *, user=None, request=None, reason=""):
    """Store a new row and append the audit event of `action` on it: both or neither. Returns the event.

    On PostgreSQL this is one statement, so outside a transaction it is one autocommit round trip: the row's
    INSERT, the shard's lock and head, and the event's INSERT with its hash (ADR 36; the public report, the
    busiest write there is). Elsewhere it is `insert_row` and `record` in one transaction."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            insert_row(obj)
            return record(action, user=user, obj=obj, request=request, reason=reason)
    shard, at = writer_shard(), timezone.now()
    shared = _shared_fields(action, user, obj._meta.model_name, reason, request)
    event = AuditEvent(shard=shard, at=at, **shared)
    hashed = ["" if value is None else str(value) for value in _hashed_values(event)]
    # position and object_id (the first and the ninth) are the database's to fill in
    before_object, after_object = SEPARATOR.join(hashed[1:8]), SEPARATOR.join(hashed[9:])
    insert, params, returned = insert_statement(obj)
    sql = _INSERT_WITH_EVENT_SQL.format(  # nosec B608: our statement, table and constants; every value a parameter
        insert=insert, pk=connection.ops.quote_name(obj._meta.pk.column), lock_key=int(_CHAIN_LOCK_KEY + shard),
        shard=int(shard), genesis=GENESIS_HASH, separator=ord(SEPARATOR))
    params = [*params, at, event.actor_id, event.actor_name, event.agency_code, event.role, event.action,
              event.object_type, event.reason, event.client_address, event.user_agent,
              f"{SEPARATOR}{before_object}{SEPARATOR}", f"{SEPARATOR}{after_object}"]
    # In a caller's transaction, a savepoint: a refused row (a duplicate key) must leave that transaction usable.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    stored(obj, returned, row[:len(returned)])
    event.object_id = str(obj.pk)
    return stored(event, [AuditEvent._meta.get_field(name) for name in ("id", "position", "previous_hash", "hash")],
                  row[len(returned):])


def verify_rows(rows, first_position=1, previous_hash=GENESIS_HASH):
    """Check a chain given as rows of (*HASHED_COLUMNS, previous_hash, hash) in position order, `at` as an
    aware datetime, starting at `first_position` whose predecessor's hash is `previous_hash` (None: take the
    first row's word for it, for a slice whose join the caller checks). Returns (events checked, position
    of the first break or None, hash of the last event checked).

    The loop is the hot path of `safehub audit verify` (a million events): it repeats event_hash inline."""
    expected = first_position
    sha256, utc, sep = hashlib.sha256, dt.timezone.utc, SEPARATOR
    for (position, at, actor_id, actor_name, agency_code, role, action, object_type, object_id, reason,
         address, user_agent, stored_previous, stored_hash) in rows:
        if previous_hash is None:
            previous_hash = stored_previous
        if position != expected or stored_previous != previous_hash:
            return expected - first_position, expected, previous_hash
        payload = sep.join((str(position), at.astimezone(utc).isoformat(), "" if actor_id is None else str(actor_id),
                            actor_name, agency_code, role, action, object_type, object_id, reason, address, user_agent))
        if sha256(f"{previous_hash}{sep}{payload}".encode()).hexdigest() != stored_hash:
            return expected - first_position, position, previous_hash
        previous_hash = stored_hash
        expected += 1
    return expected - first_position, None, previous_hash


COLUMNS = [*HASHED_COLUMNS, "previous_hash", "hash"]
# Fixed column and table names only; the shard and positions are bound parameters.
_SLICE_QUERY = (f"SELECT {', '.join(COLUMNS)} FROM audit_auditevent WHERE shard = %s AND position BETWEEN %s AND %s "  # nosec B608
                "ORDER BY position")
PARALLEL_FROM = 100_000  # events; below this, starting worker processes costs more than it saves


class Break(NamedTuple):
    """Where verify found the trail broken: an event of a shard, or an anchor of the root chain."""

    shard: int | None  # None: the root chain of anchors
    position: int

    def __str__(self):
        return f"anchor {self.position}" if self.shard is None else f"event {self.position} of shard {self.shard}"


def chain_rows(shard=0, chunk_size=50_000):
    """Every event of one shard: hashed columns and hashes in position order, streamed through the ORM."""
    return (AuditEvent.objects.filter(shard=shard).order_by("position").values_list(*COLUMNS)
            .iterator(chunk_size=chunk_size))


def shard_heads():
    """{shard: (position, hash)} of the last event of every shard that has one (one query on the shards' index)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.shard, e.position, e.hash FROM audit_auditevent e JOIN (SELECT shard, max(position) AS "
                       "position FROM audit_auditevent GROUP BY shard) last ON last.shard = e.shard AND "
                       "last.position = e.position ORDER BY e.shard")
        return {shard: (position, digest) for shard, position, digest in cursor.fetchall()}


def anchor_hash(previous_hash, position, at, heads):
    return hashlib.sha256(SEPARATOR.join((previous_hash, str(position), at.astimezone(dt.timezone.utc).isoformat(),
                                          heads)).encode()).hexdigest()


def _heads_text(heads):
    return ",".join(f"{shard}:{position}:{digest}" for shard, (position, digest) in sorted(heads.items()))


def _parse_heads(text):
    heads = {}
    for part in filter(None, text.split(",")):
        shard, position, digest = part.split(":")
        heads[int(shard)] = (int(position), digest)
    return heads


def anchor():
    """Append to the root chain the head of every shard as committed now, and return the anchor. Run from a
    scheduler (`safehub audit anchor`, every minute or so): every event before an anchor is pinned by it, so
    rewriting a shard's chain from some event onwards is found even if the rewriter re-hashes the rest of it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ROOT_LOCK_KEY])
        last = AuditAnchor.objects.order_by("-position").values_list("position", "hash").first() or (0, GENESIS_HASH)
        heads, at = _heads_text(shard_heads()), timezone.now()
        position = last[0] + 1
        return AuditAnchor.objects.create(position=position, at=at, heads=heads, previous_hash=last[1],
                                          hash=anchor_hash(last[1], position, at, heads))


def verify_anchors():
    """Check the root chain and that every head it names is the event stored there. Returns (anchors checked,
    Break or None). Run after the shards verify, so a head found here names an event whose chain is whole."""
    previous_hash, expected, seen = GENESIS_HASH, 1, {}
    stored = {}
    for anchored in AuditAnchor.objects.order_by("position").iterator(chunk_size=5000):
        if (anchored.position != expected or anchored.previous_hash != previous_hash
                or anchor_hash(previous_hash, anchored.position, anchored.at, anchored.heads) != anchored.hash):
            return expected - 1, Break(None, expected)
        for shard, (position, digest) in _parse_heads(anchored.heads).items():
            if position < seen.get(shard, 0):  # a shard's head never moves back
                return expected - 1, Break(None, expected)
            seen[shard] = position
            stored.setdefault((shard, position), []).append((digest, anchored.position))
        previous_hash, expected = anchored.hash, expected + 1
    for (shard, position), claims in stored.items():
        event_hash_now = AuditEvent.objects.filter(shard=shard, position=position).values_list("hash", flat=True).first()
        for digest, anchor_position in claims:
            if event_hash_now != digest:
                return expected - 1, Break(shard, position)
    return expected - 1, None


def verify_whole_chain(workers=2, parallel_from=PARALLEL_FROM):
    """Check every event of every shard from the first, then the anchors. Returns (events checked, Break or None).

    On PostgreSQL a long shard is split into slices checked in `workers` parallel processes, each reading with
    its own plain psycopg server-side cursor (through the ORM, fetching costs most of the time); the joins between
    slices are checked here. Inside a transaction (other connections could not see its writes) or for short
    shards, one pass through the ORM per shard."""
    heads = shard_heads()
    parallel = connection.vendor == "postgresql" and workers > 1 and not connection.in_atomic_block
    checked = 0
    if parallel and any(last >= parallel_from for last, _ in heads.values()):
        checked, broken = _verify_in_parallel(heads, workers)
    else:
        broken = None
        for shard in sorted(heads):
            count, broken_at, _ = verify_rows(chain_rows(shard))
            checked += count
            if broken_at is not None:
                broken = Break(shard, broken_at)
                break
    if broken is None:
        broken = verify_anchors()[1]
    return checked, broken


def _verify_in_parallel(heads, workers):
    bounds = [(shard, 1 + last * k // workers, last * (k + 1) // workers)
              for shard, (last, _) in sorted(heads.items()) for k in range(workers)]
    conninfo = _plain_conninfo()
    from django.db import connections

    connections.close_all()  # no connection may be shared with the forked workers
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        slices = pool.starmap(_verify_slice, [(conninfo, shard, first, end) for shard, first, end in bounds])
    checked, previous = 0, {}
    for (shard, first, end), (count, broken_at, first_previous, last_hash) in zip(bounds, slices):
        if end < first:
            continue
        if first_previous != previous.get(shard, GENESIS_HASH):
            return checked, Break(shard, first)
        checked += count
        if broken_at is not None:
            return checked, Break(shard, broken_at)
        previous[shard] = last_hash
    return checked, None


def _plain_conninfo():
    settings_dict = connection.settings_dict
    conninfo = {"dbname": settings_dict["NAME"], "user": settings_dict["USER"], "password": settings_dict["PASSWORD"],
                "host": settings_dict["HOST"], "port": settings_dict["PORT"]}
    return {key: value for key, value in conninfo.items() if value}


def _verify_slice(conninfo, shard, first, end):
    """Check events first..end of a shard in a worker process; returns (count, break or None, first row's stored
    previous hash, last hash)."""
    import psycopg

    if end < first:
        return 0, None, None, None
    with psycopg.connect(**conninfo) as conn, conn.transaction():
        with conn.cursor(name="safehub_audit_verify", binary=True) as cursor:
            cursor.itersize = 50_000
            cursor.execute(_SLICE_QUERY, [shard, first, end])
            rows = iter(cursor)
            head = next(rows, None)
            if head is None:
                return 0, first, None, None
            count, broken_at, last_hash = verify_rows(_chain_from(head, rows), first_position=first,
                                                      previous_hash=head[-2])
    return count, broken_at, head[-2], last_hash


def _chain_from(head, rows):
    yield head
    yield from rows


def verify_chain(events=None):
    """Return where the trail first breaks (a Break), or None if it is whole. `events`: one shard's events."""
    if events is None:
        return verify_whole_chain()[1]
    events = list(events)
    rows = ([*(getattr(e, c) for c in HASHED_COLUMNS), e.previous_hash, e.hash] for e in events)
    broken_at = verify_rows(rows)[1]
    return None if broken_at is None else Break(events[0].shard if events else 0, broken_at)
