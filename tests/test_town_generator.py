"""The synthetic town behind bench/networks_quality.py: its ground truth holds (every planted network is held
together by strong evidence of its own), the confounders are there at every size (hub phones in many unrelated
reports, nicknames shared across groups, common nicknames given alone), the payloads are what the referral API
accepts, and a seed always gives the same town."""

import json
import re
from collections import defaultdict
from difflib import SequenceMatcher
from functools import lru_cache

from safehub.demo import town
from safehub.intake.api import ReferralCreateSerializer
from safehub.linking import normalise


@lru_cache(maxsize=4)
def make(n, seed=2026):
    return town.generate(n, seed)


def phone_keys(report):
    return {normalise.normalise_phone(p["number"]) for p in report["payload"]["phones"]} - {None}


def full_marks(report):
    marks = (normalise.normalise_registration(v["registration"]) for v in report["payload"]["vehicles"])
    return {mark for mark in marks if mark and not normalise.is_partial_registration(mark)}


def handle_keys(report):
    return {normalise.normalise_handle(h["username"]) for h in report["payload"]["handles"]}


def names(report):
    return {normalise.normalise_name(p["name"]) for p in report["payload"]["people"] if p.get("name")}


def nicknames_alone(report):
    return {p["nicknames"].casefold() for p in report["payload"]["people"] if p.get("nicknames") and not p.get("name")}


def own_values(network):
    """The network's strong values as linking normalises them: phones, marks, handles, men's full names."""
    return ({normalise.normalise_phone(p["number"]) for p in network["phones"]}
            | {v["registration"] for v in network["vehicles"]}
            | {h["username"] for h in network["handles"]}
            | {normalise.normalise_name(m["name"]) for m in network["men"]})


def strong(report, network):
    """The strong evidence this report carries of its own network, read back from what it says."""
    found = phone_keys(report) | full_marks(report) | handle_keys(report) | names(report)
    return found & own_values(network)


def test_ground_truth_is_consistent_and_each_network_is_held_together_by_strong_evidence():
    made = make(1000)
    truth = made.truth()
    assert 0.04 <= len(truth) / made.n_reports <= 0.06 and len(made.reports) == 1000
    by_network = defaultdict(list)
    for index, network_id in truth.items():
        by_network[network_id].append(index)
    assert set(by_network) == set(made.networks) and len(made.networks) >= 8
    for network_id, network in made.networks.items():
        reports = [made.reports[i] for i in network["reports"]]
        assert sorted(network["reports"]) == sorted(by_network[network_id])
        assert 3 <= len(reports) <= 8 and 2 <= len(network["men"]) <= 4
        assert 1 <= len(network["phones"]) <= 3 and 1 <= len(network["vehicles"]) <= 2 and len(network["children"]) <= 2
        assert town.connected([strong(report, network) for report in reports]), network_id
        men = [town.fold(m["name"]) for m in network["men"]]
        nicknames = {m["nickname"].casefold() for m in network["men"]}
        children = {c["last"].casefold() for c in network["children"]} | {c["first"].casefold() for c in network["children"]}
        for report in reports:
            people = report["payload"]["people"]
            # Each names 1-2 of its men (full name, a slip of it, or only the nickname) and one of its children.
            assert 1 <= len(people) <= 2
            for person in people:
                close = max(SequenceMatcher(None, town.fold(person.get("name", "")), man).ratio() for man in men)
                assert (person.get("nicknames") or "").casefold() in nicknames or close >= 0.6, person
            assert any(set(c["name"].casefold().split()) & children for c in report["payload"]["children"])
        # A planted man's name and the group's phones, marks and handles are named in no other report.
        outside = [r for i, r in enumerate(made.reports) if truth.get(i) != network_id]
        seen = set().union(*(phone_keys(r) | full_marks(r) | handle_keys(r) | names(r) for r in outside))
        assert not own_values(network) & seen, network_id
    # Some planted networks hold together only through a correctly spelt full name, most through selectors.
    alone = [n["connected_by_selectors"] for n in made.networks.values()]
    assert sum(alone) >= len(alone) / 2


def test_hubs_are_named_in_many_unrelated_reports_and_some_planted_ones():
    for n in (1000, 20_000):
        made = make(n)
        truth = made.truth()
        background = [r for i, r in enumerate(made.reports) if i not in truth]
        taxi = normalise.normalise_phone(town.TAXI_PHONE)
        with_taxi = [i for i, r in enumerate(made.reports) if taxi in phone_keys(r)]
        assert with_taxi == made.hubs["taxi"]["reports"]
        assert 0.08 <= len(with_taxi) / n <= 0.14, n
        in_networks = [i for i in with_taxi if i in truth]
        assert 0.05 * len(truth) <= len(in_networks) <= len(with_taxi) / 2
        whose = {p.get("whose", "") for i in with_taxi for p in made.reports[i]["payload"]["phones"]
                 if normalise.normalise_phone(p["number"]) == taxi}
        assert {"taxi firm", "Castle Cabs", ""} <= whose
        written = {p["number"] for i in with_taxi for p in made.reports[i]["payload"]["phones"]
                   if normalise.normalise_phone(p["number"]) == taxi}
        assert len(written) >= 3  # the same number written in several ways

        takeaway = normalise.normalise_phone(town.TAKEAWAY_PHONE)
        phone_only = sum(takeaway in phone_keys(r) for r in background)
        at_place = sum(any(p["address"].startswith(town.TAKEAWAY["name"]) for p in r["payload"]["places"])
                       for r in background)
        assert phone_only >= 0.03 * len(background) and at_place >= 0.03 * len(background)

        for nickname in ("jay", "kev", "mo"):
            share = sum(nickname in nicknames_alone(r) for r in background) / len(background)
            assert 0.03 <= share <= 0.08, (n, nickname, share)
        first_alone = sum(any(p.get("name") in ("Ali", "Dan") for p in r["payload"]["people"]) for r in background)
        assert first_alone >= 0.02 * len(background)


def test_nicknames_collide_across_networks_and_the_pools_do_not_grow():
    for n in (1000, 20_000):
        made = make(n)
        networks_with = defaultdict(set)
        for network_id, network in made.networks.items():
            nicknames = [m["nickname"] for m in network["men"]]
            assert len(set(nicknames)) == len(nicknames)  # within one group, every man his own
            for nickname in nicknames:
                networks_with[nickname].add(network_id)
        assert set(networks_with) <= {name for name, _ in town.NETWORK_NICKNAMES}
        assert max(len(ids) for ids in networks_with.values()) >= (3 if n == 1000 else n // 400)
        assert len(networks_with["Bugsy"]) == max(len(ids) for ids in networks_with.values())
        # Some unrelated reports give a planted group's nickname alone too.
        truth = made.truth()
        assert any("bugsy" in nicknames_alone(r) for i, r in enumerate(made.reports) if i not in truth)


def test_families_other_scripts_and_impossible_values_are_there():
    made = make(1000)
    everyone = [p.get("name", "") for r in made.reports for p in r["payload"]["people"]]
    assert any(re.search(r"[\u0600-\u06ff]", name) for name in everyone)  # Urdu script
    assert any(re.search(r"[łŁąęśżźćńóÓ]", name) for name in everyone)  # Polish letters
    surnames = defaultdict(int)
    for r in made.reports:
        people = [p["name"].split()[-1] for p in r["payload"]["people"] if len(p.get("name", "").split()) > 1]
        if len(people) == 2 and people[0] == people[1]:
            surnames[people[0]] += 1
    assert sum(surnames.values()) >= 5  # two men of one family in a report
    for kind, reports in made.hubs["impossible"].items():
        assert reports, kind


def test_payloads_are_what_the_referral_api_accepts_but_for_the_impossible_values():
    made = make(1000)
    refused = set(made.hubs["impossible"]["bad mark"]) | set(made.hubs["impossible"]["age 150"])
    for index, report in enumerate(made.reports):
        assert report["agency"] in {"SCHOOLS", "POLICE", "HEALTH"}
        valid = ReferralCreateSerializer(data=report["payload"]).is_valid()
        assert valid == (index not in refused), (index, report["payload"])
    keys = [r["payload"]["submission_key"] for r in made.reports]
    assert len(set(keys)) == len(keys)


def test_values_are_synthetic():
    made = make(1000)
    drama = re.compile(r"\+44(7700900|11[3-7]4960|1214960|1314960|1414960|1514960|1614960|1914980|2079460|2920180|"
                       r"1184960|1632960)\d{3}")
    refused = set(made.hubs["impossible"]["bad mark"])  # the API refuses these marks: never filed
    for index, report in enumerate(made.reports):
        for key in phone_keys(report):
            assert drama.fullmatch(key), key
        for mark in full_marks(report) if index not in refused else ():
            assert mark[2:4] in town.FUTURE_AGES, mark
        for place in report["payload"]["places"]:
            assert not place.get("postcode") or place["postcode"].startswith("WK")


def test_a_seed_always_gives_the_same_town():
    def dump(made):
        return json.dumps([made.reports, made.networks, made.hubs], sort_keys=True, ensure_ascii=False)

    assert dump(town.generate(400, 5)) == dump(town.generate(400, 5))
    assert dump(town.generate(400, 5)) != dump(town.generate(400, 6))


def test_score_counts_exact_recoveries_merges_and_false_flags():
    made = make(1000)
    planted = [set(n["reports"]) for n in made.networks.values()]
    unrelated = [i for i in range(made.n_reports) if i not in made.truth()]
    perfect = town.score(made, [(reports, True) for reports in planted])
    assert perfect["mean_best_jaccard"] == perfect["recovered_exactly"] == 1.0
    assert perfect["networks_merging_planted"] == perfect["flagged_unrelated_only"] == 0
    assert all(perfect["aims_met"].values())

    merged = [(planted[0] | planted[1], True), *((reports, True) for reports in planted[2:]),
              ({unrelated[0], unrelated[1]}, True), ({unrelated[2], unrelated[3]}, False)]
    scored = town.score(made, merged)
    assert scored["networks_merging_planted"] == 1 and scored["flagged_unrelated_only"] == 1
    assert scored["recovered_exactly_count"] == len(planted) - 2
    assert scored["largest_network_reports"] == len(planted[0] | planted[1])
    assert not scored["aims_met"]["networks_merging_planted"] and not scored["aims_met"]["flagged_unrelated_only"]
