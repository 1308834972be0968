"""A million synthetic person mentions with planted duplicates: `link csv` beside plain Splink.

The generator draws people from Faker name pools of many communities (each person keeps the pool it came
from), gives some a family member at the same address (same surname, other first name and date of birth: the
look-alikes a linker must not merge), then writes one or more mentions per person with typical errors:
typos, spelling/transliteration variants and nicknames, first name and surname swapped, day and month of
birth swapped, a digit of the date wrong, date missing, moved house, missing e-mail or postcode; one mention
in twenty gives the postcode without the street.

`--data dense` (the default since ADR 31) makes the same file harder, closer to a real extract: surnames and
first names drawn by frequency (a few names very common, as in real populations: a Zipf law, not uniformly
from the pool), about 18,000 postcodes for some 700,000 people (about 40 people a postcode, a postcode one
street, as in the UK, instead of about 3), and households: about 35% of people join a recent household at its
address (mostly with its surname), among them twins (same date of birth, another first name) and a son or
daughter given a parent's first name (born 18-40 years later). `--data standard` is the earlier generator,
unchanged, for comparison with older figures.

Measures time, peak memory (each linker runs in a fresh process of its own, `link_csv` as `safehub link csv`
calls it, so each ru_maxrss is that run's alone; the load average before and after each run is printed beside
it) and pairwise F1 against the planted truth, overall and per pool.
Prints one JSON object, also written to var/bench/linking_million.json.

    .venv/bin/python bench/linking_million.py [--n 1000000] [--data dense|standard] [--skip-plain]
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import zlib
import time
from collections import defaultdict
from itertools import accumulate
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from faker import Faker  # noqa: E402

from linking_common import pair_metrics, pairs_from_entities, plain_splink, write_result  # noqa: E402
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


def _by_frequency(names, exponent, rng):
    """(names in a random order, cumulative Zipf weights): the first few names are far more common."""
    names = list(names)
    rng.shuffle(names)
    return names, list(accumulate(1 / (rank + 1) ** exponent for rank in range(len(names))))


class DenseGenerator(Generator):
    """The same people and errors in a denser world: common names, crowded postcodes, households.

    Surnames follow a Zipf law (exponent 0.6: the commonest English surname is about 1.4% of all people, as
    Smith is about 1.1% in England; uniform draws gave at most 0.2%), first names a steeper one (0.7). A
    postcode is one street of HOUSES_PER_POSTCODE houses, with POSTCODE_UNITS postcodes in each of 600
    sectors (18,000 in all, about 40 people each in a million mentions). FAMILY_SHARE of people join a recent
    household at its address: mostly with its surname, some
    twins (same date of birth, another first name), some given a parent's first name (born 18-40 years apart).
    """
    SURNAME_EXPONENT = 0.6
    FIRST_NAME_EXPONENT = 0.7
    POSTCODE_UNITS = 30
    HOUSES_PER_POSTCODE = 40
    FAMILY_SHARE = 0.35
    SAME_SURNAME = 0.85
    TWINS = 0.06
    NAMED_AFTER_PARENT = 0.10
    LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

    def __init__(self, seed):
        super().__init__(seed)
        order = random.Random(seed + 2)
        self.weighted = {
            (pool, sex): (_by_frequency(firsts, self.FIRST_NAME_EXPONENT, order),
                          _by_frequency(lasts, self.SURNAME_EXPONENT, order))
            for pool, by_sex in sorted(self.pools.items()) for sex, (firsts, lasts) in sorted(by_sex.items())}

    def address(self):
        rng = self.rng
        district, sector, unit = rng.randint(1, 60), rng.randint(0, 9), rng.randrange(self.POSTCODE_UNITS)
        code = unit * 13 % len(self.LETTERS) ** 2  # spread the units over the letter pairs
        postcode = f"WK{district} {sector}{self.LETTERS[code // 20]}{self.LETTERS[code % 20]}"
        return {"house_number": str(rng.randint(1, self.HOUSES_PER_POSTCODE)),
                "street": self.streets[zlib.crc32(postcode.encode()) % len(self.streets)],
                "town": self.towns[(district - 1) % len(self.towns)], "postcode": postcode}

    def _draw(self, names_and_weights):
        names, weights = names_and_weights
        return self.rng.choices(names, cum_weights=weights)[0]

    def person(self, number, family_of=None):
        rng = self.rng
        pool = family_of["pool"] if family_of else rng.choices(self.pool_names, weights=self.weights)[0]
        relation = rng.random() if family_of else 1.0
        twin = relation < self.TWINS
        named_after = self.TWINS <= relation < self.TWINS + self.NAMED_AFTER_PARENT
        sex = ("male" if family_of["sex"] == "M" else "female") if named_after else rng.choice(["male", "female"])
        firsts, lasts = self.weighted[(pool, sex)]
        surname = (family_of["surname"] if family_of and rng.random() < self.SAME_SURNAME else self._draw(lasts))
        year, month, day = rng.randint(1950, 2015), rng.randint(1, 12), rng.randint(1, 28)
        if twin:
            year, month, day = (int(part) for part in family_of["date_of_birth"].split("-"))
        elif named_after:
            parent_year = int(family_of["date_of_birth"][:4])
            gap = rng.randint(18, 40)
            year = parent_year + gap if parent_year + gap <= 2015 else parent_year - gap
        first = family_of["first_name"] if named_after else self._draw(firsts)
        while family_of and not named_after and first == family_of["first_name"]:
            first = self._draw(firsts)
        person = {"person": number, "pool": pool, "sex": sex[0].upper(), "first_name": first, "surname": surname,
                  "date_of_birth": f"{year}-{month:02d}-{day:02d}",
                  **({key: family_of[key] for key in ("house_number", "street", "town", "postcode")}
                     if family_of else self.address())}
        person["email"] = (f"{first[:1].lower()}{zlib.crc32(surname.encode()) % 1000}.{number}@example.com"
                           if rng.random() < 0.3 else "")
        return person


GENERATORS = {"standard": (Generator, 0.12), "dense": (DenseGenerator, DenseGenerator.FAMILY_SHARE)}


def generate(path, n, seed=2026, data="dense"):
    """Write n mentions; returns ({record_id: person number}, {person number: pool})."""
    make, family_share = GENERATORS[data]
    generator, rng = make(seed), random.Random(seed + 1)
    truth, pools, people, written = {}, {}, [], 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, extrasaction="ignore")
        writer.writeheader()
        while written < n:
            family = (people[-rng.randint(1, min(50, len(people)))]
                      if people and rng.random() < family_share else None)
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


def _load():
    return round(os.getloadavg()[0], 2)


def run_child(kind, csv_path, out_path, threshold, model=None):
    """Run one linker in a fresh process (as a user runs `safehub link csv`): its seconds and peak memory.

    Each run has its own process, so each peak is its own (not the benchmark's generator, not the other run)."""
    command = [sys.executable, __file__, "--child", kind, "--csv", str(csv_path), "--out", str(out_path),
               "--threshold", str(threshold)] + (["--model", str(model)] if model else [])
    load_before, started = _load(), time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{kind} failed")
    return {"seconds": round(seconds, 1), "peak_memory_mb": round(usage.ru_maxrss / 1024, 1),
            "load_average_1min_before_after": [load_before, _load()], **json.loads(output)}


def child(args):
    """In the child process: link the file, write entities to --out, print what the parent needs as JSON."""
    if args.child == "safehub":
        result = link_csv(args.csv, args.out, threshold=args.threshold, model=args.model,
                          model_dir=None if args.model else settings.VAR_DIR / "linking")
        print(json.dumps({"stages_seconds": {k: round(v, 1) for k, v in result.seconds.items()},
                          "model": str(args.model or result.model_path), "entities": result.entities}))
        return
    plain = plain_splink(args.csv, threshold=args.threshold)
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "entity_id"])
        writer.writerows(plain["entities"].items())
    print(json.dumps({"splink_seconds": round(plain["seconds"], 1)}))


def generated(args, tmp):
    """The benchmark file and its truth: made in tmp, or kept in (and reused from) --keep DIR."""
    folder = Path(args.keep) if args.keep else tmp
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"people-{args.data}-{args.n}.csv"
    truth_path = csv_path.with_suffix(".truth.json")
    if csv_path.exists() and truth_path.exists():
        kept = json.loads(truth_path.read_text(encoding="utf-8"))
        return csv_path, kept["truth"], dict(enumerate(kept["pools"])), None
    started = time.perf_counter()
    truth, pools = generate(csv_path, args.n, data=args.data)
    truth_path.write_text(json.dumps({"truth": truth, "pools": [pools[number] for number in range(len(pools))]}),
                          encoding="utf-8")
    return csv_path, truth, pools, round(time.perf_counter() - started, 1)


def scored(run, out_path, truth, pools):
    with open(out_path, encoding="utf-8") as handle:
        entities = {row["record_id"]: row["entity_id"] for row in csv.DictReader(handle)}
    overall, per_pool = scores(entities, truth, pools)
    return {**run, **overall, "f1_by_pool": per_pool,
            "f1_pool_spread_points": round(100 * (max(per_pool.values()) - min(per_pool.values())), 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--data", choices=sorted(GENERATORS), default="dense")
    parser.add_argument("--threshold", type=float, default=0.99)
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--model", help="also link with this saved model (no training), reported apart")
    parser.add_argument("--keep", help="keep the generated file and its truth in this folder (reused next time)")
    parser.add_argument("--child", choices=["safehub", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    report = {"benchmark": "linking_million", "records": args.n, "data": args.data}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path, truth, pools, report["generate_seconds"] = generated(args, tmp)
        report["people"] = len(set(truth.values()))
        run = run_child("safehub", csv_path, tmp / "entities.csv", args.threshold)
        report["safehub"] = scored({**run, "threshold": args.threshold}, tmp / "entities.csv", truth, pools)
        if args.model:
            run = run_child("safehub", csv_path, tmp / "entities.csv", args.threshold, model=args.model)
            report["safehub_saved_model"] = scored({**run, "threshold": args.threshold}, tmp / "entities.csv",
                                                   truth, pools)
        if not args.skip_plain:
            run = run_child("plain", csv_path, tmp / "plain.csv", 0.9)
            report["plain_splink"] = scored({**run, "threshold": 0.9}, tmp / "plain.csv", truth, pools)
    report["aims"] = {"seconds": 25, "peak_memory_mb": 2048, "f1": 0.99, "pool_spread_points": 1}
    write_result("linking_million", report)


if __name__ == "__main__":
    main()
