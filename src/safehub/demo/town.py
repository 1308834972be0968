"""A synthetic town's referrals with planted exploitation networks among many unrelated reports, the hubs and
name collisions real towns have, and the ground truth: for benchmarks and tests of network detection.

`generate(n_reports, seed)` returns a `Town`: `n_reports` referral payloads in the shape agency systems send to
`POST /api/v1/referrals/` (each with the agency that files it), which report belongs to which planted network,
and where the confounders went. Pure Python and Faker, no database; the same for a seed.

What is planted (about NETWORK_SHARE of the reports):

- networks of 3-8 reports, each with 2-4 men (a full name, spelling slips of it, and a nickname drawn from a
  SMALL pool shared by every group, so "Bugsy" is a man in many unrelated groups), 1-3 phones, 1-2 cars
  (sometimes given only in part, "AB38 C??"), sometimes an online handle, and 1-2 children named in
  different ways. Each report names 1-2 of its men (full name, slipped name or nickname only), 1-2 of its
  selectors and 1-2 of its children. The reports of a network are always connected by strong evidence (the
  same phone, full registration mark, handle or correctly spelt full name); the draw is repeated otherwise.

What confounds (the rest, and some of the planted reports too):

- unrelated reports naming men with common first names given alone ("Ali", "Dan"), common nicknames given
  alone ("Jay", "Kev", "Mo"; now and then a nickname some planted group's man also has), families sharing a
  surname, names in other scripts and spellings (Urdu script, Polish with and without its letters, the
  transliterations of Mohammed), their own phones, cars and online accounts;
- a taxi firm's phone in about TAXI_SHARE of all reports, planted and unrelated, written in several ways,
  with "taxi firm", "Castle Cabs" or nothing as whose number it is; a takeaway's phone and address in many
  unrelated reports and a few planted ones;
- a few impossible values: a phone with too few digits, a registration mark with characters no mark has,
  a child aged 150 (the API refuses the last two; an agency system then sends the report again without
  the field it was told was wrong).

Scale: hubs are shared by a fixed share of the reports and the nickname pools do not grow, so a town of
100,000 reports is at least as hard as one of 1,000. Unique values (phones, marks, handles, addresses) are
drawn without replacement; the phones are Ofcom's drama numbers only (14,000 of them: enough for about
110,000 reports), marks use age identifiers not issued until 2027 or later, postcodes the made-up area WK.
"""

import math
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from faker import Faker

NETWORK_SHARE = 0.05
NETWORK_SIZES = (3, 8)
TAXI_SHARE = 0.10
TAXI_IN_NETWORK_REPORT = 0.20
TAKEAWAY_IN_BACKGROUND = 0.07
TAKEAWAY_IN_NETWORK_REPORT = 0.05
BACKGROUND_PHONE = 0.12
BACKGROUND_CAR = 0.12
BACKGROUND_HANDLE = 0.12
IMPOSSIBLE = 0.005  # of background reports, for each kind of impossible value

# Nicknames of the men in planted networks: one small pool for every group, a few far more common than the
# rest, so that different groups' men share them (as "Bugsy" and "Bruv" did in issue 10).
NETWORK_NICKNAMES = [("Bugsy", 12), ("Bruv", 8), ("Tiny", 6), ("Smokey", 5), ("Ace", 5), ("Blade", 4), ("Kez", 4),
                     ("Deano", 3), ("Taz", 3), ("Ghost", 3), ("Red", 2), ("Skinny", 2), ("Prince", 2), ("Chops", 1),
                     ("Spider", 1), ("Boss", 1)]
# Given alone for a man in unrelated reports: common nicknames, and now and then one the planted men have.
NICKNAMES_ALONE = [("Jay", 10), ("Kev", 10), ("Mo", 10), ("Big Man", 5), ("Daz", 5), ("Bugsy", 2), ("Bruv", 2),
                   ("Tiny", 1)]
FIRST_NAMES_ALONE = [("Ali", 10), ("Dan", 10), ("Jay", 5), ("Adam", 5), ("Tom", 4), ("Kyle", 4), ("Sam", 3)]
# First names and surnames many men share, drawn far more often than the Faker pools.
COMMON_FIRST = ["Mohammed", "Muhammad", "Daniel", "James", "Adam", "Ryan", "Liam", "Connor", "Kyle", "Jamie", "Ali",
                "Imran", "Tomasz", "Jakub", "Michael", "Lee", "Dean", "Craig", "Bilal", "Usman"]
COMMON_SURNAMES = ["Smith", "Jones", "Khan", "Hussain", "Ahmed", "Patel", "Brown", "Taylor", "Williams", "Nowak",
                   "Kowalski", "Ali", "Shah", "Wilson", "Evans", "Walker", "Begum", "Wright", "Davies", "Mahmood"]
# The same names in Urdu script, and the spellings a transliteration gives.
URDU = {"Tariq": "طارق", "Bilal": "بلال", "Usman": "عثمان", "Zubair": "زبیر", "Asif": "آصف", "Hussain": "حسین",
        "Qureshi": "قریشی", "Malik": "ملک", "Butt": "بٹ", "Mahmood": "محمود"}
TRANSLITERATIONS = [["Mohammed", "Muhammad", "Mohammad", "Muhammed", "Mohamed"], ["Yusuf", "Yousaf", "Yousuf"],
                    ["Hussain", "Hussein", "Husain"], ["Chaudhry", "Choudhury", "Chaudhary"],
                    ["Jakub", "Jacob"], ["Mikolaj", "Nicholas"], ["Shahid", "Shahed"], ["Rashid", "Rasheed"],
                    ["Abdul", "Abdool"], ["Ahmed", "Ahmad"], ["Kowalski", "Kowalsky"]]
POLISH = [("Łukasz", "Wójcik"), ("Paweł", "Dąbrowski"), ("Michał", "Wiśniewski"), ("Grzegorz", "Żak"),
          ("Wojciech", "Kamiński"), ("Przemysław", "Łęcki")]

TOWNS = ["Wellbridge", "Kettlemoor", "Brackenford", "Stonehay", "Ashlow", "Cinderley"]
STREETS = ["Alder", "Beacon", "Canal", "Dyers", "Elm", "Forge", "Granary", "Hollins", "Juniper", "Kiln", "Larch",
           "Maltings", "Netherton", "Orchard", "Pinfold", "Quarry", "Rookery", "Sandpit", "Tannery", "Upton",
           "Viaduct", "Weaver", "Yew", "Bramble", "Chapel", "Foundry", "Hawthorn", "Mill", "Rowan", "Station"]
STREET_TYPES = ["Street", "Road", "Lane", "Close", "Way", "Avenue", "Drive", "Court", "Grove", "Walk"]
SCHOOLS = ["Wellbridge Academy", "Kettlemoor High School", "St Aidan's Catholic High School",
           "Brackenford Community College", "Stonehay Academy", "Ashlow Park School"]
APPS = ["Snapchat", "Instagram", "TikTok", "WhatsApp", "Telegram"]
CARS = [("silver", "BMW 3 Series"), ("black", "Audi A3"), ("white", "Mercedes C-Class"), ("grey", "Ford Focus"),
        ("blue", "Vauxhall Corsa"), ("red", "Seat Leon"), ("black", "Range Rover Evoque"), ("white", "Toyota Prius"),
        ("silver", "Volkswagen Golf"), ("grey", "Nissan Qashqai"), ("black", "Kia Sportage")]
HANDLE_WORDS = ["sunny", "blaze", "moon", "storm", "pixel", "shadow", "nova", "frost", "echo", "ruby", "jet", "cobalt",
                "vibe", "lunar", "drift", "ember", "onyx", "river", "sky", "zest", "maple", "orbit", "glitch", "hazel"]
LOCALES = [("en_GB", 44), ("en_IE", 5), ("en_IN", 6), ("en_PK", 8), ("pl_PL", 10), ("ro_RO", 6), ("sk_SK", 3),
           ("cs_CZ", 2), ("hu_HU", 2), ("pt_PT", 3), ("it_IT", 2), ("tr_TR", 2)]
AGENCIES = [("SCHOOLS", 4), ("POLICE", 3), ("HEALTH", 3)]
ROLES = {"SCHOOLS": ["Designated safeguarding lead", "Pastoral lead"],
         "POLICE": ["Neighbourhood officer", "Missing person coordinator"],
         "HEALTH": ["School nurse", "Sexual health nurse"]}

# Ofcom's numbers for drama: never anyone's phone. The taxi firm and the takeaway have their own range.
# Each range is the prefix followed by 000-999 (07700 900000-900999, 0113 496 0000-0999, ...).
MOBILES = [f"07700900{n:03d}" for n in range(1000)]
LANDLINES = [f"{prefix}{n:03d}" for prefix in ("01134960", "01154960", "01164960", "01174960", "01214960",
                                               "01314960", "01414960", "01514960", "01614960", "01914980",
                                               "02079460", "02920180", "01632960") for n in range(1000)]
TAXI_PHONE = "01144960555"  # Castle Cabs
TAKEAWAY_PHONE = "01184960777"  # Golden Grill
TAKEAWAY = {"name": "Golden Grill", "address": "Golden Grill, 14 Market Street, Wellbridge", "postcode": "WK1 4GG"}
# Age identifiers for March and September 2027-2049: not issued yet, so no real car has these marks.
AREA_FIRST = "ABCDEFGHKLMNOPRSVWY"
AREA_SECOND = "ABCDEFGHJKLMNOPRSTUVWXY"
MARK_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
FUTURE_AGES = [f"{n:02d}" for n in [*range(27, 50), *range(77, 100)]]


@dataclass
class Town:
    """The reports, in filing order, and what was planted among them."""

    n_reports: int
    seed: int
    reports: list = field(default_factory=list)  # {"payload", "agency", "network" (id or None)}
    networks: dict = field(default_factory=dict)  # id -> men, children, phones, vehicles, handles, reports
    hubs: dict = field(default_factory=dict)  # taxi, takeaway: value and reports; nicknames alone: reports

    def truth(self):
        """{report index: planted network id} for the reports in planted networks."""
        return {i: report["network"] for i, report in enumerate(self.reports) if report["network"]}


def _weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def _ascii(text):
    return unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L")).encode("ascii", "ignore").decode()


def fold(text):
    """A loose comparable form of a name (case, accents, spaces), for keeping names apart here."""
    return " ".join(_ascii(text).casefold().split())


@lru_cache(maxsize=4)
def _faker_names(seed):
    """(male first names, female first names, surnames), each weighted by locale: Faker called a fixed number
    of times, once per seed."""
    male, female, last = [], [], []
    for offset, (locale, weight) in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 100 + offset)
        draws = 60 * weight
        male += [fake.first_name_male() for _ in range(draws)]
        female += [fake.first_name_female() for _ in range(draws)]
        last += [fake.last_name_male() for _ in range(draws)]
    return male, female, last


class Pools:
    """Every value a town hands out. Phones, marks, handles and addresses are never given twice. First names
    and surnames come from Faker pools whose size grows with the square root of the town (so that there are
    about as many possible full names as reports), with a fixed set of common names drawn far more often on
    top; nicknames come from pools that do not grow at all."""

    def __init__(self, n_reports, seed, rng):
        self.rng = rng
        male, female, last = _faker_names(seed)
        size = max(40, int(3 * math.sqrt(n_reports)))
        self.boys = self._distinct(male, size)
        self.male = self.boys + COMMON_FIRST * 3  # common names drawn far more often
        self.female = self._distinct(female, size)
        self.surnames = self._distinct(last, size) + COMMON_SURNAMES * 3
        self.family_surnames = self._distinct(last[::-1], max(10, n_reports // 200))
        mobiles = list(MOBILES)
        rng.shuffle(mobiles)
        self.network_phones = mobiles[:len(mobiles) // 2]
        self.phones = mobiles[len(mobiles) // 2:] + list(LANDLINES)
        rng.shuffle(self.phones)
        self.marks, self.handles, self.addresses, self.planted_names = set(), set(), set(), set()

    def _distinct(self, names, size):
        seen = list(dict.fromkeys(name for name in names if " " not in name))
        self.rng.shuffle(seen)
        return seen[:size]

    def phone(self, network=False):
        pool = self.network_phones if network and self.network_phones else self.phones
        if not pool:
            raise ValueError("The town ran out of Ofcom drama numbers: generate fewer reports.")
        return pool.pop()

    def mark(self):
        while True:
            mark = (self.rng.choice(AREA_FIRST) + self.rng.choice(AREA_SECOND) + self.rng.choice(FUTURE_AGES)
                    + "".join(self.rng.choice(MARK_LETTERS) for _ in range(3)))
            if mark not in self.marks:
                self.marks.add(mark)
                return mark

    def handle(self, base=None):
        while True:
            if base:
                handle = f"{base}{self.rng.choice(['_', '.', ''])}{self.rng.choice(['wk', 'x', 'official', 'vip', ''])}" \
                         f"{self.rng.randrange(1, 999)}"
            else:
                handle = (f"{self.rng.choice(HANDLE_WORDS)}{self.rng.choice(['', '_', '.'])}"
                          f"{self.rng.choice(HANDLE_WORDS)}{self.rng.randrange(1, 9999)}")
            if handle not in self.handles:
                self.handles.add(handle)
                return handle

    def address(self):
        while True:
            town = self.rng.choice(TOWNS)
            place = (self.rng.randrange(1, 300), f"{self.rng.choice(STREETS)} {self.rng.choice(STREET_TYPES)}", town)
            if place not in self.addresses:
                self.addresses.add(place)
                letters = "ABDEFGHJLNPQRSTUWXY"
                postcode = (f"WK{TOWNS.index(town) + 1} {self.rng.randrange(1, 10)}"
                            f"{self.rng.choice(letters)}{self.rng.choice(letters)}")
                return {"address": f"{place[0]} {place[1]}, {town}", "postcode": postcode}

    def man(self, planted=False, surname=None):
        """(first, last). A planted man's full name is his alone: nobody else in the town is given it (unrelated
        men's names may collide with each other, as in any town)."""
        for _ in range(10_000):
            first = self.rng.choice(self.male)
            last = surname or self.rng.choice(self.surnames)
            key = fold(f"{first} {last}")
            if fold(first) == fold(last) or key in self.planted_names:
                continue
            if planted:
                self.planted_names.add(key)
            return first, last
        raise ValueError("Ran out of names")

    def child(self):
        sex = "female" if self.rng.random() < 0.7 else "male"
        first = self.rng.choice(self.female if sex == "female" else self.boys)
        return first, self.rng.choice(self.surnames), sex


# --- Ways of writing things --------------------------------------------------------------------------


def phone_written(national, rng):
    """One of the ways people write a UK number."""
    rest = national[1:]
    if national.startswith("07"):
        options = [f"{national[:5]} {national[5:]}", f"+44 {rest[:4]} {rest[4:]}", f"44{rest}", national,
                   f"+44{rest}", f"{national[:5]} {national[5:8]} {national[8:]}"]
    elif national.startswith("020") or national.startswith("029"):
        options = [f"{national[:3]} {national[3:7]} {national[7:]}", national, f"+44 {rest[:2]} {rest[2:6]} {rest[6:]}"]
    elif national.startswith("01632"):
        options = [f"{national[:5]} {national[5:]}", national, f"+44 {rest[:4]} {rest[4:]}"]
    else:
        options = [f"{national[:4]} {national[4:7]} {national[7:]}", national, f"({national[:4]}) {national[4:]}",
                   f"+44 {rest[:3]} {rest[3:6]} {rest[6:]}"]
    return rng.choice(options)


def mark_written(mark, rng):
    spaced = f"{mark[:4]} {mark[4:]}"
    return rng.choice([spaced, mark, spaced.lower(), mark.lower()])


def partial_mark(mark, rng):
    return rng.choice([f"{mark[:4]} {mark[4]}??", f"{mark[:5]}??", f"{mark[:4]} ???", f"?{mark[1:4]} {mark[4:6]}?"])


def handle_written(handle, rng):
    return rng.choice([f"@{handle}", handle, f"@{handle.upper()}", handle.capitalize()])


def slip(name, rng):
    """A spelling slip or another transliteration of a name, never the name itself."""
    for group in TRANSLITERATIONS:
        if name in group and rng.random() < 0.7:
            return rng.choice([other for other in group if other != name])
    plain = _ascii(name)
    if plain != name and rng.random() < 0.5:
        return plain
    for _ in range(20):
        letters = list(name)
        i = rng.randrange(1, max(2, len(letters) - 1)) if len(letters) > 2 else 0
        how = rng.choice(["swap", "drop", "double", "vowel"])
        if how == "swap" and i + 1 < len(letters):
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        elif how == "drop" and len(letters) > 3:
            del letters[i]
        elif how == "double":
            letters.insert(i, letters[i])
        elif how == "vowel" and letters[i].lower() in "aeiou":
            letters[i] = rng.choice([v for v in "aeiou" if v != letters[i].lower()])
        written = "".join(letters)
        if written != name:
            return written
    return name + "e"


def age_written(age, rng):
    return rng.choice([str(age), f"about {age}", f"{age} or {age + 1}", f"{age}"])


# --- Planted networks --------------------------------------------------------------------------------


def _network(number, size, pools, rng):
    """A planted group: its men, selectors and children (who and what its reports name comes later)."""
    men, nicknames = [], set()
    brothers = rng.random() < 0.2
    for m in range(rng.choice([2, 2, 3, 3, 4])):
        surname = men[0]["last"] if brothers and m == 1 else None
        first, last = pools.man(planted=True, surname=surname)
        nickname = _weighted(rng, [(n, w) for n, w in NETWORK_NICKNAMES if n not in nicknames])
        nicknames.add(nickname)
        men.append({"name": f"{first} {last}", "first": first, "last": last, "nickname": nickname})
    phones = [{"number": pools.phone(network=True), "man": rng.randrange(len(men))}
              for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    cars = []
    for _ in range(rng.choice([1, 1, 2])):
        colour, make = rng.choice(CARS)
        cars.append({"registration": pools.mark(), "make": make, "colour": colour, "man": rng.randrange(len(men))})
    handles = []
    if rng.random() < 0.4:
        man = rng.randrange(len(men))
        handles.append({"username": pools.handle(base=_ascii(men[man]["nickname"]).lower().replace(" ", "")),
                        "app": rng.choice(APPS), "man": man})
    children = []
    for _ in range(rng.choice([1, 1, 2])):
        first, last, sex = pools.child()
        children.append({"name": f"{first} {last}", "first": first, "last": last, "sex": sex,
                         "age": rng.randrange(12, 17), "school": rng.choice(SCHOOLS)})
    return {"id": f"net-{number:04d}", "size": size, "men": men, "phones": phones, "vehicles": cars,
            "handles": handles, "children": children, "reports": []}


def _selectors(network):
    return ([("phone", i) for i in range(len(network["phones"]))]
            + [("vehicle", i) for i in range(len(network["vehicles"]))]
            + [("handle", i) for i in range(len(network["handles"]))])


def _draw_mentions(network, rng):
    """For each report: [(man, how named)], [(selector kind, index, in full)], [(child, how named)]."""
    reports = []
    men, options = network["men"], _selectors(network)
    for _ in range(network["size"]):
        named = rng.sample(range(len(men)), 2 if len(men) > 1 and rng.random() < 0.35 else 1)
        how = [_weighted(rng, [("full", 35), ("full+nickname", 15), ("slip", 15), ("slip+nickname", 5),
                               ("nickname", 30)]) for _ in named]
        chosen = rng.sample(options, min(len(options), 2 if rng.random() < 0.4 else 1))
        selectors = [(kind, i, kind != "vehicle" or rng.random() < 0.75) for kind, i in chosen]
        kids = rng.sample(range(len(network["children"])), min(len(network["children"]), rng.choice([1, 1, 2])))
        reports.append({"men": list(zip(named, how)), "selectors": selectors,
                        "children": [(c, _weighted(rng, [("full", 45), ("first", 35), ("slip", 20)])) for c in kids]})
    return reports


def strong_keys(network, drawn):
    """The strong evidence a report of the network carries: its phones, full marks and handles, and the men
    it names by their correctly spelt full name."""
    keys = {(kind, i) for kind, i, full in drawn["selectors"] if full}
    keys |= {("man", m) for m, how in drawn["men"] if how.startswith("full")}
    return keys


def connected(key_sets):
    """Whether reports (each a set of keys) form one group when joined by the keys they share."""
    if not key_sets:
        return False
    reached, frontier, keys = {0}, [0], set(key_sets[0])
    while frontier:
        frontier = [i for i, ks in enumerate(key_sets) if i not in reached and ks & keys]
        for i in frontier:
            reached.add(i)
            keys |= key_sets[i]
    return len(reached) == len(key_sets)


def _plant(network, rng):
    """Draw who and what each report names until strong evidence connects all of them."""
    for _ in range(1000):
        drawn = _draw_mentions(network, rng)
        if connected([strong_keys(network, d) for d in drawn]):
            break
    else:  # vanishingly rare: the first phone, in full, in every report
        for d in drawn:
            d["selectors"] = [s for s in d["selectors"] if s[:2] != ("phone", 0)] + [("phone", 0, True)]
    # Whether the network holds together without its men's names (only phones, full marks and handles).
    network["connected_by_selectors"] = connected([{k for k in strong_keys(network, d) if k[0] != "man"}
                                                   for d in drawn])
    return drawn


def _man_item(man, how, rng):
    item = {}
    if how.startswith("full"):
        item["name"] = man["name"]
    elif how.startswith("slip"):
        which = rng.choice(["first", "last", "both"])
        first = slip(man["first"], rng) if which in ("first", "both") else man["first"]
        last = slip(man["last"], rng) if which in ("last", "both") else man["last"]
        item["name"] = f"{first} {last}"
    if how.endswith("nickname"):
        item["nicknames"] = rng.choice([man["nickname"], man["nickname"], man["nickname"].lower(),
                                        man["nickname"].upper()])
    if rng.random() < 0.4:
        item["description"] = f"Man, {rng.choice(['about 20', 'mid 20s', 'about 30', 'late 30s'])}"
    return item


def _child_item(child, how, rng):
    name = {"full": child["name"], "first": child["first"],
            "slip": f"{slip(child['first'], rng)} {child['last']}"}[how]
    return {"name": name, "age": age_written(child["age"], rng), "school": child["school"] if rng.random() < 0.5 else ""}


NETWORK_CONCERNS = [
    "{child} has been seen getting into cars with older men, one called {man}.",
    "{child} has new clothes and a phone and talks about a man called {man}.",
    "{child} went missing overnight and came back saying {man} drove her to another town.",
    "Staff saw {child} being collected from school by {man} in a car.",
    "{child} is being messaged by {man}, who has promised money and a meet-up.",
]
BACKGROUND_CONCERNS = [
    "{child} has been missing from home three times this month.",
    "{child} is receiving messages late at night from an adult met online.",
    "{child} has an older friend who collects them from school in a car.",
    "{child} has been absent from school and seen in town with older teenagers.",
    "{child} came home drunk after a party and would not say who was there.",
    "{child} has new trainers and cash the family cannot explain.",
    "{child} disclosed that an older teenager shared images with others.",
]


def _network_payload(network, drawn, rng):
    men = network["men"]
    people = [_man_item(men[m], how, rng) for m, how in drawn["men"]]
    phones, vehicles, handles = [], [], []
    for kind, i, full in drawn["selectors"]:
        if kind == "phone":
            phone = network["phones"][i]
            owner = men[phone["man"]]
            whose = rng.choice(["", owner["nickname"], f"{owner['nickname']}'s phone", owner["first"]])
            phones.append({"number": phone_written(phone["number"], rng), "whose": whose})
        elif kind == "vehicle":
            car = network["vehicles"][i]
            mark = mark_written(car["registration"], rng) if full else partial_mark(car["registration"], rng)
            vehicles.append({"registration": mark, "make": car["make"] if rng.random() < 0.7 else "",
                             "colour": car["colour"],
                             "description": "" if full else "Only part of the number plate seen"})
        else:
            handle = network["handles"][i]
            handles.append({"username": handle_written(handle["username"], rng), "app": handle["app"]})
    children = [_child_item(network["children"][c], how, rng) for c, how in drawn["children"]]
    named = next((p.get("nicknames") or p.get("name") for p in people if p.get("nicknames") or p.get("name")), "a man")
    concern = rng.choice(NETWORK_CONCERNS).format(child=children[0]["name"].split()[0], man=named)
    return {"concern": concern, "children": children, "people": people, "phones": phones, "vehicles": vehicles,
            "handles": handles, "places": []}


# --- Unrelated reports -------------------------------------------------------------------------------


def _background_man(pools, rng, family=None):
    how = _weighted(rng, [("full", 45), ("full+nickname", 5), ("first", 15), ("nickname", 25), ("other script", 2),
                          ("polish", 2), ("description", 6)])
    item = {}
    if family or how in ("full", "full+nickname"):
        first, last = pools.man(surname=family)
        item["name"] = f"{first} {last}"
    elif how == "first":
        item["name"] = _weighted(rng, FIRST_NAMES_ALONE)
    elif how == "nickname":
        item["nicknames"] = _weighted(rng, NICKNAMES_ALONE)
    elif how == "other script":
        first, last = rng.choice(["Tariq", "Bilal", "Usman", "Zubair", "Asif"]), rng.choice(
            ["Hussain", "Qureshi", "Malik", "Butt", "Mahmood"])
        item["name"] = f"{URDU[first]} {URDU[last]}" if rng.random() < 0.5 else f"{first} {slip(last, rng)}"
    elif how == "polish":
        first, last = rng.choice(POLISH)
        item["name"] = f"{first} {last}" if rng.random() < 0.5 else _ascii(f"{first} {last}")
    else:
        item["description"] = f"Man, {rng.choice(['about 20', 'mid 20s', 'about 30', 'in his 40s'])}, drives a van"
    if how == "full+nickname":
        item["nicknames"] = f"{item['name'].split()[0][:3]}{rng.choice(['zza', 'zzy', 'sy', 'o', 'dog'])}"
    return item


def _background_payload(pools, rng):
    children = []
    for _ in range(rng.choice([1] * 6 + [2])):
        first, last, sex = pools.child()
        how = _weighted(rng, [("full", 50), ("first", 30), ("none", 20)])
        item = {"name": {"full": f"{first} {last}", "first": first, "none": ""}[how],
                "age": age_written(rng.randrange(11, 17), rng)}
        if how == "none":
            item["description"] = f"{'Girl' if sex == 'female' else 'Boy'} in school uniform"
        children.append(item)
    people = []
    count = _weighted(rng, [(0, 30), (1, 50), (2, 20)])
    family = rng.choice(pools.family_surnames) if count == 2 and rng.random() < 0.3 else None
    for _ in range(count):
        people.append(_background_man(pools, rng, family=family))
    phones, vehicles, handles = [], [], []
    if rng.random() < BACKGROUND_PHONE:
        phones.append({"number": phone_written(pools.phone(), rng), "whose": rng.choice(["", "The adult", "His number"])})
    if rng.random() < BACKGROUND_CAR:
        colour, make = rng.choice(CARS)
        mark = pools.mark()
        vehicles.append({"registration": partial_mark(mark, rng) if rng.random() < 0.25 else mark_written(mark, rng),
                         "make": make, "colour": colour})
    if rng.random() < BACKGROUND_HANDLE:
        handles.append({"username": handle_written(pools.handle(), rng), "app": rng.choice(APPS)})
    places = [{**pools.address(), "description": ""}] if rng.random() < 0.4 else []
    name = children[0]["name"].split()[0] if children[0]["name"] else "A child I see locally"
    return {"concern": rng.choice(BACKGROUND_CONCERNS).format(child=name), "children": children, "people": people,
            "phones": phones, "vehicles": vehicles, "handles": handles, "places": places}


def _impossible(payload, rng, kind):
    if kind == "short phone":
        payload["phones"].append({"number": rng.choice(["07700 90", "0770", "01632 9"]), "whose": "Wrote it down wrong"})
    elif kind == "bad mark":
        payload["vehicles"].append({"registration": rng.choice(["AB38-CDE", "AB38 C£E", "AB#8 CDE"]), "make": "Ford"})
    elif kind == "age 150":
        payload["children"][0]["age"] = "150"
    elif kind == "man aged 150":
        payload["people"].append({"name": "", "nicknames": "", "description": "Said he was 150 years old"})


# --- Hubs --------------------------------------------------------------------------------------------


def _add_taxi(payload, rng):
    whose = _weighted(rng, [("taxi firm", 3), ("Castle Cabs", 3), ("", 3), ("Called a taxi on this number", 1)])
    payload["phones"].append({"number": phone_written(TAXI_PHONE, rng), "whose": whose})


def _add_takeaway(payload, rng, phone=True, place=True):
    if phone:
        payload["phones"].append({"number": phone_written(TAKEAWAY_PHONE, rng),
                                  "whose": rng.choice(["", "Golden Grill takeaway", "The takeaway"])})
    if place:
        address = rng.choice([TAKEAWAY["address"], TAKEAWAY["name"], f"{TAKEAWAY['name']} takeaway, Market Street"])
        payload["places"].append({"address": address, "postcode": TAKEAWAY["postcode"] if rng.random() < 0.6 else "",
                                  "description": "Hangs around outside the takeaway"})


def _finish(payload, index, seed, agency, rng):
    """The rest of an API referral: idempotency key, role, what the family knows, consent."""
    for section in ("children", "people", "phones", "vehicles", "handles", "places"):
        payload[section] = [{k: v for k, v in item.items() if v} for item in payload[section]]
        payload[section] = [item for item in payload[section] if item]
    payload.update(submission_key=f"town-{seed}-{index}", referrer_role=rng.choice(ROLES[agency]),
                   family_knows=rng.choice(["Parents know.", "The family do not know yet."]), consent="not_sought",
                   consent_reason="Asking could put the child at risk.",
                   when_happened=rng.choice(["This week", "Since the summer", "Last weekend", ""]))
    if not payload["when_happened"]:
        del payload["when_happened"]
    return payload


def generate(n_reports, seed=2026):
    """A town of `n_reports` referrals with planted networks, hubs and collisions (see the module's doc)."""
    rng = random.Random(seed)
    pools = Pools(n_reports, seed, rng)
    planted_target = max(NETWORK_SIZES[0], round(n_reports * NETWORK_SHARE))
    networks, planted = [], 0
    while planted < planted_target:
        size = min(rng.randint(*NETWORK_SIZES), max(NETWORK_SIZES[0], planted_target - planted))
        networks.append(_network(len(networks) + 1, size, pools, rng))
        planted += size
    drafts = []  # (payload, network id or None, hubs it names)
    for network in networks:
        for drawn in _plant(network, rng):
            payload, hubs = _network_payload(network, drawn, rng), []
            if rng.random() < TAXI_IN_NETWORK_REPORT:
                _add_taxi(payload, rng)
                hubs.append("taxi")
            if rng.random() < TAKEAWAY_IN_NETWORK_REPORT:
                _add_takeaway(payload, rng, place=rng.random() < 0.5)
                hubs.append("takeaway")
            drafts.append((payload, network["id"], hubs))
    background = n_reports - len(drafts)
    taxi_share = max(0.0, (TAXI_SHARE * n_reports - TAXI_IN_NETWORK_REPORT * len(drafts)) / max(background, 1))
    for _ in range(background):
        payload, hubs = _background_payload(pools, rng), []
        if rng.random() < taxi_share:
            _add_taxi(payload, rng)
            hubs.append("taxi")
        if rng.random() < TAKEAWAY_IN_BACKGROUND:
            both = rng.random() < 0.4
            phone = both or rng.random() < 0.5
            _add_takeaway(payload, rng, phone=phone, place=both or not phone)
            hubs.append("takeaway")
        for kind in ("short phone", "bad mark", "age 150", "man aged 150"):
            if rng.random() < IMPOSSIBLE:
                _impossible(payload, rng, kind)
                hubs.append(kind)
        drafts.append((payload, None, hubs))
    rng.shuffle(drafts)

    town = Town(n_reports=n_reports, seed=seed)
    by_network = {network["id"]: network for network in networks}
    found = {"taxi": [], "takeaway": [], **{k: [] for k in ("short phone", "bad mark", "age 150", "man aged 150")}}
    alone = defaultdict(list)
    for index, (payload, network_id, hubs) in enumerate(drafts):
        agency = _weighted(rng, AGENCIES)
        town.reports.append({"payload": _finish(payload, index, seed, agency, rng), "agency": agency,
                             "network": network_id})
        if network_id:
            by_network[network_id]["reports"].append(index)
        for hub in hubs:
            found[hub].append(index)
        for person in payload["people"] if network_id is None else ():
            if person.get("nicknames") and not person.get("name"):
                alone[person["nicknames"].casefold()].append(index)
    town.networks = {network["id"]: network for network in networks}
    town.hubs = {"taxi": {"number": TAXI_PHONE, "name": "Castle Cabs", "reports": found["taxi"]},
                 "takeaway": {"number": TAKEAWAY_PHONE, **TAKEAWAY, "reports": found["takeaway"]},
                 "nicknames_alone": dict(alone),
                 "impossible": {k: v for k, v in found.items() if k not in ("taxi", "takeaway")}}
    return town


# --- Scoring detected networks against the ground truth -----------------------------------------------

AIMS = {"mean_best_jaccard": (">=", 0.9), "recovered_exactly": (">=", 0.8), "networks_merging_planted": ("==", 0),
        "flagged_unrelated_only": ("==", 0)}


def score(town, detected):
    """How well detected networks ([(set of report indexes, flagged)]) match the planted ones."""
    truth = town.truth()
    planted = defaultdict(set)
    for report, network_id in truth.items():
        planted[network_id].add(report)
    network_of = {report: number for number, (reports, _) in enumerate(detected) for report in reports}
    best = []
    for reports in planted.values():
        numbers = {network_of[r] for r in reports if r in network_of}
        best.append(max((len(reports & detected[n][0]) / len(reports | detected[n][0]) for n in numbers), default=0.0))
    sizes = sorted((len(reports) for reports, _ in detected), reverse=True)
    largest = max(detected, key=lambda d: len(d[0]))[0] if detected else set()
    result = {
        "planted_networks": len(planted),
        "planted_reports": len(truth),
        "planted_connected_by_selectors_alone": sum(n.get("connected_by_selectors", False)
                                                    for n in town.networks.values()),
        "mean_best_jaccard": round(sum(best) / len(best), 4) if best else 0.0,
        "recovered_exactly": round(sum(b == 1.0 for b in best) / len(best), 4) if best else 0.0,
        "recovered_exactly_count": sum(b == 1.0 for b in best),
        "networks_merging_planted": sum(len({truth[r] for r in reports if r in truth}) >= 2 for reports, _ in detected),
        "flagged_unrelated_only": sum(flagged and not any(r in truth for r in reports) for reports, flagged in detected),
        "networks": len(detected),
        "flagged_networks": sum(flagged for _, flagged in detected),
        "largest_network_reports": sizes[0] if sizes else 0,
        "largest_network_planted_networks": len({truth[r] for r in largest if r in truth}),
        "planted_reports_in_no_network": sum(r not in network_of for r in truth),
    }
    result["aims_met"] = {name: (result[name] >= aim if op == ">=" else result[name] == aim)
                          for name, (op, aim) in AIMS.items()}
    return result
