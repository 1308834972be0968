"""The whole public journey in Welsh and in Arabic, JavaScript on and off (ADR 27): each page in the chosen
language with the right `lang` and `dir`, axe-core finding no serious or critical problem, the reference given,
and no English left on any page (each page's text nodes against the same page in English)."""

import re

import pytest
from playwright.sync_api import expect

from safehub.intake.models import Contact
from tests.browser.test_accessibility import Audit, axe_source  # noqa: F401 (a fixture)
from tests.textnodes import english_left

pytestmark = pytest.mark.browser

DIRECTION = {"en-gb": "ltr", "cy": "ltr", "ar": "rtl"}
# What the reporter types, in the script of the language they chose.
ANSWERS = {
    "en-gb": {"concern": "Men wait for her outside school.", "child": "Leila", "person": "Mohammed Khan"},
    "cy": {"concern": "Mae dynion yn aros amdani y tu allan i'r ysgol.", "child": "Leila", "person": "Mohammed Khan"},
    "ar": {"concern": "رجال ينتظرونها خارج المدرسة.", "child": "ليلى", "person": "محمد خان"},
}
# The only English allowed to stay: words the same in both (checked by hand), and the title of the contacts page,
# an unchecked safety message shown in English (a <title> cannot be marked lang="en" as the page's text is).
UNCHECKED_SAFETY_TITLE = "Who else you can contact - Safehub"
SAME_IN_BOTH = {"cy": {"Person 1", UNCHECKED_SAFETY_TITLE}, "ar": {UNCHECKED_SAFETY_TITLE}}


def submit(page):
    page.locator("main form button.govuk-button").last.click()


class Walk:
    """Each page of the journey: its language and direction checked, axe run (JavaScript on), HTML kept."""

    def __init__(self, page, code, audit=None):
        self.page, self.code, self.audit = page, code, audit
        self.pages = {}

    def visit(self, name):
        self.page.wait_for_load_state("load")
        html = self.page.locator("html")
        expect(html).to_have_attribute("lang", self.code)
        expect(html).to_have_attribute("dir", DIRECTION[self.code])
        self.pages[name] = self.page.content()
        if self.audit is not None:
            self.audit.check(f"{self.code} {name}")


def walk_public_journey(walk):
    page, answers = walk.page, ANSWERS[walk.code]
    page.goto(f"/?lang={walk.code}")
    walk.visit("home")
    page.locator("a.govuk-button--start").click()
    walk.visit("who")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    walk.visit("who, nothing chosen")
    page.locator('input[value="public"]').check()
    submit(page)
    submit(page)
    expect(page.locator(".govuk-error-summary a[href='#id_concern']")).to_be_visible()
    walk.visit("concern, left empty")
    page.locator("#id_concern").fill(answers["concern"])
    submit(page)
    walk.visit("children")
    page.locator("#id_0-name").fill(answers["child"])
    page.locator("#id_0-age").fill("14")
    submit(page)
    walk.visit("people")
    page.locator("#id_0-name").fill(answers["person"])
    submit(page)
    page.locator("#id_0-registration").fill("AB12 C??")
    walk.visit("vehicles")
    submit(page)
    page.locator("#id_0-number").fill("07700 900123")
    walk.visit("phones")
    submit(page)
    walk.visit("online accounts")
    submit(page)
    walk.visit("places")
    submit(page)
    walk.visit("about you")
    page.locator('input[value="no"]').check()
    submit(page)
    expect(page.locator("main")).to_contain_text(answers["person"])
    walk.visit("check your answers")
    submit(page)
    expect(page.locator("#reference")).to_have_text(re.compile(r"^SH-\d{4}-\d{6}$"))
    walk.visit("confirmation")
    reference = page.locator("#reference").inner_text()
    for name, url in [("who else you can contact", "/contact-us/"), ("privacy", "/privacy/"),
                      ("accessibility", "/accessibility/"), ("published figures", "/statistics/"),
                      ("page not found", "/no-such-page/"), ("add to a report", "/report/add/")]:
        page.goto(url)
        walk.visit(name)
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    walk.visit("add to a report, nothing given")
    return reference


@pytest.mark.parametrize("code", ["cy", "ar"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_the_whole_public_journey_in(new_context, demo_users, axe_source, code, javascript):  # noqa: F811
    page = new_context(java_script_enabled=javascript, bypass_csp=True).new_page()
    audit = Audit(page, axe_source) if javascript else None
    reference = walk_public_journey(Walk(page, code, audit))
    if audit is not None:
        assert audit.failures == [], audit.report()
    from safehub.intake.actions import file_waiting_reports

    file_waiting_reports()  # as the worker does within a second (ADR 35)
    contact = Contact.objects.get(reference=reference)
    assert contact.language == code and contact.interpreter_needed
    assert contact.people.get().name == ANSWERS[code]["person"]


@pytest.mark.parametrize("code", ["cy", "ar"])
def test_no_english_is_left_on_any_public_page(new_context, demo_users, code):
    english = Walk(new_context(java_script_enabled=False).new_page(), "en-gb")
    walk_public_journey(english)
    translated = Walk(new_context(java_script_enabled=False).new_page(), code)
    walk_public_journey(translated)
    left = {name: english_left(html, english.pages[name], SAME_IN_BOTH[code])
            for name, html in translated.pages.items()}
    assert {name: words for name, words in left.items() if words} == {}
    assert english_left(english.pages["home"], english.pages["home"])  # the comparison does find English
