"""Staff sign-in security as the person signing in sees it: wrong codes and repeated wrong passwords."""

import time

import pytest
from playwright.sync_api import expect

from safehub.accounts.totp import current_code
from safehub.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOCKED_OUT = "Too many failed sign-in attempts"


def a_wrong_code(user):
    """A 6-digit code that no step django-otp would accept now (it allows one step either side)."""
    now = time.time()
    valid = {current_code(user, at=now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "123456", "999999", "314159", "271828", "161803") if code not in valid)


def enter_password(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


def expect_error_summary(page, message):
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name=message)).to_be_visible()


def test_wrong_security_code_is_refused(page, demo_users):
    user = demo_users["screener"]
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Safehub")
    enter_password(page, "screener", DEMO_PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    page.get_by_label("Security code").fill(a_wrong_code(user))
    page.get_by_role("button", name="Sign in").click()

    expect_error_summary(page, "The security code is not right or has expired")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    # Not signed in: the staff menu is not shown and staff pages still ask for a sign-in.
    expect(page.get_by_role("link", name="Staff sign in")).to_be_visible()
    page.goto("/screening/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Safehub")


def test_five_wrong_passwords_lock_the_account(page, demo_users):
    page.goto("/accounts/login/")
    for attempt in range(1, 5):
        enter_password(page, "screener", f"wrong-password-{attempt}")
        expect_error_summary(page, "The username or password is not right")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Safehub")

    enter_password(page, "screener", "wrong-password-5")
    expect(page.get_by_role("heading", level=1)).to_have_text(LOCKED_OUT)
    expect(page.get_by_role("main")).to_contain_text("contact your Safehub administrator")

    # Locked means locked: even the right password now gets the same page, not the security code step.
    page.goto("/accounts/login/")
    enter_password(page, "screener", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(LOCKED_OUT)
