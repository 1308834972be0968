"""The demo operation: the first planted network as a police operation with its people of concern, graded
intelligence, disruption and justice outcomes, consistent with the ground truth and seen through the real
pages by the lead analyst and by the council worker on a victim's case."""

import pytest
from django.utils import timezone

from safehub.cases.models import Case, ChronologyEntry, Ethnicity
from safehub.demo.casework import load_demo_casework
from safehub.demo.generator import load_demo_reports
from safehub.demo.justice import NETWORK_KEY, load_demo_justice, operation_name
from safehub.demo.models import GroundTruth
from safehub.demo.sharing import share_with_police
from safehub.intelligence.models import (
    Answered,
    Breach,
    Disruption,
    IntelligenceItem,
    JusticeStep,
    Operation,
    PersonOfConcern,
)
from safehub.intelligence.queries.operations import my_operations
from safehub.intake.models import Contact
from safehub.linking.models import Mention
from tests.conftest import sign_in_client

SEED = 2026
COUNT = 120


@pytest.fixture
def justice(users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo_reports(users, count=COUNT, seed=SEED)
    load_demo_casework(users, seed=SEED)
    share_with_police(users, SEED)
    return load_demo_justice(users, seed=SEED)


def truth():
    return GroundTruth.objects.get(seed=SEED, key=NETWORK_KEY).data


def operation():
    return Operation.objects.get(name=operation_name(SEED))


@pytest.mark.django_db
def test_the_network_becomes_an_operation_with_its_people_children_and_reports(users, justice):
    network = truth()
    op = operation()
    assert justice.startswith(f"Loaded demo operation {op.reference} {op.name} from its linking network: 3 people")
    assert op.lead == users["analyst"] and op.owning_agency.code == "POLICE" and op.opened_at < timezone.now()
    assert {str(person) for person in op.people.all()} == {person["name"] for person in network["persons"]}
    nicknames = {person.nicknames for person in op.people.all()}
    assert nicknames == {", ".join(person["nicknames"]) for person in network["persons"]}
    assert {str(child) for child in op.children.all()} == {child["name"] for child in network["children"]}
    planted = set(Contact.objects.filter(reference__in=network["references"]).values_list("pk", flat=True))
    assert planted and planted <= set(op.network_reports.values_list("pk", flat=True))
    assert network["title"] in op.profile_themes and op.profile_victims and op.profile_locations
    assert all(person["nicknames"][0] in op.profile_offenders for person in network["persons"])

    # Ethnicity and nationality: recorded for most, not all; "not known" and "refused" are answers, not blanks.
    men = list(op.people.all())
    assert sum(man.ethnicity_recorded for man in men) == len(men) - 1
    assert [man.ethnicity for man in men if not man.ethnicity_recorded] == [Ethnicity.NOT_KNOWN]
    assert sum(man.nationality_recorded for man in men) == len(men) - 1
    assert [man.nationality_answer for man in men if not man.nationality_recorded] == [Answered.REFUSED]
    assert all(man.ethnicity and man.nationality_answer and man.disability for man in men)
    # Disability: answered for every man, mostly yes or no, one not known.
    assert [man.disability for man in men if not man.disability_recorded] == ["not_known"]

    # Their phones link to the planted reports.
    for man in men:
        phones = Mention.objects.filter(person_of_concern=man, kind="phone")
        assert phones.count() == len(next(p for p in network["persons"] if p["name"] == str(man))["phones"])
        for phone in phones:
            assert phone.entity_id is not None
            linked = set(Mention.objects.filter(entity_id=phone.entity_id, contact__isnull=False)
                         .values_list("contact_id", flat=True))
            assert linked & planted, (str(man), phone.raw)

    # Graded intelligence naming their phones or vehicles, on the operation and its people.
    graded = list(IntelligenceItem.objects.filter(operation=op))
    assert sorted(item.grading for item in graded) == ["1/A/P", "2/B/C", "B/3/2"]
    conditional = next(item for item in graded if item.grading == "2/B/C")
    assert conditional.handling_condition and conditional.sanitised_summary
    older = next(item for item in graded if item.scheme == "5x5x5")
    assert older.received_at < op.opened_at
    selectors = {p for person in network["persons"] for p in person["phones"]}
    assert all(item.people.exists() for item in graded)
    assert all(item.named.filter(kind__in=["phone", "vehicle"]).exists() for item in graded)
    assert any(selectors & {mention.value for mention in item.named.all()} for item in graded)

    # A second run adds nothing.
    counts = (Operation.objects.count(), PersonOfConcern.objects.count(), IntelligenceItem.objects.count(),
              Disruption.objects.count(), JusticeStep.objects.count(), ChronologyEntry.objects.count())
    again = load_demo_justice(users, seed=SEED)
    assert again == f"Demo operation already loaded ({op.name})."
    assert counts == (Operation.objects.count(), PersonOfConcern.objects.count(), IntelligenceItem.objects.count(),
                      Disruption.objects.count(), JusticeStep.objects.count(), ChronologyEntry.objects.count())


@pytest.mark.django_db
def test_the_leads_list_outcomes_and_the_victims_chronology(users, justice):
    op = operation()
    now = timezone.now()
    # The lead's list: the breached warning notice and the order ending within 14 days.
    mine = my_operations(users["analyst"])
    assert [o.pk for o in mine["operations"]] == [op.pk]
    assert [measure.kind for measure in mine["breached"]] == ["cawn"]
    sro = Disruption.objects.get(operation=op, kind="sro")
    assert sro in mine["soon"] and now < sro.ends_at <= now + timezone.timedelta(days=14)
    closure = Disruption.objects.get(operation=op, kind="closure_order")
    assert closure.place and closure.person is None and closure.ends_at > now
    breach = Breach.objects.get(disruption__operation=op)
    assert breach.disruption.served_at < breach.happened_at < now
    page = sign_in_client(users["analyst"]).get("/operations/mine/").content.decode()
    ending = page.split('id="ending-measures"')[1].split("</table>")[0]
    breached = page.split('id="breached-measures"')[1].split("</table>")[0]
    assert "Sexual Risk Order" in ending and "Child Abduction Warning Notice" in breached and op.name in page
    own = sign_in_client(users["analyst"]).get(f"/operations/{op.pk}/")
    assert own.status_code == 200 and "Premises closure order" in own.content.decode()

    # Justice: every man investigated and arrested; two charged; one convicted and sentenced; one NFA.
    steps = JusticeStep.objects.filter(operation=op)
    for man in op.people.all():
        kinds = list(steps.filter(person=man).order_by("at", "pk").values_list("kind", flat=True))
        assert kinds[:2] == ["investigation", "arrest"], kinds
    assert steps.filter(kind="charge").values("person").distinct().count() == 2
    conviction = steps.get(kind="conviction")
    assert steps.filter(kind="sentence", person=conviction.person).exists()
    nfa = steps.get(kind="nfa")
    assert nfa.details and not steps.filter(kind="charge", person=nfa.person).exists()
    assert all(step.at < now for step in steps.exclude(kind="trial"))
    for man in op.people.all():
        dated = list(steps.filter(person=man).order_by("pk").values_list("at", flat=True))
        assert dated == sorted(dated), str(man)

    # The council worker on a victim's case reads the charge on the child's chronology, without the surname.
    charged = steps.filter(kind="charge").order_by("at").first()
    child = op.children.order_by("pk").first()
    case = Case.objects.filter(child=child).first()
    assert case is not None and case.owning_agency.code == "COUNCIL"
    line = ChronologyEntry.objects.get(child=child, kind="justice", subtype="charge", summary__contains=charged.details)
    assert line.case == case
    page = sign_in_client(users["worker"]).get(f"/children/{child.reference}/chronology/?kind=justice")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"{charged.person.first_name} {charged.person.last_name[0]}. charged" in text
    assert charged.person.last_name not in text
