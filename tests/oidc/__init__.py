"""A real OpenID Connect provider (npm `oidc-provider`) for the single sign-on tests, and a person's way
through its sign-in pages."""

import socket
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
PROJECT = SCRIPT.parents[2]
PASSWORD = "correct horse"
SAFEHUB = "http://testserver"
PROVIDER_PK = 26  # fixed, so that the redirect URI registered at the provider stays the same
CALLBACK = f"{SAFEHUB}/accounts/login/provider/{PROVIDER_PK}/callback/"


def free_port(first=8500, last=8599):
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8500-8599 for the test OpenID Connect provider")


class RunningProvider:
    """`node tests/oidc/provider.mjs` on a free port, until stopped."""

    def __init__(self, callbacks=(CALLBACK,)):
        port = free_port()
        self.process = subprocess.Popen(["node", str(SCRIPT), str(port), *callbacks], cwd=PROJECT,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"the test OpenID Connect provider did not start: {line!r}")
        self.issuer = line.removeprefix("ready ")

    def control(self, *path, **body):
        response = requests.post(f"{self.issuer}/test/{'/'.join(path)}", json=body, timeout=5)
        response.raise_for_status()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=5)


def through_provider_login(authorize_url, username, password=PASSWORD, safehub=SAFEHUB):
    """What a person's browser does at the provider: open the authorization URL, sign in on its page, and
    follow its redirects until they lead back to Safehub. Returns that URL (with code and state)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=5)
    url = authorize_url
    while True:
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["location"])
            if url.startswith(safehub):
                return url
            response = browser.get(url, allow_redirects=False, timeout=5)
        elif response.status_code == 200 and 'name="password"' in response.text:
            if "Wrong username or password" in response.text:
                raise AssertionError("the provider refused the test person's password")
            uid = urlsplit(url).path.rstrip("/").split("/")[-1]
            url = urljoin(url, f"/interaction/{uid}/login")
            response = browser.post(url, data={"username": username, "password": password},
                                    allow_redirects=False, timeout=5)
        else:
            raise AssertionError(f"unexpected answer from the provider: {response.status_code} {response.text[:300]}")


def local_path(url):
    """The path and query of a Safehub URL, for Django's test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def council_provider_for(agency, issuer):
    """The council's provider as the tests configure it: client `safehub`, roles mapped, its MFA claim trusted."""
    from safehub.accounts.models import IdentityProvider

    return IdentityProvider.objects.create(
        pk=PROVIDER_PK, agency=agency, name="Wrekinshire Council", issuer=issuer, client_id="safehub",
        client_secret="safehub-test-secret", scopes="openid profile email", role_claim="roles",
        role_map={"Safehub.Screener": "screener", "Safehub.Worker": "worker", "Safehub.Manager": "manager"},
        trust_provider_mfa=True)


def linked(provider, subject, user):
    """An identity at the provider already linked to this account (as an administrator would have)."""
    from django.utils import timezone

    from safehub.accounts.actions import provider_second_factor
    from safehub.accounts.models import ExternalIdentity

    identity = ExternalIdentity.objects.create(provider=provider, issuer=provider.issuer, subject=subject, user=user,
                                               status="linked", first_seen_at=timezone.now(),
                                               last_seen_at=timezone.now())
    provider_second_factor(identity)
    return identity
