"""Single sign-on through an agency's OpenID Connect provider (ADR 26), against a real provider: the certified
npm `oidc-provider` running in a second process (tests/oidc/provider.mjs), driven through the authorization
code flow with PKCE as a person's browser would (its own sign-in page, its redirects), Safehub's side through
Django's test client."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from safehub.accounts.models import ExternalIdentity, IdentityProvider
from safehub.accounts.totp import current_code
from safehub.audit.models import AuditEvent
from tests.conftest import sign_in_client
from tests.oidc import (PROVIDER_PK, RunningProvider, council_provider_for, linked, local_path,
                         through_provider_login)

pytestmark = pytest.mark.django_db

@pytest.fixture(scope="module")
def running_provider():
    provider = RunningProvider()
    yield provider
    provider.stop()


@pytest.fixture
def idp(running_provider):
    """The provider as the test left it: everyone back, the clock right."""
    running_provider.control("reset")
    yield running_provider
    running_provider.control("reset")


@pytest.fixture
def council_provider(idp, agencies):
    return council_provider_for(agencies["COUNCIL"], idp.issuer)


def start(client, provider):
    response = client.get(f"/accounts/login/provider/{provider.pk}/")
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def provider_sign_in(client, provider, username):
    """Press "Sign in with ...", sign in at the provider, and land back on Safehub's callback."""
    callback = through_provider_login(start(client, provider), username)
    return client.get(local_path(callback))


def signed_in(client):
    return client.get("/accounts/profile/").status_code == 200


def last_event(action):
    return AuditEvent.objects.filter(action=action).order_by("-position").first()


def test_the_sign_in_page_offers_each_agency_provider_and_the_password_form(council_provider):
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Wrekinshire Council" in page
    assert 'name="password"' in page  # break-glass administration and agencies without a provider


def test_a_linked_person_whose_provider_proves_multi_factor_signs_in_without_a_code(council_provider, users):
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    authorize = start(client, council_provider)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == ["safehub"]

    response = client.get(local_path(through_provider_login(authorize, "ada.test")))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/screening/").status_code == 200
    event = last_event("login_succeeded")
    assert event.actor_name == "screener"
    assert "subject ada.test" in event.reason and f"issuer {council_provider.issuer}" in event.reason
    assert "second factor: provider (amr pwd mfa" in event.reason


def test_without_the_multi_factor_claim_safehub_asks_for_its_own_code(council_provider, users, idp):
    idp.control("people", "ada.test", "amr", amr=["pwd"])
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    response = provider_sign_in(client, council_provider, "ada.test")
    assert response["Location"] == "/accounts/login/code/"
    assert not signed_in(client)
    assert client.get("/screening/").status_code == 302

    page = client.get("/accounts/login/code/")
    assert "Enter your security code" in page.content.decode()
    response = client.post("/accounts/login/code/", {"code": current_code(users["screener"])})
    assert response.status_code == 302
    assert client.get("/screening/").status_code == 200
    assert "subject ada.test; second factor: Safehub TOTP" in last_event("login_succeeded").reason


def test_a_provider_not_trusted_for_multi_factor_gets_the_code_asked_even_with_the_claim(council_provider, users):
    IdentityProvider.objects.filter(pk=council_provider.pk).update(trust_provider_mfa=False)
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    assert provider_sign_in(client, council_provider, "ada.test")["Location"] == "/accounts/login/code/"
    assert not signed_in(client)


def test_an_acr_value_configured_for_the_provider_counts_as_multi_factor(council_provider, users, idp):
    IdentityProvider.objects.filter(pk=council_provider.pk).update(mfa_amr_values="", mfa_acr_values="urn:test:mfa")
    council_provider.refresh_from_db()
    idp.control("people", "ben.test", "amr", amr=["pwd"], acr="urn:test:mfa")
    linked(council_provider, "ben.test", users["worker"])
    client = Client()
    assert provider_sign_in(client, council_provider, "ben.test")["Location"] == "/"
    assert signed_in(client)
    assert "acr urn:test:mfa" in last_event("login_succeeded").reason


def test_a_bad_state_is_refused_and_audited(council_provider, users):
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    callback = through_provider_login(start(client, council_provider), "ada.test")
    query = parse_qs(urlsplit(callback).query)
    query["state"] = ["not-the-state-we-sent"]
    response = client.get(f"/accounts/login/provider/{PROVIDER_PK}/callback/?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "Your sign-in had expired or was not started here" in response.content.decode()
    assert not signed_in(client)
    assert last_event("sso_sign_in_refused").reason.startswith("bad_state")

    # The genuine answer, delivered to another browser (login cross-site request forgery), is refused too.
    stranger = Client()
    assert stranger.get(local_path(callback)).status_code == 400
    assert not signed_in(stranger)


def test_an_id_token_the_provider_issued_to_another_client_is_refused(council_provider, idp):
    """The wrong audience: a real ID token for `other-app` (a relying party of the same provider) is refused by
    the check Safehub's callback applies, which accepts the same token when configured as that client."""
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session

    from safehub.accounts import sso

    other = IdentityProvider(agency=council_provider.agency, issuer=idp.issuer, client_id="other-app",
                             client_secret="other-app-test-secret")
    metadata = sso.client_for(council_provider).load_server_metadata()
    session = OAuth2Session("other-app", "other-app-test-secret", scope="openid profile email",
                            redirect_uri=f"http://testserver/accounts/login/provider/{PROVIDER_PK}/callback/",
                            code_challenge_method="S256")
    verifier, nonce = generate_token(48), generate_token(20)
    authorize, _ = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier,
                                                   nonce=nonce)
    callback = through_provider_login(authorize, "ada.test")
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)

    claims = sso.verified_claims(other, token, nonce)
    assert claims["sub"] == "ada.test"
    with pytest.raises(sso.SignInRefused) as refused:
        sso.verified_claims(council_provider, token, nonce)
    assert refused.value.kind == "wrong_audience"


def test_a_code_issued_to_another_client_is_refused_at_the_provider(council_provider, users):
    """The authorization request's client swapped for another (a different audience): the provider will not
    give Safehub the tokens, and the sign-in is refused and audited."""
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    authorize = start(client, council_provider).replace("client_id=safehub", "client_id=other-app")
    response = client.get(local_path(through_provider_login(authorize, "ada.test")))
    assert response.status_code == 400
    assert not signed_in(client)
    assert last_event("sso_sign_in_refused").reason.startswith("provider_error")


def test_an_expired_id_token_is_refused(council_provider, users, idp):
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    callback = through_provider_login(start(client, council_provider), "ada.test")
    idp.control("clock", offset=-2 * 3600)  # the provider now issues tokens that expired an hour ago
    response = client.get(local_path(callback))
    assert response.status_code == 400
    assert not signed_in(client)
    assert last_event("sso_sign_in_refused").reason.startswith("expired_token")


@pytest.mark.parametrize("refresh_token", [True, False], ids=["refresh token", "userinfo only"])
def test_a_person_removed_at_the_provider_loses_access_at_the_next_request_after_the_interval(
        council_provider, users, idp, settings, refresh_token):
    settings.SAFEHUB_OIDC_RECHECK_SECONDS = 300
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    provider_sign_in(client, council_provider, "ada.test")
    session = client.session
    assert session["sso"]["refresh_token"]  # the test provider issues them, as Entra ID does for offline_access
    if not refresh_token:
        session["sso"] = {**session["sso"], "refresh_token": ""}
        session.save()

    def interval_passes():
        session = client.session
        session["sso"] = {**session["sso"], "checked_at": session["sso"]["checked_at"] - 301}
        session.save()

    interval_passes()  # still at the provider: checked again, and let through
    assert client.get("/screening/").status_code == 200
    assert not AuditEvent.objects.filter(action="sso_recheck_failed").exists()

    idp.control("people", "ada.test", "remove")
    assert client.get("/screening/").status_code == 200  # within the interval nothing is asked
    interval_passes()
    response = client.get("/screening/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?signed_out=provider"
    assert "no longer confirms your account" in client.get(response["Location"]).content.decode()
    assert not signed_in(client)
    event = last_event("sso_recheck_failed")
    assert event.actor_name == "screener" and "provider_refused" in event.reason and "subject ada.test" in event.reason


def test_an_expired_access_token_is_refreshed_at_the_re_check(council_provider, users, idp):
    linked(council_provider, "ada.test", users["screener"])
    client = Client()
    provider_sign_in(client, council_provider, "ada.test")
    idp.control("clock", offset=2 * 3600)  # the access token (an hour) has expired; the refresh token has not
    session = client.session
    old_access = session["sso"]["access_token"]
    session["sso"] = {**session["sso"], "checked_at": 0}
    session.save()
    assert client.get("/screening/").status_code == 200
    assert client.session["sso"]["access_token"] != old_access


def test_an_unknown_subject_waits_for_an_administrator_who_approves_it(council_provider, users):
    client = Client()
    response = provider_sign_in(client, council_provider, "cal.test")
    assert response.status_code == 403
    assert "Your account is waiting for approval" in response.content.decode()
    assert not signed_in(client)
    identity = ExternalIdentity.objects.get(subject="cal.test")
    assert identity.status == "pending" and identity.claimed_role == "manager"
    assert "subject cal.test" in last_event("sso_identity_waiting").reason

    admin = sign_in_client(users["admin"])
    page = admin.get("/manage/sign-ins/").content.decode()
    assert "cal.test" in page and "Team manager" in page
    response = admin.post(f"/manage/sign-ins/{identity.pk}/approve/",
                          {f"approve-{identity.pk}-username": "cal-test", f"approve-{identity.pk}-role": "manager"})
    assert response.status_code == 200 and "Give these to Cal Test in person" in response.content.decode()
    assert last_event("sso_identity_approved").actor_name == "admin"

    response = provider_sign_in(client, council_provider, "cal.test")
    assert response["Location"] == "/"
    assert last_event("login_succeeded").actor_name == "cal-test"


def test_a_refused_subject_cannot_sign_in(council_provider, users):
    client = Client()
    provider_sign_in(client, council_provider, "cal.test")
    identity = ExternalIdentity.objects.get(subject="cal.test")
    admin = sign_in_client(users["admin"])
    assert admin.post(f"/manage/sign-ins/{identity.pk}/refuse/").status_code == 302
    assert last_event("sso_identity_refused").actor_name == "admin"
    response = provider_sign_in(client, council_provider, "cal.test")
    assert response.status_code == 400 and "cannot sign in to Safehub" in response.content.decode()
    assert not signed_in(client)
    assert "account_not_allowed" in last_event("sso_sign_in_refused").reason


def test_the_same_e_mail_with_another_subject_does_not_sign_in_as_that_account(council_provider, users):
    screener = users["screener"]
    screener.email = "ben.test@council.example"  # the e-mail the provider gives for ben.test
    screener.save()
    linked(council_provider, "someone-else", screener)
    client = Client()
    response = provider_sign_in(client, council_provider, "ben.test")
    assert response.status_code == 403
    assert not signed_in(client)
    assert ExternalIdentity.objects.get(subject="ben.test").status == "pending"
    admin_page = sign_in_client(users["admin"]).get("/manage/sign-ins/").content.decode()
    assert "that alone does not make them the same person" in admin_page


def test_an_administrator_links_a_waiting_sign_in_to_an_account(council_provider, users):
    client = Client()
    provider_sign_in(client, council_provider, "ben.test")
    identity = ExternalIdentity.objects.get(subject="ben.test")
    admin = sign_in_client(users["admin"])
    field = f"link-{identity.pk}-username"
    response = admin.post(f"/manage/sign-ins/{identity.pk}/link/", {field: "no-such-person"})
    assert response.status_code == 400 and "There is no account with that username" in response.content.decode()
    assert 'value="no-such-person"' in response.content.decode()
    response = admin.post(f"/manage/sign-ins/{identity.pk}/link/", {field: "analyst"})  # a police account
    assert response.status_code == 400 and "an account of the provider&#x27;s agency" in response.content.decode()
    assert admin.post(f"/manage/sign-ins/{identity.pk}/link/", {field: "worker"}).status_code == 302
    assert "account worker" in last_event("sso_identity_linked").reason

    idp_mfa_missing = provider_sign_in(client, council_provider, "ben.test")  # ben's provider sign-in has no mfa
    assert idp_mfa_missing["Location"] == "/accounts/login/code/"
    client.post("/accounts/login/code/", {"code": current_code(users["worker"])})
    assert client.get("/accounts/profile/").status_code == 200


def test_a_locked_out_account_cannot_sign_in_through_its_provider(council_provider, users, settings):
    from django.contrib.auth.signals import user_login_failed
    from django.test import RequestFactory

    linked(council_provider, "ada.test", users["screener"])
    request = RequestFactory().post("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        user_login_failed.send(sender=__name__, credentials={"username": "screener"}, request=request)
    client = Client()
    response = provider_sign_in(client, council_provider, "ada.test")
    assert response.status_code == 429
    assert not signed_in(client)
    assert "locked_out" in last_event("sso_sign_in_refused").reason


def test_an_unreachable_provider_is_a_clear_refusal(agencies):
    provider = IdentityProvider.objects.create(agency=agencies["HEALTH"], name="Health", client_id="x",
                                               client_secret="y", issuer="http://127.0.0.1:9/")
    response = Client().get(f"/accounts/login/provider/{provider.pk}/")
    assert response.status_code == 400
    assert "did not answer" in response.content.decode()
    assert last_event("sso_sign_in_refused").reason.startswith("provider_unreachable")


def provider_form(agency, **changes):
    return {"agency": agency.pk, "name": "Wrekinshire Police", "issuer": "https://login.example.org/tenant-1/v2.0",
            "client_id": "client-1", "client_secret": "first-secret-9431", "scopes": "openid profile email",
            "role_claim": "roles", "role_map": "Safehub.Analyst = analyst\nSafehub.Investigator = investigator",
            "trust_provider_mfa": "on", "mfa_amr_values": "mfa", "mfa_acr_values": "", "is_active": "on", **changes}


def test_an_administrator_adds_and_changes_a_provider_and_its_secret_is_never_shown_back(users, agencies):
    admin = sign_in_client(users["admin"])
    police = agencies["POLICE"]
    response = admin.post("/manage/sign-in-providers/new/",
                          provider_form(police, issuer="http://login.example.org/tenant-1/v2.0",
                                        role_map="Safehub.Analyst = chief"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "The issuer URL must start with https://" in page
    assert "Line 1: write the claim&#x27;s value, =, and one of" in page
    assert 'value="http://login.example.org/tenant-1/v2.0"' in page  # the input is kept
    assert "first-secret-9431" not in page
    assert not IdentityProvider.objects.exists()

    assert admin.post("/manage/sign-in-providers/new/", provider_form(police)).status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.client_secret == "first-secret-9431"
    assert provider.role_map == {"Safehub.Analyst": "analyst", "Safehub.Investigator": "investigator"}
    added = last_event("sso_provider_added")
    assert added.actor_name == "admin" and "first-secret" not in added.reason

    page = admin.get(f"/manage/sign-in-providers/{provider.pk}/").content.decode()
    assert "first-secret-9431" not in page
    assert f"/accounts/login/provider/{provider.pk}/callback/" in page  # the redirect URI to register
    assert "Safehub.Analyst = analyst" in page

    admin.post(f"/manage/sign-in-providers/{provider.pk}/", provider_form(police, client_secret="", name="Police SSO"))
    provider.refresh_from_db()
    assert provider.name == "Police SSO" and provider.client_secret == "first-secret-9431"
    assert "client_secret" not in last_event("sso_provider_changed").reason

    admin.post(f"/manage/sign-in-providers/{provider.pk}/", provider_form(police, client_secret="second-secret-77"))
    provider.refresh_from_db()
    assert provider.client_secret == "second-secret-77"
    assert "client_secret" in last_event("sso_provider_changed").reason
    assert "second-secret-77" not in last_event("sso_provider_changed").reason
    assert "Sign in with Wrekinshire Police" in Client().get("/accounts/login/").content.decode()


def test_one_provider_per_agency(users, agencies):
    admin = sign_in_client(users["admin"])
    admin.post("/manage/sign-in-providers/new/", provider_form(agencies["POLICE"]))
    response = admin.post("/manage/sign-in-providers/new/",
                          provider_form(agencies["POLICE"], issuer="https://login.example.org/tenant-2/v2.0"))
    assert response.status_code == 400 and "That agency already has a provider" in response.content.decode()
