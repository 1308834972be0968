"""A public report is accepted as one row and filed by the worker (ADR 35): what the reporter named is stored as
sent (checked) until the worker files it into the detail rows and links it; nothing is lost on the way, a
screener who opens it first sees it whole, and it is filed once however many workers try."""

import re
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from safehub.audit.models import AuditEvent
from safehub.audit.trail import _hashed_values, event_hash, use_shard, verify_whole_chain
from safehub.background.worker import Filer
from safehub.intake import actions
from safehub.intake.actions import file_contact, file_waiting_reports, submit_contact
from safehub.intake.models import Contact, ContactChild, ContactPhone
from safehub.linking.models import Mention
from tests.journey import fill_public_report, send

# The worker and the filer commit as they go, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "07700 900461"


def sent_report(child_name, phone=PHONE):
    """A report sent through the public pages as a browser would; returns its stored contact."""
    client = Client()
    key = fill_public_report(client, child={"0-name": child_name, "0-age": "14"}, phone={"0-number": phone})
    assert send(client, key)["Location"] == "/report/done/"
    reference = re.search(r"SH-\d{4}-\d{6,}", client.get("/report/done/").content.decode()).group(0)
    return Contact.objects.get(reference=reference)


def test_a_sent_report_waits_as_one_row_then_the_worker_files_and_links_it(users):
    first, second = sent_report("Child One"), sent_report("Child Two")
    assert not first.filed and first.answers["children"][0]["name"] == "Child One"
    assert not ContactChild.objects.exists() and not Mention.objects.exists()
    call_command("worker", "--batch", verbosity=0)
    for contact in (first, second):
        contact.refresh_from_db()
        assert contact.filed and contact.answers == {}
    assert list(ContactChild.objects.filter(contact=first).values_list("name", flat=True)) == ["Child One"]
    phones = Mention.objects.filter(kind="phone", contact__in=[first, second])
    assert phones.count() == 2 and len({mention.entity_id for mention in phones}) == 1  # linked as before
    filed = AuditEvent.objects.filter(action="contact_filed")
    assert sorted(filed.values_list("object_id", flat=True)) == sorted([str(first.pk), str(second.pk)])
    assert set(filed.values_list("role", flat=True)) == {"system"}


def test_the_running_worker_files_a_report_within_seconds(users):
    filer = Filer()
    filer.start()
    try:
        contact = sent_report("Child Three")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not Contact.objects.get(pk=contact.pk).filed:
            time.sleep(0.1)
    finally:
        filer.stopping.set()
        filer.join(timeout=10)
    assert Contact.objects.get(pk=contact.pk).filed
    assert ContactChild.objects.get(contact=contact).name == "Child Three"


def test_a_screener_who_opens_a_report_before_the_worker_sees_it_whole(users, client_for):
    contact = sent_report("Child Four")
    page = client_for("screener").get(f"/screening/{contact.reference}/").content.decode()
    assert "Child Four" in page and PHONE in page
    contact.refresh_from_db()
    assert contact.filed and ContactChild.objects.filter(contact=contact).count() == 1
    event = AuditEvent.objects.get(action="contact_filed", object_id=str(contact.pk))
    assert event.actor_name == users["screener"].username
    assert file_waiting_reports() == 0  # nothing left for the worker


def test_a_report_is_filed_once_however_often_filing_runs(users):
    contact = sent_report("Child Five")
    assert file_contact(contact.pk) is True
    assert file_contact(contact.pk) is False and file_waiting_reports() == 0
    assert ContactChild.objects.filter(contact=contact).count() == 1
    assert ContactPhone.objects.filter(contact=contact).count() == 1
    assert AuditEvent.objects.filter(action="contact_filed").count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite writes one transaction at a time anyway")
def test_two_filers_at_once_file_each_report_exactly_once(users):
    contacts = [sent_report(f"Child {n}", phone=f"07700 900{n:03d}") for n in range(12)]
    errors = []

    def filer():
        try:
            while file_waiting_reports(limit=3):
                pass
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=filer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not Contact.objects.filter(filed_at__isnull=True).exists()
    assert ContactChild.objects.count() == len(contacts) and Mention.objects.filter(kind="phone").count() == 12
    assert AuditEvent.objects.filter(action="contact_filed").count() == len(contacts)


def test_a_report_whose_filing_fails_waits_in_the_queue_and_is_filed_next_time(users, client_for, monkeypatch):
    contact = sent_report("Child Six")

    def broken(*args, **kwargs):
        raise RuntimeError("linking model unreadable")

    monkeypatch.setattr(actions, "_file_answers", broken)
    assert file_waiting_reports() == 0
    contact.refresh_from_db()
    assert not contact.filed and contact.answers["children"][0]["name"] == "Child Six"
    assert contact.reference in client_for("screener").get("/screening/").content.decode()
    monkeypatch.undo()
    assert file_waiting_reports() == 1
    assert ContactChild.objects.get(contact=contact).name == "Child Six"


def upkeep_runs_waiting():
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from safehub.linking.tasks import update_networks

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=update_networks.module_path).count()


def test_reports_filed_in_one_run_are_each_noted_for_one_waiting_network_upkeep(users):
    """The filer looks for the waiting upkeep run once for a run of reports (ADR 38): every report is still noted,
    and one run waits to bring their networks up to date."""
    from safehub.linking.models import PendingNetworkChange

    contacts = [sent_report(f"Child {name}", phone=f"07700 90050{number}")
                for number, name in enumerate(["Ten", "Eleven", "Twelve"])]
    assert file_waiting_reports() == 3
    noted = set(PendingNetworkChange.objects.values_list("record", flat=True))
    assert {f"c{contact.pk}" for contact in contacts} <= noted
    assert upkeep_runs_waiting() == 1


def test_when_the_report_that_asked_for_network_upkeep_fails_the_next_one_in_the_run_asks_again(users, monkeypatch):
    """What must never happen: the filer believing an upkeep run waits because a report asked for one, when that
    report's filing was rolled back, so that the rest of its run's reports wait for a run nobody enqueued."""
    first, second = sent_report("Child Thirteen"), sent_report("Child Fourteen", phone="07700 900511")
    real_record = actions.record

    def failing_for_first(action, *args, obj=None, **kwargs):
        if action == "contact_filed" and obj.pk == first.pk:
            raise RuntimeError("audit shard unavailable")
        return real_record(action, *args, obj=obj, **kwargs)

    monkeypatch.setattr(actions, "record", failing_for_first)
    assert file_waiting_reports() == 1
    first.refresh_from_db()
    assert not first.filed and Contact.objects.get(pk=second.pk).filed
    assert upkeep_runs_waiting() == 1


def test_what_would_not_fit_is_refused_when_the_report_is_sent_not_when_it_is_filed(users):
    draft = {"kind": "public", "concern": "Worried", "children": [{"name": "x" * 201, "age": "14"}]}
    with pytest.raises(ValidationError, match="name in children must be 200 characters or fewer"):
        submit_contact(draft, submission_key="too-long", file_now=False)
    assert not Contact.objects.exists()


def test_the_reference_is_made_by_the_database_from_the_id_past_a_million(users):
    contact, _ = submit_contact({"kind": "public", "concern": "Worried"}, submission_key="first", file_now=False)
    assert contact.reference == f"SH-{contact.received_at.year}-{contact.pk:06d}"
    big = Contact.objects.get(pk=contact.pk)
    big.pk, big.submission_key = 1_234_567, "second"
    big.save(force_insert=True)
    assert Contact.objects.get(pk=1_234_567).reference == f"SH-{contact.received_at.year}-1234567"


def test_readyz_says_how_many_reports_wait_to_be_filed(client, users):
    sent_report("Child Seven")
    queue = client.get("/readyz").json()["queue"]
    assert queue["reports_waiting_to_be_filed"] == 1 and queue["oldest_report_waiting_seconds"] >= 0
    file_waiting_reports()
    assert client.get("/readyz").json()["queue"]["reports_waiting_to_be_filed"] == 0


def test_a_reports_audit_event_hashed_by_the_database_is_the_one_verify_expects(users):
    """On PostgreSQL the report, the chain's lock and head, and the event with its hash are one statement (ADR 36):
    the database's hash must be event_hash's, for any text a browser sends, and the chain must verify."""
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 Zażółć gęślą jaźń \u0627\u0644\u0639\u0631\u0628\u064a\u0629 😀 a\x1fb")
    key = fill_public_report(client, child={"0-name": "Ćwierć Łucja", "0-age": "14"})
    with CaptureQueriesContext(connection) as statements:
        assert send(client, key)["Location"] == "/report/done/"
    contact = Contact.objects.get(submission_key=key)
    event = AuditEvent.objects.get(action="contact_submitted", object_id=str(contact.pk))
    assert event.object_type == "contact" and event.role == "public" and "😀 a b" in event.user_agent
    assert event.hash == event_hash(event.previous_hash, _hashed_values(event))
    assert verify_whole_chain()[1] is None
    if connection.vendor == "postgresql":
        writes = [query["sql"] for query in statements.captured_queries if "INSERT" in query["sql"]]
        assert len(writes) == 1 and len(statements.captured_queries) == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite writes one transaction at a time anyway")
def test_reports_sent_at_once_into_one_chain_keep_it_whole(users):
    errors, keys = [], [f"at-once-{thread}-{n}" for thread in range(4) for n in range(15)]

    def reporter(my_keys):
        try:
            with use_shard(0):
                for key in my_keys:
                    submit_contact({"kind": "public", "concern": "Seen with older men"}, submission_key=key,
                                   file_now=False)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reporter, args=(keys[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    positions = sorted(AuditEvent.objects.filter(shard=0).values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1)) and Contact.objects.count() == len(keys)
    assert verify_whole_chain()[1] is None
