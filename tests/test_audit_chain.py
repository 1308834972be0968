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
    assert exported["chain_head"]["hash"] == head.hash
    head = AuditEvent.objects.order_by("-position").first()
    assert head.action == "audit_exported"
    call_command("audit", "export", "--from", day, "--to", day, "--out", str(tmp_path / "a.csv"), stdout=StringIO())
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0] == f"# chain head: position 4, hash {head.hash}"
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
    positions = list(AuditEvent.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, 201))
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
    positions = list(AuditEvent.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, before + 61))
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
    assert found == broken_at
    if broken_at is None:
        assert checked == 20
