"""Single sign-on in Chromium with the site's Content Security Policy on, against a real OpenID Connect provider
(tests/oidc/provider.mjs): the person presses "Sign in with ...", signs in on the provider's page and comes back."""

import pytest
from playwright.sync_api import expect

from safehub.accounts.totp import current_code
from tests.oidc import PASSWORD, PROVIDER_PK, RunningProvider, council_provider_for, linked

pytestmark = pytest.mark.browser


@pytest.fixture
def council_provider(live_server, demo_users, agencies):
    """The council's provider, registered with the live server's callback address."""
    running = RunningProvider(callbacks=[f"{live_server.url}/accounts/login/provider/{PROVIDER_PK}/callback/"])
    yield council_provider_for(agencies["COUNCIL"], running.issuer)
    running.stop()


def sign_in_at_provider(page, provider, username):
    page.goto("/accounts/login/")
    page.get_by_role("button", name=f"Sign in with {provider.name}").click()
    expect(page.get_by_role("heading", name="Test provider sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_through_their_organisation(new_context, council_provider, demo_users):
    stranger = new_context().new_page()
    sign_in_at_provider(stranger, council_provider, "cal.test")
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Your account is waiting for approval")
    stranger.goto("/screening/")
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Sign in to Safehub")

    linked(council_provider, "ada.test", demo_users["screener"])  # the provider reports multi-factor for ada
    screener = new_context().new_page()
    sign_in_at_provider(screener, council_provider, "ada.test")
    expect(screener.get_by_role("link", name=demo_users["screener"].get_full_name())).to_be_visible()
    screener.goto("/screening/")
    expect(screener.get_by_role("heading", level=1)).not_to_have_text("Sign in to Safehub")

    linked(council_provider, "ben.test", demo_users["worker"])  # ...but not for ben: Safehub asks for its code
    worker = new_context().new_page()
    sign_in_at_provider(worker, council_provider, "ben.test")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    worker.get_by_label("Security code").fill(current_code(demo_users["worker"]))
    worker.get_by_role("button", name="Sign in").click()
    expect(worker.get_by_role("link", name=demo_users["worker"].get_full_name())).to_be_visible()
