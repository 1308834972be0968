"""A small synthetic file of person mentions with planted duplicates and traps, for the linking tests.

Everything is made up: names from small pools of several communities, postcodes in the made-up area "WK",
Ofcom drama mobile numbers (07700 900xxx), example.com e-mail addresses.
"""

import csv
import random

FIRST_NAMES = {
    "english": ["Oliver", "Amelia", "Harry", "Isla", "George", "Poppy", "Jack", "Freya", "Charlie", "Evie",
                "Thomas", "Grace", "Robert", "Daisy", "William", "Holly"],
    "polish": ["Jakub", "Zuzanna", "Szymon", "Julia", "Filip", "Maja", "Kacper", "Zofia", "Wojciech", "Hanna"],
    "pakistani": ["Mohammed", "Ayesha", "Bilal", "Fatima", "Hamza", "Zainab", "Usman", "Maryam", "Imran", "Hina"],
    "nigerian": ["Chinedu", "Adaeze", "Oluwaseun", "Ngozi", "Emeka", "Folake", "Tunde", "Chiamaka", "Ifeanyi"],
    "romanian": ["Andrei", "Ioana", "Mihai", "Elena", "Gheorghe", "Alexandra", "Bogdan", "Cristina", "Ionut"],
}
SURNAMES = {
    "english": ["Hartley", "Whitmore", "Ashworth", "Pennington", "Bramley", "Fairclough", "Holloway", "Ellison",
                "Marsden", "Kettering", "Lowther", "Rushworth"],
    "polish": ["Kaczmarek", "Wisniewski", "Zielinska", "Lewandowski", "Dabrowska", "Szymanski", "Wozniak"],
    "pakistani": ["Chaudhry", "Qureshi", "Rehman", "Malik", "Siddiqui", "Bhatti", "Mirza"],
    "nigerian": ["Okonkwo", "Adeyemi", "Nwosu", "Babatunde", "Eze", "Olawale", "Chukwu"],
    "romanian": ["Popescu", "Ionescu", "Dumitrescu", "Stanciu", "Constantin", "Munteanu", "Vasilescu"],
}
STREETS = ["Alder Road", "Beacon Lane", "Canal Street", "Dyers Close", "Forge Way", "Granary Court", "Kiln Lane",
           "Larch Avenue", "Maltings Drive", "Orchard Grove", "Pinfold Walk", "Quarry Road", "Tannery Street"]
TOWNS = ["Wellbridge", "Kettlemoor", "Brackenford", "Stonehay"]
HEADER = ["record_id", "first_name", "surname", "date_of_birth", "sex", "house_number", "street", "town",
          "postcode", "phone", "email", "notes"]


def _typo(rng, text):
    """One letter changed (not the first, so the name stays recognisable)."""
    position = rng.randrange(1, len(text))
    letter = rng.choice([c for c in "aeioulnrst" if c != text[position].lower()])
    return text[:position] + letter + text[position + 1:]


def _person(rng, number, used):
    while True:
        community = rng.choice(sorted(FIRST_NAMES))
        first, last = rng.choice(FIRST_NAMES[community]), rng.choice(SURNAMES[community])
        dob = f"{rng.randint(1955, 2012)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if (first, last) not in used:
            used.add((first, last))
            break
    return {
        "person": f"P{number}", "first_name": first, "surname": last, "date_of_birth": dob,
        "sex": rng.choice(["M", "F"]), "house_number": str(rng.randint(1, 180)), "street": rng.choice(STREETS),
        "town": rng.choice(TOWNS), "postcode": f"WK{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
        f"{rng.choice('LNPQRSTUWXYZ')}",
        "phone": f"07700 900{number:03d}" if rng.random() < 0.5 else "",
        "email": f"{first.lower()}.{last.lower()}{number}@example.com" if rng.random() < 0.4 else "",
    }


def _planted(rng, base):
    """Second mentions of people, each with one kind of error. Returns [(kind, record)]."""
    kinds = []
    named = {"Mohammed": "Muhammad", "Robert": "Bob", "William": "Bill", "Fatima": "Fatimah", "Ayesha": "Aisha"}
    for person in base:
        if person["first_name"] in named:
            kinds.append(("variant", dict(person, first_name=named[person["first_name"]])))
    plain = [person for person in base if person["first_name"] not in named]
    rng.shuffle(plain)
    makers = [
        ("surname typo", lambda p: dict(p, surname=_typo(rng, p["surname"]))),
        ("first name typo", lambda p: dict(p, first_name=_typo(rng, p["first_name"]))),
        ("names swapped", lambda p: dict(p, first_name=p["surname"], surname=p["first_name"])),
        ("names swapped with a slip", lambda p: dict(p, first_name=_typo(rng, p["surname"]), surname=p["first_name"])),
        ("day and month swapped", lambda p: dict(p, date_of_birth=_swap_day_month(p["date_of_birth"]))),
        ("no date of birth", lambda p: dict(p, date_of_birth="", email="")),
        ("moved house", lambda p: dict(p, house_number=str(int(p["house_number"]) + 7), street=rng.choice(STREETS),
                                       postcode="WK9 9ZZ")),
        ("compact date and lower case", lambda p: dict(p, date_of_birth=p["date_of_birth"].replace("-", ""),
                                                      first_name=p["first_name"].lower(),
                                                      surname=p["surname"].upper())),
    ]
    for index, person in enumerate(plain[: len(makers) * 6]):
        kind, make = makers[index % len(makers)]
        kinds.append((kind, make(person)))
    return kinds


def _swap_day_month(dob):
    year, month, day = dob.split("-")
    if int(day) > 12:
        day = f"{int(day) % 12 + 1:02d}"
    return f"{year}-{day}-{month}"


def _traps(rng):
    """Twins and a father and son: different people that look alike. Returns [(kind, [records])]."""
    twins = {"first_name": "Amira", "surname": "Haddad", "date_of_birth": "2010-05-17", "sex": "F",
             "house_number": "14", "street": "Weaver Street", "town": "Wellbridge", "postcode": "WK3 4PT",
             "phone": "", "email": ""}
    father = {"first_name": "Daniel", "surname": "Whitcombe", "date_of_birth": "1972-11-03", "sex": "M",
              "house_number": "7", "street": "Rowan Close", "town": "Ashlow", "postcode": "WK5 2LN",
              "phone": "07700 900990", "email": ""}
    sam = {"first_name": "Sam", "surname": "Pickering", "date_of_birth": "2009-02-11", "sex": "M",
           "house_number": "31", "street": "Mill Lane", "town": "Kettlemoor", "postcode": "WK6 1SD", "phone": "",
           "email": ""}
    return [
        # Two slips of one short name are two letters apart ('Sma', 'Ssm'), yet are one boy.
        ("two slips of one short name", [dict(sam, person="SAM"), dict(sam, person="SAM", first_name="Sma"),
                                         dict(sam, person="SAM", first_name="Ssm")]),
        ("twins", [dict(twins, person="TWIN-A"), dict(twins, person="TWIN-B", first_name="Layla"),
                   dict(twins, person="TWIN-A", phone="07700 900991"),
                   dict(twins, person="TWIN-B", first_name="Layla", phone="07700 900992")]),
        ("father and son", [dict(father, person="FATHER"),
                            dict(father, person="SON", date_of_birth="1999-06-21", phone=""),
                            dict(father, person="FATHER", phone="07700 900990", house_number=""),
                            dict(father, person="SON", date_of_birth="1999-06-21", phone="07700 900993")]),
    ]


def make_people(count=300, seed=7):
    """(records in file order, {record_id: person}, [(kind, record_id_a, record_id_b)] planted, traps)."""
    rng = random.Random(seed)
    used = set()
    base = [_person(rng, number, used) for number in range(count)]
    records = list(base)
    planted_pairs = []
    for kind, record in _planted(rng, base):
        records.append(record)
        planted_pairs.append((kind, record["person"]))
    traps = _traps(rng)
    for _, group in traps:
        records.extend(group)
    order = list(range(len(records)))
    rng.shuffle(order)
    shuffled = [dict(records[index], record_id=f"R{position:05d}") for position, index in enumerate(order)]
    return shuffled, planted_pairs, traps


def write_csv(path, records):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({**record, "notes": "synthetic"})
