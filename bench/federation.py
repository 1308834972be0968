"""Asking other areas at national scale (ADR 30): 150 partnerships on this machine, each its own process with its
own SQLite file holding only its encodings and its audit of queries, answering over loopback HTTP; one asker
sends people of concern to all of them at once through the same code an analyst's "ask other areas" runs.

Prints JSON: query latency across all partnerships (p50, p95 of the whole fan-out, and of one partner's answer),
encoding throughput, and linkage quality against the plain matcher on the same people (precision and recall of
"this area holds the same man", planted truth). The plain matcher is Safehub's real-time scorer (the packaged
Splink model's weights) on the plain names and dates of birth, at the auto-link probability; selectors are
compared by equality of the normalised value, as linking does.

    python bench/federation.py [--areas 150] [--people 40] [--queries 60] [--seed 7]

Each partnership's server is the small WSGI app below, not the whole Django site: the matching, the signature
check and the answer are `safehub.federation.encodings` (what the site's view calls), the audit a row in its own
SQLite file. The machine is shared: read the figures as an upper bound.
"""

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
from collections import Counter
import sys
import tempfile
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from safehub.federation import asking  # noqa: E402
from safehub.federation.encodings import (PARTNER_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, ClkEncoder,  # noqa: E402
                                          ClkIndex, date_variants,
                                          best_match, check_query, clk_from_text, clk_to_text, dice, dumps,
                                          selector_digest, signature_ok, signed_headers)
from safehub.federation.config import DEFAULT_PERSON_THRESHOLD  # noqa: E402
from safehub.linking import normalise  # noqa: E402

KEY_ID, KEY = "bench", b"bench-federation-key"
FIRST_PORT = 19000
THRESHOLD = DEFAULT_PERSON_THRESHOLD
BEFORE = 0.85  # the threshold before ADR 34, for the side-by-side in the quality figures
AUDIT_SYNC = "NORMAL"  # the site's SQLite setting (settings.py); --audit-sync full for an fsync per answer
FIRST = ["James", "John", "Robert", "Michael", "David", "Daniel", "Mohammed", "Ahmed", "Imran", "Tariq", "Liam",
         "Connor", "Kyle", "Jordan", "Darren", "Wayne", "Lee", "Dean", "Craig", "Gary", "Mark", "Paul", "Steven",
         "Andrew", "Thomas", "Ryan", "Jamie", "Shane", "Adam", "Nathan", "Kamal", "Bilal", "Hassan", "Usman", "Zain",
         "Arif", "Piotr", "Marek", "Tomasz", "Florin", "Adrian", "Ionut", "Kwame", "Tunde", "Emeka", "Reece",
         "Callum", "Lewis", "Aaron", "Scott"]
LAST = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Khan", "Hussain", "Ali", "Ahmed", "Shah",
        "Iqbal", "Malik", "Begum", "Patel", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards",
        "Green", "Hall", "Wood", "Harris", "Martin", "Jackson", "Clarke", "Kowalski", "Nowak", "Popescu", "Ionescu",
        "Okafor", "Mensah", "Kettleby", "Marsh", "Outhwaite", "Brandon", "Pike", "Orr", "Fenwick", "Gallagher",
        "Doherty", "McCann", "Riley", "Barker", "Holt", "Moss"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


# --- The population: men, their phones and cars, planted across areas with spelling variants ----------


def typo(name, rng):
    """One slip: a letter dropped, doubled, swapped with the next or replaced."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    slip = rng.choice(("drop", "double", "swap", "replace"))
    if slip == "drop":
        return name[:i] + name[i + 1:]
    if slip == "double":
        return name[:i] + name[i] + name[i:]
    if slip == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i] + rng.choice(LETTERS) + name[i + 1:]


def make_man(number, rng):
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 45))
    return {"id": number, "first": rng.choice(FIRST), "last": rng.choice(LAST), "born": born,
            "phones": [f"07700 9{rng.randrange(100000):05d}"[:12] for _ in range(rng.choice((1, 1, 2)))],
            "car": f"{rng.choice('ABCDEFGHKLMNOPRSVWY')}{rng.choice('ABCDEFGHKLMNOPRSVWY')}{rng.randrange(10, 75)}"
                   f" {''.join(rng.choice('ABCDEFGHJKLMNOPRSTUVWXYZ') for _ in range(3))}"}


def sighting(man, rng):
    """How one area wrote the man down: perhaps a slip in a name, a day and month swapped, no date; some of his
    phones, perhaps his car, perhaps another format."""
    first, last = man["first"], man["last"]
    if rng.random() < 0.3:
        first = typo(first, rng)
    if rng.random() < 0.3:
        last = typo(last, rng)
    born = man["born"]
    roll = rng.random()
    if roll < 0.05 and born.day <= 12:
        born = dt.date(born.year, born.day, born.month)
    elif roll < 0.10:
        born = None
    phones = [phone if rng.random() < 0.5 else "+44 " + phone[1:] for phone in man["phones"] if rng.random() < 0.6]
    car = man["car"] if rng.random() < 0.4 else None
    return {"man": man["id"], "first": first, "last": last, "born": born, "phones": phones, "car": car}


def plant(areas, per_area, rng):
    """{area: [sightings]}: each area's own men, and a quarter of all men seen in 2 to 6 areas."""
    men, holdings = [], {area: [] for area in range(areas)}
    for area in range(areas):
        for _ in range(per_area):
            man = make_man(len(men), rng)
            men.append(man)
            towns = [area] + (rng.sample(range(areas), rng.randint(1, 5)) if rng.random() < 0.25 else [])
            for town in set(towns):
                holdings[town].append(sighting(man, rng))
    return men, holdings


# --- Encoding (as `safehub.federation.publish` does) ------------------------------------------------


def person_fields(record):
    born = record["born"].strftime("%Y%m%d") if record["born"] else ""
    return normalise.name_key(record["first"]), normalise.name_key(record["last"]), born


def selectors(record):
    found = {("phone", normalise.normalise_phone(phone)) for phone in record["phones"]}
    if record["car"]:
        found.add(("vehicle", normalise.normalise_registration(record["car"])))
    return sorted(found)


def encode(record, encoder):
    """(selector digests, CLK or None): as `publish`, no CLK without a date of birth."""
    clk = clk_to_text(encoder.encode(*person_fields(record))) if record["born"] else None
    return [(kind, selector_digest(KEY, kind, value)) for kind, value in selectors(record)], clk


def question(record, encoder):
    """The query asking about a record, as `publish.person_query` makes it: its selectors' digests and a CLK of
    each of its date's variants (as written, and day and month swapped where that is a date)."""
    first, last, born = person_fields(record)
    people = sorted({clk_to_text(encoder.encode(first, last, date)) for date in date_variants(born)}) if born else []
    return {"key_id": KEY_ID, "asked_by": "bench", "people": people,
            "selectors": [{"kind": kind, "digest": selector_digest(KEY, kind, value)}
                          for kind, value in selectors(record)]}


def write_area(path, records, encoder):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE encoding (kind TEXT, key_id TEXT, value TEXT)")
    db.execute("CREATE INDEX encoding_value ON encoding (key_id, kind, value)")
    db.execute("CREATE TABLE audit (at TEXT, partner TEXT, reason TEXT)")
    rows = []
    for record in records:
        chosen, clk = encode(record, encoder)
        rows += [(kind, KEY_ID, digest) for kind, digest in chosen] + ([("person", KEY_ID, clk)] if clk else [])
    db.executemany("INSERT INTO encoding VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()


# --- One partnership's server ------------------------------------------------------------------------


def area_app(db_path, code, secret, contact):
    """One partnership's answer to a query, as `safehub.federation.answering` gives it: the signature checked, the
    query's shape, its selectors looked up in one indexed query, its CLKs scored against the ClkIndex (built again
    only when the people's rows change: the same count-and-newest-row check), the answer audited in its own
    SQLite file with the site's SQLite settings (WAL, synchronous NORMAL; `--audit-sync full` for an fsync per
    answer), then signed."""
    db = sqlite3.connect(db_path, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={AUDIT_SYNC}")
    lock = threading.Lock()  # one connection shared by the server's threads
    people = {}

    def people_index():
        version = db.execute("SELECT count(*), max(rowid) FROM encoding WHERE key_id = ? AND kind = 'person'",
                             (KEY_ID,)).fetchone()
        if version not in people:
            people.clear()
            people[version] = ClkIndex(value for (value,) in db.execute(
                "SELECT value FROM encoding WHERE key_id = ? AND kind = 'person'", (KEY_ID,)))
        return people[version]

    def held(selectors):
        digests = sorted({selector["digest"] for selector in selectors})
        marks = ", ".join("?" * len(digests))
        return set(db.execute(f"SELECT kind, value FROM encoding WHERE key_id = ? AND kind IN ('phone', 'vehicle', "
                              f"'handle') AND value IN ({marks})", (KEY_ID, *digests))) if digests else set()

    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        asker = environ.get("HTTP_X_SAFEHUB_PARTNER", "")
        if not signature_ok(secret, asker, environ.get("HTTP_X_SAFEHUB_TIMESTAMP", ""), body,
                            environ.get("HTTP_X_SAFEHUB_SIGNATURE", ""), time.time()):
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error":"signature"}']
        query = check_query(json.loads(body))
        with lock:
            strength, matched = best_match(query, held(query["selectors"]), people_index(), THRESHOLD)
            db.execute("INSERT INTO audit VALUES (?, ?, ?)", (dt.datetime.now().isoformat(), asker,
                                                              f"match {strength}" if matched else "no match"))
            db.commit()
        answer = {"match": True, "strength": strength, "matched": matched, "contact": contact} if matched \
            else {"match": False}
        out = dumps(answer)
        headers = signed_headers(secret, code, str(int(time.time())), out)
        start_response("200 OK", list(headers.items()))
        return [out]

    return app


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


def serve(db_path, code, port, secret):
    server = make_server("127.0.0.1", port, area_app(db_path, code, secret,
                                                     {"name": f"Duty analyst, area {code}", "phone": "01632 960000"}),
                         server_class=ThreadingServer, handler_class=QuietHandler)
    server.serve_forever()


def start_areas(folder, count):
    """Fork one server process per partnership; returns their pids once every port answers."""
    pids = []
    for area in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                serve(str(folder / f"area{area}.sqlite3"), f"area{area}", FIRST_PORT + area, f"secret-{area}")
            finally:
                os._exit(0)
        pids.append(pid)
    deadline = time.monotonic() + 60
    for area in range(count):
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", FIRST_PORT + area)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"area {area} did not start")
            time.sleep(0.05)
    return pids


# --- Linkage quality ------------------------------------------------------------------------------------


def plain_scorer():
    from safehub.linking.bulk import prepare_record
    from safehub.linking.people import DEFAULT_MODEL
    from safehub.linking.scorer import Scorer

    scorer = Scorer(DEFAULT_MODEL)

    def prepared(record):
        return prepare_record({"first_name": record["first"], "surname": record["last"],
                               "date_of_birth": record["born"].isoformat() if record["born"] else ""})

    return scorer, prepared


def metrics(predicted, truth):
    hits = len(predicted & truth)
    return {"precision": round(hits / len(predicted), 4) if predicted else 1.0,
            "recall": round(hits / len(truth), 4) if truth else 1.0, "predicted": len(predicted), "true": len(truth)}


def quality(questions, holdings, encoder, auto_probability):
    """Precision and recall of "area holds the same man as the question", people alone (names and date of birth:
    the CLKs' Dice against the plain scorer at the auto-link probability) and with selectors (as the federation
    answers). Both decide per pair of records and answer for an area if any of its records matches. Beside them,
    the encodings as they were before ADR 34 (threshold 0.85, no CLK of the swapped date) on the same questions."""
    scorer, prepared = plain_scorer()

    def clk(record):
        return encoder.encode(*person_fields(record)) if record["born"] else None

    def asked(record):  # the CLKs a question carries (both date variants), as ints
        return [clk_from_text(text) for text in question(record, encoder)["people"]]

    area_people = {area: [(r["man"], clk(r), prepared(r), set(selectors(r)))
                          for r in records] for area, records in holdings.items()}
    truth, by_clk, by_plain, by_clk_sel, by_plain_sel, by_before = set(), set(), set(), set(), set(), set()
    for number, (home, asking_about) in enumerate(questions):
        own_clks, plain, own = asked(asking_about), prepared(asking_about), set(selectors(asking_about))
        as_written = clk(asking_about)
        for area, people in area_people.items():
            if area == home:
                continue
            pair = (number, area)
            for man, other_clk, other_plain, other_selectors in people:
                if man == asking_about["man"]:
                    truth.add(pair)
                shared = bool(own & other_selectors)
                if other_clk is not None and any(dice(mine, other_clk) >= THRESHOLD for mine in own_clks):
                    by_clk.add(pair)
                    by_clk_sel.add(pair)
                if as_written is not None and other_clk is not None and dice(as_written, other_clk) >= BEFORE:
                    by_before.add(pair)
                if shared:
                    by_clk_sel.add(pair)
                    by_plain_sel.add(pair)
                if scorer.probability(scorer.weight(plain, other_plain)) >= auto_probability:
                    by_plain.add(pair)
                    by_plain_sel.add(pair)
    return {"people_only": {"encodings": metrics(by_clk, truth), "plain_matcher": metrics(by_plain, truth),
                            "encodings_before_adr34": metrics(by_before, truth)},
            "people_and_selectors": {"encodings": metrics(by_clk_sel, truth),
                                     "plain_matcher": metrics(by_plain_sel, truth)}}


def cpu_seconds(pid):
    """User and system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=150)
    parser.add_argument("--people", type=int, default=40, help="men first recorded in each area")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--quality-queries", type=int, default=500,
                        help="questions for precision and recall (at 150 a pair is 0.3 points and samples differ by 4)")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--audit-sync", choices=("normal", "full"), default="normal",
                        help="SQLite synchronous setting of each partner's audit: the site's (normal) or an fsync "
                             "per answer (full)")
    args = parser.parse_args()
    global AUDIT_SYNC
    AUDIT_SYNC = args.audit_sync.upper()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    import django

    django.setup()  # the plain scorer's settings; the servers need none
    from django.conf import settings
    rng = random.Random(args.seed)
    men, holdings = plant(args.areas, args.people, rng)
    encoder = ClkEncoder(KEY)
    records = [record for area in holdings.values() for record in area]
    started = time.perf_counter()
    for record in records:
        encode(record, encoder)
    encode_seconds = time.perf_counter() - started

    folder = Path(tempfile.mkdtemp(prefix="safehub-federation-"))
    for area, held in holdings.items():
        write_area(folder / f"area{area}.sqlite3", held, encoder)
    pids = start_areas(folder, args.areas)
    try:
        partners = {f"area{a}": {"name": f"Area {a}", "url": f"http://127.0.0.1:{FIRST_PORT + a}",
                                 "secret": f"secret-{a}"} for a in range(args.areas)}
        shared = [(area, r) for area, held in holdings.items() for r in held]
        questions = rng.sample(shared, args.queries)
        fanouts, answers, outcomes, asker_cpu = [], [], {}, 0.0
        partners_cpu = sum(cpu_seconds(pid) for pid in pids)
        for home, record in questions:
            query = question(record, encoder)
            # the asker is each area in turn (partners sign as the asker's code with their own shared secret)
            me = f"area{home}"
            others = {code: p for code, p in partners.items() if code != me}
            began, cpu_began = time.perf_counter(), time.process_time()
            result = asking.ask_all(me, others, query, args.timeout)
            fanouts.append(time.perf_counter() - began)
            asker_cpu += time.process_time() - cpu_began
            for answer in result.values():
                answers.append(answer["seconds"])
                outcomes[answer["outcome"]] = outcomes.get(answer["outcome"], 0) + 1
        partners_cpu = sum(cpu_seconds(pid) for pid in pids) - partners_cpu
        alone = []  # one partner asked on its own: what one partnership's answer takes without the other 148
        for home, record in questions:
            code = f"area{rng.choice([a for a in range(args.areas) if a != home])}"
            result = asking.ask_all(f"area{home}", {code: partners[code]}, question(record, encoder), args.timeout)
            alone.append(result[code]["seconds"])
        audited = sum(sqlite3.connect(folder / f"area{a}.sqlite3").execute("SELECT count(*) FROM audit").fetchone()[0]
                      for a in range(args.areas))
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
        for pid in pids:
            os.waitpid(pid, 0)
        shutil.rmtree(folder)
    quality_questions = rng.sample(shared, min(args.quality_queries, len(shared)))
    report = {
        "benchmark": "federation", "areas": args.areas, "processes": args.areas, "records": len(records),
        "men": len(men), "men_in_more_than_one_area": sum(1 for n in Counter(
            r["man"] for held in holdings.values() for r in held).values() if n > 1),
        "queries": args.queries, "timeout_seconds": args.timeout,
        "fanout_seconds": {"p50": round(statistics.median(fanouts), 3), "p95": round(percentile(fanouts, 0.95), 3),
                           "max": round(max(fanouts), 3)},
        "answers_within_fanout_seconds": {"p50": round(statistics.median(answers), 3),
                                          "p95": round(percentile(answers, 0.95), 3)},
        "one_partner_alone_seconds": {"p50": round(statistics.median(alone), 3),
                                      "p95": round(percentile(alone, 0.95), 3)},
        "cpu_ms": {"asker_per_fanout": round(1000 * asker_cpu / len(fanouts), 1),
                   "partners_per_fanout": round(1000 * partners_cpu / len(fanouts), 1),
                   "one_partner_per_answer": round(1000 * partners_cpu / len(answers), 2)},
        "audit_sync": AUDIT_SYNC.lower(),
        "outcomes": outcomes, "queries_audited_by_partners": audited,
        "encoding": {"records": len(records), "seconds": round(encode_seconds, 3),
                     "records_per_second": round(len(records) / encode_seconds)},
        "quality": {"questions": len(quality_questions), "dice_threshold": THRESHOLD,
                    "plain_auto_probability": settings.SAFEHUB_LINK_AUTO_PROBABILITY,
                    **quality(quality_questions, holdings, encoder, settings.SAFEHUB_LINK_AUTO_PROBABILITY)},
        "cpu_count": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "note": "machine shared with other work; one asker (asyncio, a connection per partner); each partnership a "
                "forked WSGI process",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
