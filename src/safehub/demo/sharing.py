"""The demo front door shares with the police what a MASH would: every report the screeners sent to a strategy
discussion or an immediate police response, and every report in a planted network (police intelligence is
already working them), so that the demo analyst has records to study."""

from django.db.models import Q

from safehub.access.actions import share_record
from safehub.access.policy import shared_with
from safehub.accounts.models import Agency
from safehub.demo.models import GroundTruth
from safehub.intake.models import Contact

PURPOSE = "MASH information sharing: joint work on possible child exploitation"


def share_with_police(users, seed):
    police = Agency.objects.get(code="POLICE")
    manager = users["manager"]
    planted = {report["reference"] for truth in GroundTruth.objects.filter(seed=seed, kind=GroundTruth.Kind.NETWORK)
               for report in truth.data["reports"]}
    police_work = [Contact.Outcome.STRATEGY, Contact.Outcome.POLICE_NOW]
    wanted = Contact.objects.filter(owning_agency=manager.agency).exclude(pk__in=shared_with(Contact, police.pk))
    chosen = list(wanted.filter(Q(outcome__in=police_work) | Q(reference__in=planted)).order_by("pk"))
    for contact in chosen:
        share_record(manager, contact, agency=police, purpose=PURPOSE, lawful_basis="dpa_s1_p18")
    return f"Shared {len(chosen)} reports with {police.name} (strategy, police response, planted networks)."
