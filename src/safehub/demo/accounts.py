"""The demo partnership: agencies and one account per role, all synthetic."""

import hashlib

from safehub.accounts.actions import create_user
from safehub.accounts.models import Agency, Role, User

DEMO_PASSWORD = "demo-safehub-2026"

AGENCIES = [
    ("COUNCIL", "Wrekinshire Council Children's Services", Agency.Kind.COUNCIL),
    ("POLICE", "Wrekinshire Police", Agency.Kind.POLICE),
    ("HEALTH", "Wrekinshire NHS Trust", Agency.Kind.HEALTH),
    ("SCHOOLS", "Wrekinshire Schools Partnership", Agency.Kind.EDUCATION),
    ("YOUTH", "Brightpath Youth Charity", Agency.Kind.VOLUNTARY),
]

# username, first, last, role, agency code, job title
DEMO_USERS = [
    ("referrer", "Priya", "Demo-Referrer", Role.REFERRER, "SCHOOLS", "Designated safeguarding lead"),
    ("screener", "Sam", "Demo-Screener", Role.SCREENER, "COUNCIL", "MASH screener"),
    ("worker", "Wen", "Demo-Worker", Role.WORKER, "COUNCIL", "Exploitation worker"),
    ("manager", "Morgan", "Demo-Manager", Role.MANAGER, "COUNCIL", "Team manager"),
    ("analyst", "Ade", "Demo-Analyst", Role.ANALYST, "POLICE", "Intelligence analyst"),
    ("investigator", "Ivo", "Demo-Investigator", Role.INVESTIGATOR, "POLICE", "Detective constable, exploitation team"),
    ("scrutiny", "Sol", "Demo-Scrutiny", Role.SCRUTINY, "COUNCIL", "Independent scrutiny"),
    ("admin", "Alex", "Demo-Admin", Role.ADMIN, "COUNCIL", "System administrator"),
    ("health-referrer", "Hana", "Demo-Nurse", Role.REFERRER, "HEALTH", "School nurse"),
    ("police-referrer", "Paul", "Demo-Officer", Role.REFERRER, "POLICE", "Neighbourhood officer"),
]


def demo_totp_key(username):
    """A fixed key per demo account so `safehub totp USERNAME` and tests can compute the code."""
    return hashlib.sha256(f"safehub-demo-totp:{username}".encode()).hexdigest()[:40]


def ensure_agencies():
    for code, name, kind in AGENCIES:
        Agency.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})
    return {agency.code: agency for agency in Agency.objects.all()}


def ensure_demo_users():
    agencies = ensure_agencies()
    users = {}
    for username, first, last, role, agency_code, title in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = create_user(username=username, password=DEMO_PASSWORD, role=role, agency=agencies[agency_code],
                                  first_name=first, last_name=last, job_title=title, email=f"{username}@example.invalid",
                                  totp_key=demo_totp_key(username))
        users[username] = user
    if not User.objects.filter(username="school-mis").exists():
        create_user(username="school-mis", password=None, role=Role.REFERRER, agency=agencies["SCHOOLS"],
                    first_name="Schools MIS", last_name="(system)", is_system=True)
    return users
