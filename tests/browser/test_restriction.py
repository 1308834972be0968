"""A manager restricts a report; a colleague outside the list is refused, breaks the glass with a reason and
sees it; the manager sees both in "Who has seen this record"."""

import pytest
from playwright.sync_api import expect

from safehub.accounts.actions import create_user
from safehub.demo.accounts import DEMO_PASSWORD, demo_totp_key
from safehub.intake.actions import submit_contact

pytestmark = pytest.mark.browser


@pytest.fixture
def colleague(demo_users, agencies):
    """A second team manager in the same council team, not on the restriction's list."""
    user, _ = create_user(username="manager2", password=DEMO_PASSWORD, role="manager", agency=agencies["COUNCIL"],
                          first_name="Mo", last_name="Demo-Colleague", totp_key=demo_totp_key("manager2"))
    demo_users["manager2"] = user
    return user


def test_restrict_refuse_break_glass_and_who_has_seen(new_context, sign_in, colleague):
    contact, _ = submit_contact({"kind": "public", "concern": "A report about a well-known family."},
                                submission_key="restrict-1")
    manager = sign_in(new_context(), "manager")
    manager.goto(f"/screening/{contact.reference}/")
    manager.get_by_text("Restrict this record", exact=True).click()
    manager.get_by_label("High-profile person or case").check()
    manager.get_by_label("Details").fill("The family is known to staff in the team.")
    manager.get_by_label("Sam Demo-Screener").check()
    manager.get_by_role("button", name="Restrict").click()
    banner = manager.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Restricted record")
    expect(banner).to_contain_text("Sam Demo-Screener")
    expect(manager.locator("#restriction-review")).to_be_visible()

    other = sign_in(new_context(), "manager2")
    other.goto("/screening/")
    expect(other.get_by_role("main")).not_to_contain_text(contact.reference)
    other.goto(f"/screening/{contact.reference}/")
    expect(other.get_by_role("heading", level=1)).to_have_text("This record is restricted")
    expect(other.get_by_role("main")).not_to_contain_text("well-known family")
    other.get_by_role("button", name="Break the glass and open the record").click()
    expect(other.locator(".govuk-error-summary")).to_contain_text("Give the reason you need to open this restricted record")
    other.get_by_label("Why do you need to open this record now?").fill("Police report the child missing tonight.")
    other.get_by_role("button", name="Break the glass and open the record").click()
    expect(other.get_by_role("heading", level=1)).to_have_text(contact.reference)
    expect(other.get_by_role("main")).to_contain_text("A report about a well-known family.")

    manager.reload()
    manager.get_by_role("link", name="Who has seen this record").click()
    table = manager.locator("#who-has-seen")
    expect(table).to_contain_text("Broke the glass")
    expect(table).to_contain_text("Police report the child missing tonight.")
    expect(table).to_contain_text("Was refused access")
    text = table.inner_text()
    # Newest first: the colleague's look after breaking the glass, above the glass, above the refusal,
    # above the restriction itself.
    assert text.index("Opened the record") < text.index("Broke the glass") < text.index("Was refused access")
    assert text.index("Was refused access") < text.index("Restricted the record")
