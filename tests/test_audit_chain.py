"""The audit trail is append-only and a hash chain: any edit, removal or insertion is found by position."""

import csv
import json
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from safehub.audit.models import AuditEvent
from safehub.audit.trail import record, verify_chain

pytestmark = pytest.mark.django_db


def chain(n=6):
    for i in range(n):
        record("contact_viewed", object_type="contact", object_id=str(i), reason=f"look {i}")


@contextmanager
def as_database_owner():
    """Tamper as someone with the database owner's rights would: with the append-only trigger off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    else:
        yield


def run_verify():
    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def assert_each_shard_contiguous():
    """Each shard's positions run 1, 2, 3... with no gap or repeat: no writer forked a chain."""
    shards = {}
    for shard, position in AuditEvent.objects.order_by("shard", "position").values_list("shard", "position"):
        shards.setdefault(shard, []).append(position)
    for positions in shards.values():
        assert positions == list(range(1, len(positions) + 1))
    return shards


def test_untouched_chain_verifies():
    chain()
    assert verify_chain() is None
    code, output = run_verify()
    assert code == 0 and "OK: 6 events, chain intact" in output


def test_edited_event_is_named():
    chain()
    with as_database_owner():
        AuditEvent.objects.filter(position=3).update(reason="nothing to see")
    code, output = run_verify()
    assert code == 1 and "breaks at event 3" in output


def test_removed_event_is_named():
    chain()
    with as_database_owner():
        AuditEvent.objects.filter(position=4).delete()
    code, output = run_verify()
    assert code == 1 and "breaks at event 4" in output


def insert_forged_event_at(position, *, recompute_hash):
    from django.db.models import F

    from safehub.audit.trail import _hashed_values, event_hash

    original = AuditEvent.objects.get(position=position)
    with as_database_owner():
        AuditEvent.objects.filter(position__gte=position).update(position=F("position") + 1000)
        AuditEvent.objects.filter(position__gte=1000).update(position=F("position") - 999)
    forged = AuditEvent(**{f.attname: getattr(original, f.attname) for f in AuditEvent._meta.fields if f.attname != "id"})
    forged.reason = "forged"
    if recompute_hash:
        forged.hash = event_hash(forged.previous_hash, _hashed_values(forged))
    forged.save(force_insert=True)


def test_inserted_event_is_named():
    chain()
    insert_forged_event_at(5, recompute_hash=False)
    code, output = run_verify()
    assert code == 1 and "breaks at event 5" in output


def test_inserted_event_with_a_recomputed_hash_breaks_the_link_after_it():
    chain()
    insert_forged_event_at(5, recompute_hash=True)
    # The forger can make the inserted event consistent with its predecessor, but not the next event's link.
    code, output = run_verify()
    assert code == 1 and "breaks at event 6" in output


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_update_and_delete():
    chain(2)
    for statement in ["UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert AuditEvent.objects.count() == 2


def test_export_writes_the_period_with_the_chain_head(tmp_path):
    chain(3)
    head = AuditEvent.objects.order_by("-position").first()
    day = head.at.date().isoformat()
    call_command("audit", "export", "--from", day, "--to", day, "--format", "json", "--out", str(tmp_path / "a.json"),
                 stdout=StringIO())
    exported = json.loads((tmp_path / "a.json").read_text())
    assert [e["reason"] for e in exported["events"]] == ["look 0", "look 1", "look 2"]
    # The export writes an anchor pinning every shard's head and names it.
    assert exported["chain_head"]["anchor"] == 1 and f"{head.shard}:3:{head.hash}" in exported["chain_head"]["shards"]
    head = AuditEvent.objects.order_by("-position").first()
    assert head.action == "audit_exported"
    call_command("audit", "export", "--from", day, "--to", day, "--out", str(tmp_path / "a.csv"), stdout=StringIO())
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0].startswith("# chain head: anchor 2, hash ") and f"{head.shard}:4:{head.hash}" in lines[0]
    rows = list(csv.DictReader(lines[1:]))
    assert [row["action"] for row in rows] == ["contact_viewed"] * 3 + ["audit_exported"]
    assert AuditEvent.objects.filter(action="audit_exported").exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    import threading

    from django.db import connections

    errors = []

    def writer(number):
        try:
            for i in range(25):
                with transaction.atomic():
                    record("contact_viewed", object_type="contact", object_id=f"{number}-{i}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 200
    assert_each_shard_contiguous()
    assert verify_chain() is None


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_parallel_page_views_over_http_keep_one_chain(live_server, users):
    """Twelve clients open a report at once through the live server: every view is one event, one chain."""
    import threading
    import urllib.request

    from safehub.intake.actions import submit_contact
    from tests.conftest import sign_in_client

    contact, _ = submit_contact({"kind": "public", "concern": "Parallel"}, submission_key="parallel-1")
    cookies = [sign_in_client(users[name]).cookies["sessionid"].value
               for name in ["screener", "manager", "worker"] * 4]
    before = AuditEvent.objects.count()
    statuses = []

    def open_page(session_id):
        request = urllib.request.Request(f"{live_server.url}/screening/{contact.reference}/",
                                         headers={"Cookie": f"sessionid={session_id}"})
        for _ in range(5):
            with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310: the test's own server
                statuses.append(response.status)

    threads = [threading.Thread(target=open_page, args=(cookie,)) for cookie in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 60
    assert AuditEvent.objects.filter(action="contact_viewed").count() == 60
    assert AuditEvent.objects.count() == before + 60
    assert_each_shard_contiguous()
    assert verify_chain() is None


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tamper, broken_at", [
    ("edit", 7), ("delete", 4), ("delete_first_of_second_slice", 11), ("none", None)])
def test_parallel_verify_finds_tampering_in_any_slice(tamper, broken_at):
    from safehub.audit.trail import verify_whole_chain

    chain(20)
    with as_database_owner():
        if tamper == "edit":
            AuditEvent.objects.filter(position=7).update(reason="changed")
        elif tamper == "delete":
            AuditEvent.objects.filter(position=4).delete()
        elif tamper == "delete_first_of_second_slice":
            AuditEvent.objects.filter(position=11).delete()
    checked, found = verify_whole_chain(workers=2, parallel_from=1)
    assert (found and found.position) == broken_at
    if broken_at is None:
        assert checked == 20


# --- Shards and anchors (ADR 22) ----------------------------------------------------------------------------


def sharded(settings, per_shard=4, shards=4):
    """Events in `shards` shards, `per_shard` each, then an anchor pinning every shard's head."""
    from safehub.audit.trail import anchor, use_shard

    settings.SAFEHUB_AUDIT_SHARDS = shards
    for round_ in range(per_shard):
        for shard in range(shards):
            with use_shard(shard):
                record("contact_viewed", object_type="contact", object_id=f"{shard}-{round_}", reason=f"look {round_}")
    return anchor()


def test_writers_spread_over_shards_each_a_chain_and_anchors_pin_them_all(settings):
    first = sharded(settings)
    assert assert_each_shard_contiguous() == {shard: [1, 2, 3, 4] for shard in range(4)}
    assert first.heads.count(":") == 8  # four shards' heads
    code, output = run_verify()
    assert code == 0 and "OK: 16 events, chain intact" in output
    out = StringIO()
    call_command("audit", "anchor", stdout=out)
    assert "Anchor 2:" in out.getvalue() and verify_chain() is None


def test_an_edit_within_a_shard_is_named_with_its_shard(settings):
    sharded(settings)
    with as_database_owner():
        AuditEvent.objects.filter(shard=2, position=3).update(reason="nothing to see")
    code, output = run_verify()
    assert code == 1 and "breaks at event 3 of shard 2" in output


def test_reordering_within_a_shard_is_found(settings):
    from django.db.models import F

    sharded(settings)
    with as_database_owner():
        AuditEvent.objects.filter(shard=1, position__in=[2, 3]).update(position=F("position") + 100)
        AuditEvent.objects.filter(shard=1, position=102).update(position=3)
        AuditEvent.objects.filter(shard=1, position=103).update(position=2)
    assert verify_chain() == (1, 2)


def test_a_shards_tail_rewritten_with_recomputed_hashes_is_found_by_the_anchor(settings):
    """A forger who deletes an anchored event and re-hashes the rest of its shard makes the shard consistent
    again, but the anchor still names the head that was there."""
    from safehub.audit.trail import _hashed_values, event_hash

    sharded(settings)
    with as_database_owner():
        AuditEvent.objects.filter(shard=3, position=4).delete()
        forged = AuditEvent.objects.get(shard=3, position=3)
        AuditEvent.objects.filter(pk=forged.pk).delete()
        forged.pk, forged.reason = None, "rewritten"
        forged.hash = event_hash(forged.previous_hash, _hashed_values(forged))
        forged.save(force_insert=True)
    assert verify_chain() == (3, 4)  # the anchored head (shard 3, event 4) is gone


def test_deleting_an_anchored_shard_tail_is_found(settings):
    sharded(settings)
    with as_database_owner():
        AuditEvent.objects.filter(shard=0, position=4).delete()
    assert verify_chain() == (0, 4)


@pytest.mark.parametrize("tamper", ["edit_heads", "delete", "reorder_heads"])
def test_tampering_with_the_anchors_is_found(settings, tamper):
    from safehub.audit.models import AuditAnchor
    from safehub.audit.trail import anchor, use_shard

    sharded(settings)
    with use_shard(1):
        record("contact_viewed", object_type="contact", object_id="later")
    anchor()
    anchor()
    with as_database_owner():
        if tamper == "edit_heads":
            second = AuditAnchor.objects.get(position=2)
            AuditAnchor.objects.filter(position=2).update(heads=second.heads.replace("1:5:", "1:4:"))
        elif tamper == "delete":
            AuditAnchor.objects.filter(position=2).delete()
        else:  # a later anchor claiming an earlier head than the one before it (recomputed so its hash fits)
            from safehub.audit.trail import anchor_hash

            third = AuditAnchor.objects.get(position=3)
            heads = third.heads.replace("1:5:", "1:1:")
            AuditAnchor.objects.filter(position=3).update(
                heads=heads, hash=anchor_hash(third.previous_hash, 3, third.at, heads))
    code, output = run_verify()
    assert code == 1 and ("breaks at anchor 2" in output if tamper != "reorder_heads" else "breaks at anchor 3" in output)


def test_verify_on_a_database_never_migrated_says_so_without_a_stack_trace(tmp_path):
    import os
    import subprocess
    import sys

    empty = tmp_path / "empty.sqlite3"
    result = subprocess.run([sys.executable, "-m", "safehub.cli", "audit", "verify"], capture_output=True, text=True,
                            env={**os.environ, "SAFEHUB_DATABASE_URL": f"sqlite:///{empty}"}, timeout=120)
    assert result.returncode != 0
    assert "no audit trail yet: run `safehub migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_events_of_the_worker_or_a_command_are_marked_as_safehubs_own_not_the_publics(rf):
    from safehub.audit.trail import record

    by_the_system = record("retention_reviews_run", object_type="retention", object_id="x")
    by_the_public = record("contact_submitted", object_type="contact", object_id="y", request=rf.post("/report/"))
    assert (by_the_system.role, by_the_public.role) == ("system", "public")
