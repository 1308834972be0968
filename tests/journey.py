"""Walk the public report journey with Django's test client, as a browser without JavaScript would."""

import re

EMPTY_SECTION = {"count": "1", "action": "continue"}


def post(client, url, data, follow=False):
    return client.post(url, data, follow=follow)


def fill_public_report(client, *, concern="Older men in a silver car pick her up after school.", reporter=None,
                       child=None, vehicle=None, phone=None):
    """Answer every question up to check-your-answers; return the submission key shown on that page."""
    assert client.post("/report/", {"route": "public"}).status_code == 302
    assert client.post("/report/concern/", {"concern": concern, "when_happened": "Most Fridays"}).status_code == 302
    child = child or {"0-name": "Child A", "0-age": "14", "0-school": "Hilltop Academy"}
    assert client.post("/report/children/", {"count": "1", "action": "continue", **child}).status_code == 302
    assert client.post("/report/people/", {"count": "1", "action": "continue", "0-nicknames": "Taz"}).status_code == 302
    vehicle = vehicle or {"0-registration": "ab12 c??", "0-colour": "silver"}
    assert client.post("/report/vehicles/", {"count": "1", "action": "continue", **vehicle}).status_code == 302
    phone = phone or {"0-number": "07700 900123"}
    assert client.post("/report/phones/", {"count": "1", "action": "continue", **phone}).status_code == 302
    assert client.post("/report/handles/", EMPTY_SECTION).status_code == 302
    assert client.post("/report/places/", EMPTY_SECTION).status_code == 302
    reporter = reporter or {"anonymous": "no"}
    assert client.post("/report/you/", reporter).status_code == 302
    page = client.get("/report/check/")
    assert page.status_code == 200
    return re.search(r'name="submission_key" value="([0-9a-f]+)"', page.content.decode()).group(1)


def send(client, key):
    return client.post("/report/check/", {"submission_key": key})


def send_and_file(client, key):
    """Send the report, then file it as the worker does within a second of it arriving (ADR 35)."""
    from safehub.intake.actions import file_waiting_reports

    response = send(client, key)
    file_waiting_reports()
    return response
