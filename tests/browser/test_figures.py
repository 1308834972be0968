"""Figures in a real browser: the scrutiny user opens the figures, reads a chart and the table beside it, and
downloads the spreadsheet and the PDF (both opened and checked); a member of the public reads a published
period with JavaScript off; axe-core finds no serious or critical problem on these pages."""

import datetime as dt
import io
import uuid

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from safehub import clock
from safehub.insights.actions import publish_snapshot
from safehub.insights.periods import Period
from safehub.intake.models import Contact
from tests.browser.test_accessibility import Audit, axe_source  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
LAST_MONTH = Period.containing("month", clock.today()).previous()


def contacts(agency, kind, n):
    for i in range(n):
        received = dt.datetime.combine(LAST_MONTH.start + dt.timedelta(days=i % 20), dt.time(10), tzinfo=clock.LONDON)
        Contact.objects.create(kind=kind, owning_agency=agency, received_at=received, concern="Synthetic",
                               submission_key=uuid.uuid4().hex, decision_due_at=clock.screening_decision_due(received))


@pytest.fixture
def month(demo_users, agencies):
    contacts(agencies["COUNCIL"], "public", 20)
    contacts(agencies["COUNCIL"], "non_recent", 2)
    contacts(agencies["POLICE"], "professional", 24)
    return LAST_MONTH


def test_scrutiny_reads_a_chart_and_its_table_and_downloads_the_figures(new_context, sign_in, month, axe_source):  # noqa: F811
    page = sign_in(new_context(accept_downloads=True), "scrutiny")
    page.get_by_role("link", name="Figures", exact=True).click()
    page.get_by_label("Period").select_option(label=month.label)
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Figures: {month.label}")

    table = page.locator("#table-contacts")
    row = table.get_by_role("row", name=month.label)
    expect(row.get_by_role("cell")).to_have_text(["[c]", "[c]", "24", "46"])
    chart = page.locator("#figure-contacts canvas")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-drawn", "3")
    expect(chart).to_have_attribute("role", "img")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart(document.querySelector('#figure-contacts canvas'))
        return {labels: chart.data.labels, series: chart.data.datasets.map(d => [d.label, d.data])}
    }""")
    assert drawn["labels"] == [month.label]
    assert drawn["series"] == [["Public report", [None]], ["Adult reporting non-recent abuse", [None]],
                               ["Professional referral", [24]]]

    with page.expect_download() as download:
        page.get_by_role("link", name="Download every table as a spreadsheet (XLSX)").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book.sheetnames[:3] == ["Cover", "Notes", "contacts"]
    assert book["Cover"]["A1"].value.startswith("Child exploitation partnership figures")
    values = [[cell for cell in row] for row in book["contacts"].iter_rows(min_row=5, values_only=True)]
    assert values[0] == (month.label, "[c]", "[c]", 24, 46) or list(values[0]) == [month.label, "[c]", "[c]", 24, 46]

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    reader = PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Contacts received, by month and kind" in text and "[c]" in text and "<5" not in text

    context = new_context(bypass_csp=True)
    audit_page = sign_in(context, "manager")
    audit = Audit(audit_page, axe_source)
    audit_page.goto(f"/figures/?period={month.slug}")
    expect(audit_page.locator("#figure-contacts canvas")).to_be_visible()
    audit.check("figures with charts")
    audit_page.get_by_role("button", name=f"Publish the figures for {month.label}").click()
    expect(audit_page.get_by_role("heading", level=1)).to_have_text(f"Published figures: {month.label}")
    audit.check("published period with charts")
    audit_page.goto("/statistics/")
    audit.check("published periods")
    assert not audit.failures, audit.report()


def test_the_public_reads_a_published_period_with_javascript_off(new_context, demo_users, month, axe_source):  # noqa: F811
    publish_snapshot(demo_users["manager"], month)
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_role("link", name="Published figures").click()
    page.get_by_role("link", name=month.label).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Published figures: {month.label}")
    expect(page.locator("#stamp")).to_contain_text("Audit chain head: event")
    row = page.locator("#table-contacts").get_by_role("row", name=month.label)
    expect(row.get_by_role("cell")).to_have_text(["[c]", "[c]", "24", "46"])
    expect(page.locator("#figure-contacts canvas")).to_be_hidden()
    expect(page.locator("#marks")).to_contain_text("[c] means a count withheld to protect confidentiality")
    assert "<5" not in page.content()

    audit_page = new_context(bypass_csp=True, java_script_enabled=True).new_page()
    audit = Audit(audit_page, axe_source)
    audit_page.goto(f"/statistics/{month.slug}/")
    audit.check("public statistics")
    assert not audit.failures, audit.report()


def test_the_case_bundle_form_has_no_serious_accessibility_problems(new_context, sign_in, demo_users, axe_source):  # noqa: F811
    from safehub.cases import actions

    child = actions.create_child(demo_users["worker"], first_name="Ava", last_name="Pike")
    page = sign_in(new_context(bypass_csp=True), "manager")
    audit = Audit(page, axe_source)
    page.goto(f"/children/{child.reference}/bundle/")
    audit.check("case bundle")
    page.get_by_role("button", name="Export the bundle (PDF)").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the bundle is needed")
    audit.check("case bundle with an error")
    assert not audit.failures, audit.report()
