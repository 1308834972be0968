import pytest
from safehub.linking.models import Mention
from safehub.linking import networks
from tests.test_linking import report
pytestmark = pytest.mark.django_db

def test_scratch(users):
    a = report(children=["Ava Pike"], people=[("Dean Marsh", "Smiler")], phones=["07700 900432"])
    b = report(children=["Ben Orr"], people=[("Dean Marsh", "Smiler")], phones=["07700 900432"], vehicles=["KX19 ABC"])
    c = report(children=["Cal Eno"], people=[("Dean Marsh", ""), ("Tariq Malik", "Tiny")], phones=["07700 900999"])
    for m in Mention.objects.all().order_by("pk"):
        print(m.contact.reference, m.kind, m.role, repr(m.raw), m.entity_id, m.source_detail, m.age)
    for n in networks.current_networks():
        print(n.contact_ids, n.entity_ids)
