"""Never turn a genuine report away (ADR 21): reports over an address's hourly limit are held for a screener,
given their reference at once and kept on the statutory clock; a screener releases a held batch or marks it
as a flood."""

import os
import re
import time
import uuid

import pytest
from django.test import Client, RequestFactory

from safehub.audit.models import AuditEvent
from safehub.audit.trail import verify_chain
from safehub.intake.models import Contact, FloodBatch
from safehub.intake.ratelimit import client_key
from tests.journey import fill_public_report, send

pytestmark = pytest.mark.django_db

SCHOOL = "198.51.100.20"


def reporter_behind(address):
    return Client(REMOTE_ADDR=address)


def reference_on(page):
    found = re.search(r"SH-\d{4}-\d{6}", page)
    return found.group(0) if found else None


def quick_report(client, concern):
    """What a script does: the first question, the concern, then send from check-your-answers."""
    client.post("/report/", {"route": "public"})
    client.post("/report/concern/", {"concern": concern})
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', client.get("/report/check/").content.decode())
    return send(client, key.group(1))


def test_forty_genuine_reporters_behind_one_school_address_all_get_a_reference_and_reach_the_screener(
        agencies, client_for, settings):
    references = []
    for pupil in range(40):
        reporter = reporter_behind(SCHOOL)
        key = fill_public_report(reporter, concern=f"Pupil {pupil}: a man waits for year 9 girls at the gate.")
        response = send(reporter, key)
        assert response.status_code == 302 and response["Location"] == "/report/done/"
        done = reporter.get("/report/done/").content.decode()
        references.append(reference_on(done))
        assert "call 999" in done.replace("call <a href=\"tel:999\">999</a>", "call 999")
        assert "See who else you can contact" in done
        assert ('id="held"' in done) == (pupil >= settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW)
    assert None not in references and len(set(references)) == 40
    assert Contact.objects.count() == 40
    batch = FloodBatch.objects.get()
    assert batch.held_count == 30 and batch.first_in_window == 11
    held = Contact.objects.filter(flood_batch=batch)
    assert held.count() == 30
    for contact in held:  # the same statutory clock as any other report
        assert contact.decision_due_at > contact.received_at and contact.status == "awaiting"

    screener = client_for("screener")
    queue = screener.get("/screening/").content.decode()
    assert "30 reports from one address" in queue and "Possible flood" in queue
    assert "10 waiting for a decision" in queue  # the first ten as usual; the held ones as one row
    page = screener.get(f"/screening/held/{batch.pk}/").content.decode()
    assert "30 different texts" in page  # each pupil wrote their own
    held_reference = held.order_by("pk").first().reference
    assert held_reference in page
    report = screener.get(f"/screening/{held_reference}/").content.decode()
    assert "Part of a possible flood from one address" in report and "one of 30 reports held" in report

    assert screener.post(f"/screening/held/{batch.pk}/release/", {"reason": "School assembly on exploitation"}
                         ).status_code == 302
    queue = screener.get("/screening/").content.decode()
    assert "40 waiting for a decision" in queue and "Possible flood" not in queue
    assert "released into the queue by" in screener.get(f"/screening/{held_reference}/").content.decode()
    event = AuditEvent.objects.get(action="flood_batch_released")
    assert event.actor_name == "screener" and "30 reports" in event.reason
    assert verify_chain() is None


def test_a_flood_of_near_identical_reports_is_all_stored_held_grouped_and_the_queue_stays_usable(
        agencies, client_for, settings):
    settings.SAFEHUB_PUBLIC_PAGES_PER_WINDOW = 10_000
    settings.SAFEHUB_RATE_WINDOW_SECONDS = 10**9  # no window ends mid-test (a slow run once crossed the hour)
    genuine = reporter_behind("192.0.2.50")
    genuine_reference = reference_on(genuine.get(send(genuine, fill_public_report(genuine))["Location"])
                                     .content.decode())
    variants = ["YOU WILL NEVER STOP US"] * 4 + ["you will  never  stop us "] * 4 + [
        "You will never stop us!!!", "Nobody reads these"]
    for n in range(250):
        response = quick_report(reporter_behind("203.0.113.66"), variants[n % 10])
        assert response.status_code == 302 and response["Location"] == "/report/done/"
    assert Contact.objects.count() == 251
    batch = FloodBatch.objects.get()
    assert batch.held_count == 240 and Contact.objects.filter(flood_batch=batch).count() == 240

    screener = client_for("screener")
    queue = screener.get("/screening/")
    html = queue.content.decode()
    assert queue.status_code == 200 and "240 reports from one address" in html
    assert genuine_reference in html and "11 waiting for a decision" in html
    assert html.count("/screening/SH-") == 11  # the flood is one row, not 240
    page = screener.get(f"/screening/held/{batch.pk}/").content.decode()
    groups = [int(n) for n in re.findall(r"(\d+) reports? with this text", page)]
    assert groups == [192, 24, 24]  # case and spacing ignored: the taunt written two ways is one group
    assert "3 different texts" in page

    refused = screener.post(f"/screening/held/{batch.pk}/flood/", {"reason": ""})
    assert refused.status_code == 400 and "Say why this is a flood" in refused.content.decode()
    assert screener.post(f"/screening/held/{batch.pk}/flood/", {"reason": "The same taunt 240 times"}
                         ).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "flood" and batch.decided_by.username == "screener"
    flood = Contact.objects.filter(flood_batch=batch)
    assert flood.count() == 240 and not flood.filter(decided_at__isnull=True).exists()
    assert set(flood.values_list("outcome", flat=True)) == {"nfa"}
    assert AuditEvent.objects.filter(action="flood_batch_marked").count() == 1
    assert AuditEvent.objects.filter(action="decision_recorded").count() == 240
    html = screener.get("/screening/").content.decode()
    assert "1 waiting for a decision" in html and "Possible flood" not in html
    assert verify_chain() is None


def test_only_the_front_doors_screeners_act_on_a_held_batch_and_only_once(agencies, users, client_for, settings):
    from django.core.exceptions import PermissionDenied, ValidationError

    from safehub.accounts.actions import create_user
    from safehub.screening.actions import mark_flood_batch, release_flood_batch

    settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW = 1
    for _ in range(3):
        quick_report(reporter_behind(SCHOOL), "Someone is watching the children at the bus stop.")
    batch = FloodBatch.objects.get()
    elsewhere, _ = create_user(username="police-screener", password="p" * 12, role="screener",
                               agency=agencies["POLICE"])
    assert client_for("worker").get(f"/screening/held/{batch.pk}/").status_code == 403
    with pytest.raises(PermissionDenied):
        release_flood_batch(elsewhere, batch)
    with pytest.raises(ValidationError):
        mark_flood_batch(users["screener"], batch, "  ")
    release_flood_batch(users["screener"], batch, "A youth club's evening session")
    with pytest.raises(ValidationError, match="already released"):
        mark_flood_batch(users["manager"], batch, "Too late")
    assert not Contact.objects.filter(decided_at__isnull=False).exists()
    # The next report over the limit from that address opens a new batch.
    quick_report(reporter_behind(SCHOOL), "Someone is watching the children at the bus stop.")
    assert FloodBatch.objects.filter(status="held").get().held_count == 1


@pytest.fixture
def redis_cache(settings):
    """The shared cache production runs with (SAFEHUB_REDIS_URL), under a key prefix of this test's own."""
    import redis
    from django.core.cache import caches

    url = os.environ.get("SAFEHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server at {url} (set SAFEHUB_TEST_REDIS_URL)")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                      "LOCATION": url, "KEY_PREFIX": prefix}}
    yield caches["default"]
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_counted_in_redis_as_in_production_the_reports_past_the_limit_are_held(agencies, settings, redis_cache):
    settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW = 3
    held = []
    for pupil in range(5):
        reporter = reporter_behind(SCHOOL)
        key = fill_public_report(reporter, concern=f"Pupil {pupil}: a man waits at the gate.")
        assert send(reporter, key)["Location"] == "/report/done/"
        held.append('id="held"' in reporter.get("/report/done/").content.decode())
    assert held == [False, False, False, True, True]
    assert FloodBatch.objects.get().held_count == 2 and Contact.objects.count() == 5
    window = settings.SAFEHUB_RATE_WINDOW_SECONDS
    counter = f"rate:submit:{client_key(RequestFactory().get('/', REMOTE_ADDR=SCHOOL))}:{int(time.time() // window)}"
    assert redis_cache.get(counter) == 5  # Django's own reading of the counter
    stored = redis_cache.make_and_validate_key(counter)
    assert 0 < redis_cache._cache.get_client(stored).ttl(stored) <= window
