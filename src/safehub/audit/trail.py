"""The audit trail: every protected read and every change writes one event here.

Events form a hash chain: each stores SHA-256 over its own content and the previous event's hash, so an
edit, deletion or insertion anywhere breaks the chain. Writers take a lock on the chain head for the
rest of their transaction so that concurrent requests cannot fork it. The table refuses UPDATE and
DELETE (database triggers, see the audit migrations).
"""

import datetime as dt
import hashlib
import multiprocessing

from django.db import connection, transaction
from django.utils import timezone

from safehub.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 7_301_944  # arbitrary constant naming the audit chain's advisory lock on PostgreSQL
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


def _lock_and_read_chain_head():
    """Take the chain lock for the rest of the transaction; return (position, hash) of the last event."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT head_position, head_hash FROM safehub_audit_head(%s)", [_CHAIN_LOCK_KEY])
            position, digest = cursor.fetchone()
        return (position, digest) if position is not None else (0, GENESIS_HASH)
    # SQLite runs IMMEDIATE transactions: the write lock is already held for the whole transaction.
    last = AuditEvent.objects.order_by("-position").values_list("position", "hash").first()
    return last or (0, GENESIS_HASH)


def chain_head():
    """(position, hash) of the last event of the chain: what a published figure is stamped with. Inside a
    transaction it also takes the chain lock until the transaction ends, so no event slips in between reading
    the head and writing the event that records the reading."""
    with transaction.atomic(savepoint=False):
        return _lock_and_read_chain_head()


def _actor_fields(user):
    actor = user if user is not None and user.is_authenticated else None
    if actor is None:
        return None, {"actor_name": "", "agency_code": "", "role": "public"}
    agency_code = actor.agency.code if actor.agency_id else ""
    return actor, {"actor_name": actor.username, "agency_code": agency_code, "role": actor.role}


def record(action, *, user=None, obj=None, object_type="", object_id="", reason="", request=None):
    """Append one audit event. Call inside the transaction of the change it records."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    return record_many(action, user=user, object_type=object_type, object_ids=[object_id], reason=reason,
                       request=request)[0]


def record_many(action, *, user=None, object_type="", object_ids=(), reason="", request=None):
    """Append one audit event per object id (the same action, actor and reason), in order, in two queries
    however many there are: the chain head read under its lock once, then one insert of them all. The events
    and their chain are those `record` called once per id would write."""
    object_ids = list(object_ids)
    if not object_ids:
        return []
    actor, actor_fields = _actor_fields(user)
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    shared = {"actor": actor, "action": _clean(action), "object_type": _clean(object_type),
              "reason": _clean(reason)[:2000], "client_address": _clean(client_address(request)),
              "user_agent": _clean(user_agent)[:300], **{key: _clean(value) for key, value in actor_fields.items()}}
    # Part of the caller's transaction when there is one (no savepoint: a failed event fails the change).
    with transaction.atomic(savepoint=False):
        position, previous_hash = _lock_and_read_chain_head()
        events = []
        for object_id in object_ids:
            position += 1
            event = AuditEvent(position=position, at=timezone.now(), object_id=_clean(object_id)[:40],
                               previous_hash=previous_hash, **shared)
            event.hash = previous_hash = event_hash(previous_hash, _hashed_values(event))
            events.append(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events)
    return events


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
# Fixed column and table names only; the positions are bound parameters.
_SLICE_QUERY = f"SELECT {', '.join(COLUMNS)} FROM audit_auditevent WHERE position BETWEEN %s AND %s ORDER BY position"  # nosec B608
PARALLEL_FROM = 100_000  # events; below this, starting worker processes costs more than it saves


def chain_rows(chunk_size=50_000):
    """Every event's hashed columns and hashes in position order, streamed through the ORM."""
    return AuditEvent.objects.order_by("position").values_list(*COLUMNS).iterator(chunk_size=chunk_size)


def verify_whole_chain(workers=2, parallel_from=PARALLEL_FROM):
    """Check every event from the first. Returns (events checked, first broken position or None).

    On PostgreSQL a long chain is split into `workers` slices checked in parallel processes, each reading
    with its own plain psycopg server-side cursor (through the ORM, fetching costs most of the time); the
    joins between slices are checked here. Inside a transaction (other connections could not see its
    writes) or for a short chain, one pass through the ORM."""
    last = AuditEvent.objects.order_by("-position").values_list("position", flat=True).first() or 0
    parallel = connection.vendor == "postgresql" and workers > 1 and not connection.in_atomic_block
    if not parallel or last < parallel_from:
        checked, broken_at, _ = verify_rows(chain_rows())
        return checked, broken_at
    bounds = [(1 + last * k // workers, last * (k + 1) // workers) for k in range(workers)]
    conninfo = _plain_conninfo()
    from django.db import connections

    connections.close_all()  # no connection may be shared with the forked workers
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        slices = pool.starmap(_verify_slice, [(conninfo, first, end) for first, end in bounds])
    checked, previous_hash = 0, GENESIS_HASH
    for (first, end), (count, broken_at, first_previous, last_hash) in zip(bounds, slices):
        if end < first:
            continue
        if first_previous != previous_hash:
            return checked, first
        checked += count
        if broken_at is not None:
            return checked, broken_at
        previous_hash = last_hash
    return checked, None


def _plain_conninfo():
    settings_dict = connection.settings_dict
    conninfo = {"dbname": settings_dict["NAME"], "user": settings_dict["USER"], "password": settings_dict["PASSWORD"],
                "host": settings_dict["HOST"], "port": settings_dict["PORT"]}
    return {key: value for key, value in conninfo.items() if value}


def _verify_slice(conninfo, first, end):
    """Check events first..end in a worker process; returns (count, break or None, first row's stored
    previous hash, last hash)."""
    import psycopg

    if end < first:
        return 0, None, None, None
    with psycopg.connect(**conninfo) as conn, conn.transaction():
        with conn.cursor(name="safehub_audit_verify", binary=True) as cursor:
            cursor.itersize = 50_000
            cursor.execute(_SLICE_QUERY, [first, end])
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
    """Return the position of the first event that breaks the chain, or None if it is whole."""
    if events is None:
        return verify_whole_chain()[1]
    rows = ([*(getattr(e, c) for c in HASHED_COLUMNS), e.previous_hash, e.hash] for e in events)
    return verify_rows(rows)[1]
