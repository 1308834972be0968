"""The demo front door shares with the police what a MASH would: every report the screeners sent to a strategy
discussion or an immediate police response, and every report in a planted network (police intelligence is
already working them), so that the demo analyst has records to study."""

from safehub.access.actions import share_record
from safehub.access.models import Share
from safehub.accounts.models import Agency
from safehub.demo.models import GroundTruth
from safehub.intake.models import Contact

PURPOSE = "MASH information sharing: joint work on possible child exploitation"


def share_with_police(users, seed):
    police = Agency.objects.get(code="POLICE")
    manager = users["manager"]
    planted = {report["reference"] for truth in GroundTruth.objects.filter(seed=seed, kind="network")
               for report in truth.data["reports"]}
    wanted = Contact.objects.filter(owning_agency=manager.agency).exclude(
        pk__in=Share.objects.filter(agency=police).values("object_id"))
    chosen = [contact for contact in wanted.filter(outcome__in=["strategy", "police_now"])] + list(
        wanted.filter(reference__in=planted).exclude(outcome__in=["strategy", "police_now"]))
    for contact in chosen:
        share_record(manager, contact, agency=police, purpose=PURPOSE, lawful_basis="dpa_s1_p18")
    return f"Shared {len(chosen)} reports with {police.name} (strategy, police response, planted networks)."
