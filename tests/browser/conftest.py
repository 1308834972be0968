"""Browser fixtures: one headless Chromium per test session, a fresh context (cookies, storage) per test.

Every browser test uses pytest-django's `live_server`, which makes the test transactional: data created by
the test (the demo accounts) is committed so that the server thread sees it, and the database is flushed
after each test.
"""

import threading

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OneRequestAtATime:
    """WSGI wrapper that lets the live server handle one request at a time, start to finish.

    On SQLite the test database is in memory and the live server's request threads all share the test's one
    connection, which cannot take two transactions at once ("database table is locked"). A deployed Safehub
    has a connection per thread and a file database in WAL mode, so this is a test-harness limit only; on
    PostgreSQL requests stay concurrent.
    """

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()


@pytest.fixture(scope="session", autouse=True)
def _test_database_before_live_server(django_db_setup):
    """Create the test database before the (session-scoped) live server starts.

    pytest sets up session fixtures before function ones, so without this the live server could start
    while settings still name the real database; on SQLite it would then miss that the test database is
    in memory, open its own connections to it, and requests would fail with "database table is locked".
    """


def serialise_requests_on_shared_connection(live_server):
    from django.db import connections

    thread = live_server.thread
    if connections["default"].vendor == "sqlite" and connections["default"].is_in_memory_db():
        assert thread.connections_override, "the live server started before the test database was set up"
    httpd = thread.httpd
    if thread.connections_override and not isinstance(httpd.get_app(), OneRequestAtATime):
        httpd.set_app(OneRequestAtATime(httpd.get_app()))


@pytest.fixture
def new_context(browser, live_server):
    """new_context(**options) opens a browser context on the live server; all are closed after the test."""
    serialise_requests_on_shared_connection(live_server)
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context with JavaScript on."""
    return new_context().new_page()


@pytest.fixture
def demo_users(users, live_server):
    """The demo accounts, committed so the live server can see them (live_server makes the test transactional)."""
    return users


def assert_999_visible(page):
    """Every page tells people in immediate danger to call 999 (the banner at the top)."""
    banner = page.locator(".safehub-danger-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("call 999")
    expect(banner.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")


@pytest.fixture
def check_999():
    return assert_999_visible


@pytest.fixture
def sign_in(demo_users):
    """sign_in(context, "screener") signs in through the real pages: username and password, then the current
    TOTP code from the account's device. Returns the page, now on the user's home page.

    django-otp refuses a code already used in its 30 s step, so sign each account in at most once per test.
    """
    from safehub.accounts.totp import current_code
    from safehub.demo.accounts import DEMO_PASSWORD

    def sign_in(context, username):
        user = demo_users[username]
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
        page.get_by_label("Security code").fill(current_code(user))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("link", name=user.get_full_name())).to_be_visible()
        return page

    return sign_in
