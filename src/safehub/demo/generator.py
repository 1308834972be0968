"""Synthetic demo reports with planted exploitation networks and their ground truth.

`load_demo_reports(users, count=300, seed=2026)` files a few hundred public reports, adult non-recent reports
and professional referrals spread over the last five months, through the same action functions the web pages
and API use (`submit_contact`, `set_priority`, `record_decision`). Most are decided; some arrived in the last
day and are not yet due; several are overdue.

Planted among them are four small exploitation networks. Each has persons of concern (with nicknames),
phones, vehicles (some marks given only in part), online handles, places and children, spread over 4-10
reports from at least two routes, each selector recurring in at least two reports but written differently.
Two further reports share only a busy public place (a near-miss that must not be linked). Everything else
is background with unique selectors, except the confounders every real town has (`CONFOUNDERS`): men of
different groups share a nickname ("Bugsy" in two groups that share nothing else, "Bruv" in two others); a
taxi firm's phone is named in many background reports and a few network ones (sometimes noted as the taxi
firm's, sometimes not); a takeaway's phone and address in many background reports; and common nicknames
("Jay", "Kev", "Mo") are given alone for men in background reports. None of these is evidence that two
reports are about one group. What was planted is stored in `GroundTruth` and in
VAR_DIR/demo/ground_truth.json.

Everything is synthetic and deterministic for a seed (only the absolute dates move with today's date):

- names come from Faker pools for many communities (en_GB plus Irish, Indian, Pakistani, Nigerian, Polish,
  Romanian, Slovak, Czech, Hungarian, Portuguese, Italian, Turkish), sampled once into lists
  and combined, so nobody is cast by community;
- phone numbers are Ofcom's drama numbers only (mobiles 07700 900000-900999, then the reserved landline
  drama ranges), never numbers that could belong to someone;
- registration marks use age identifiers not issued until 2027 or later, so they match no real vehicle;
- postcodes use the made-up area "WK" (Wrekinshire), which does not exist;
- e-mail addresses use the reserved example.com/.org/.net domains.
"""

import datetime as dt
import json
import random
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker

from safehub import clock
from safehub.accounts.models import User
from safehub.demo.models import GroundTruth
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact
from safehub.screening.actions import record_decision, set_priority

DAYS_BACK = 150
MIN_COUNT = 50

# Faker locales and how often a name is drawn from each (a mixed English town).
LOCALES = [
    ("en_GB", 44), ("en_IE", 5), ("en_IN", 6), ("en_PK", 8), ("en_NG", 4), ("yo_NG", 2), ("pl_PL", 10),
    ("ro_RO", 6), ("sk_SK", 3), ("cs_CZ", 2), ("hu_HU", 2), ("pt_PT", 3), ("it_IT", 2),
    ("tr_TR", 2),
]

TOWNS = ["Wellbridge", "Kettlemoor", "Brackenford", "Stonehay", "Ashlow", "Cinderley"]
STREET_WORDS = [
    "Alder", "Beacon", "Canal", "Dyers", "Elm", "Forge", "Granary", "Hollins", "Ironbridge", "Juniper", "Kiln",
    "Larch", "Maltings", "Netherton", "Orchard", "Pinfold", "Quarry", "Rookery", "Sandpit", "Tannery", "Upton",
    "Viaduct", "Weaver", "Yew", "Bramble", "Chapel", "Foundry", "Hawthorn", "Mill", "Rowan", "Station",
    "Willow", "Coppice", "Lime", "Meadow", "Sycamore",
]
STREET_TYPES = ["Street", "Road", "Lane", "Close", "Way", "Avenue", "Drive", "Court", "Grove", "Walk"]
SCHOOLS = [
    "Wellbridge Academy", "Kettlemoor High School", "St Aidan's Catholic High School", "Brackenford Community College",
    "Stonehay Academy", "Ashlow Park School", "Cinderley Church of England Academy", "Wrekinshire Learning Centre",
]
APPS = ["Snapchat", "Instagram", "TikTok", "WhatsApp", "Telegram"]
CARS = [
    ("silver", "BMW 3 Series"), ("black", "Audi A3"), ("white", "Mercedes C-Class"), ("grey", "Ford Focus"),
    ("blue", "Vauxhall Corsa"), ("red", "Seat Leon"), ("black", "Range Rover Evoque"), ("white", "Toyota Prius"),
    ("silver", "Volkswagen Golf"), ("dark blue", "Skoda Octavia"), ("grey", "Nissan Qashqai"),
    ("black", "Kia Sportage"), ("white", "Ford Transit van"), ("green", "Peugeot 208"),
]
HAIR = ["short dark hair", "a shaved head", "curly black hair", "short fair hair", "a beard", "dyed blond hair",
        "a ponytail", "ginger hair", "a neat beard", "long dark hair tied back"]
CLOTHES = ["a grey tracksuit", "a black puffer jacket", "a designer cap", "work boots and a hi-vis jacket",
           "a North Face jacket", "gold chains", "a white hoodie", "a long camel coat", "football shirts"]
BUILDS = ["slim", "stocky", "tall", "short", "heavily built", "medium build"]

# Letters used in made-up registration marks; I, Q and Z are not used in UK area codes.
AREA_FIRST = "ABCDEFGHKLMNOPRSVWY"
AREA_SECOND = "ABCDEFGHJKLMNOPRSTUVWXY"
RANDOM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
# Age identifiers for March 2027-2049 and September 2027-2049: not issued yet, so no real car has them.
FUTURE_AGE_IDENTIFIERS = [f"{n:02d}" for n in [*range(27, 50), *range(77, 100)]]
# Ofcom's reserved drama landline ranges (each followed by 0000-0999), after the drama mobiles run out.
DRAMA_LANDLINES = [("0121", "496"), ("0161", "496"), ("0113", "496"), ("0117", "496"), ("0191", "498"),
                   ("020", "7946"), ("0115", "496"), ("0116", "496")]

# What a network is like. Children and names are drawn per seed; the shape is fixed so the tests can rely on it.
NETWORK_TEMPLATES = [
    {
        "title": "Takeaway, lifts and a flat",
        "theme": "takeaway",
        "summary": "Girls given free food, vapes and lifts from a takeaway, then taken to parties at a flat.",
        "persons": [
            {"nicknames": ["Taz"], "phones": 2, "car": True, "apps": ["Snapchat"], "age": "about 30"},
            {"nicknames": ["Little J", "LJ"], "phones": 1, "car": False, "apps": ["Instagram"], "age": "early 20s"},
            {"nicknames": ["Bugsy"], "phones": 1, "car": True, "apps": [], "age": "late 30s"},
        ],
        "children": 4,
        "places": ["takeaway", "flat", "car_park"],
        "routes": ["public", "referrer", "health-referrer", "police-referrer", "public", "referrer",
                   "police-referrer", "public_named"],
        "hub": True,  # one person of concern (Taz) with several children
    },
    {
        "title": "Park pick-ups in cars",
        "theme": "park",
        "summary": "Young people picked up from a park in cars by several men and driven to other towns overnight.",
        "persons": [
            {"nicknames": ["Bossman"], "phones": 1, "car": True, "apps": [], "age": "about 35"},
            {"nicknames": ["Skinny D", "Skinny"], "phones": 1, "car": True, "apps": ["WhatsApp"], "age": "mid 20s"},
            {"nicknames": ["Bruv"], "phones": 1, "car": False, "apps": ["Snapchat"], "age": "about 19"},
            {"nicknames": ["Uncle Ray"], "phones": 1, "car": True, "apps": [], "age": "in his 50s"},
        ],
        "children": 3,
        "places": ["park", "flat", "takeaway"],
        "routes": ["public", "police-referrer", "referrer", "health-referrer", "public", "police-referrer",
                   "public_named"],
        "group": True,  # two or more persons of concern with one child in the same report
    },
    {
        "title": "Online grooming and meet-ups",
        "theme": "online",
        "summary": "Children contacted on social media, asked for images and given gifts, then met at a flat.",
        "persons": [
            {"nicknames": ["Bruv"], "phones": 1, "car": False, "apps": ["Snapchat", "Instagram"], "age": "early 20s"},
            {"nicknames": ["Mack", "Big Mack"], "phones": 1, "car": True, "apps": ["TikTok"], "age": "about 28"},
        ],
        "children": 5,
        "places": ["flat", "park", "takeaway"],
        "routes": ["referrer", "referrer", "public", "health-referrer", "police-referrer"],
        "group": True,
    },
    {
        "title": "Parties at a short-let flat and hotel",
        "theme": "hotel",
        "summary": "Girls taken to parties with alcohol at a short-let flat and a roadside hotel.",
        "persons": [
            {"nicknames": ["Smudge"], "phones": 1, "car": True, "apps": ["Telegram"], "age": "about 40"},
            {"nicknames": ["Bugsy"], "phones": 1, "car": False, "apps": [], "age": "in his 40s"},
            {"nicknames": ["Red", "Reddy"], "phones": 1, "car": False, "apps": ["Instagram"], "age": "about 22"},
        ],
        "children": 2,
        "places": ["hotel", "flat", "park"],
        "routes": ["health-referrer", "public", "police-referrer", "referrer"],
        "hub": True,
    },
]
NETWORK_REPORTS = [8, 7, 5, 4]

# Confounders: values shared widely that are not evidence of a group (see `_add_confounders`). The taxi firm's
# and the takeaway's numbers are Ofcom drama numbers from ranges the background pool never hands out.
TAXI_FIRM = {"name": "Castle Cabs", "phone": "01144960555"}
BUSY_TAKEAWAY = {"name": "Pizza Palace", "address": "Pizza Palace, 3 Bridge Street, Wellbridge", "postcode": "WK1 3PP",
                 "phone": "01184960777"}
NICKNAMES_ALONE = ["Jay", "Kev", "Mo"]
TAXI_SHARE, TAKEAWAY_SHARE, NICKNAME_ALONE_SHARE = 0.10, 0.08, 0.10  # of background reports (at least 3 each)
TAXI_NETWORK_REPORTS = {"network-1": 2, "network-2": 1}

NEAR_MISS_PLACE = {
    "name": "Wellbridge bus station",
    "address": "Wellbridge bus station, Bus Station Way, Wellbridge",
    "postcode": "WK1 1BS",
}

REFERRER_ROLES = {
    "referrer": ["Designated safeguarding lead", "Head of year 9", "Deputy designated safeguarding lead",
                 "Pastoral lead"],
    "health-referrer": ["School nurse", "Sexual health nurse", "Emergency department nurse", "Health visitor"],
    "police-referrer": ["Neighbourhood officer", "PCSO", "Missing person coordinator", "Response officer"],
}

OUTCOME_REASONS = {
    "nfa": [
        "Checks with school and health show no exploitation concern; parents already working with the school.",
        "No indicators of exploitation found after checks with school and police; information logged.",
        "Child already known and supported by the exploitation team; this adds nothing new to the plan.",
        "Concern explained after checks: the adult is a family member and the child is safe.",
    ],
    "advice": [
        "Advice given to the referrer on online safety and reporting; school to keep monitoring.",
        "Parents given advice and signposted to the family support line; no multi-agency response needed.",
        "Signposted to Early Help; no indicators of exploitation at this stage.",
        "Referrer advised to contact again if the child goes missing or new adults are seen.",
    ],
    "refer_on": [
        "Referred to Early Help for a family support worker.",
        "Referred to the youth service for targeted one-to-one work.",
        "Referred to CAMHS and the school nurse for emotional wellbeing support.",
        "Passed to police as intelligence and referred to the sexual health outreach service.",
    ],
    "open_case": [
        "Several moderate indicators of exploitation: exploitation case opened and risk screening to follow.",
        "Older adults giving gifts and lifts: case opened for an exploitation worker to assess.",
        "Missing episodes and unexplained gifts: exploitation case opened, school and health informed.",
        "Concerning online contact with an adult: case opened and police intelligence submitted.",
    ],
    "strategy": [
        "Reasonable cause to suspect significant harm: strategy discussion with police and health today.",
        "Child seen getting into cars with unknown adults and going missing overnight: strategy discussion.",
        "Disclosure of sexual activity with an adult: strategy discussion convened, section 47 likely.",
    ],
    "police_now": [
        "Child believed to be with the adults now: immediate police response requested.",
        "Child missing overnight with a known adult: police informed for immediate action.",
    ],
}
NON_RECENT_REASONS = {
    "refer_on": [
        "Referred to police for investigation and to the independent sexual violence adviser service.",
        "Adult survivor referred to the specialist CSE survivors' charity and to police with consent.",
    ],
    "advice": [
        "Survivor given details of the NSPCC adult helpline and counselling services; does not want police involvement.",
    ],
}
PRIORITY_FOR = {
    "nfa": ["blue", "blue", "green"], "advice": ["blue", "green"], "refer_on": ["green", "green", "amber"],
    "open_case": ["amber", "amber", "green"], "strategy": ["red", "amber"], "police_now": ["red"],
}
BACKGROUND_OUTCOMES = [("nfa", 26), ("advice", 24), ("refer_on", 20), ("open_case", 15), ("strategy", 10),
                       ("police_now", 5)]
NETWORK_OUTCOMES = [("nfa", 8), ("advice", 10), ("refer_on", 12), ("open_case", 35), ("strategy", 25),
                    ("police_now", 10)]

BACKGROUND_ROUTES = [("public", 30), ("public_named", 14), ("non_recent", 7), ("referrer", 21),
                     ("health-referrer", 14), ("police-referrer", 14)]


class DemoDataMismatch(CommandError):
    """The database already holds demo data that was generated differently."""


def _ascii(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _fold(text):
    return _ascii(text).casefold().strip()


def _weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


# ---------------------------------------------------------------------------------------------------------------
# Pools of synthetic values, each handing out values that are never given twice


# Faker 40's en_PK list of female first names holds male names; these common given names stand in for it.
EN_PK_FEMALE_FIRST = ["Ayesha", "Fatima", "Zainab", "Maryam", "Hina", "Sana", "Amina", "Iqra", "Mehwish", "Noor",
                      "Rabia", "Sadia", "Saima", "Zara", "Bushra", "Nadia", "Aleena", "Hafsa", "Anum", "Mahnoor"]


# Never given to people in planted networks: very common names are the likeliest to belong to someone real.
COMMON_SURNAMES = {"smith", "jones", "williams", "brown", "taylor", "davies", "evans", "wilson", "thomas", "johnson",
                   "roberts", "robinson", "thompson", "wright", "walker", "white", "edwards", "hughes", "green", "hall",
                   "lewis", "harris", "clarke", "patel", "jackson", "khan", "ali", "hussain", "ahmed", "singh",
                   "kaur", "shah", "begum", "nowak", "kowalski"}


@lru_cache(maxsize=4)
def _faker_pools(seed):
    """Per locale, {sex: (first names, surnames)}: Faker called a fixed number of times, once per seed."""
    pools = []
    for offset, (locale, _) in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 100 + offset)
        pool = {}
        for sex in ("male", "female"):
            firsts = [getattr(fake, f"first_name_{sex}")() for _ in range(80)]
            if locale == "en_PK" and sex == "female":
                firsts = EN_PK_FEMALE_FIRST
            lasts = [getattr(fake, f"last_name_{sex}")() for _ in range(80)]
            pool[sex] = (tuple(dict.fromkeys(firsts)), tuple(dict.fromkeys(lasts)))
        pools.append(pool)
    return tuple(pools)


class Names:
    """Synthetic names: Faker pools (per locale and sex) sampled once, then combined; full names are unique.

    People in planted networks also get a surname nobody else has, so that no two of them look related.
    """

    def __init__(self, seed, rng):
        self.rng = rng
        self.weights = [weight for _, weight in LOCALES]
        self.pools = _faker_pools(seed)
        self.used = set()
        self.surnames_seen = set()
        self.surnames_reserved = set()

    def person(self, sex=None, reserve_surname=False):
        """(first, last), a full name not given before."""
        for _ in range(10_000):
            pool = self.rng.choices(self.pools, weights=self.weights)[0]
            firsts, lasts = pool[sex or self.rng.choice(["male", "female"])]
            first, last = self.rng.choice(firsts), self.rng.choice(lasts)
            key, surname = _fold(f"{first} {last}"), _fold(last)
            if key in self.used or first == last or surname in self.surnames_reserved:
                continue
            if reserve_surname:
                if surname in self.surnames_seen or surname in COMMON_SURNAMES:
                    continue
                self.surnames_reserved.add(surname)
            self.surnames_seen.add(surname)
            self.used.add(key)
            return first, last
        raise RuntimeError("Ran out of synthetic names")


class Phones:
    """Ofcom drama numbers. Network phones take a 10-block each (so a part number with its last digit
    missing matches one phone only); background numbers come from elsewhere in the range."""

    def __init__(self, rng):
        self.rng = rng
        self.blocks = list(range(10, 50))  # 07700 9001?? .. 07700 9004??: network blocks
        rng.shuffle(self.blocks)
        mobiles = [f"07700900{n:03d}" for n in range(500, 1000)]
        landlines = [f"{area}{exchange}{n:04d}" for area, exchange in DRAMA_LANDLINES for n in range(1000)]
        rng.shuffle(mobiles)
        rng.shuffle(landlines)
        self.background = mobiles + landlines

    def network(self):
        block = self.blocks.pop()
        return f"07700900{block:02d}{self.rng.randrange(10)}"

    def unique(self):
        return self.background.pop() if self.background else None


def _e164(national):
    return "+44" + national[1:]


def phone_variants(national):
    """The ways people write the same UK mobile."""
    rest = national[1:]  # 7700900123
    return [
        f"{national[:5]} {national[5:]}",  # 07700 900123
        f"+44 {rest[:4]} {rest[4:]}",  # +44 7700 900123
        f"44{rest}",  # 447700900123
        national,  # 07700900123
        f"+44{rest}",  # +447700900123
        f"{national[:5]} {national[5:8]} {national[8:]}",  # 07700 900 123
    ]


def format_background_phone(national, rng):
    if national.startswith("07"):
        return rng.choice(phone_variants(national))
    if national.startswith("020"):
        return f"020 {national[3:7]} {national[7:]}"
    return f"{national[:4]} {national[4:7]} {national[7:]}"


class Registrations:
    """Made-up marks in the current format with unissued age identifiers. Each mark has its own first four
    characters, so a part mark like AB38 C?? can only ever match the one vehicle it was taken from."""

    def __init__(self, rng):
        self.rng = rng
        self.prefixes = set()

    def unique(self):
        while True:
            prefix = self.rng.choice(AREA_FIRST) + self.rng.choice(AREA_SECOND) + self.rng.choice(FUTURE_AGE_IDENTIFIERS)
            if prefix not in self.prefixes:
                self.prefixes.add(prefix)
                return prefix + "".join(self.rng.choice(RANDOM_LETTERS) for _ in range(3))


def registration_variants(mark):
    spaced = f"{mark[:4]} {mark[4:]}"
    return [spaced, mark.lower(), mark, spaced.lower()]


def partial_registration(mark, rng):
    return rng.choice([f"{mark[:4]} {mark[4]}??", f"{mark[:5]}??", f"{mark[:4]} ???"])


class Handles:
    WORDS = ["sunny", "blaze", "moon", "storm", "pixel", "shadow", "nova", "frost", "echo", "ruby", "jet", "cobalt",
             "vibe", "lunar", "drift", "ember", "onyx", "river", "sky", "zest", "maple", "orbit", "glitch", "hazel"]

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def _take(self, handle):
        if handle in self.used:
            return None
        self.used.add(handle)
        return handle

    def network(self, nickname):
        base = "".join(ch for ch in _fold(nickname) if ch.isalnum())
        while True:
            suffix = self.rng.choice(["_4life", ".official", "_xo", "07", "_wk", ".real", "_ldn", "x", "_vip"])
            number = str(self.rng.randrange(10, 99)) if self.rng.random() < 0.5 else ""
            handle = self._take(f"{base}{suffix}{number}")
            if handle:
                return handle

    def unique(self):
        while True:
            handle = self._take(f"{self.rng.choice(self.WORDS)}{self.rng.choice(['', '_', '.'])}"
                                f"{self.rng.choice(self.WORDS)}{self.rng.randrange(1, 999)}")
            if handle:
                return handle


def handle_variants(handle):
    camel = "_".join(part.capitalize() for part in handle.split("_"))
    return [f"@{handle}", handle, camel, f"@{handle.upper()}", f"@{camel}"]


class Nicknames:
    FIRST = ["Big", "Young", "Lil", "Mad", "Old", "Slim", "Baby", "Tall"]

    def __init__(self, rng, taken):
        self.rng = rng
        self.used = {_fold(n) for n in taken}

    def unique(self, first_name):
        options = [f"{self.rng.choice(self.FIRST)} {_ascii(first_name)[:1].upper()}{self.rng.randrange(1, 99)}",
                   _ascii(first_name)[:3].capitalize() + self.rng.choice(["zza", "zzy", "sy", "o", "dog"])]
        for nickname in options:
            if _fold(nickname) not in self.used and len(nickname) > 2:
                self.used.add(_fold(nickname))
                return nickname
        return ""


class Places:
    """Unique background addresses: a number on a street in a town, with a made-up WK postcode."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def postcode(self, district=None):
        district = district or self.rng.randrange(1, 10)
        letters = "ABDEFGHJLNPQRSTUWXY"
        return f"WK{district} {self.rng.randrange(1, 10)}{self.rng.choice(letters)}{self.rng.choice(letters)}"

    def street_address(self, town):
        """A house number and street in the town that no other place has."""
        while True:
            number = self.rng.randrange(1, 200)
            street = f"{self.rng.choice(STREET_WORDS)} {self.rng.choice(STREET_TYPES)}"
            if (number, street, town) not in self.used:
                self.used.add((number, street, town))
                return f"{number} {street}"

    def unique(self):
        town = self.rng.choice(TOWNS)
        return {"address": f"{self.street_address(town)}, {town}", "postcode": self.postcode(TOWNS.index(town) + 1)}


# ---------------------------------------------------------------------------------------------------------------
# The plan: every report decided in memory first, with no database access, so it is the same for a seed


@dataclass
class Spec:
    route: str  # public, public_named, non_recent, or the username of a referrer
    draft: dict
    network: str = ""
    near_miss: str = ""
    confounders: list = field(default_factory=list)  # "taxi", "takeaway", "nickname:Jay"
    members: dict = field(default_factory=dict)
    channel: str = Contact.Channel.WEB
    state: str = "decided"  # decided, late, pending, overdue
    days_ago: int = 0
    seconds_of_day: int = 0
    hours_ago: float = 0.0
    outcome: str = ""
    reason: str = ""
    priority: str = ""
    decider: str = "screener"
    delay_hours: float = 1.0


def _child_age(rng):
    age = rng.randrange(12, 17)
    return rng.choice([str(age), f"about {age}", f"{age} or {age + 1}", str(age)])


def _describe_person(rng, age):
    return f"Male, {age}, {rng.choice(BUILDS)}, {rng.choice(HAIR)}, often wears {rng.choice(CLOTHES)}"


def _network_places(rng, places_pool, network_index, kinds):
    town = TOWNS[network_index % len(TOWNS)]
    district = network_index % len(TOWNS) + 1
    made = []
    for kind in kinds:
        if kind == "takeaway":
            name = f"{rng.choice(['Golden', 'Royal', 'Express', 'Sunset', 'Star', 'Crown'])} " \
                   f"{rng.choice(['Grill', 'Chicken', 'Pizza', 'Kebab House', 'Fish Bar'])}"
            made.append({"kind": kind, "name": f"{name} takeaway",
                         "address": f"{name}, {places_pool.street_address(town)}, {town}",
                         "postcode": places_pool.postcode(district), "short": f"the {name}"})
        elif kind == "flat":
            block = f"{rng.choice(STREET_WORDS)} {rng.choice(['House', 'Court', 'Heights', 'Point'])}"
            flat = f"Flat {rng.randrange(1, 30)}, {block}"
            made.append({"kind": kind, "name": flat, "address": f"{flat}, {places_pool.street_address(town)}, {town}",
                         "postcode": places_pool.postcode(district), "short": f"the flats at {block}"})
        elif kind == "park":
            park = f"{rng.choice(STREET_WORDS)} {rng.choice(['Park', 'Recreation Ground', 'Fields'])}"
            made.append({"kind": kind, "name": park, "address": f"{park}, {town}", "postcode": "",
                         "short": f"{park}"})
        elif kind == "car_park":
            car_park = f"{rng.choice(STREET_WORDS)} {rng.choice(['retail park car park', 'multi-storey car park'])}"
            made.append({"kind": kind, "name": car_park, "address": f"{car_park}, {town}", "postcode": "",
                         "short": f"the {car_park}"})
        elif kind == "hotel":
            hotel = f"{rng.choice(['Travel Rest', 'Parkway', 'Motorway Lodge', 'Junction'])} Hotel {town}"
            made.append({"kind": kind, "name": hotel, "address": f"{hotel}, {places_pool.street_address(town)}, {town}",
                         "postcode": places_pool.postcode(district), "short": f"the {hotel}"})
    return made


def _build_network(index, template, n_reports, rng, pools):
    key = f"network-{index + 1}"
    names, phones, regs, handles = pools["names"], pools["phones"], pools["regs"], pools["handles"]
    persons = []
    for spec in template["persons"]:
        first, last = names.person(sex="male", reserve_surname=True)
        person = {"name": f"{first} {last}", "first": first, "last": last, "nicknames": spec["nicknames"],
                  "description": _describe_person(rng, spec["age"]), "phones": [], "vehicles": [], "handles": []}
        person["phones"] = [phones.network() for _ in range(spec["phones"])]
        if spec["car"]:
            colour, make = rng.choice(CARS)
            person["vehicles"] = [{"registration": regs.unique(), "make": make, "colour": colour}]
        person["handles"] = [{"username": handles.network(spec["nicknames"][0]), "app": app} for app in spec["apps"]]
        persons.append(person)
    children = []
    for _ in range(template["children"]):
        sex = "female" if rng.random() < 0.75 else "male"
        first, last = names.person(sex=sex, reserve_surname=True)
        children.append({"name": f"{first} {last}", "first": first, "sex": sex, "age": _child_age(rng),
                         "school": rng.choice(SCHOOLS)})
    places = _network_places(rng, pools["places"], index, template["places"])
    reports = _compose(template, n_reports, len(persons), len(children), len(places), persons, rng)
    routes = list(template["routes"])[:n_reports]
    while len(routes) < n_reports:
        routes.append(rng.choice(template["routes"]))
    rng.shuffle(routes)
    return {"key": key, "title": template["title"], "theme": template["theme"], "summary": template["summary"],
            "persons": persons, "children": children, "places": places, "reports": reports, "routes": routes}


def _selectors(person):
    return ([("phone", i) for i in range(len(person["phones"]))]
            + [("vehicle", i) for i in range(len(person["vehicles"]))]
            + [("handle", i) for i in range(len(person["handles"]))])


def _compose(template, n, n_persons, n_children, n_places, persons, rng):
    """Who and what each report of a network mentions. Every person appears in two or more reports and every
    one of their phones, vehicles and handles recurs in two or more reports."""
    reports = [{"persons": [], "children": [], "place": r % n_places, "selectors": []} for r in range(n)]
    offset = rng.randrange(n_persons)
    for r, report in enumerate(reports):
        report["persons"].append((r + offset) % n_persons)
        if rng.random() < 0.4 and n_persons > 1:
            other = rng.choice([p for p in range(n_persons) if p not in report["persons"]])
            report["persons"].append(other)
        report["children"].append(r % n_children)
        if rng.random() < 0.25 and n_children > 1:
            report["children"].append(rng.choice([c for c in range(n_children) if c not in report["children"]]))
    if template.get("hub"):
        # Person 0 is with a different child in each of the first reports.
        for r in range(min(n, n_children, 3)):
            if 0 not in reports[r]["persons"]:
                reports[r]["persons"].insert(0, 0)
            reports[r]["children"] = [r]
    if template.get("group"):
        reports[0]["persons"] = [0, 1]
        reports[0]["children"] = [0]
    for person in range(n_persons):
        while sum(person in r["persons"] for r in reports) < 2:
            rng.choice([r for r in reports if person not in r["persons"]])["persons"].append(person)
    for report in reports:
        for person in report["persons"]:
            options = _selectors(persons[person])
            for kind, i in rng.sample(options, min(len(options), rng.choice([1, 1, 2]))):
                report["selectors"].append((person, kind, i))
    for person in range(n_persons):
        for kind, i in _selectors(persons[person]):
            while sum((person, kind, i) in r["selectors"] for r in reports) < 2:
                holders = [r for r in reports if person in r["persons"] and (person, kind, i) not in r["selectors"]]
                holders[rng.randrange(len(holders))]["selectors"].append((person, kind, i))
    return reports


class Variants:
    """Hands out the ways of writing a value in turn, so that each mention of it looks different."""

    def __init__(self, rng):
        self.rng = rng
        self.next = {}

    def pick(self, key, options):
        i = self.next.get(key)
        if i is None:
            i = self.rng.randrange(len(options))
        self.next[key] = i + 1
        return options[i % len(options)]


def _network_specs(network, rng, variants):
    specs = []
    mentions = {}
    for r, (report, route) in enumerate(zip(network["reports"], network["routes"])):
        knows_names = {"police-referrer": 0.9, "referrer": 0.6, "health-referrer": 0.5}.get(route, 0.25)
        draft = {"children": [], "people": [], "vehicles": [], "phones": [], "handles": [], "places": []}
        place = network["places"][report["place"]]
        for c in report["children"]:
            child = network["children"][c]
            name = child["name"] if route != "public" or rng.random() < 0.4 else child["first"]
            item = {"name": name, "age": child["age"], "where_seen": place["short"]}
            if route in ("referrer", "health-referrer", "police-referrer"):
                item["school"] = child["school"]
            draft["children"].append(item)
        nicknames_used = []
        for p in report["persons"]:
            person = network["persons"][p]
            aliases = person["nicknames"]
            mentions[p] = mentions.get(p, 0) + 1
            # The main nickname in a person's first two reports, then any of their aliases.
            nickname = aliases[0] if mentions[p] <= 2 else variants.pick(("nick", network["key"], p), aliases)
            nickname = rng.choice([nickname, nickname, nickname.lower()]) if route.startswith("public") else nickname
            if len(aliases) > 1 and (mentions[p] == 2 or rng.random() < 0.3):
                nickname = ", ".join(aliases)
            roll = rng.random()
            name = person["name"] if roll < knows_names else (person["first"] if roll < knows_names + 0.2 else "")
            draft["people"].append({"name": name, "nicknames": nickname,
                                    "description": person["description"] if rng.random() < 0.6 else ""})
            nicknames_used.append(aliases[0])
        partial = []
        for p, kind, i in report["selectors"]:
            person = network["persons"][p]
            whose = rng.choice([person["nicknames"][0], f"{person['nicknames'][0]}'s phone", "", person["first"]])
            if kind == "phone":
                number = person["phones"][i]
                draft["phones"].append({"number": variants.pick(("phone", number), phone_variants(number)),
                                        "whose": whose if kind == "phone" else ""})
            elif kind == "vehicle":
                vehicle = person["vehicles"][i]
                mark = vehicle["registration"]
                draft["vehicles"].append({"registration": variants.pick(("reg", mark), registration_variants(mark)),
                                          "make": vehicle["make"] if rng.random() < 0.8 else "",
                                          "colour": vehicle["colour"],
                                          "description": f"Driven by {person['nicknames'][0]}"
                                          if rng.random() < 0.5 else ""})
            else:
                handle = person["handles"][i]
                draft["handles"].append({"username": variants.pick(("handle", handle["username"]),
                                                                   handle_variants(handle["username"])),
                                         "app": handle["app"]})
        # Now and then a part registration mark from someone's car that the report does not name in full.
        for p in report["persons"]:
            person = network["persons"][p]
            if person["vehicles"] and (p, "vehicle", 0) not in report["selectors"] and rng.random() < 0.5:
                vehicle = person["vehicles"][0]
                draft["vehicles"].append({"registration": partial_registration(vehicle["registration"], rng),
                                          "colour": vehicle["colour"], "make": vehicle["make"].split()[0],
                                          "description": "Only part of the number plate seen"})
                partial.append(vehicle["registration"])
        # ... and a phone number half remembered.
        partial_phones = []
        for p in report["persons"]:
            number = network["persons"][p]["phones"][0]
            if (p, "phone", 0) not in report["selectors"] and rng.random() < 0.2:
                draft["phones"].append({"number": f"{number[:5]} {number[5:10]}?",
                                        "whose": network["persons"][p]["nicknames"][0]})
                partial_phones.append(_e164(number))
        draft["places"].append({"address": place["address"] if rng.random() < 0.6 else place["name"],
                                "postcode": place["postcode"] if rng.random() < 0.7 else place["postcode"][:3].strip(),
                                "description": ""})
        mentioned = [network["children"][c] for c in report["children"]]
        draft["concern"] = _network_concern(network["theme"], route, mentioned, nicknames_used, place, rng)
        draft["when_happened"] = rng.choice(["Over the last few weeks", "Last Friday evening", "Since the summer",
                                             "Most weekends recently", "Yesterday after school", "On and off for months"])
        spec = Spec(route=route, draft=draft, network=network["key"],
                    members={"persons": sorted(set(report["persons"])), "children": sorted(set(report["children"])),
                             "place": report["place"], "partial_registrations": partial,
                             "partial_phones": partial_phones})
        specs.append(spec)
    return specs


THEME_SENTENCES = {  # {is}/{has}/{s} agree with one child or several; {they} {were} likewise
    "takeaway": [
        "{children} hang{s} around {place} most evenings and {is} given free food and vapes by the men who work there.",
        "{children} {has} been seen getting into cars outside {place} late at night with much older men.",
        "{children} came back with new phones and said a man called {nick} gave {them} lifts.",
    ],
    "park": [
        "{children} {is} picked up from {place} by men in cars and {does} not come home until the morning.",
        "{children} {has} gone missing overnight and said {they} {were} driven to another town by {nick}.",
        "Groups of older men wait at {place} in cars after school; {children} get{s} in with them.",
    ],
    "online": [
        "{children} {has} been messaged online by someone calling himself {nick} who asked for pictures.",
        "{children} showed a friend messages from an adult, {nick}, promising money and a meet-up.",
        "{children} {has} expensive new clothes and talk{s} about a 'boyfriend' called {nick} met online.",
    ],
    "hotel": [
        "{children} told staff about parties with alcohol at {place} where older men were present.",
        "{children} {were} seen being taken into {place} late at night by {nick}.",
        "{children} come{s} back from weekends at {place} exhausted and will not say who {they} {were} with.",
    ],
}
OPENINGS = {
    "public": ["I'm worried about some kids on my estate.", "I don't know who to tell but something is wrong.",
               "This might be nothing but it's been bothering me.", "I live near here and keep seeing this."],
    "public_named": ["I am a parent at the school and I am worried.", "I run a shop nearby and have noticed this.",
                     "I am a neighbour and want to report what I have seen."],
    "referrer": ["Raised by staff after a disclosure to a friend.", "Pastoral team concern following absence.",
                 "Safeguarding concern logged by a teacher this week."],
    "health-referrer": ["Seen at clinic.", "Attended the emergency department.", "Seen by the school nurse."],
    "police-referrer": ["Intelligence from patrols and a missing person return interview.",
                        "Officers stopped a vehicle with young people inside.",
                        "Return home interview after a missing episode."],
}


def _network_concern(theme, route, children, nicknames, place, rng):
    who = " and ".join(c["first"] for c in children)
    if len(children) > 1:
        words = {"they": "they", "them": "them", "were": "were", "is": "are", "has": "have", "does": "do", "s": ""}
    else:
        she = children[0]["sex"] == "female"
        words = {"they": "she" if she else "he", "them": "her" if she else "him", "were": "was", "is": "is",
                 "has": "has", "does": "does", "s": "s"}
    sentence = rng.choice(THEME_SENTENCES[theme]).format(children=who, place=place["short"], nick=nicknames[0], **words)
    return f"{rng.choice(OPENINGS[route])} {sentence[0].upper()}{sentence[1:]}"


BACKGROUND_CONCERNS = [
    "{child} has been missing from home three times this month and will not say where {she} goes.",
    "{child} is receiving messages late at night from an adult {she} met online and is very secretive about {her} phone.",
    "{child} has an older 'friend' who collects {him} from school in a car; the family are worried.",
    "{child} has been absent from school for two weeks and was seen in town during school hours with older teenagers.",
    "{child} came home drunk and upset after a party and would not say who was there.",
    "{child} has new trainers and cash that the family cannot explain.",
    "{child} told a friend {she} had been sent money by someone on a gaming app.",
    "{child} has been self-harming and mentioned an adult who 'looks after {him}'.",
    "{child} was found in a stairwell late at night, confused and without a coat.",
    "{child} is staying out late and has been seen with adults who are not family.",
    "{child} was stopped by staff leaving school at lunchtime to meet someone in a car.",
    "{child} disclosed that an older teenager shared images of {him} with others.",
]
PRONOUNS = {"female": {"she": "she", "her": "her", "him": "her"}, "male": {"she": "he", "her": "his", "him": "him"}}
NON_RECENT_CONCERNS = [
    "When I was {age} I was groomed by an older man who drove me and my friends around and gave us alcohol. "
    "I have never told anyone official and I want it on record.",
    "Between {age} and 16 I was taken to flats and passed between men. I am ready to talk about it now.",
    "As a teenager in care I was picked up from the children's home by men who gave us presents. "
    "I would like support and to know whether the police can act.",
    "I was abused by a man who ran a shop near my school when I was {age}. I saw him recently and it brought it all back.",
]


def _background_spec(route, rng, pools):
    names, nicknames = pools["names"], pools["nicknames"]
    draft = {"children": [], "people": [], "vehicles": [], "phones": [], "handles": [], "places": []}
    if route == "non_recent":
        year = rng.randrange(1988, 2012)
        age = rng.randrange(12, 16)
        draft["concern"] = rng.choice(NON_RECENT_CONCERNS).format(age=age)
        draft["when_happened"] = f"Around {year}, when I was {age}"
        if rng.random() < 0.6:
            first, last = names.person(sex="male")
            draft["people"].append({"name": f"{first} {last}", "description": "Would be in his 50s or 60s now"})
        draft["places"].append({**pools["places"].unique(), "description": "Where it happened"})
    else:
        sex = "female" if rng.random() < 0.7 else "male"
        first, last = names.person(sex=sex)
        known = route != "public" or rng.random() < 0.5
        child_name = f"{first} {last}" if known else ""
        noun = "girl" if sex == "female" else "boy"
        draft["children"].append({"name": child_name, "age": _child_age(rng),
                                  "description": "" if known else f"{noun.capitalize()} in school uniform, "
                                                                  f"{rng.choice(['dark', 'fair', 'red', 'curly'])} hair",
                                  "school": rng.choice(SCHOOLS) if route not in ("public",) else ""})
        draft["concern"] = rng.choice(BACKGROUND_CONCERNS).format(
            child=first if known else f"A {noun} I see locally", **PRONOUNS[sex])
        draft["when_happened"] = rng.choice(["This week", "Since September", "Last weekend", "Over the summer",
                                             "The last few months", ""])
        if rng.random() < 0.45:
            p_first, p_last = names.person(sex="male")
            nickname = nicknames.unique(p_first) if rng.random() < 0.35 else ""
            draft["people"].append({"name": f"{p_first} {p_last}" if rng.random() < 0.6 else "",
                                    "nicknames": nickname,
                                    "description": _describe_person(rng, rng.choice(["about 20", "mid 20s", "about 30"]))})
            if not draft["people"][-1]["name"] and not nickname:
                draft["people"][-1]["name"] = f"{p_first} {p_last}"
        if rng.random() < 0.25:
            number = pools["phones"].unique()
            if number:
                draft["phones"].append({"number": format_background_phone(number, rng), "whose": "The adult"})
        if rng.random() < 0.15:
            mark = pools["regs"].unique()
            colour, make = rng.choice(CARS)
            partial = rng.random() < 0.3
            draft["vehicles"].append({"registration": partial_registration(mark, rng) if partial else
                                      rng.choice(registration_variants(mark)), "make": make, "colour": colour})
        if rng.random() < 0.2:
            draft["handles"].append({"username": rng.choice(handle_variants(pools["handles"].unique())),
                                     "app": rng.choice(APPS)})
        if rng.random() < 0.6:
            draft["places"].append({**pools["places"].unique(), "description": ""})
    return Spec(route=route, draft=draft)


def landline_variants(national):
    """The ways people write a UK landline such as 0114 496 0555."""
    rest = national[1:]
    return [f"{national[:4]} {national[4:7]} {national[7:]}", national, f"({national[:4]}) {national[4:]}",
            f"+44 {rest[:3]} {rest[3:6]} {rest[6:]}", f"{national[:4]} {national[4:]}"]


def shared_nicknames():
    """{nickname: [network keys]} for the main nicknames men of different planted groups share."""
    owners = {}
    for index, template in enumerate(NETWORK_TEMPLATES):
        for person in template["persons"]:
            owners.setdefault(person["nicknames"][0], []).append(f"network-{index + 1}")
    return {nickname: keys for nickname, keys in owners.items() if len(keys) > 1}


def _add_confounders(specs, seed):
    """Put the confounders into the planned reports, from a random stream of their own so that everything
    else about the reports stays as it was: the taxi firm's phone in about TAXI_SHARE of the background
    reports and in a few network reports, the takeaway's phone or address (or both) in about TAKEAWAY_SHARE
    of the background reports, and a man known only by a common nickname in about NICKNAME_ALONE_SHARE."""
    rng = random.Random(seed * 1009 + 17)
    background = [spec for spec in specs if not spec.network and not spec.near_miss and spec.route != "non_recent"]

    def some(share):
        return rng.sample(background, min(len(background), max(3, round(share * len(background)))))

    taxi = some(TAXI_SHARE)
    for key, n in TAXI_NETWORK_REPORTS.items():
        taxi += rng.sample([spec for spec in specs if spec.network == key], n)
    whose = ["taxi firm", "Castle Cabs", "", "Castle Cabs taxi office", ""]
    for i, spec in enumerate(taxi):
        spec.draft["phones"].append({"number": rng.choice(landline_variants(TAXI_FIRM["phone"])),
                                     "whose": whose[i % len(whose)]})
        spec.confounders.append("taxi")
    for i, spec in enumerate(some(TAKEAWAY_SHARE)):
        if i % 3 != 1:
            spec.draft["phones"].append({"number": rng.choice(landline_variants(BUSY_TAKEAWAY["phone"])),
                                         "whose": rng.choice(["", "The takeaway", "Pizza Palace"])})
        if i % 3 != 0:
            spec.draft["places"].append({"address": rng.choice([BUSY_TAKEAWAY["address"], BUSY_TAKEAWAY["name"]]),
                                         "postcode": BUSY_TAKEAWAY["postcode"] if i % 2 else "",
                                         "description": "Hangs around outside the takeaway"})
        spec.confounders.append("takeaway")
    for i, spec in enumerate(some(NICKNAME_ALONE_SHARE)):
        nickname = NICKNAMES_ALONE[i % len(NICKNAMES_ALONE)]
        spec.draft["people"].append({"name": "", "nicknames": nickname,
                                     "description": "Older lad, hangs around the shops"})
        spec.confounders.append(f"nickname:{nickname}")


def _reporter(route, rng, pools):
    if route not in ("public_named", "non_recent") or (route == "non_recent" and rng.random() < 0.3):
        return {"anonymous": True}
    first, last = pools["names"].person()
    reporter = {"anonymous": False, "name": f"{first} {last}"}
    local_part = f"{_ascii(first)}.{_ascii(last)}".lower().replace(" ", "").replace("'", "")
    if rng.random() < 0.8:
        reporter["email"] = f"{local_part}{rng.randrange(1, 99)}@example.{rng.choice(['com', 'org', 'net'])}"
    if rng.random() < 0.5 or "email" not in reporter:
        number = pools["phones"].unique()
        if number:
            reporter["phone"] = format_background_phone(number, rng)
        elif "email" not in reporter:
            reporter["email"] = f"{local_part}@example.com"
    if route == "public_named":
        reporter["relationship"] = rng.choice(["Neighbour", "Parent of a friend", "Shop worker", "Aunt",
                                               "Taxi driver", "Youth football coach"])
        reporter["withhold_from_family"] = rng.random() < 0.5
    return reporter


def _finish(spec, rng):
    """Kind, reporter or referral details, and channel for the spec's route."""
    route, draft = spec.route, spec.draft
    if route in REFERRER_ROLES:
        draft["kind"] = Contact.Kind.PROFESSIONAL
        consent = _weighted(rng, [("given", 5), ("not_sought", 3), ("refused", 1)])
        draft["referral"] = {
            "role": rng.choice(REFERRER_ROLES[route]),
            "family_knows": rng.choice(["Parents know and agree to the referral.",
                                        "The child knows; parents have not been told because of the risk.",
                                        "Neither the child nor the family know yet."]),
            "consent": consent,
            "consent_reason": "" if consent == "given" else rng.choice(
                ["Asking would put the child at risk from the adults involved.",
                 "Parent refused; sharing is necessary to safeguard the child."]),
        }
        spec.channel = Contact.Channel.API if rng.random() < (0.5 if route == "police-referrer" else 0.25) \
            else Contact.Channel.WEB
    else:
        draft["kind"] = Contact.Kind.NON_RECENT if route == "non_recent" else Contact.Kind.PUBLIC
    for section in ("children", "people", "vehicles", "phones", "handles", "places"):
        draft[section] = [{k: v for k, v in item.items() if v} for item in draft.get(section, [])]
        draft[section] = [item for item in draft[section] if item]


def _decision_plan(spec, rng):
    if spec.route == "non_recent":
        spec.outcome = _weighted(rng, [("refer_on", 4), ("advice", 1)])
        spec.reason = rng.choice(NON_RECENT_REASONS[spec.outcome])
        spec.priority = rng.choice(["green", "amber"])
    else:
        spec.outcome = _weighted(rng, NETWORK_OUTCOMES if spec.network else BACKGROUND_OUTCOMES)
        spec.reason = rng.choice(OUTCOME_REASONS[spec.outcome])
        spec.priority = rng.choice(PRIORITY_FOR[spec.outcome])
    spec.decider = "manager" if rng.random() < 0.2 else "screener"
    spec.delay_hours = {"red": 0.5, "amber": 2.0}.get(spec.priority, 4.0) * rng.uniform(0.2, 1.5)


def _seconds_of_day(route, rng):
    if route in REFERRER_ROLES and route != "police-referrer":
        hour = rng.uniform(8, 17.5)
    else:
        hour = rng.choice([rng.uniform(7, 23.5), rng.uniform(15, 23), rng.uniform(9, 18)])
    return int(hour * 3600)


def plan(count, seed):
    """Every report the demo will file, in filing order. Uses no database and no clock."""
    if count < MIN_COUNT:
        raise DemoDataMismatch(f"Load at least {MIN_COUNT} demo reports so the planted networks fit.")
    rng = random.Random(seed)
    network_nicknames = [n for t in NETWORK_TEMPLATES for p in t["persons"] for n in p["nicknames"]]
    names = Names(seed, rng)
    pools = {"names": names, "phones": Phones(rng), "regs": Registrations(rng), "handles": Handles(rng),
             "places": Places(rng), "nicknames": Nicknames(rng, network_nicknames)}
    variants = Variants(rng)
    networks = [_build_network(i, t, n, rng, pools) for i, (t, n) in enumerate(zip(NETWORK_TEMPLATES, NETWORK_REPORTS))]
    specs = [spec for network in networks for spec in _network_specs(network, rng, variants)]

    near_miss = []
    for route, child_note in (("public", "Waits at the bus station after school"),
                              ("referrer", "Seen at the bus station")):
        spec = _background_spec(route, rng, pools)
        spec.near_miss = "near-miss-1"
        spec.draft["places"] = [{"address": NEAR_MISS_PLACE["address"], "postcode": NEAR_MISS_PLACE["postcode"],
                                 "description": child_note}]
        near_miss.append(spec)
    specs += near_miss
    while len(specs) < count:
        specs.append(_background_spec(_weighted(rng, BACKGROUND_ROUTES), rng, pools))
    _add_confounders(specs, seed)
    for spec in specs:
        spec.draft["reporter"] = _reporter(spec.route, rng, pools)
        _finish(spec, rng)
        _decision_plan(spec, rng)

    rng.shuffle(specs)
    n_pending = max(2, round(count * 0.027))
    n_overdue = max(2, round(count * 0.02))
    for i, spec in enumerate(specs):
        if i < n_pending:
            spec.state = "pending"
            spec.hours_ago = rng.uniform(0.3, 22)
            spec.priority = spec.priority if rng.random() < 0.4 else ""
        elif i < n_pending + n_overdue:
            spec.state = "overdue"
            spec.days_ago = rng.randrange(6, 11)  # past its deadline even over Christmas or Easter
            spec.priority = spec.priority if rng.random() < 0.5 else ""
        else:
            spec.days_ago = rng.randrange(2, DAYS_BACK + 1)
            spec.state = "late" if spec.days_ago >= 14 and rng.random() < 0.045 else "decided"
        spec.seconds_of_day = _seconds_of_day(spec.route, rng)
    # Filing order: oldest first, then the ones received in the last day.
    specs.sort(key=lambda s: (s.state == "pending", -s.days_ago, s.seconds_of_day, -s.hours_ago))
    return specs, networks


# ---------------------------------------------------------------------------------------------------------------
# Loading: through the action functions, idempotent


def _acting(user):
    """The demo accounts with their agencies loaded; a local command acts with its runner's authority."""
    return User.objects.select_related("agency").get(pk=user.pk)


def _received_at(spec, now):
    if spec.state == "pending":
        return now - dt.timedelta(hours=spec.hours_ago)
    day = clock.local(now).date() - dt.timedelta(days=spec.days_ago)
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.LONDON) + dt.timedelta(seconds=spec.seconds_of_day)


WORK_START, WORK_END = dt.time(8, 30), dt.time(17, 30)


def _after_working_hours(moment, hours):
    """The moment a screener working 08:30-17:30 on working days would reach after `hours` of their time."""
    t, remaining = clock.local(moment), dt.timedelta(hours=hours)
    while True:
        start = dt.datetime.combine(t.date(), WORK_START, tzinfo=clock.LONDON)
        end = dt.datetime.combine(t.date(), WORK_END, tzinfo=clock.LONDON)
        if not clock.is_working_day(t.date()) or t >= end:
            t = dt.datetime.combine(t.date() + dt.timedelta(days=1), WORK_START, tzinfo=clock.LONDON)
            continue
        t = max(t, start)
        if t + remaining <= end:
            return t + remaining
        remaining -= end - t
        t = end


def _decision_times(spec, contact, rng, now):
    received, due = contact.received_at, contact.decision_due_at
    latest = now - dt.timedelta(minutes=5)
    if spec.state == "late":
        decided = _after_working_hours(due, rng.uniform(1, 14))
    elif spec.priority == "red":  # the duty screener acts at once, day or night
        decided = received + dt.timedelta(minutes=rng.uniform(15, 120))
    else:
        decided = _after_working_hours(received, spec.delay_hours)
        if decided > due:
            decided = due - dt.timedelta(minutes=rng.uniform(5, 60))
    if decided > latest:  # out-of-hours duty screener
        decided = received + dt.timedelta(minutes=rng.uniform(10, 90))
    decided = max(min(decided, latest), received + dt.timedelta(minutes=2))
    priority_at = max(received + dt.timedelta(minutes=1), decided - dt.timedelta(minutes=rng.uniform(3, 40)))
    return priority_at, decided


def _screen(spec, contact, actors, rng, now):
    decider = actors[spec.decider]
    if spec.state in ("pending", "overdue"):
        if spec.priority and not contact.priority:
            at = contact.received_at + min(dt.timedelta(hours=2), (now - contact.received_at) / 2)
            set_priority(decider, contact, spec.priority, at=at)
        return
    if contact.decided_at is not None:
        return
    priority_at, decided_at = _decision_times(spec, contact, rng, now)
    if not contact.priority:
        contact = set_priority(decider, contact, spec.priority, at=priority_at)
    record_decision(decider, contact, spec.outcome, spec.reason, at=decided_at)


def _ground_truth(seed, count, networks, specs, contacts):
    by_network = {}
    for spec, contact in zip(specs, contacts):
        if spec.network:
            by_network.setdefault(spec.network, []).append((spec, contact))
    rows = []
    for network in networks:
        members = by_network[network["key"]]
        persons = [{
            "name": p["name"], "nicknames": p["nicknames"], "description": p["description"],
            "phones": [_e164(n) for n in p["phones"]],
            "vehicles": p["vehicles"],
            "handles": p["handles"],
        } for p in network["persons"]]
        children = [{"name": c["name"], "age": c["age"], "school": c["school"]} for c in network["children"]]
        links = {}
        for spec, _ in members:
            for p in spec.members["persons"]:
                links.setdefault(p, set()).update(spec.members["children"])
        data = {
            "seed": seed, "count": count, "key": network["key"], "title": network["title"],
            "summary": network["summary"], "persons": persons, "children": children,
            "places": [{k: place[k] for k in ("kind", "name", "address", "postcode")} for place in network["places"]],
            "reports": [{
                "reference": contact.reference, "submission_key": contact.submission_key, "route": spec.route,
                "persons": spec.members["persons"], "children": spec.members["children"],
                "place": spec.members["place"], "partial_registrations": spec.members["partial_registrations"],
                "partial_phones": spec.members["partial_phones"],
            } for spec, contact in members],
            "references": [contact.reference for _, contact in members],
            "person_children": {network["persons"][p]["nicknames"][0]: sorted(network["children"][c]["name"] for c in cs)
                                for p, cs in sorted(links.items())},
        }
        rows.append((network["key"], GroundTruth.Kind.NETWORK, data))
    confounders = {"taxi": [], "takeaway": [], **{f"nickname:{n}": [] for n in NICKNAMES_ALONE}}
    for spec, contact in zip(specs, contacts):
        for tag in spec.confounders:
            confounders[tag].append(contact.reference)
    network_of = {contact.reference: spec.network for spec, contact in zip(specs, contacts) if spec.network}
    rows.append(("confounders", GroundTruth.Kind.CONFOUNDER, {
        "seed": seed, "count": count, "key": "confounders",
        "taxi_firm": {"name": TAXI_FIRM["name"], "phone": _e164(TAXI_FIRM["phone"]),
                      "references": confounders["taxi"],
                      "network_references": {r: network_of[r] for r in confounders["taxi"] if r in network_of}},
        "takeaway": {**{k: BUSY_TAKEAWAY[k] for k in ("name", "address", "postcode")},
                     "phone": _e164(BUSY_TAKEAWAY["phone"]), "references": confounders["takeaway"]},
        "nicknames_alone": {n: confounders[f"nickname:{n}"] for n in NICKNAMES_ALONE},
        "shared_nicknames": shared_nicknames(),
        "note": "Values many unrelated reports share (a taxi firm's and a takeaway's phone and address, common "
                "nicknames given alone) and nicknames men of different groups share. None of them is evidence "
                "that two reports are about one group; linking them must not join or flag reports.",
    }))
    pair = [contact.reference for spec, contact in zip(specs, contacts) if spec.near_miss]
    rows.append(("near-miss-1", GroundTruth.Kind.NEAR_MISS, {
        "seed": seed, "count": count, "key": "near-miss-1", "shared": {"place": NEAR_MISS_PLACE},
        "references": pair,
        "note": "These reports share only a busy public place: no person, phone, vehicle or handle. "
                "They must not be linked into a network.",
    }))
    return rows


def _check_existing(seed, count):
    other = GroundTruth.objects.exclude(seed=seed).values_list("seed", flat=True).first()
    if other is not None:
        raise DemoDataMismatch(f"Demo data for seed {other} is already loaded; use --seed {other} or a fresh database.")
    row = GroundTruth.objects.filter(seed=seed).first()
    if row is not None and row.data.get("count") != count:
        raise DemoDataMismatch(f"Demo data for seed {seed} was loaded with {row.data.get('count')} reports; "
                               f"use --reports {row.data.get('count')} or a fresh database.")


def load_demo_reports(users, count=300, seed=2026, *, now=None):
    """File `count` synthetic reports and decide most of them; safe to run again. Returns a summary line.

    `now` (default: the current time) is the moment the demo data is as of.
    """
    _check_existing(seed, count)
    specs, networks = plan(count, seed)
    now = now or timezone.now()
    rng = random.Random(seed + 1)  # for decision times, which depend on the stored receipt times
    actors = {name: _acting(users[name]) for name in ("screener", "manager", *REFERRER_ROLES)}
    created = 0
    contacts = []
    # Demo reporters are synthetic: no e-mail goes out for their decisions.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        for i, spec in enumerate(specs):
            contact, new = submit_contact(
                spec.draft, submission_key=f"demo-{seed}-{i}", referrer=actors.get(spec.route),
                channel=spec.channel, received_at=_received_at(spec, now),
            )
            created += new
            _screen(spec, contact, actors, rng, now)
            contacts.append(contact)
        rows = _ground_truth(seed, count, networks, specs, contacts)
        for key, kind, data in rows:
            GroundTruth.objects.update_or_create(seed=seed, key=key, defaults={"kind": kind, "data": data})
    _write_json(seed, count, rows)
    demo = Contact.objects.filter(submission_key__startswith=f"demo-{seed}-", decided_at__isnull=True)
    awaiting = demo.count()
    overdue = demo.filter(decision_due_at__lt=now).count()
    return (f"Loaded {count} demo reports ({created} new; {len(networks)} planted networks, "
            f"{awaiting} awaiting a decision, {overdue} overdue)")


def _write_json(seed, count, rows):
    folder = settings.VAR_DIR / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "seed": seed, "count": count,
        "networks": [data for _, kind, data in rows if kind == GroundTruth.Kind.NETWORK],
        "near_misses": [data for _, kind, data in rows if kind == GroundTruth.Kind.NEAR_MISS],
        "confounders": next(data for _, kind, data in rows if kind == GroundTruth.Kind.CONFOUNDER),
    }
    path = folder / "ground_truth.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    tmp.replace(path)
