"""A million synthetic person mentions with planted duplicates: `link csv` beside plain Splink.

The generator draws people from Faker name pools of many communities (each person keeps the pool it came
from), gives some a family member at the same address (same surname, other first name and date of birth: the
look-alikes a linker must not merge), then writes one or more mentions per person with typical errors:
typos, spelling/transliteration variants and nicknames, first name and surname swapped, day and month of
birth swapped, a digit of the date wrong, date missing, moved house, missing e-mail or postcode; one mention
in twenty gives the postcode without the street.

Measures time, peak memory (ru_maxrss of this process; both runs are in process, one after the other, so the
second figure is the larger of the two) and pairwise F1 against the planted truth, overall and per pool.
Prints one JSON object, also written to var/bench/linking_million.json.

    .venv/bin/python bench/linking_million.py [--n 1000000] [--skip-plain]
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import zlib
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from faker import Faker  # noqa: E402

from linking_common import pair_metrics, pairs_from_entities, peak_memory_mb, plain_splink, write_result  # noqa: E402
from safehub.linking.bulk import link_csv  # noqa: E402
from safehub.linking.normalise import NAME_GROUPS  # noqa: E402

POOLS = {
    "english": ["en_GB"], "irish": ["en_IE"], "indian": ["en_IN"], "pakistani": ["en_PK"],
    "nigerian": ["en_NG", "yo_NG"], "polish": ["pl_PL"], "romanian": ["ro_RO"], "slovak": ["sk_SK"],
    "czech": ["cs_CZ"], "hungarian": ["hu_HU"], "portuguese": ["pt_PT"], "italian": ["it_IT"],
    "turkish": ["tr_TR"], "lithuanian": ["lt_LT"], "latvian": ["lv_LV"],
}
POOL_WEIGHTS = {"english": 40, "pakistani": 8, "polish": 8, "indian": 6, "romanian": 6, "irish": 5, "nigerian": 5}
# No phone numbers: only Ofcom's 1,000 drama numbers are safe to make up, too few for a million people.
HEADER = ["record_id", "first_name", "surname", "date_of_birth", "sex", "house_number", "street", "town",
          "postcode", "email"]
STREET_TYPES = ["Street", "Road", "Lane", "Close", "Way", "Avenue", "Drive", "Court", "Grove", "Walk"]
GROUPS = [sorted(group) for group in NAME_GROUPS]


def name_pools(seed):
    """{pool: {sex: (first names, surnames)}}: Faker called a fixed number of times, once."""
    pools = {}
    for offset, (pool, locales) in enumerate(sorted(POOLS.items())):
        firsts, lasts = {"male": set(), "female": set()}, {"male": set(), "female": set()}
        for locale in locales:
            fake = Faker(locale)
            fake.seed_instance(seed * 100 + offset)
            for sex in ("male", "female"):
                firsts[sex].update(getattr(fake, f"first_name_{sex}")() for _ in range(400))
                lasts[sex].update(getattr(fake, f"last_name_{sex}")() for _ in range(400))
        pools[pool] = {sex: (sorted(firsts[sex]), sorted(lasts[sex])) for sex in ("male", "female")}
    # Names with spelling variants appear in the pools they belong to.
    pools["pakistani"]["male"][0].extend(["Mohammed", "Muhammad", "Yusuf", "Ibrahim", "Hussein", "Omar"])
    pools["pakistani"]["female"][0].extend(["Fatima", "Aisha", "Zainab", "Maryam"])
    pools["english"]["male"][0].extend(["Robert", "William", "James", "Michael", "Thomas"])
    return pools


def _typo(rng, text):
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text))
    kind = rng.random()
    if kind < 0.4:
        return text[:position] + rng.choice("aeiourstnl") + text[position + 1:]
    if kind < 0.7 and position < len(text) - 1:
        return text[:position] + text[position + 1] + text[position] + text[position + 2:]
    return text[:position] + text[position + 1:] if kind < 0.85 else text[:position] + text[position - 1] + text[position:]


def _variant(rng, first):
    for group in GROUPS:
        if first.lower() in group:
            return rng.choice([name for name in group if name != first.lower()]).capitalize()
    return None


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.pools = name_pools(seed)
        self.pool_names = sorted(self.pools)
        self.weights = [POOL_WEIGHTS.get(pool, 2) for pool in self.pool_names]
        self.towns = [f"{word}{end}" for word in ("Well", "Kettle", "Bracken", "Stone", "Ash", "Cinder", "Elm",
                                                   "Marsh", "Oak", "Thorn") for end in ("bridge", "moor", "ford",
                                                                                        "hay")]
        words = ["Alder", "Beacon", "Canal", "Dyers", "Elm", "Forge", "Granary", "Hollins", "Juniper", "Kiln", "Larch",
                 "Maltings", "Netherton", "Orchard", "Pinfold", "Quarry", "Rookery", "Sandpit", "Tannery", "Upton",
                 "Viaduct", "Weaver", "Yew", "Bramble", "Chapel", "Foundry", "Hawthorn", "Mill", "Rowan", "Station"]
        self.streets = [f"{word} {kind}" for word in words for kind in STREET_TYPES]

    def address(self):
        rng = self.rng
        district = rng.randint(1, 60)
        return {"house_number": str(rng.randint(1, 200)), "street": rng.choice(self.streets),
                "town": self.towns[(district - 1) % len(self.towns)],
                "postcode": f"WK{district} {rng.randint(0, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"}

    def person(self, number, family_of=None):
        rng = self.rng
        pool = family_of["pool"] if family_of else rng.choices(self.pool_names, weights=self.weights)[0]
        sex = rng.choice(["male", "female"])
        firsts, lasts = self.pools[pool][sex]
        person = {"person": number, "pool": pool, "sex": sex[0].upper(), "first_name": rng.choice(firsts),
                  "surname": family_of["surname"] if family_of else rng.choice(lasts),
                  "date_of_birth": f"{rng.randint(1950, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                  **({key: family_of[key] for key in ("house_number", "street", "town", "postcode")}
                     if family_of else self.address())}
        person["email"] = (f"{person['first_name'][:1].lower()}{zlib.crc32(person['surname'].encode()) % 1000}.{number}"
                           "@example.com" if rng.random() < 0.3 else "")
        if family_of and person["first_name"] == family_of["first_name"]:
            person["first_name"] = rng.choice(firsts)
        return person

    def mention(self, person):
        """A later mention of the person with one or two errors."""
        rng, record = self.rng, dict(person)
        for _ in range(rng.choice([1, 1, 2])):
            error = rng.random()
            if not record["date_of_birth"] and 0.48 <= error < 0.72:
                continue
            if error < 0.18:
                record["surname"] = _typo(rng, record["surname"])
            elif error < 0.34:
                record["first_name"] = _typo(rng, record["first_name"])
            elif error < 0.42:
                record["first_name"] = _variant(rng, record["first_name"]) or _typo(rng, record["first_name"])
            elif error < 0.48:
                record["first_name"], record["surname"] = record["surname"], record["first_name"]
            elif error < 0.55:
                year, month, day = record["date_of_birth"].split("-")
                if int(day) <= 12:
                    record["date_of_birth"] = f"{year}-{day}-{month}"
            elif error < 0.65:
                record["date_of_birth"] = ""
            elif error < 0.72:
                year, month, day = record["date_of_birth"].split("-")
                record["date_of_birth"] = f"{year}-{month}-{min(28, int(day) + rng.choice([1, 10])):02d}"
            elif error < 0.85:
                record.update(self.address())
            elif error < 0.92:
                record["postcode"] = ""
            else:
                record["email"] = ""
        if rng.random() < 0.05:  # only the postcode known, as a reporter often knows only the area
            record["house_number"] = record["street"] = ""
        return record


def generate(path, n, seed=2026):
    """Write n mentions; returns ({record_id: person number}, {person number: pool})."""
    generator, rng = Generator(seed), random.Random(seed + 1)
    truth, pools, people, written = {}, {}, [], 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, extrasaction="ignore")
        writer.writeheader()
        while written < n:
            family = people[-rng.randint(1, min(50, len(people)))] if people and rng.random() < 0.12 else None
            person = generator.person(len(pools), family_of=family)
            people.append(person)
            pools[person["person"]] = person["pool"]
            mentions = [person] + [generator.mention(person) for _ in range(rng.choices([0, 1, 2], [70, 22, 8])[0])]
            for record in mentions[: n - written]:
                record_id = f"M{written:07d}"
                writer.writerow({**record, "record_id": record_id})
                truth[record_id] = person["person"]
                written += 1
            if len(people) > 100:
                people = people[-60:]
    return truth, pools


def scores(entities, truth, pools):
    true_pairs = pairs_from_entities(truth)
    predicted = pairs_from_entities(entities)
    overall = pair_metrics(predicted, true_pairs)
    by_pool = defaultdict(lambda: (set(), set()))
    for pair in true_pairs:
        by_pool[pools[truth[pair[0]]]][0].add(pair)
    for pair in predicted:
        for pool in {pools[truth[pair[0]]], pools[truth[pair[1]]]}:
            by_pool[pool][1].add(pair)
    per_pool = {pool: pair_metrics(found, wanted)["f1"] for pool, (wanted, found) in sorted(by_pool.items())}
    return overall, per_pool


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--threshold", type=float, default=0.99)
    parser.add_argument("--skip-plain", action="store_true")
    args = parser.parse_args()
    report = {"benchmark": "linking_million", "records": args.n}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        truth, pools = generate(tmp / "people.csv", args.n)
        report["generate_seconds"] = round(time.perf_counter() - started, 1)
        report["people"] = len(set(truth.values()))
        started = time.perf_counter()
        result = link_csv(tmp / "people.csv", tmp / "entities.csv", threshold=args.threshold,
                          model_dir=settings.VAR_DIR / "linking")
        seconds = time.perf_counter() - started
        with open(tmp / "entities.csv", encoding="utf-8") as handle:
            entities = {row["record_id"]: row["entity_id"] for row in csv.DictReader(handle)}
        overall, per_pool = scores(entities, truth, pools)
        report["safehub"] = {"seconds": round(seconds, 1), "peak_memory_mb": peak_memory_mb(),
                             "stages_seconds": {k: round(v, 1) for k, v in result.seconds.items()},
                             "threshold": args.threshold, **overall, "f1_by_pool": per_pool,
                             "f1_pool_spread_points": round(100 * (max(per_pool.values()) - min(per_pool.values())), 2),
                             "model": str(result.model_path)}
        del entities
        if not args.skip_plain:
            plain = plain_splink(tmp / "people.csv", threshold=0.9)
            overall, per_pool = scores(plain["entities"], truth, pools)
            report["plain_splink"] = {"seconds": round(plain["seconds"], 1), "peak_memory_mb_after_both": peak_memory_mb(),
                                      "threshold": 0.9, **overall, "f1_by_pool": per_pool,
                                      "f1_pool_spread_points": round(
                                          100 * (max(per_pool.values()) - min(per_pool.values())), 2)}
    report["aims"] = {"faster_than_plain_splink": True, "peak_memory_mb": 3072, "f1": 0.99, "pool_spread_points": 1}
    write_result("linking_million", report)


if __name__ == "__main__":
    main()
