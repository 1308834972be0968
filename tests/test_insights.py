"""The figures pages, published snapshots, downloads and the case bundle: nothing identifies anyone, withheld
counts are marked "[c]" and cannot be worked out from any published table or download, and a published
period never changes."""

import csv
import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader

from safehub import clock
from safehub.audit.models import AuditEvent
from safehub.insights.actions import publish_snapshot, snapshot_digest
from safehub.insights.exports import read_workbook_tables
from safehub.insights.models import PublishedSnapshot
from safehub.insights.periods import Period
from safehub.intake.models import Contact
from tests.disclosure_attack import attack

pytestmark = pytest.mark.django_db
LAST_MONTH = Period.containing("month", clock.today()).previous()


def contacts(kind, n, month=LAST_MONTH, agency=None):
    from safehub.accounts.models import Agency

    agency = agency or Agency.objects.get(code="COUNCIL")
    made = []
    for i in range(n):
        received = dt.datetime.combine(month.start + dt.timedelta(days=i % 20), dt.time(10), tzinfo=clock.LONDON)
        made.append(Contact.objects.create(
            kind=kind, owning_agency=agency, received_at=received, concern="Synthetic", submission_key=uuid.uuid4().hex,
            decision_due_at=clock.screening_decision_due(received)))
        made[-1].reference = f"SH-TEST-{made[-1].pk:06d}"
        made[-1].save(update_fields=["reference"])
    return made


def test_the_month_from_the_issue_shows_withheld_cells_as_c_never_a_false_range(client_for, users):
    """Public 20, adults 2, professionals 24, total 46: "[c]" where the page used to say "<5" of 20."""
    made = contacts("public", 20) + contacts("non_recent", 2) + contacts("professional", 24)
    page = client_for("scrutiny").get(f"/figures/?period={LAST_MONTH.slug}").content.decode()
    row = page[page.index(f"{LAST_MONTH.label}</th>", page.index('id="table-contacts"')):]
    row = row[:row.index("</tr>")]
    assert row.count(">[c]</td>") == 2 and ">24</td>" in row and ">46</td>" in row
    assert "&lt;5" not in page and "<5" not in page
    assert not any(contact.reference in page for contact in made)


def test_figures_are_for_scrutiny_and_managers_only(client_for):
    assert client_for("scrutiny").get("/figures/").status_code == 200
    assert client_for("manager").get("/figures/").status_code == 200
    assert client_for("screener").get("/figures/").status_code == 403
    assert client_for("worker").get("/figures/export/?format=xlsx").status_code == 403


def test_scrutiny_sees_any_month_quarter_year_and_agency(client_for, agencies):
    contacts("professional", 7, agency=agencies["POLICE"])
    contacts("public", 9)
    client = client_for("scrutiny")
    quarter = Period.containing("quarter", LAST_MONTH.start)
    for slug in (LAST_MONTH.slug, quarter.slug, str(LAST_MONTH.start.year)):
        page = client.get(f"/figures/?period={slug}").content.decode()
        assert f"Figures: {Period.parse(slug).label}" in page and ">16</td>" in page
    page = client.get(f"/figures/?period={LAST_MONTH.slug}&agency=POLICE").content.decode()
    assert "Wrekinshire Police" in page or agencies["POLICE"].name in page
    table = page[page.index('id="table-contacts"'):]
    assert ">7</td>" in table[:table.index("</table>")] and ">16</td>" not in table[:table.index("</table>")]


def test_publishing_freezes_the_period_and_stamps_it_with_the_chain_head(client_for, users):
    contacts("public", 12)
    contacts("professional", 3)
    head = AuditEvent.objects.order_by("-position").first()
    response = client_for("manager").post("/figures/publish/", {"period": LAST_MONTH.slug})
    assert response.status_code == 302
    snapshot = PublishedSnapshot.objects.get(period=LAST_MONTH.slug)
    assert snapshot.audit_position == head.position and snapshot.audit_hash == head.hash
    event = AuditEvent.objects.get(action="figures_published")
    assert snapshot.digest in event.reason and snapshot.digest == snapshot_digest(snapshot.tables, snapshot.rules)

    public = client_for  # the page needs no sign-in
    from django.test import Client

    before = Client().get(f"/statistics/{LAST_MONTH.slug}/").content.decode()
    assert f"event {head.position}, {head.hash}" in before and "[c]" in before
    before_xlsx = Client().get(f"/statistics/{LAST_MONTH.slug}/download/?format=xlsx").content
    contacts("public", 30)
    contacts("non_recent", 8)
    after = Client().get(f"/statistics/{LAST_MONTH.slug}/").content.decode()
    assert after == before
    assert read_workbook_tables(Client().get(f"/statistics/{LAST_MONTH.slug}/download/?format=xlsx").content) == \
        read_workbook_tables(before_xlsx)
    assert public  # signed-in figures do change: they are counted now
    live = client_for("scrutiny").get(f"/figures/?period={LAST_MONTH.slug}").content.decode()
    assert ">53</td>" in live


def test_a_period_is_published_once_and_only_when_it_is_over(users):
    from django.core.exceptions import PermissionDenied, ValidationError

    publish_snapshot(users["manager"], LAST_MONTH)
    with pytest.raises(ValidationError):
        publish_snapshot(users["manager"], LAST_MONTH)
    with pytest.raises(ValidationError):
        publish_snapshot(users["manager"], Period.containing("month", clock.today()))
    with pytest.raises(PermissionDenied):
        publish_snapshot(users["scrutiny"], LAST_MONTH.previous())


def test_the_public_list_and_an_unpublished_period(client):
    assert "Nothing has been published yet" in client.get("/statistics/").content.decode()
    assert client.get("/statistics/2026/").status_code == 404
    assert client.get("/statistics/not-a-period/").status_code == 404


def attack_everything(tables):
    problems = []
    for table in tables:
        problems += attack(table)
    return problems


def test_every_published_table_and_download_withstands_the_attack(users, agencies, client):
    """Every table of a published period, as the page, the CSV, the spreadsheet and the PDF give it."""
    from safehub.cases.models import Case, Child

    contacts("public", 23)
    contacts("non_recent", 2)
    contacts("professional", 3, agency=agencies["POLICE"])
    Contact.objects.filter(kind="public").update(decided_at=dt.datetime.combine(LAST_MONTH.start + dt.timedelta(days=25), dt.time(9), tzinfo=clock.LONDON),
                                                 outcome="nfa", status="decided")
    for n, sex in enumerate(["female"] * 9 + ["male"] * 2 + [""]):
        kid = Child.objects.create(owning_agency=agencies["COUNCIL"], first_name="Test", created_by=users["worker"],
                                   sex=sex, ethnicity="white_british" if n % 3 else "", approximate_age=12 + n % 5,
                                   created_at=LAST_MONTH.start_at + dt.timedelta(days=n))
        Case.objects.create(child=kid, owning_agency=agencies["COUNCIL"], opened_by=users["worker"],
                            opened_at=LAST_MONTH.start_at + dt.timedelta(days=n, hours=12),
                            referral_received_at=LAST_MONTH.start_at, assessment_due=LAST_MONTH.end)
    snapshot = publish_snapshot(users["manager"], LAST_MONTH)
    assert attack_everything(snapshot.tables) == []
    withheld = sum(cell == "[c]" for table in snapshot.tables for row in table["rows"] for cell in row["cells"])
    assert withheld >= 4

    by_key = {table["key"]: table for table in snapshot.tables}
    base = f"/statistics/{LAST_MONTH.slug}/download/"
    for key, table in by_key.items():
        rows = list(csv.reader(io.StringIO(client.get(f"{base}?format=csv&table={key}").content.decode())))
        assert rows[0] == [table["rows_are"], *table["columns"]]
        from_csv = {**table, "rows": [{"label": row[0], "cells": row[1:]} for row in rows[1:]]}
        assert attack(from_csv) == []
    sheets = read_workbook_tables(client.get(f"{base}?format=xlsx").content)
    assert [name for name, _, _ in sheets] == [key[:31] for key in by_key]
    for name, header, rows in sheets:
        table = by_key[name]
        assert header == [table["rows_are"] or "Row", *table["columns"]]
        from_sheet = {**table, "rows": [{"label": row[0], "cells": row[1:]} for row in rows]}
        assert from_sheet["rows"] == [{"label": r["label"], "cells": r["cells"]} for r in table["rows"]]
        assert attack(from_sheet) == []
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(client.get(f"{base}?format=pdf").content)).pages)
    assert "Contacts received, by month and kind" in text and "[c]" in text and "<5" not in text
    assert f"event {snapshot.audit_position}" in " ".join(text.split())  # justified lines extract with wider gaps


def test_staff_downloads_are_audited_and_open(client_for):
    contacts("public", 8)
    client = client_for("scrutiny")
    response = client.get(f"/figures/export/?period={LAST_MONTH.slug}&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = dict((name, rows) for name, _, rows in read_workbook_tables(response.content))
    assert [LAST_MONTH.label, "8", "0", "0", "8"] in sheets["contacts"]
    pdf = client.get(f"/figures/export/?period={LAST_MONTH.slug}&format=pdf")
    assert PdfReader(io.BytesIO(pdf.content)).pages
    rows = list(csv.reader(io.StringIO(client.get(f"/figures/export/?period={LAST_MONTH.slug}&format=csv&table=contacts")
                                       .content.decode())))
    assert rows[1] == [LAST_MONTH.label, "8", "0", "0", "8"]
    assert AuditEvent.objects.filter(action="figures_exported").count() == 3
    assert client.get("/figures/export/?format=csv&table=nothing").status_code == 404


def test_the_figures_page_runs_without_inline_script(client_for):
    page = client_for("scrutiny").get("/figures/").content.decode()
    assert "<script>" not in page and 'src="/static/vendor/chart.umd.min.js"' in page
    assert 'data-chart="line"' in page and 'role="img"' in page


def test_a_manager_exports_a_case_bundle_with_a_reason(client_for, users, agencies):
    from safehub.cases import actions

    manager = users["manager"]
    child = actions.create_child(users["worker"], first_name="Ava", last_name="Pike", date_of_birth=dt.date(2012, 2, 2))
    case = actions.open_case(users["worker"], child)
    actions.add_case_note(users["worker"], case, kind="visit", happened_at=clock.local(case.opened_at),
                          text="Visited at home; talked about the older friends.")
    client = client_for("manager")
    url = f"/children/{child.reference}/bundle/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Say why the bundle is needed" in refused.content.decode()
    response = client.post(url, {"reason": "Independent inquiry request IQ-2026-14"})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    event = AuditEvent.objects.get(action="case_bundle_exported")
    assert event.reason == "Independent inquiry request IQ-2026-14" and event.object_id == str(child.pk)
    assert manager.get_full_name() in text and "IQ-2026-14" in text and f"audit event {event.position}" in text
    assert case.reference in text and "Visited at home" in text and "Ava Pike" in text
    assert client_for("worker").get(url).status_code == 403
    assert client_for("scrutiny").post(url, {"reason": "Looking around for a while"}).status_code == 403


def test_a_case_bundle_writes_polish_and_romanian_names_as_they_are_spelt(client_for, users):
    from safehub.cases import actions

    child = actions.create_child(users["worker"], first_name="Łucja", last_name="Ștefănescu-Wiśniewska")
    actions.open_case(users["worker"], child)
    response = client_for("manager").post(f"/children/{child.reference}/bundle/", {"reason": "Court order 2026/77"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Łucja Ștefănescu-Wiśniewska" in text, "DejaVu Sans (fonts-dejavu-core, which Chromium brings) embedded"


def test_the_childs_page_offers_the_bundle_to_its_manager_only(client_for, users):
    from safehub.cases import actions

    child = actions.create_child(users["worker"], first_name="Ava", last_name="Pike")
    assert "Export a case bundle" in client_for("manager").get(f"/children/{child.reference}/").content.decode()
    assert "Export a case bundle" not in client_for("worker").get(f"/children/{child.reference}/").content.decode()
