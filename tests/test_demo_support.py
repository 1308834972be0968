"""The demo's support side: adult survivors (two naming men of planted networks by nickname, which linking
joins to those networks' reports), support plans with services in every status, consent records, a reporter
who came back, and exactly one Victims' Code notification overdue."""

import pytest
from django.utils import timezone

from safehub.demo.casework import load_demo_casework
from safehub.demo.generator import load_demo_reports
from safehub.demo.justice import load_demo_justice
from safehub.demo.models import GroundTruth
from safehub.demo.sharing import share_with_police
from safehub.demo.support import load_demo_support
from safehub.intake.models import Contact, ContactAddition, ReporterPassphrase
from safehub.linking.models import Mention
from safehub.support.models import AdultSurvivor, Consent, SafeContact, SupportService, VictimNotification, VoiceEntry

SEED = 2026


@pytest.fixture
def support(users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo_reports(users, count=120, seed=SEED)
    load_demo_casework(users, seed=SEED)
    share_with_police(users, SEED)
    load_demo_justice(users, seed=SEED)
    return load_demo_support(users, seed=SEED)


@pytest.mark.django_db
def test_demo_support_has_everything_the_issue_asks_for(users, support, client_for):
    assert support.startswith("Loaded demo support: 3 adult survivor records")
    assert AdultSurvivor.objects.count() == 3 and AdultSurvivor.objects.filter(operations__isnull=False).exists()
    assert set(SupportService.objects.values_list("status", flat=True)) == set(SupportService.Status.values)
    assert VoiceEntry.objects.filter(kind="words").exists() and VoiceEntry.objects.filter(kind="wish").exists()
    assert Consent.objects.filter(withdrawn_on__isnull=False).exists() and Consent.objects.count() >= 8
    assert SafeContact.objects.filter(child__isnull=False).count() == 3
    now = timezone.now()
    overdue = VictimNotification.objects.filter(told_at__isnull=True, due_at__lt=now)
    assert overdue.count() == 1 and overdue.get().escalated_at is not None
    assert VictimNotification.objects.filter(told_at__isnull=False).exists()
    assert all(n.told_at <= n.due_at for n in VictimNotification.objects.filter(told_at__isnull=False))
    assert ReporterPassphrase.objects.count() == 1 and ContactAddition.objects.count() == 1
    # Two survivors name a nickname of a planted network's men; linking puts them in that nickname's entity.
    for index, key in ((0, "network-1"), (1, "network-2")):
        nick = next(p["nicknames"][0] for p in GroundTruth.objects.get(seed=SEED, key=key).data["persons"]
                    if p.get("nicknames"))
        contact = Contact.objects.get(submission_key=f"demo-support-{SEED}-{index}")
        mention = Mention.objects.get(contact=contact, kind="nickname")
        others = Mention.objects.filter(entity=mention.entity).exclude(contact=contact)
        assert others.filter(contact__reference__in=GroundTruth.objects.get(seed=SEED, key=key).data["references"]).exists(), nick
    worker = client_for("worker")
    page = worker.get("/victims-code/").content.decode()
    assert "1 overdue" in page
    assert load_demo_support(users, seed=SEED) == "Demo support already loaded."
