"""Network detection on the graph that linking a million mentions gives: connected parts and Leiden.

The million synthetic person mentions (the generator of linking_million.py) are linked with `safehub link csv`
(or, with --from-truth, given their planted person as entity, to skip the linking run). The mentions are then
filed into synthetic reports the way they arrive in practice: people are gathered into local peer groups of
3 to 12 (neighbours in the generator's order, so families stay together), and each report names 2 to 6
mentions of one group, now and then someone from another group (a bridge), with a child, sometimes a place,
and some of the group's selectors (phones, vehicles, online accounts, nicknames). A few selectors are shared
widely (a taxi firm's number, a busy handle): the hubs that make a real graph hard.

Then the same code as `safehub link run` (`safehub.linking.networks`): `network_rows` builds the joining graph
(people and selectors join reports; children and places do not) and takes its connected parts, and
`communities` runs Leiden (modularity) on each network of two or more reports. Leiden on the whole graph
at once is timed beside it. Prints one JSON object, also written to var/bench/linking_networks.json.

    .venv/bin/python bench/linking_networks.py [--n 1000000] [--from-truth]
"""

import argparse
import csv
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from linking_common import peak_memory_mb, write_result  # noqa: E402
from linking_million import generate  # noqa: E402
from safehub.linking import networks  # noqa: E402
from safehub.linking.bulk import link_csv  # noqa: E402

PERSON, CHILD, PLACE = "person", "child", "place"
SELECTOR_KINDS = ["phone", "vehicle", "handle", "nickname"]
ROLES = ["person_of_concern", "person_of_concern", "witness", "family", "unknown"]
BRIDGE_SHARE = 0.02  # of mentions filed in a report of another group
HUBS = 20  # widely shared selectors
HUB_SHARE = 0.001  # of reports naming one of them


def link_entities(csv_path, out_dir):
    """{record_id: entity id} from `link csv`, and its seconds."""
    started = time.perf_counter()
    link_csv(csv_path, out_dir / "entities.csv", model_dir=settings.VAR_DIR / "linking")
    seconds = time.perf_counter() - started
    with open(out_dir / "entities.csv", encoding="utf-8") as handle:
        entities = {row["record_id"]: row["entity_id"] for row in csv.DictReader(handle)}
    return entities, seconds


def mention_rows(truth, entities, seed=7):
    """(kind, role, entity id, record key, pattern, identifying) rows, as networks.compute reads them from
    Mention."""
    rng = random.Random(seed)
    by_person = {}
    for record_id, person in truth.items():
        by_person.setdefault(person, []).append(record_id)
    people = sorted(by_person)
    entity_number = {}

    def entity(key):
        return entity_number.setdefault(key, len(entity_number) + 1)

    hubs = [entity(("hub", number)) for number in range(HUBS)]
    groups, start = [], 0
    while start < len(people):
        size = rng.randint(3, 12)
        groups.append([record for person in people[start:start + size] for record in by_person[person]])
        start += size
    everyone = list(truth)
    rows, contact = [], 0
    for number, mentions in enumerate(groups):
        rng.shuffle(mentions)
        selectors = [entity((rng.choice(SELECTOR_KINDS), number, index)) for index in range(rng.randint(0, 4))]
        kinds = {selector: rng.choice(SELECTOR_KINDS) for selector in selectors}
        place = entity(("place", number % 5000))
        position = 0
        while position < len(mentions):
            size = rng.randint(2, 6)
            named = mentions[position:position + size]
            position += size
            contact += 1
            for record_id in named:
                if rng.random() < BRIDGE_SHARE:
                    record_id = rng.choice(everyone)
                rows.append((PERSON, rng.choice(ROLES), entity(("person", entities[record_id])), f"c{contact}", "", True))
            rows.append((CHILD, "child", entity(("child", contact)), f"c{contact}", "", True))
            if rng.random() < 0.3:
                rows.append((PLACE, "unknown", place, f"c{contact}", "", False))
            for selector in selectors:
                if rng.random() < 0.5:
                    rows.append((kinds[selector], "unknown", selector, f"c{contact}", "", True))
            if rng.random() < HUB_SHARE:
                rows.append(("phone", "unknown", rng.choice(hubs), f"c{contact}", "", True))
    return rows, contact


def measure(rows):
    report = {}
    gc.collect()
    started = time.perf_counter()
    graph, _ = networks.build_graph([row[:4] for row in rows])
    report["build_whole_graph_seconds"] = round(time.perf_counter() - started, 2)
    report["graph_nodes"], report["graph_edges"] = graph.vcount(), graph.ecount()

    started = time.perf_counter()
    decided = networks.network_rows(rows)
    found, hubs = [group_rows for group_rows, _, _ in decided.groups], decided.hubs
    report["ties_and_networks_seconds"] = round(time.perf_counter() - started, 2)
    report["hubs"] = len(hubs)
    sizes = sorted((len({row[3] for row in group}) for group in found), reverse=True)
    report["networks"] = len(found)
    report["reports_in_networks"] = sum(sizes)
    report["largest_network_reports"] = sizes[0] if sizes else 0
    report["median_network_reports"] = statistics.median(sizes) if sizes else 0

    started = time.perf_counter()
    community_counts = [len(set(networks.communities(group).values())) for group in found]
    report["leiden_per_network_seconds"] = round(time.perf_counter() - started, 2)
    report["communities_in_largest_network"] = max(community_counts, default=0)

    started = time.perf_counter()
    whole = graph.community_leiden(objective_function="modularity", n_iterations=-1)
    report["leiden_whole_graph_seconds"] = round(time.perf_counter() - started, 2)
    report["leiden_whole_graph_communities"] = len(whole)
    report["leiden_whole_graph_modularity"] = round(whole.modularity, 4)
    report["components_plus_leiden_per_network_seconds"] = round(
        report["ties_and_networks_seconds"] + report["leiden_per_network_seconds"], 2)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--from-truth", action="store_true",
                        help="use the planted person as the entity instead of running link csv")
    args = parser.parse_args()
    report = {"benchmark": "linking_networks", "mentions": args.n}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        truth, _ = generate(tmp / "people.csv", args.n)
        if args.from_truth:
            entities, report["entities_from"] = {record: person for record, person in truth.items()}, "planted truth"
        else:
            entities, seconds = link_entities(tmp / "people.csv", tmp)
            report["entities_from"], report["link_csv_seconds"] = "safehub link csv", round(seconds, 1)
    report["entities"] = len(set(entities.values()))
    rows, contacts = mention_rows(truth, entities)
    del truth, entities
    report["reports"], report["mention_rows"] = contacts, len(rows)
    report.update(measure(rows))
    report["peak_memory_mb"] = peak_memory_mb()
    write_result("linking_networks", report)


if __name__ == "__main__":
    main()
