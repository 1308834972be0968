"""axe-core on every public page, in their real states (JavaScript on, GOV.UK Frontend initialised).

The site's Content Security Policy allows no inline or injected scripts, so this test's context bypasses
CSP to load axe-core. Only the 'serious' and 'critical' violations fail the test.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source():
    assert AXE_SOURCE.exists(), f"axe-core is missing: {AXE_SOURCE} (run npm ci)"
    return AXE_SOURCE.read_text()


class Audit:
    def __init__(self, page, axe_source):
        self.page = page
        self.axe_source = axe_source
        self.checked = []
        self.failures = []

    def check(self, name):
        """Run axe on the page as it is now, under this name."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source)
        violations = self.page.evaluate(RUN_AXE)
        self.checked.append(name)
        for violation in violations:
            if violation["impact"] in FAILING_IMPACTS:
                self.failures.append((name, self.page.url, violation))

    def report(self):
        lines = []
        for name, url, v in self.failures:
            lines.append(f"{name} {url}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            lines.extend(f"    {n['target']}: {n['html'][:200]}\n      {n['summary']}" for n in v["nodes"][:5])
        return "\n".join(lines)


def continue_(page):
    page.get_by_role("button", name="Continue", exact=True).click()


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_public_pages_have_no_serious_accessibility_problems(new_context, demo_users, axe_source):
    page = new_context(bypass_csp=True).new_page()
    audit = Audit(page, axe_source)

    page.goto("/")
    expect_heading(page, "Report a concern about a child")
    audit.check("home")

    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("group", name="Who is your concern about?")).to_be_visible()
    audit.check("start")
    continue_(page)  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select who your concern is about")
    audit.check("start with an error")
    page.get_by_label("A child or young person").check()
    continue_(page)

    expect_heading(page, "Your concern")
    audit.check("concern")
    continue_(page)  # left empty
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us what worries you")
    audit.check("concern with an error")
    page.get_by_label("What worries you?").fill("Older men pick up a boy from the park at night.")
    continue_(page)

    expect_heading(page, "The child or children")
    audit.check("children")
    page.get_by_label("Age or rough age").fill("40")
    page.get_by_role("button", name="Add another child").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an age of 25 or under")
    audit.check("children with an error")
    page.get_by_label("Age or rough age").fill("13")
    page.get_by_role("button", name="Add another child").click()
    expect(page.get_by_role("group", name="Child 2")).to_be_visible()
    audit.check("children with two items")
    continue_(page)

    for heading, name in [("People involved", "people"), ("Vehicles", "vehicles"), ("Phone numbers", "phones"),
                          ("Online accounts", "handles"), ("Places", "places")]:
        expect_heading(page, heading)
        audit.check(name)
        continue_(page)

    expect_heading(page, "About you")
    audit.check("you")
    page.get_by_label("Yes, I will give my name and contact details").check()
    continue_(page)  # no name, no way to contact
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your name")
    audit.check("you with errors")
    page.get_by_label("No, I want to stay anonymous").check()
    continue_(page)

    expect_heading(page, "Check your answers before sending your report")
    audit.check("check answers")
    page.get_by_role("button", name="Send report").click()

    expect(page.locator(".govuk-panel--confirmation")).to_be_visible()
    audit.check("confirmation")

    page.goto("/contact-us/")
    expect_heading(page, "Who else you can contact")
    audit.check("contact us")

    # The route for adults reporting abuse from their own childhood.
    page.goto("/report/")
    page.get_by_label("Myself, about abuse that happened to me when I was a child").check()
    continue_(page)
    expect(page.get_by_label("What happened to you?")).to_be_visible()
    audit.check("non-recent concern")

    for path, heading, name in [("/accessibility/", None, "accessibility statement"), ("/privacy/", None, "privacy"),
                                ("/accounts/login/", "Sign in to Safehub", "staff sign in"),
                                ("/no-such-page/", None, "page not found")]:
        page.goto(path)
        if heading:
            expect_heading(page, heading)
        audit.check(name)

    page.get_by_role("link", name="Staff sign in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_username-error")).to_contain_text("Enter your username")
    audit.check("staff sign in with errors")

    required = {"home", "start", "concern", "children", "people", "vehicles", "phones", "handles", "places", "you",
                "concern with an error", "check answers", "confirmation", "contact us", "non-recent concern",
                "staff sign in"}
    assert required <= set(audit.checked), required - set(audit.checked)
    assert not audit.failures, "axe found serious or critical problems:\n" + audit.report()
